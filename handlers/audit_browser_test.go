package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// TestBrowserAuditFromCreationToSignOff runs an audit as an auditor would in the browser:
// start it from the form, assess every sampled article with the checklist, record a finding,
// and sign it off.
func TestBrowserAuditFromCreationToSignOff(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 2, "password-reset", "vpn-access")
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "auditor", accountstest.Password)

	err := chromedp.Do(ctx,
		chromedp.Click(`//nav//a[normalize-space()="Audits"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-audit-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#f-quarter`), "2026-Q4"),
		chromedp.SetValue(chromedp.CSS(`#f-sample_size`), "2"),
		chromedp.SetValue(chromedp.CSS(`#f-seed`), "42"),
		chromedp.Click(`//button[normalize-space()="Start audit and draw the sample"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="audit-status"]`)),
	)
	if err != nil {
		t.Fatalf("start an audit: %v", err)
	}
	screenshot(t, ctx, "audit-new")
	if got := textOf(t, ctx, `[data-testid="audit-status"]`); got != "planned" {
		t.Errorf("new audit status %q, want planned", got)
	}
	if got := textOf(t, ctx, `[data-testid="audit-seed"]`); got != "42" {
		t.Errorf("seed shown %q, want 42", got)
	}
	if got := textOf(t, ctx, `[data-testid="audit-population"]`); !strings.HasPrefix(got, "4 ") {
		t.Errorf("population shown %q, want 4 articles", got)
	}
	auditURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		err := chromedp.Do(ctx,
			chromedp.Navigate(auditURL),
			chromedp.Click(`(//a[@data-testid="assess-link"][normalize-space()="Assess"])[1]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="assessment-form"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="adherence"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-accurate"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-complete"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-current"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-clear"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-findable"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="check-unique"]`)),
			chromedp.SendKeys(chromedp.CSS(`#f-notes`), "Checked against the runbook."),
			chromedp.Click(`//button[normalize-space()="Save assessment"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
		)
		if err != nil {
			t.Fatalf("assess item %d: %v", i+1, err)
		}

		if got := textOf(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "score 91") {
			t.Errorf("after assessing item %d: %q, want score 91 (template not met)", i+1, got)
		}
	}
	if got := textOf(t, ctx, `[data-testid="audit-status"]`); got != "review" {
		t.Errorf("all assessed: status %q, want review", got)
	}

	// Record a finding on the first item.
	err = chromedp.Do(ctx,
		chromedp.Click(`(//a[@data-testid="assess-link"])[1]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="finding-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#f-severity`), "minor"),
		chromedp.SetValue(chromedp.CSS(`#f-owner`), "km1"),
		chromedp.SetValue(chromedp.CSS(`#f-due`), "2027-01-15"),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "The steps do not follow the template."),
		chromedp.Click(`//button[normalize-space()="Record finding"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="item-findings"]`)),
	)
	if err != nil {
		t.Fatalf("record a finding: %v", err)
	}
	screenshot(t, ctx, "audit-item")
	if got := textOf(t, ctx, `[data-testid="item-findings"]`); !strings.Contains(got, "The steps do not follow the template.") {
		t.Errorf("findings table %q lacks the finding", got)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(auditURL),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-off"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-off-form"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-off-confirm"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-off-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="conclusion"]`)),
	)
	if err != nil {
		t.Fatalf("sign off: %v", err)
	}
	screenshot(t, ctx, "audit-signed-off")
	if got := textOf(t, ctx, `[data-testid="audit-status"]`); got != "signed off" {
		t.Errorf("status %q, want signed off", got)
	}
	if got := textOf(t, ctx, `[data-testid="audit-signed-off"]`); !strings.Contains(got, "auditor") {
		t.Errorf("signed off %q, want by auditor", got)
	}
	if got := textOf(t, ctx, `[data-testid="conclusion"]`); !strings.Contains(got, "95 % confident") {
		t.Errorf("conclusion %q", got)
	}
	// The owner sees the finding in their queue.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatal(err)
	}
	chromeLogin(t, ctx, ts.URL, "km1", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Click(`//nav//a[normalize-space()="Findings"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="my-finding"]`)),
	)
	if err != nil {
		t.Fatalf("owner's findings: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="my-finding"]`); !strings.Contains(got, "The steps do not follow the template.") {
		t.Errorf("my findings %q", got)
	}
}
