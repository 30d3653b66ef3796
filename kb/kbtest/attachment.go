package kbtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// PNG is a valid w×h PNG image, a colour varying with seed so that different seeds give
// different content.
func PNG(w, h int, seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 40), uint8(y * 60), seed, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// JPEG is a valid small JPEG image.
func JPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, nil)
	return buf.Bytes()
}

// WebP is a valid 1×1 lossless WebP image.
func WebP() []byte {
	b, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	return b
}

// GIFPolyglot is a valid GIF that is also meant to run as script: a comment extension opens
// a script comment, and script follows the GIF's trailer.
func GIFPolyglot() []byte {
	img := image.NewPaletted(image.Rect(0, 0, 2, 2), []color.Color{color.Black, color.White})
	var buf bytes.Buffer
	gif.Encode(&buf, img, nil)
	b := buf.Bytes()
	// Header (6) + logical screen descriptor (7) + global colour table (2 colours: 6 bytes).
	head := 6 + 7 + 6
	comment := append([]byte{0x21, 0xfe, 14}, []byte("*/alert(1);/* ")...)
	comment = append(comment, 0)
	out := append(append(append([]byte{}, b[:head]...), comment...), b[head:]...)
	return append(out, []byte("*/alert(document.cookie)//<script>alert(2)</script>")...)
}

// HugePNG is a PNG header claiming an image of 100,000 × 100,000 pixels.
func HugePNG() []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 2
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&buf, binary.BigEndian, uint32(13))
	buf.Write(chunk)
	binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return buf.Bytes()
}

// PDF is a minimal PDF document.
func PDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}
