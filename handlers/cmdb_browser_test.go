package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/cmdb"
	"attest/cmdb/cmdbtest"
)

// TestBrowserCMDBAgentLookup: an agent opens the CMDB, accepts the CMDB agreement, names the
// ticket, searches and opens a CI; the lookup is in the access log with that ticket.
func TestBrowserCMDBAgentLookup(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	cmdbtest.Estate(t, ts.Org, ts.CMDB)
	cmdbtest.Agree(t, ts.Org, ts.CMDB) // published; alice has not accepted it
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Click(`//nav//a[normalize-space()="CMDB"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-agreement-accept"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="cmdb-agreement-accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-ticket-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-ticket_ref`), "INC-42"),
		chromedp.Click(chromedp.CSS(`[data-testid="cmdb-ticket-save"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-current-ticket"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="cmdb-q"]`), "Fernhill"),
		chromedp.Click(chromedp.CSS(`[data-testid="cmdb-search"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-hit"]`)),
	)
	if err != nil {
		screenshot(t, ctx, "cmdb-fail")
		t.Fatalf("accept, name the ticket, search: %v", err)
	}
	screenshot(t, ctx, "cmdb-search")
	if hits := textOf(t, ctx, `[data-testid="cmdb-hits"]`); !strings.Contains(hits, "CI-VPN") || strings.Contains(hits, "CI-PR") {
		t.Fatalf("hits %q: want CI-VPN and nothing out of scope", hits)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`//a[@data-testid="cmdb-hit" and normalize-space()="CI-VPN"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="cmdb-attributes"]`)),
	); err != nil {
		t.Fatalf("open the CI: %v", err)
	}
	screenshot(t, ctx, "cmdb-item")
	if attrs := textOf(t, ctx, `[data-testid="cmdb-attributes"]`); !strings.Contains(attrs, "Fernhill") || strings.Contains(attrs, cmdbtest.Sentinel) {
		t.Fatalf("attributes %q: want the shared site only", attrs)
	}
	if got := textOf(t, ctx, `[data-testid="cmdb-item-ticket"]`); !strings.Contains(got, "INC-42") {
		t.Fatalf("ticket line %q", got)
	}
	outcome := "shown"
	log, _, err := ts.CMDB.AccessLog(context.Background(), ts.Org.User(t, "auditor"), cmdb.AccessFilter{Username: new("alice"), Outcome: &outcome, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		found = found || (e.Key == "CI-VPN" && e.TicketRef == "INC-42" && e.Version == 1)
	}
	if !found {
		t.Fatalf("access log %+v lacks alice's lookup of CI-VPN on INC-42", log)
	}
}
