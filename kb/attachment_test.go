package kb_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/kb"
	"attest/kb/kbtest"
)

func TestUploadRecognisesContent(t *testing.T) {
	org, store := artSetup(t)
	km := org.User(t, "km1")
	for _, tc := range []struct {
		what, name string
		data       []byte
		code       string // "" when stored
		wantType   string
		wantName   string
		notStored  string // stored bytes must not contain it
	}{
		{what: "png", name: "step 1.png", data: kbtest.PNG(4, 3, 1), wantType: "image/png", wantName: "step-1.png"},
		{what: "png with script appended", name: "poly.png", data: append(kbtest.PNG(4, 3, 2), "<script>alert(1)</script>"...),
			wantType: "image/png", wantName: "poly.png", notStored: "<script>"},
		{what: "png named .pdf keeps the png's extension", name: "x.pdf", data: kbtest.PNG(2, 2, 3), wantType: "image/png", wantName: "x.png"},
		{what: "gif/js polyglot", name: "x.gif", data: kbtest.GIFPolyglot(), wantType: "image/gif", wantName: "x.gif", notStored: "alert"},
		{what: "jpeg", name: "photo.jpeg", data: kbtest.JPEG(), wantType: "image/jpeg", wantName: "photo.jpg"},
		{what: "webp kept as png", name: "shot.webp", data: kbtest.WebP(), wantType: "image/png", wantName: "shot.png"},
		{what: "pdf", name: "export.pdf", data: kbtest.PDF(), wantType: "application/pdf", wantName: "export.pdf"},
		{what: "text", name: "notes.txt", data: []byte("Restart the VPN client.\n"), wantType: "text/plain; charset=utf-8", wantName: "notes.txt"},
		{what: "csv", name: "tickets.csv", data: []byte("ticket,steps\nT-1,3\n"), wantType: "text/csv; charset=utf-8", wantName: "tickets.csv"},
		{what: "html renamed .png", name: "x.png", data: []byte("<html><script>alert(1)</script></html>"), code: attest.EINVALID},
		{what: "html fragment as text", name: "x.txt", data: []byte("hello <script>alert(1)</script>"), code: attest.EINVALID},
		{what: "svg with script", name: "x.svg", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), code: attest.EINVALID},
		{what: "javascript named .js", name: "x.js", data: []byte("alert(document.cookie)"), code: attest.EINVALID},
		{what: "text named .png", name: "x.png", data: []byte("just text"), code: attest.EINVALID},
		{what: "elf named .pdf", name: "x.pdf", data: append([]byte("\x7fELF"), make([]byte, 64)...), code: attest.EINVALID},
		{what: "truncated png", name: "x.png", data: kbtest.PNG(4, 4, 1)[:40], code: attest.EINVALID},
		{what: "png claiming 10^10 pixels", name: "x.png", data: kbtest.HugePNG(), code: attest.EINVALID},
		{what: "pdf without its end", name: "x.pdf", data: []byte("%PDF-1.4\n<script>"), code: attest.EINVALID},
		{what: "zero bytes", name: "x.png", data: []byte{}, code: attest.EINVALID},
		{what: "blank text", name: "x.txt", data: []byte(" \n "), code: attest.EINVALID},
		{what: "over 10 MiB", name: "big.png", data: append(kbtest.PNG(2, 2, 1), make([]byte, kb.MaxAttachment)...), code: attest.ETOOLARGE},
	} {
		t.Run(tc.what, func(t *testing.T) {
			a, err := store.Upload(context.Background(), km, tc.name, tc.data)
			if got := attest.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			if tc.code != "" {
				return
			}
			if a.ContentType != tc.wantType || a.Name != tc.wantName {
				t.Fatalf("type %q name %q, want %q %q", a.ContentType, a.Name, tc.wantType, tc.wantName)
			}
			got, err := store.Attachment(context.Background(), km, a.SHA256)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if tc.notStored != "" && bytes.Contains(got.Data, []byte(tc.notStored)) {
				t.Fatalf("stored content still holds %q", tc.notStored)
			}
			if int64(len(got.Data)) != a.Size || got.ContentType != tc.wantType {
				t.Fatalf("stored %d bytes of %q, upload said %d of %q", len(got.Data), got.ContentType, a.Size, a.ContentType)
			}
		})
	}
}

