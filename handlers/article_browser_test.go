package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

func chromeLogout(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}

// TestBrowserProposeReviewApprove: an agent proposes an edit in the editor (with the live
// preview), a knowledge manager reviews the word diff and approves, the agent reads the new steps.
func TestBrowserProposeReviewApprove(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify the caller.\n2. Reset the password.\n", "password-reset")
	ctx := newChrome(t)

	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	newBody := "1. Verify the caller with two factors.\n2. Reset the password.\n"
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d", ts.URL, id)),
		chromedp.Click(`//a[normalize-space()="Propose an edit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#f-body`)),
		chromedp.SetValue(chromedp.CSS(`#f-body`), strings.TrimSuffix(newBody, "\n")),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "\n"),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "Two factors"),
		chromedp.WaitVisible(`//div[@id="preview"]//li[contains(., "two factors")]`),
	)
	if err != nil {
		t.Fatalf("edit with preview: %v", err)
	}
	screenshot(t, ctx, "editor")
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[normalize-space()="Save draft"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="version-status"]`)),
		chromedp.Click(`//button[normalize-space()="Submit for review"]`),
		chromedp.WaitVisible(`//*[@data-testid="version-status" and contains(., "in review")]`),
	)
	if err != nil {
		t.Fatalf("save and submit: %v", err)
	}
	chromeLogout(t, ctx)

	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/review"),
		chromedp.Click(`//a[normalize-space()="Review the changes"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="review-panel"]`)),
	)
	if err != nil {
		t.Fatalf("open the review: %v", err)
	}
	inserted, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="diff-inline"] ins`), chromedp.NodeVisible))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inserted+textOf(t, ctx, `[data-testid="diff-inline"]`), "two factors") {
		t.Errorf("the diff does not show the inserted words: %q", inserted)
	}
	screenshot(t, ctx, "review")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="major"]`)),
		chromedp.Click(`//button[normalize-space()="Approve"]`),
		chromedp.WaitVisible(`//*[@data-testid="version-status" and contains(., "approved")]`),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	chromeLogout(t, ctx)

	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/articles/%d", ts.URL, id))); err != nil {
		t.Fatal(err)
	}
	if body := textOf(t, ctx, `[data-testid="article-body"]`); !strings.Contains(body, "two factors") {
		t.Errorf("alice reads %q, want the approved steps", body)
	}
}

// TestBrowserStaleEditKeepsText: while an agent edits, another version is approved; saving
// shows what changed, keeps the agent's text, and re-applying it on the new version works.
func TestBrowserStaleEditKeepsText(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Install the VPN client", "1. Open Software Center.\n2. Install the client.\n", "vpn-access")
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	mine := "1. Open Software Center.\n2. Install the client.\n3. Restart the laptop."
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d/edit", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#f-body`)),
		chromedp.SetValue(chromedp.CSS(`#f-body`), mine),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile a knowledge manager's change is approved.
	bg := context.Background()
	v, err := ts.KB.SaveVersion(bg, ts.Org.User(t, "km1"), id, kb.NewVersion{Base: 1, Title: "Install the VPN client",
		Body: "1. Open Software Center as administrator.\n2. Install the client.\n"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.KB.Submit(bg, ts.Org.User(t, "km1"), id, v.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.KB.Approve(bg, ts.Org.User(t, "km2"), id, v.Number, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[normalize-space()="Save draft"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="conflict"]`)),
	)
	if err != nil {
		t.Fatalf("stale save: %v", err)
	}
	screenshot(t, ctx, "conflict")
	if got := textOf(t, ctx, `[data-testid="conflict"]`); !strings.Contains(got, "as administrator") {
		t.Errorf("the conflict panel does not show what changed: %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-body`)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ReplaceAll(kept, "\r\n", "\n") != mine {
		t.Errorf("the editor kept %q, want %q", kept, mine)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[starts-with(normalize-space(), "Re-apply my text on version 2")]`),
		chromedp.WaitVisible(`//*[@data-testid="version-status" and contains(., "draft")]`),
	)
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	got, err := ts.KB.Version(bg, ts.Org.User(t, "km1"), id, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Base != 2 || !strings.Contains(got.Body, "Restart the laptop") {
		t.Errorf("version 3: base %d body %q", got.Base, got.Body)
	}
}

// TestBrowserAutosaveRestores: text typed in the editor is autosaved (not as a version) and
// restored when the person comes back.
func TestBrowserAutosaveRestores(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Map a printer", "1. Add the queue.\n", "password-reset")
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d/edit", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#f-body`)),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "2. Print a test page."),
		chromedp.WaitVisible(`//*[@data-testid="autosave-status" and contains(., "Autosaved")]`),
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d/edit", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="autosave-restored"]`)),
	)
	if err != nil {
		t.Fatalf("autosave: %v", err)
	}
	body, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-body`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Print a test page") {
		t.Errorf("restored text %q", body)
	}
	var n int
	ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM versions WHERE article_id = ?`, id).Scan(&n)
	if n != 1 {
		t.Errorf("autosave created versions: %d", n)
	}
}
