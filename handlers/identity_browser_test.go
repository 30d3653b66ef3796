package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// An admin offboards a supplier agent who is signed in elsewhere: the agent's next page load
// lands on the sign-in page.
func TestBrowserOffboardSignedInAgent(t *testing.T) {
	ts := newTestServer(t)
	adminTab := newChrome(t)
	// The agent's own browser: a separate browser context, with its own cookies.
	agentTab, cancel := chromedp.NewContext(adminTab, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)

	chromeLogin(t, agentTab, ts.URL, "alice", accountstest.Password)
	chromeLogin(t, adminTab, ts.URL, "admin", accountstest.Password)
	err := chromedp.Do(adminTab,
		chromedp.Navigate(ts.URL+"/admin"),
		chromedp.Click(chromedp.CSS(`[data-testid="user-link-alice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="disable"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "Left Acme on Friday"),
		chromedp.Click(chromedp.CSS(`[data-testid="disable"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="enable"]`)),
	)
	if err != nil {
		t.Fatalf("admin disables alice: %v", err)
	}
	screenshot(t, adminTab, "offboard-admin")
	if got := textOf(t, adminTab, `[data-testid="account-state"]`); !strings.Contains(got, "Disabled") || !strings.Contains(got, "Left Acme on Friday") {
		t.Errorf("account state = %q", got)
	}

	if err := chromedp.Do(agentTab,
		chromedp.Navigate(ts.URL+"/request-types"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatalf("the agent's next page load: %v", err)
	}
	loc, err := chromedp.Run(agentTab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/login") {
		t.Errorf("the offboarded agent's next page is %s, want the sign-in page", loc)
	}
	// Signing in again is refused, with the reason in words.
	err = chromedp.Do(agentTab,
		chromedp.SendKeys(chromedp.CSS(`#f-username`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), accountstest.Password),
		chromedp.Click(`//button[normalize-space()="Sign in"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-error"]`)),
	)
	if err != nil {
		t.Fatalf("sign in again: %v", err)
	}
	if got := textOf(t, agentTab, `[data-testid="form-error"]`); !strings.Contains(got, "disabled") {
		t.Errorf("sign-in error = %q", got)
	}
}
