package kb

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// withOrientation returns a JPEG of img carrying EXIF orientation o (big- or little-endian).
func withOrientation(t *testing.T, img image.Image, o uint16, bo binary.ByteOrder) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tiff := make([]byte, 8+2+12+4)
	if bo == binary.BigEndian {
		copy(tiff, "MM")
	} else {
		copy(tiff, "II")
	}
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)       // one entry
	bo.PutUint16(tiff[10:], 0x0112) // orientation
	bo.PutUint16(tiff[12:], 3)      // SHORT
	bo.PutUint32(tiff[14:], 1)      // one value
	bo.PutUint16(tiff[18:], o)      // the value
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(2+len(seg)))
	jpg := enc.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestJPEGOrientationIsAppliedBeforeReencoding(t *testing.T) {
	// A 32×16 picture: red left half, blue right half; as shown, "red" must end up where
	// each orientation puts the source's left side.
	src := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 32; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= 16 {
				c = color.RGBA{20, 20, 220, 255}
			}
			src.Set(x, y, c)
		}
	}
	red := func(img image.Image, x, y int) bool {
		r, _, b, _ := img.At(x, y).RGBA()
		return r > b
	}
	for _, tc := range []struct {
		o      uint16
		w, h   int
		redAt  [2]int // a point that must be red
		blueAt [2]int // a point that must be blue
	}{
		{1, 32, 16, [2]int{2, 8}, [2]int{29, 8}},
		{2, 32, 16, [2]int{29, 8}, [2]int{2, 8}}, // mirrored
		{3, 32, 16, [2]int{29, 8}, [2]int{2, 8}}, // upside down
		{4, 32, 16, [2]int{2, 8}, [2]int{29, 8}}, // flipped vertically
		{5, 16, 32, [2]int{8, 2}, [2]int{8, 29}}, // transposed
		{6, 16, 32, [2]int{8, 2}, [2]int{8, 29}}, // turned clockwise: left goes to the top
		{7, 16, 32, [2]int{8, 29}, [2]int{8, 2}}, // transverse
		{8, 16, 32, [2]int{8, 29}, [2]int{8, 2}}, // turned anticlockwise: left goes to the bottom
	} {
		for _, bo := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			data := withOrientation(t, src, tc.o, bo)
			if got := jpegOrientation(data); got != int(tc.o) {
				t.Fatalf("orientation %d (%v) read as %d", tc.o, bo, got)
			}
			_, clean, _, err := recognise("photo.jpg", data)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(clean))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("orientation %d: stored %dx%d, want %dx%d", tc.o, b.Dx(), b.Dy(), tc.w, tc.h)
				continue
			}
			if !red(img, tc.redAt[0], tc.redAt[1]) || red(img, tc.blueAt[0], tc.blueAt[1]) {
				t.Errorf("orientation %d: the picture is not turned as EXIF says", tc.o)
			}
			if jpegOrientation(clean) != 1 {
				t.Errorf("orientation %d: the stored JPEG still says it must be turned", tc.o)
			}
		}
	}
	// Damaged or missing EXIF: shown as stored, never an error.
	for _, data := range [][]byte{{0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff}, []byte("not a jpeg")} {
		if jpegOrientation(data) != 1 {
			t.Errorf("jpegOrientation(%q) != 1", data)
		}
	}
}
