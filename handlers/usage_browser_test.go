package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// TestBrowserUsageOnDashboard: an agent records on the article page that she used it on a
// ticket and says it was not helpful; a knowledge manager sees the use on the dashboard and
// the follow-up in the queue.
func TestBrowserUsageOnDashboard(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Install the VPN client", "software-install")
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/articles/%d", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="usage-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-ticket_ref`), "INC0099999"),
		chromedp.Click(`//label[normalize-space()="Not resolved"]/input`),
		chromedp.Click(`//button[normalize-space()="Record use on ticket"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="usage-recorded"]`)),
	)
	if err != nil {
		t.Fatalf("record usage on the article page: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="usage-recorded"]`); !strings.Contains(got, "INC0099999") || !strings.Contains(got, "not resolved") {
		t.Errorf("confirmation = %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-feedback-comment`), "The installer link is dead."),
		chromedp.Click(`//button[normalize-space()="Not helpful"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="feedback-thanks"]`)),
	)
	if err != nil {
		t.Fatalf("feedback on the article page: %v", err)
	}
	screenshot(t, ctx, "usage-article")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`))); err != nil {
		t.Fatal(err)
	}

	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/reports/gaps"),
		chromedp.Click(`//a[normalize-space()="Open the usage dashboard"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="totals"]`)),
	)
	if err != nil {
		t.Fatalf("open the dashboard from the gap report: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="total-uses"]`); got != "1" {
		t.Errorf("uses on tickets = %q, want 1", got)
	}
	label, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid="chart-by-request-type"] svg`), "role"))
	if err != nil || label.Value != "img" {
		t.Errorf("usage chart role = %q (%v), want img", label.Value, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`//figure[@data-testid="chart-by-request-type"]//summary`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="chart-by-request-type"] table`)),
	)
	if err != nil {
		t.Fatalf("open the chart's table: %v", err)
	}
	if got := strings.ToLower(textOf(t, ctx, `[data-testid="chart-by-request-type"] table`)); !strings.Contains(got, "software installation") || !strings.Contains(got, "1\t1") {
		t.Errorf("chart table = %q, want Software installation with 1 use", got)
	}
	screenshot(t, ctx, "usage-dashboard")
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/followups?status=open"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="followup"]`)),
	)
	if err != nil {
		t.Fatalf("follow-ups: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="followup"]`); !strings.Contains(got, "The installer link is dead.") {
		t.Errorf("follow-up = %q", got)
	}
}
