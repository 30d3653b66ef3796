package handlers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// TestBrowserScorecardAndNotice: a knowledge manager reads the supplier scorecard, follows a
// figure to the records behind it, and publishes a known-blocker notice; an agent of a
// supplier that fulfils the type then sees it above the search hit.
func TestBrowserScorecardAndNotice(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Install the licensed editor", "Run the installer, then enter the wombatkey.", "software-install")
	if st, body := ts.api(t, "alice").call("POST", "/api/v1/usage", map[string]any{"article_id": id, "version": 1, "ticket_ref": "INC-77",
		"request_type": "software-install", "outcome": "not_resolved", "failure_cause": "data_error"}); st != 201 {
		t.Fatalf("usage: %d %v", st, body)
	}
	ts.waitIndexed(t)
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.Click(`//nav//a[normalize-space()="Scorecards"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="scorecard-acme"]`)),
	); err != nil {
		t.Fatalf("open the scorecard: %v", err)
	}
	screenshot(t, ctx, "scorecard")
	if got := textOf(t, ctx, `[data-testid="scorecard-acme"] [data-testid="value-tickets"]`); got != "1" {
		t.Fatalf("acme tickets = %q, want 1", got)
	}
	if got := textOf(t, ctx, `[data-testid="scorecard-acme"] [data-testid="value-resolved_share"]`); got != "0%" {
		t.Fatalf("acme resolved = %q, want 0%%", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="scorecard-acme"] [data-testid="value-tickets"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="records"]`)),
	); err != nil {
		t.Fatalf("open the records behind tickets: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="records"]`); !strings.Contains(got, "INC-77") || !strings.Contains(got, "data_error") {
		t.Fatalf("records = %q", got)
	}
	until := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/request-types/software-install"),
		chromedp.Click(chromedp.CSS(`[data-testid="notices-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#n-title`), "Licence server down"),
		chromedp.SendKeys(chromedp.CSS(`#n-body`), "Use the **offline licence** from the shared drive."),
		chromedp.SetValue(chromedp.CSS(`#n-until`), until),
		chromedp.Click(chromedp.CSS(`[data-testid="publish-notice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice-banner"]`)),
	); err != nil {
		t.Fatalf("publish a notice: %v", err)
	}
	screenshot(t, ctx, "notice-published")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatal(err)
	}
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="header-search"]`), "wombatkey\n"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="hits"]`)),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	// The hit shows the blocker's title; its workaround opens with a click.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="hits"] [data-testid="notice-banner"] summary`))); err != nil {
		t.Fatalf("open the notice: %v", err)
	}
	screenshot(t, ctx, "notice-on-search-hit")
	got := textOf(t, ctx, `[data-testid="hits"] [data-testid="notice-banner"]`)
	if !strings.Contains(got, "Licence server down") || !strings.Contains(got, "offline licence") {
		t.Fatalf("banner on the hit = %q", got)
	}
}
