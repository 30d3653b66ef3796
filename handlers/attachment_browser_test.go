package handlers_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// TestBrowserPasteImage: an agent pastes a screenshot into the editor, the live preview shows
// it, they save and submit; a knowledge manager approves; another agent sees the image on the
// article page, linked to its full size.
func TestBrowserPasteImage(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	paste := `(() => {
		const bytes = Uint8Array.from(atob("` + base64.StdEncoding.EncodeToString(kbtest.PNG(40, 30, 200)) + `"), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], "image.png", {type: "image/png"}));
		const body = document.getElementById("f-body");
		body.focus();
		body.setSelectionRange(body.value.length, body.value.length);
		return body.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
	})()`
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/articles/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-body`)),
		chromedp.SendKeys(chromedp.CSS(`#f-title`), "Connect to the VPN"),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "1. Open the VPN client.\n"),
		chromedp.Click(`//label[contains(., "VPN access")]/input`),
		chromedp.Evaluate[chromedp.Void](paste),
		chromedp.WaitVisible(`//*[@data-testid="attach-status" and contains(., "Attached")]`),
		chromedp.WaitVisible(chromedp.CSS(`#preview a > img[src^="/attachments/"]`)),
	)
	if err != nil {
		t.Fatalf("paste a screenshot: %v", err)
	}
	body, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-body`)))
	if err != nil || !strings.Contains(body, "1. Open the VPN client.\n\n![Screenshot](/attachments/") {
		t.Fatalf("body after paste %q (%v), want the reference after the text", body, err)
	}
	screenshot(t, ctx, "editor-paste")
	// Dropping a file on the text attaches it too.
	drop := strings.Replace(strings.Replace(paste, `"image.png"`, `"network-diagram.png"`, 1),
		`new ClipboardEvent("paste", {clipboardData: dt,`, `new DragEvent("drop", {dataTransfer: dt,`, 1)
	err = chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](drop),
		chromedp.WaitVisible(`//*[@data-testid="attach-status" and contains(., "Attached network-diagram.png")]`),
	)
	if err != nil {
		t.Fatalf("drop a file: %v", err)
	}
	body, _ = chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-body`)))
	if !strings.Contains(body, "![network diagram](/attachments/") {
		t.Fatalf("body after drop %q, want the dropped image's reference", body)
	}
	// Refused files say why and leave the text alone: an SVG (refused before upload) and HTML
	// named .png (refused by Attest, which reads the content).
	dir := t.TempDir()
	svg, fake := filepath.Join(dir, "logo.svg"), filepath.Join(dir, "fake.png")
	os.WriteFile(svg, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o600)
	os.WriteFile(fake, []byte(`<html><script>alert(1)</script></html>`), 0o600)
	for _, c := range []struct{ file, want string }{{svg, "is not accepted"}, {fake, "HTML, SVG or XML"}} {
		err := chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="attach-file"]`), []string{c.file}),
			chromedp.WaitVisible(`//*[@data-testid="attach-status" and contains(@class, "error") and contains(., "`+c.want+`")]`),
		)
		if err != nil {
			t.Fatalf("refused %s: %v (status %q)", filepath.Base(c.file), err, textOf(t, ctx, `[data-testid="attach-status"]`))
		}
	}
	if after, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-body`))); after != body {
		t.Fatalf("a refused file changed the text to %q", after)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[normalize-space()="Save draft"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="version-status"]`)),
		chromedp.Click(`//button[normalize-space()="Submit for review"]`),
		chromedp.WaitVisible(`//*[@data-testid="version-status" and contains(., "in review")]`),
	)
	if err != nil {
		t.Fatalf("save and submit: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	articlePath := loc[len(ts.URL):]
	if i := strings.Index(articlePath, "/versions"); i > 0 {
		articlePath = articlePath[:i]
	}
	chromeLogout(t, ctx)

	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/review"),
		chromedp.Click(`//a[normalize-space()="Review the changes"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="review-panel"]`)),
		chromedp.Click(`//button[normalize-space()="Approve"]`),
		chromedp.WaitVisible(`//*[@data-testid="version-status" and contains(., "approved")]`),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	chromeLogout(t, ctx)

	chromeLogin(t, ctx, ts.URL, "bob", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+articlePath),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="article-body"] a > img[alt="Screenshot"]`)),
	)
	if err != nil {
		t.Fatalf("bob opens %s: %v", articlePath, err)
	}
	// The image loaded (the browser decoded it), and fits the column.
	w, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('[data-testid="article-body"] img'); return i && i.complete && i.naturalWidth; })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || w != 40 {
		t.Fatalf("image natural width %d (%v), want 40", w, err)
	}
	screenshot(t, ctx, "article-image")
}