func TestUploadWho(t *testing.T) {
	org, store := artSetup(t)
	for _, tc := range []struct {
		user string
		code string
	}{
		{"alice", ""}, {"km1", ""}, {"auditor", ""},
		{"trainer", attest.EFORBIDDEN}, {"admin", attest.EFORBIDDEN},
	} {
		_, err := store.Upload(context.Background(), org.User(t, tc.user), "x.png", kbtest.PNG(2, 2, 9))
		if got := attest.ErrorCode(err); got != tc.code {
			t.Errorf("%s uploads: code %q (%v), want %q", tc.user, got, err, tc.code)
		}
	}
}

func TestUploadDeduplicates(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	img := kbtest.PNG(5, 5, 7)
	a, err := store.Upload(ctx, org.User(t, "km1"), "one.png", img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Upload(ctx, org.User(t, "alice"), "two.png", img)
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 || a.ID == b.ID {
		t.Fatalf("same content: hashes %s, %s (ids %d, %d); want one hash, two uploads", a.SHA256, b.SHA256, a.ID, b.ID)
	}
	var n int
	if err := org.DB.Read.QueryRow(`SELECT COUNT(*) FROM attachments`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d stored attachments (%v), want 1", n, err)
	}
	// Each uploader reads their upload; nobody else does before a version references it.
	for user, want := range map[string]string{"km1": "", "alice": "", "bob": attest.ENOTFOUND, "km2": attest.ENOTFOUND} {
		_, err := store.Attachment(ctx, org.User(t, user), a.SHA256)
		if got := attest.ErrorCode(err); got != want {
			t.Errorf("%s reads: %q (%v), want %q", user, got, err, want)
		}
	}
}

// attachmentBody references an image attachment the way the editor writes it.
func attachmentBody(a *kb.Attachment) string {
	return "1. Open the client.\n\n![The client window](" + a.URL() + ")\n"
}

func TestAttachmentReadFollowsVersions(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1 := org.User(t, "km1")
	pub, err := store.Upload(ctx, km1, "vpn.png", kbtest.PNG(3, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	// Approved, for VPN access (acme fulfils it, globex does not).
	kbtest.Publish(t, org, store, "Connect to the VPN", attachmentBody(pub), "vpn-access")
	// alice's draft references her own upload.
	alice := org.User(t, "alice")
	own, err := store.Upload(ctx, alice, "mine.png", kbtest.PNG(3, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateArticle(ctx, alice, kb.NewArticle{Title: "Draft", Body: attachmentBody(own), RequestTypes: []string{"vpn-access"}}); err != nil {
		t.Fatal(err)
	}
	// A retired article's attachment is read no more by agents.
	gone, err := store.Upload(ctx, km1, "gone.png", kbtest.PNG(3, 3, 3))
	if err != nil {
		t.Fatal(err)
	}
	id := kbtest.Publish(t, org, store, "Old way", attachmentBody(gone))
	if err := store.Retire(ctx, org.User(t, "km2"), id, "replaced"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user string
		att  *kb.Attachment
		want string
	}{
		{"alice", pub, ""}, {"bob", pub, ""}, {"gina", pub, attest.ENOTFOUND},
		{"trainer", pub, ""}, {"auditor", pub, ""}, {"km2", pub, ""},
		{"alice", own, ""}, {"bob", own, attest.ENOTFOUND}, {"gina", own, attest.ENOTFOUND}, {"km2", own, ""},
		{"alice", gone, attest.ENOTFOUND}, {"km2", gone, ""},
	} {
		_, err := store.Attachment(ctx, org.User(t, tc.user), tc.att.SHA256)
		if got := attest.ErrorCode(err); got != tc.want {
			t.Errorf("%s reads %s: %q (%v), want %q", tc.user, tc.att.Name, got, err, tc.want)
		}
	}
	if _, err := store.Attachment(ctx, nil, pub.SHA256); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("no user: %v, want not found", err)
	}
}

func TestVersionKeepsItsAttachments(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1 := org.User(t, "km1")
	a, err := store.Upload(ctx, km1, "vpn.png", kbtest.PNG(3, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	// Referencing what does not exist, or another person's upload, is refused and saves nothing.
	other, err := store.Upload(ctx, org.User(t, "alice"), "alice.png", kbtest.PNG(3, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	for what, body := range map[string]string{
		"unknown":          "![x](/attachments/" + strings.Repeat("ab", 32) + "/x.png)",
		"another's upload": attachmentBody(other),
	} {
		_, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "T", Body: body})
		if attest.ErrorCode(err) != attest.EINVALID || !strings.Contains(attest.ErrorMessage(err), "body") {
			t.Errorf("%s: %v, want a body field error", what, err)
		}
	}
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "VPN", Body: attachmentBody(a)})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	org.DB.Read.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d articles, want only the valid one", n)
	}
	for _, q := range []string{
		`DELETE FROM attachments WHERE sha256 = '` + a.SHA256 + `'`,
		`DELETE FROM version_attachments`,
		`UPDATE version_attachments SET name = 'other.png'`,
		`UPDATE attachments SET data = x'00'`,
	} {
		if _, err := org.DB.Write.Exec(q); err == nil {
			t.Errorf("%s: allowed, want refused", q)
		}
	}
	// A second version without the image still leaves it to the first.
	if _, err := store.SaveVersion(ctx, km1, v.ArticleID, kb.NewVersion{Base: 1, Title: "VPN", Body: "No picture.", Note: "n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Attachment(ctx, org.User(t, "km2"), a.SHA256); err != nil {
		t.Fatalf("a knowledge manager reads the attachment of version 1: %v", err)
	}
}

// TestVersionTextOfAttachments: a saved version's HTML shows an attachment's image linked to
// its full size, and its plain text (what search indexes) holds alt text and file names.
// Through the store rather than Render, so that it holds whatever Render's signature.
func TestVersionTextOfAttachments(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1 := org.User(t, "km1")
	img, err := store.Upload(ctx, km1, "vpn-client.png", kbtest.PNG(3, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	csv, err := store.Upload(ctx, km1, "tickets.csv", []byte("a,b\n1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "VPN", Body: "Open it:\n\n![The client window](" + img.URL() + ")\n\n" +
		"See [the export](" + csv.URL() + ").\n\n![elsewhere](relative.png)\n"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<a href="` + img.URL() + `" rel="nofollow noopener"><img src="` + img.URL() + `" alt="The client window"`,
		`<a href="` + csv.URL() + `"`,
		`<img alt="elsewhere"`,
	} {
		if !strings.Contains(v.HTML, want) {
			t.Errorf("HTML lacks %s:\n%s", want, v.HTML)
		}
	}
	for _, want := range []string{"The client window (vpn-client.png)", "the export (tickets.csv)", "elsewhere"} {
		if !strings.Contains(v.Plain, want) {
			t.Errorf("plain text lacks %q:\n%s", want, v.Plain)
		}
	}
	if strings.Contains(v.Plain, "<") {
		t.Errorf("plain text holds markup:\n%s", v.Plain)
	}
	// As stored, not only as returned.
	stored, err := store.Version(ctx, km1, v.ArticleID, v.Number)
	if err != nil || stored.Plain != v.Plain || stored.HTML != v.HTML {
		t.Fatalf("stored version differs from the saved one (%v)", err)
	}
}

func TestAttachmentChanges(t *testing.T) {
	a, b, c := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	from := "![x](/attachments/" + a + "/a.png) [y](/attachments/" + b + "/b.pdf)."
	to := "![x](/attachments/" + a + "/a.png) ![z](/attachments/" + c + "/c.png)"
	added, removed := kb.AttachmentChanges(from, to)
	if len(added) != 1 || added[0].Name != "c.png" || len(removed) != 1 || removed[0].Name != "b.pdf" {
		t.Fatalf("added %v removed %v, want c.png added and b.pdf removed", added, removed)
	}
}

func TestSweepUploadsKeepsWhatIsReferenced(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1 := org.User(t, "km1")
	upload := func(seed uint8) *kb.Attachment {
		t.Helper()
		a, err := store.Upload(ctx, km1, "shot.png", kbtest.PNG(3, 3, seed))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	inVersion, inDraft, forgotten := upload(1), upload(2), upload(3)
	if _, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "VPN", Body: attachmentBody(inVersion)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SaveAutosave(ctx, km1, kb.Autosave{Title: "Draft", Body: attachmentBody(inDraft)}); err != nil {
		t.Fatal(err)
	}
	// Younger than the keeping time: nothing goes.
	if n, err := store.SweepUploads(ctx, time.Hour); n != 0 || err != nil {
		t.Fatalf("sweep of fresh uploads removed %d, %v", n, err)
	}
	n, err := store.SweepUploads(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v; want only the forgotten upload", n, err)
	}
	stored := func(a *kb.Attachment) bool {
		var k int
		org.DB.Read.QueryRow(`SELECT COUNT(*) FROM attachments WHERE sha256 = ?`, a.SHA256).Scan(&k)
		return k == 1
	}
	if stored(forgotten) {
		t.Error("the upload nothing references is still stored")
	}
	if !stored(inVersion) || !stored(inDraft) {
		t.Error("an upload a version or an autosaved draft references was removed")
	}
	if _, err := store.Attachment(ctx, km1, inVersion.SHA256); err != nil {
		t.Errorf("the version's attachment no longer reads: %v", err)
	}
}
