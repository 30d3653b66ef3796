package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// TestBrowserSearchFromHeader: an agent types into the header's search box, sees results as
// they type, opens one, and lands on the article; a plain submit shows the results page.
func TestBrowserSearchFromHeader(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Map a network printer", "Add the print queue by its name, then print a test page.", "password-reset")
	kbtest.Publish(t, ts.Org, ts.KB, "Reset a domain password", "Verify the caller, then reset the domain password.", "password-reset")
	ts.waitIndexed(t)
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="header-search"]`), "printer"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="suggestion"]`)),
	); err != nil {
		t.Fatalf("suggestions as you type: %v", err)
	}
	screenshot(t, ctx, "search-suggest")
	if got := textOf(t, ctx, `[data-testid="suggestion"]`); got != "Map a network printer" {
		t.Fatalf("first suggestion = %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="suggestion"]`)),
		chromedp.WaitVisible(`//h1[contains(., "Map a network printer")]`),
	); err != nil {
		t.Fatalf("open the suggestion: %v", err)
	}
	// A plain submit of the header form shows the results page with highlighted matches.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="header-search"]`), "domain password\n"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="hits"]`)),
	); err != nil {
		t.Fatalf("results page: %v", err)
	}
	screenshot(t, ctx, "search-results")
	if got := textOf(t, ctx, `[data-testid="hits"]`); !strings.Contains(got, "Reset a domain password") {
		t.Errorf("results = %q", got)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`[data-testid="hits"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "<mark>") {
		t.Error("matches are not highlighted")
	}
}
