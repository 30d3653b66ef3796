package handlers_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// Browser tests drive Debian's Chromium with chromedp v0.23, whose API is generic:
// chromedp.Do(ctx, actions...) runs actions that return nothing; chromedp.Run(ctx, action)
// returns one action's value (Text, Value, Location, FullScreenshot…). Selectors are typed:
// chromedp.CSS("#id"), or a plain string for an XPath/text search such as
// `//button[normalize-space()="Approve"]`. See docs/API.md in the module for more.

// chromePath finds Debian's Chromium (or ATTEST_CHROMIUM).
func chromePath() string {
	if p := os.Getenv("ATTEST_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// newChrome starts a headless Chromium with a fresh profile for one test and returns a
// browser tab's context, bounded by a deadline. Without Chromium the test is skipped — except
// under CI, where a missing browser is a failure.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests do not run with -short")
	}
	path := chromePath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is missing: under CI the browser suite must run (make test installs it)")
		}
		t.Skip("Chromium is not installed; make test installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// chromeLogin signs username in through the login page as a person would.
func chromeLogin(t *testing.T, ctx context.Context, base, username, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-username`)),
		chromedp.SendKeys(chromedp.CSS(`#f-username`), username),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(`//button[normalize-space()="Sign in"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
}

// textOf returns the visible text of the first element matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// screenshot saves the page as PNG when ATTEST_SCREENSHOTS names a directory, to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("ATTEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(dir+"/"+name+".png", png, 0o644)
}

func TestBrowserNavigationByRole(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	cases := []struct {
		user    string
		want    []string
		notWant []string
	}{
		{"admin", []string{"Admin", "Journal"}, []string{"Review queue", "Audits"}},
		{"km1", []string{"Review queue", "Gap report", "New article"}, []string{"Admin", "Audits"}},
		{"trainer", []string{"Training", "Authority"}, []string{"Admin", "Review queue"}},
		{"auditor", []string{"Audits", "Journal", "Gap report"}, []string{"Admin", "Review queue"}},
		{"alice", []string{"Request types", "My authority", "New article"}, []string{"Admin", "Review queue", "Audits"}},
	}
	for _, c := range cases {
		chromeLogin(t, ctx, ts.URL, c.user, accountstest.Password)
		nav := textOf(t, ctx, `[data-testid="nav"]`)
		for _, w := range c.want {
			if !strings.Contains(nav, w) {
				t.Errorf("%s: navigation %q lacks %q", c.user, nav, w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(nav, w) {
				t.Errorf("%s: navigation %q shows %q", c.user, nav, w)
			}
		}
		screenshot(t, ctx, "home-"+c.user)
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		); err != nil {
			t.Fatalf("%s: sign out: %v", c.user, err)
		}
	}
}

func TestBrowserWrongPasswordAndLogout(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#f-username`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "not-her-password"),
		chromedp.Click(`//button[normalize-space()="Sign in"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-error"]`)),
	)
	if err != nil {
		t.Fatalf("wrong password: %v", err)
	}
	if got := textOf(t, ctx, `[data-testid="form-error"]`); !strings.Contains(got, "Wrong username or password") {
		t.Errorf("error = %q", got)
	}
	// No session: the home page still sends to the login form, which kept the username.
	username, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-username`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if username != "alice" {
		t.Errorf("the refused form kept username %q, want alice", username)
	}
	if !strings.Contains(url, "/login") {
		t.Errorf("after a wrong password, / went to %s, want the login page", url)
	}

	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if url, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/login") {
		t.Errorf("after signing out, / went to %s, want the login page", url)
	}
}
