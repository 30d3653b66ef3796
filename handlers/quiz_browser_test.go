package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// TestBrowserQuizCertifyAuthority: an agent takes a quiz in the browser, a trainer certifies
// her from the queue, and her authority appears on "My authority".
func TestBrowserQuizCertifyAuthority(t *testing.T) {
	ts := newTestServer(t)
	createQuizAPI(t, ts.api(t, "trainer"), quizBody("password-reset"))
	ctx := newChrome(t)
	signOut := func(who string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		); err != nil {
			t.Fatalf("%s signs out: %v", who, err)
		}
	}

	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/training"),
		chromedp.Click(`//button[normalize-space()="Start quiz"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="quiz-take"]`)),
	)
	if err != nil {
		t.Fatalf("start the quiz: %v", err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	noLeak(t, "the quiz page in the browser", []byte(html))
	screenshot(t, ctx, "quiz-take")
	for _, choice := range []string{"verify identity", "ticket reference", "callback number", "change at next logon"} {
		if err := chromedp.Do(ctx, chromedp.Click(`//label[contains(normalize-space(), "`+choice+`")]/input`)); err != nil {
			t.Fatalf("choose %q: %v", choice, err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[normalize-space()="Submit answers"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="result-status"]`)),
	)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="result-status"]`); got != "Passed" {
		t.Errorf("result = %q, want Passed", got)
	}
	if got := textOf(t, ctx, `[data-testid="score"]`); !strings.HasPrefix(got, "100%") {
		t.Errorf("score = %q", got)
	}
	screenshot(t, ctx, "quiz-result")
	signOut("alice")

	chromeLogin(t, ctx, ts.URL, "trainer", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/training"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="queue-alice"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="queue-alice"] [data-testid="certify"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if err != nil {
		t.Fatalf("certify: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "certified for Password reset") {
		t.Errorf("flash = %q", got)
	}
	signOut("trainer")

	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Click(`//nav//a[normalize-space()="My authority"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="my-authority"]`)),
	)
	if err != nil {
		t.Fatalf("open My authority: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="row-password-reset"]`); !strings.Contains(got, "Certified") || !strings.Contains(got, "until") {
		t.Errorf("password-reset row = %q, want Certified with an expiry", got)
	}
	screenshot(t, ctx, "my-authority")
}
