package kb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/image/webp"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// MaxAttachment is the largest file accepted as an attachment (API.md: 10 MiB, 413 beyond).
const MaxAttachment = 10 << 20

// maxPixels bounds a decoded image (width × height), so that a small file that claims a huge
// picture cannot take the server's memory.
const maxPixels = 40_000_000

// Attachment is a file that versions and audit evidence reference: stored once per content
// (its SHA-256), under the name it was uploaded with.
type Attachment struct {
	// ID is the upload's id.
	ID     int64
	SHA256 string
	// Name is the file name as it appears in the URL: letters, digits, '.', '-' and '_',
	// ending with the extension of ContentType.
	Name string
	// ContentType is what the content was recognised as, never what the upload claimed.
	ContentType string
	Size        int64
	// Data is the stored content (filled by Store.Attachment only).
	Data []byte
}

// URL is where the attachment is read, and what Markdown references.
func (a *Attachment) URL() string { return AttachmentURL(a.SHA256, a.Name) }

// IsImage reports whether the attachment is shown inline as an image.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// DownloadName is the file name to serve the attachment under when it is asked for as name:
// the extension always that of its type, so that a download named x.html is never HTML.
func (a *Attachment) DownloadName(name string) string {
	ext := ""
	switch strings.SplitN(a.ContentType, ";", 2)[0] {
	case "image/png":
		ext = ".png"
	case "image/jpeg":
		ext = ".jpg"
	case "image/gif":
		ext = ".gif"
	case "application/pdf":
		ext = ".pdf"
	case "text/csv":
		ext = ".csv"
	default:
		ext = strings.ToLower(path.Ext(baseName(name)))
		if !slices.Contains([]string{".txt", ".log", ".md"}, ext) {
			ext = ".txt"
		}
	}
	return cleanName(name, ext)
}

// AttachmentURL is the path of the attachment with this hash and name.
func AttachmentURL(sum, name string) string { return "/attachments/" + sum + "/" + name }

// AttachmentRef is one attachment a Markdown body references.
type AttachmentRef struct {
	SHA256 string
	Name   string
}

// URL is the reference's path.
func (r AttachmentRef) URL() string { return AttachmentURL(r.SHA256, r.Name) }

// attachmentRefPattern finds references to attachments in Markdown, whether an image, a link
// or a bare path: the version keeps each one it names.
var attachmentRefPattern = regexp.MustCompile(`/attachments/([0-9a-f]{64})/([A-Za-z0-9._-]{1,200})`)

// imageSrcPattern is what an image's src may be after sanitizing: an absolute http(s) URL, or
// an attachment of Attest's own.
var imageSrcPattern = regexp.MustCompile(absoluteHTTPURL.String() + `|^/attachments/[0-9a-f]{64}/[A-Za-z0-9._-]+$`)

