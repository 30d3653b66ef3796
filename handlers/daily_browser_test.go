package handlers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

// dailyWidths are the desktop and phone widths every daily flow is tried at.
var dailyWidths = []struct {
	name          string
	width, height int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// dailyShot keeps a screenshot of the page as a test artifact: under $ATTEST_SCREENSHOTS when
// set, else in the test's temporary directory.
func dailyShot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Errorf("save screenshot %s: %v", name, err)
	}
}

func shotDir(t *testing.T) string {
	if d := os.Getenv("ATTEST_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}

// An agent's daily flow at desktop and phone width: home, "/" to the search box, search sorted
// by recently updated, the article with its request type's name, starred, then on the home page.
func TestBrowserAgentDailyFlow(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	dir := shotDir(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify the caller.\n2. Reset the password.\n", "password-reset")
	kbtest.Publish(t, ts.Org, ts.KB, "Unlock an account", "After a password reset, unlock the account.\n", "password-reset")
	ts.waitIndexed(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	for _, w := range dailyWidths {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(w.width, w.height),
			chromedp.Navigate(ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="agent-home"]`)),
		); err != nil {
			t.Fatalf("%s: home: %v", w.name, err)
		}
		dailyShot(t, ctx, dir, "agent-home-"+w.name)
		// "/" jumps to the search box.
		if err := chromedp.Do(ctx, chromedp.KeyEvent("/")); err != nil {
			t.Fatal(err)
		}
		if id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || id != "q" {
			t.Errorf("%s: after /, focus is on %q (%v), want the search box", w.name, id, err)
		}
		if err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/search?q=password+reset"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="sort-updated"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="sort-updated"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="sort-relevance"]`)),
		); err != nil {
			t.Fatalf("%s: sorted search: %v", w.name, err)
		}
		dailyShot(t, ctx, dir, "agent-search-"+w.name)
		if err := chromedp.Do(ctx,
			chromedp.Click(`//a[@data-testid="hit"][normalize-space()="Reset a password"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="request-type"]`)),
		); err != nil {
			t.Fatalf("%s: open article: %v", w.name, err)
		}
		if got := textOf(t, ctx, `[data-testid="request-type"]`); got != "Password reset" {
			t.Errorf("%s: request type shown as %q, want its name", w.name, got)
		}
		star, unstar := `[data-testid="favourite"]`, `[data-testid="unfavourite"]`
		if w.name == "phone" { // starred at desktop width: unstar, then star again
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(unstar)), chromedp.WaitVisible(chromedp.CSS(star))); err != nil {
				t.Fatalf("%s: unstar: %v", w.name, err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(star)), chromedp.WaitVisible(chromedp.CSS(unstar))); err != nil {
			t.Fatalf("%s: star: %v", w.name, err)
		}
		dailyShot(t, ctx, dir, "agent-article-"+w.name)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="home-favourites"] a`)),
		); err != nil {
			t.Fatalf("%s: home favourites: %v", w.name, err)
		}
		if got := textOf(t, ctx, `[data-testid="home-favourites"]`); !strings.Contains(got, "Reset a password") {
			t.Errorf("%s: favourites on home = %q", w.name, got)
		}
	}
}

// A knowledge manager's review flow at desktop and phone width: the queue filtered by
// supplier, then a stale proposal rejected with a reason from the queue.
func TestBrowserReviewDailyFlow(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	dir := shotDir(t)
	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	for _, w := range dailyWidths {
		id := kbtest.Publish(t, ts.Org, ts.KB, "Reset steps "+w.name, "1. Verify.\n", "password-reset")
		a := kbtest.Edit(t, ts.Org, ts.KB, "alice", id, 1, "1. Verify the caller.\n")
		kbtest.Edit(t, ts.Org, ts.KB, "gina", id, 1, "1. Verify by phone.\n")
		if _, err := ts.KB.Approve(context.Background(), ts.Org.User(t, "km2"), id, a, kb.Decision{}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(w.width, w.height),
			chromedp.Navigate(ts.URL+"/review"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="queue-filter"]`)),
			chromedp.SetValue(chromedp.CSS(`select[name="supplier"]`), "Globex Services"),
			chromedp.Click(`//form[@data-testid="queue-filter"]//button[normalize-space()="Show"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="queue-active-filters"]`)),
		); err != nil {
			t.Fatalf("%s: filter the queue: %v", w.name, err)
		}
		dailyShot(t, ctx, dir, "km-review-"+w.name)
		if got := textOf(t, ctx, `[data-testid="in-review"]`); !strings.Contains(got, "Globex Services") || strings.Contains(got, "Acme Outsourcing") {
			t.Errorf("%s: filtered queue = %q", w.name, got)
		}
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="close-stale"] summary`)),
			chromedp.Click(`//button[normalize-space()="Reject and tell the author"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
		); err != nil {
			t.Fatalf("%s: reject the stale proposal: %v", w.name, err)
		}
		dailyShot(t, ctx, dir, "km-rejected-"+w.name)
		if got := textOf(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "rejected") {
			t.Errorf("%s: after rejecting: %q", w.name, got)
		}
	}
}
