package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// TestBrowserCMDBFlagFinding: on an audit's page, an auditor raises a finding from a flag of
// the CMDB-access section and lands on the finding's page, which names the flag and links to
// its access-log records.
func TestBrowserCMDBFlagFinding(t *testing.T) {
	ts, _ := cmdbServer(t)
	id, _ := flaggedAudit(t, ts)
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "auditor", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/audits/%d", ts.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="audit-cmdb"]`)),
		chromedp.Click(`//tr[contains(., "NO-USAGE-9")]//a[@data-testid="raise-flag-finding"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-finding-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#f-severity`), "minor"),
		chromedp.SetValue(chromedp.CSS(`#f-owner`), "km1"),
		chromedp.SetValue(chromedp.CSS(`#f-due`), "2099-01-15"),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "CI read on a ticket with no recorded use"),
		chromedp.Click(`//form[@data-testid="cmdb-finding-form"]//button[normalize-space()="Record finding"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="finding-page"]`)),
	)
	if err != nil {
		screenshot(t, ctx, "cmdb-finding-fail")
		t.Fatalf("raise a finding from the flag: %v", err)
	}
	screenshot(t, ctx, "cmdb-finding")
	got := textOf(t, ctx, `[data-testid="finding-flag"]`)
	for _, want := range []string{"Raised from CMDB access flag", "alice", "CI-VPN", "NO-USAGE-9", "Open these records in the access log"} {
		if !strings.Contains(got, want) {
			t.Errorf("finding page says %q, lacking %q", got, want)
		}
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid="finding-flag-log"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	href := link.Value
	if !strings.Contains(href, "/cmdb/access?") || !strings.Contains(href, "username=alice") || !strings.Contains(href, "supplier=acme") {
		t.Errorf("access-log link %q does not filter on the flag's records", href)
	}
}