// AttachmentRefs lists the attachments a Markdown body references, each once, in order.
func AttachmentRefs(body string) []AttachmentRef {
	var out []AttachmentRef
	for _, m := range attachmentRefPattern.FindAllStringSubmatch(body, -1) {
		r := AttachmentRef{SHA256: m[1], Name: strings.TrimRight(m[2], ".")}
		if r.Name != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// AttachmentChanges lists the attachments the body "to" references that "from" does not
// (added), and the other way round (removed), for review.
func AttachmentChanges(from, to string) (added, removed []AttachmentRef) {
	a, b := AttachmentRefs(from), AttachmentRefs(to)
	for _, r := range b {
		if !slices.Contains(a, r) {
			added = append(added, r)
		}
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// canUpload: who writes articles (agents, knowledge managers) and auditors (evidence).
func canUpload(actor *accounts.User) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	if !actor.Has(accounts.RoleAgent, accounts.RoleKnowledgeManager, accounts.RoleAuditor) {
		return attest.Errorf(attest.EFORBIDDEN, "Only agents, knowledge managers and auditors upload files.")
	}
	return accounts.RequireAgreement(actor)
}

// Upload stores a file sent by actor under name. The type is recognised from the content
// alone (PNG, JPEG, GIF, WebP, PDF, UTF-8 text and CSV); images are decoded and encoded again,
// so only the picture is kept (a script appended to a PNG, or hidden in a GIF, is dropped);
// WebP is kept as PNG. The same content is stored once: its SHA-256 names it.
// Errors: EUNAUTH, EFORBIDDEN, EAGREEMENT, ETOOLARGE, EINVALID (file: empty, not a type
// accepted, not a valid image).
func (s *Store) Upload(ctx context.Context, actor *accounts.User, name string, data []byte) (*Attachment, error) {
	if err := canUpload(actor); err != nil {
		return nil, err
	}
	if len(data) > MaxAttachment {
		return nil, attest.Errorf(attest.ETOOLARGE, "The file is larger than 10 MiB.")
	}
	if len(data) == 0 {
		return nil, attest.FieldError(map[string]string{"file": "the file is empty"})
	}
	ct, clean, ext, err := recognise(name, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(clean)
	a := &Attachment{SHA256: hex.EncodeToString(sum[:]), Name: cleanName(name, ext), ContentType: ct, Size: int64(len(clean))}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := database.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (sha256, content_type, size, data, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`, a.SHA256, a.ContentType, a.Size, clean, now); err != nil {
			return fmt.Errorf("kb: store attachment: %w", err)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO attachment_uploads (sha256, name, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?) RETURNING id`,
			a.SHA256, a.Name, actor.ID, now).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("kb: record upload: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "attachment.upload", "attachment:"+a.SHA256,
			journal.Change{After: map[string]any{"name": a.Name, "content_type": a.ContentType, "size": a.Size}})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Attachment returns the attachment with hash sum, with its content, when actor may read it:
// they uploaded it, or they may read a version (or audit evidence) that references it. The
// rule for versions is the versions' own (readsVersion). Errors: EAGREEMENT, ENOTFOUND (also
// when actor may not read it, so that its existence does not leak).
func (s *Store) Attachment(ctx context.Context, actor *accounts.User, sum string) (*Attachment, error) {
	notFound := attest.Errorf(attest.ENOTFOUND, "No attachment that you can read is at this address.")
	if actor == nil {
		return nil, notFound
	}
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	ok, err := readsAttachment(ctx, s.db.Read, actor, sum)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound
	}
	a := &Attachment{SHA256: sum}
	err = s.db.Read.QueryRowContext(ctx, `SELECT content_type, size, data FROM attachments WHERE sha256 = ?`, sum).
		Scan(&a.ContentType, &a.Size, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("kb: attachment %s: %w", sum, err)
	}
	return a, nil
}

// readsAttachment is the one rule of who may read an attachment.
func readsAttachment(ctx context.Context, q querier, u *accounts.User, sum string) (bool, error) {
	if len(sum) != 64 {
		return false, nil
	}
	var exists, own, anyRef bool
	err := q.QueryRowContext(ctx, `SELECT
		EXISTS(SELECT 1 FROM attachments WHERE sha256 = ?),
		EXISTS(SELECT 1 FROM attachment_uploads WHERE sha256 = ? AND uploaded_by = ?),
		EXISTS(SELECT 1 FROM version_attachments WHERE sha256 = ?) OR EXISTS(SELECT 1 FROM evidence_attachments WHERE sha256 = ?)`,
		sum, sum, u.ID, sum, sum).Scan(&exists, &own, &anyRef)
	if err != nil {
		return false, fmt.Errorf("kb: who reads attachment %s: %w", sum, err)
	}
	switch {
	case !exists:
		return false, nil
	case own || u.System:
		return true, nil
	case !anyRef:
		return false, nil
	case readsAll(u):
		// Knowledge managers and auditors read every version, and audit evidence (audit.Item).
		return true, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT v.article_id, v.number FROM version_attachments va
		JOIN versions v ON v.id = va.version_id WHERE va.sha256 = ? GROUP BY v.id, v.article_id, v.number ORDER BY v.id DESC`, sum)
	if err != nil {
		return false, fmt.Errorf("kb: versions referencing %s: %w", sum, err)
	}
	type ref struct {
		article int64
		number  int
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.article, &r.number); err != nil {
			rows.Close()
			return false, fmt.Errorf("kb: versions referencing %s: %w", sum, err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("kb: versions referencing %s: %w", sum, err)
	}
	for _, r := range refs {
		a, err := visibleArticle(ctx, q, u, r.article)
		if attest.ErrorCode(err) == attest.ENOTFOUND {
			continue
		}
		if err != nil {
			return false, err
		}
		v, err := loadVersion(ctx, q, r.article, r.number)
		if err != nil {
			return false, err
		}
		if readsVersion(u, a, v) {
			return true, nil
		}
	}
	return false, nil
}

// referenceAttachments checks that actor may reference each attachment body names (it exists
// and they may read it) and returns them. Errors: EINVALID (body).
func referenceAttachments(ctx context.Context, tx *sql.Tx, actor *accounts.User, body string) ([]AttachmentRef, error) {
	refs := AttachmentRefs(body)
	for _, r := range refs {
		ok, err := readsAttachment(ctx, tx, actor, r.SHA256)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, attest.FieldError(map[string]string{"body": fmt.Sprintf(
				"the attachment %s is not one you uploaded or can read; upload the file again", r.Name)})
		}
	}
	return refs, nil
}

// recordAttachments records the attachments a new version's body references, in the
// transaction that saves it: from then on they are immutable together.
func recordAttachments(ctx context.Context, tx *sql.Tx, actor *accounts.User, versionID int64, body string) error {
	refs, err := referenceAttachments(ctx, tx, actor, body)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO version_attachments (version_id, sha256, name) VALUES (?, ?, ?)`,
			versionID, r.SHA256, r.Name); err != nil {
			return fmt.Errorf("kb: record attachment %s of version %d: %w", r.SHA256, versionID, err)
		}
	}
	return nil
}

// RecordEvidenceAttachments records, in the caller's transaction, the attachments that audit
// evidence evidenceID references in its content: they are frozen with the evidence.
// Errors: EINVALID (content: an attachment actor may not reference).
func RecordEvidenceAttachments(ctx context.Context, tx *sql.Tx, actor *accounts.User, evidenceID int64, content string) error {
	refs, err := referenceAttachments(ctx, tx, actor, content)
	if err != nil {
		var e *attest.Error
		if errors.As(err, &e) && e.Fields != nil {
			return attest.FieldError(map[string]string{"content": e.Fields["body"]})
		}
		return err
	}
	for _, r := range refs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_attachments (evidence_id, sha256, name) VALUES (?, ?, ?)`,
			evidenceID, r.SHA256, r.Name); err != nil {
			return fmt.Errorf("kb: record attachment %s of evidence %d: %w", r.SHA256, evidenceID, err)
		}
	}
	return nil
}

// textExtensions are the names a text file may have: text has no signature, so the name is
// the only sign of what its author meant, and a script (x.js) or a page (x.html) is refused
// even when its content would pass as text.
var textExtensions = []string{"", ".txt", ".text", ".log", ".md", ".csv"}

// markup is what no text attachment contains: a browser that ignored the stored type would
// run it.
var markup = regexp.MustCompile(`(?i)<\s*(script|svg|html|body|iframe|object|embed|!doctype|\?xml|meta|head|style)\b`)

// recognise finds the type of data from its content and returns what to store: images
// decoded and encoded again. Errors: EINVALID (file).
func recognise(name string, data []byte) (contentType string, clean []byte, ext string, err error) {
	refuse := func(why string) (string, []byte, string, error) {
		return "", nil, "", attest.FieldError(map[string]string{"file": why})
	}
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		img, err := decodeImage(data, png.DecodeConfig, png.Decode)
		if err != nil {
			return refuse(err.Error())
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return "", nil, "", fmt.Errorf("kb: encode png: %w", err)
		}
		return "image/png", buf.Bytes(), ".png", nil
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		img, err := decodeImage(data, jpeg.DecodeConfig, jpeg.Decode)
		if err != nil {
			return refuse(err.Error())
		}
		img = orient(img, jpegOrientation(data)) // re-encoding drops EXIF: turn the pixels instead
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			return "", nil, "", fmt.Errorf("kb: encode jpeg: %w", err)
		}
		return "image/jpeg", buf.Bytes(), ".jpg", nil
	case bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a")):
		cfg, err := gif.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height == 0 {
			return refuse("not a valid GIF image")
		}
		if cfg.Width*cfg.Height > maxPixels {
			return refuse("the image has too many pixels")
		}
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil || len(g.Image) == 0 {
			return refuse("not a valid GIF image")
		}
		var buf bytes.Buffer
		if err := gif.EncodeAll(&buf, g); err != nil {
			return refuse("not a valid GIF image")
		}
		return "image/gif", buf.Bytes(), ".gif", nil
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		// WebP is decoded and kept as PNG: the standard library encodes PNG, not WebP.
		img, err := decodeImage(data, webp.DecodeConfig, webp.Decode)
		if err != nil {
			return refuse(err.Error())
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return "", nil, "", fmt.Errorf("kb: encode png: %w", err)
		}
		return "image/png", buf.Bytes(), ".png", nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		if !bytes.Contains(data[max(0, len(data)-2048):], []byte("%%EOF")) {
			return refuse("not a complete PDF document")
		}
		return "application/pdf", data, ".pdf", nil
	}
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !isText(body) {
		return refuse("only PNG, JPEG, GIF and WebP images, PDF documents, text and CSV files are accepted")
	}
	if markup.Match(body) || !strings.HasPrefix(http.DetectContentType(body), "text/plain") {
		return refuse("the file holds HTML, SVG or XML markup, which is not accepted; SVG images are refused")
	}
	e := strings.ToLower(path.Ext(baseName(name)))
	if !slices.Contains(textExtensions, e) {
		return refuse(fmt.Sprintf("a text file must be named .txt, .log, .md or .csv, not %s", e))
	}
	if e == ".csv" {
		return "text/csv; charset=utf-8", body, ".csv", nil
	}
	if e == "" || e == ".text" {
		e = ".txt"
	}
	return "text/plain; charset=utf-8", body, e, nil
}

// decodeImage checks an image's size before decoding it.
func decodeImage(data []byte, config func(r io.Reader) (image.Config, error), decode func(r io.Reader) (image.Image, error)) (image.Image, error) {
	cfg, err := config(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errors.New("not a valid image")
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, errors.New("the image has too many pixels")
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, errors.New("not a valid image")
	}
	return img, nil
}

// isText reports whether b is UTF-8 text without control characters other than tab, line
// feed, carriage return and form feed.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			return false
		}
	}
	return len(bytes.TrimSpace(b)) > 0
}

func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// cleanName makes an uploaded file's name safe for a URL and a download: letters, digits,
// '.', '-' and '_' only, with the extension of the recognised type.
func cleanName(name, ext string) string {
	name = baseName(name)
	name = strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	dash := false
	for _, r := range name {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 100 {
		out = strings.TrimRight(out[:100], "-.")
	}
	if out == "" {
		out = "file"
	}
	return out + ext
}

// attachmentImageLinks puts a link around each image of an attachment that is not already in
// a link, so that a click opens it at full size.
type attachmentImageLinks struct{}

// Transform implements parser.ASTTransformer.
func (attachmentImageLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var imgs []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			if _, inLink := n.Parent().(*ast.Link); !inLink && imageSrcPattern.Match(img.Destination) &&
				bytes.HasPrefix(img.Destination, []byte("/attachments/")) {
				imgs = append(imgs, img)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, img := range imgs {
		link := ast.NewLink()
		link.Destination = img.Destination
		link.SetAttributeString("rel", []byte(linkRel))
		parent := img.Parent()
		parent.ReplaceChild(parent, img, link)
		link.AppendChild(link, img)
	}
}

var (
	imgTag            = regexp.MustCompile(`<img\b[^>]*>`)
	imgAlt            = regexp.MustCompile(`\balt="([^"]*)"`)
	attachmentLinkTag = regexp.MustCompile(`<a\b[^>]*\bhref="/attachments/[0-9a-f]{64}/([A-Za-z0-9._-]+)"[^>]*>((?s:.*?))</a>`)
)

// attachmentText is sanitized HTML with each image replaced by its alt text and each link to
// an attachment followed by the file's name, so that the plain text of a version (what search
// indexes) holds both.
func attachmentText(safeHTML []byte) []byte {
	out := imgTag.ReplaceAllFunc(safeHTML, func(tag []byte) []byte {
		if m := imgAlt.FindSubmatch(tag); m != nil {
			return append([]byte(" "), append(m[1], ' ')...)
		}
		return nil
	})
	return attachmentLinkTag.ReplaceAll(out, []byte("$2 ($1)"))
}

// UploadsKeptFor is how long an upload that nothing references is kept: time enough to
// finish the version or evidence it was uploaded for (an autosaved draft that mentions it
// keeps it for as long as the draft is kept).
const UploadsKeptFor = 30 * 24 * time.Hour

// SweepUploads removes uploads older than keep that no version, evidence or autosaved draft
// references, and the stored content no upload or reference needs any more; referenced
// content is never removed (the database refuses it). It returns how many contents it removed.
func (s *Store) SweepUploads(ctx context.Context, keep time.Duration) (int64, error) {
	var removed int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachment_uploads WHERE uploaded_at < ?
			AND NOT EXISTS (SELECT 1 FROM version_attachments va WHERE va.sha256 = attachment_uploads.sha256)
			AND NOT EXISTS (SELECT 1 FROM evidence_attachments ea WHERE ea.sha256 = attachment_uploads.sha256)
			AND NOT EXISTS (SELECT 1 FROM drafts_autosave d WHERE d.body LIKE '%' || attachment_uploads.sha256 || '%')`,
			database.Format(time.Now().Add(-keep))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments
			WHERE NOT EXISTS (SELECT 1 FROM attachment_uploads u WHERE u.sha256 = attachments.sha256)
			AND NOT EXISTS (SELECT 1 FROM version_attachments va WHERE va.sha256 = attachments.sha256)
			AND NOT EXISTS (SELECT 1 FROM evidence_attachments ea WHERE ea.sha256 = attachments.sha256)`)
		if err != nil {
			return err
		}
		removed, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("kb: sweep uploads: %w", err)
	}
	return removed, nil
}
