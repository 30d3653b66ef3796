package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// TestBrowserLearnedWords: an agent searches with her own description, finds nothing useful,
// opens the right article and records it on a ticket; another agent of her supplier searching
// the same description then finds the article, and is pointed to it; a knowledge manager sees
// the learned word on the article and removes it.
func TestBrowserLearnedWords(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Unlock an account", "password-reset")
	approvedArticle(t, ts, "Holiday calendar of the service desk", "password-reset")
	ts.waitIndexed(t)
	const desc = "badge beeps red after the holiday"
	ctx := newChrome(t)
	logout := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`))); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}

	// alice searches, does not find it, opens the article and records it on a ticket.
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/search?q="+url.QueryEscape(desc)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="hits"]`)),
	); err != nil {
		t.Fatalf("alice's search: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="hits"]`); strings.Contains(got, "Unlock an account") {
		t.Fatalf("found before anything was learned: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="usage-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-ticket_ref`), "INC0042"),
		chromedp.Click(`//button[normalize-space()="Record use on ticket"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="usage-recorded"]`)),
	); err != nil {
		t.Fatalf("record the use: %v", err)
	}
	logout()

	// Once learned (the learner runs in the background), bob finds it for the same words.
	waitSearch(t, ts.api(t, "bob"), desc, func(ids []int64, _ map[string]any) bool { return contains(ids, id) })
	chromeLogin(t, ctx, ts.URL, "bob", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/search?q="+url.QueryEscape(desc)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="search-suggestions"]`)),
	); err != nil {
		t.Fatalf("bob's search: %v", err)
	}
	screenshot(t, ctx, "learned-suggestions")
	if got := textOf(t, ctx, `[data-testid="hits"]`); !strings.Contains(got, "Unlock an account") {
		t.Errorf("bob's hits = %q, want the article alice used", got)
	}
	if got := textOf(t, ctx, `[data-testid="suggested-found"]`); !strings.Contains(got, "Unlock an account") {
		t.Errorf("bob's suggestions = %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`//ul[@data-testid="suggested-found"]//a[normalize-space()="Unlock an account"]`),
		chromedp.WaitVisible(`//h1[contains(., "Unlock an account")]`),
	); err != nil {
		t.Fatalf("follow the suggestion: %v", err)
	}
	if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`body`))); strings.Contains(html, "learned-link") {
		t.Errorf("an agent sees the link to the learned words")
	}
	logout()

	// The knowledge manager sees what was learned on the article and removes a word.
	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d", ts.URL, id)),
		chromedp.Click(chromedp.CSS(`[data-testid="learned-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="learned-terms"]`)),
	); err != nil {
		t.Fatalf("open the learned words: %v", err)
	}
	screenshot(t, ctx, "learned-terms")
	if got := textOf(t, ctx, `[data-testid="learned-terms"]`); !strings.Contains(got, "badge") || !strings.Contains(got, "holiday") {
		t.Fatalf("learned words = %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`//button[contains(., "“holiday”")]`),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	); err != nil {
		t.Fatalf("remove: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := textOf(t, ctx, `[data-testid="learned-terms"]`)
		if !strings.Contains(got, "holiday") && strings.Contains(got, "badge") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after removal: %q", got)
		}
		time.Sleep(50 * time.Millisecond) // polling the page with a deadline
	}
}
