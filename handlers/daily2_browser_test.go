package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
)

// widths are the two screens the daily-work browser tests run at: a desktop and a phone.
var widths = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

func useWidth(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	var err error
	if w < 600 {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateMobile))
	} else {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(w, h))
	}
	if err != nil {
		t.Fatalf("viewport %dx%d: %v", w, h, err)
	}
}

// keepShot saves the page as a test artifact: under $ATTEST_SCREENSHOTS when set, else in the
// test's temporary directory.
func keepShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ATTEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cardsAtPhone checks, at phone width, that the page's labelled table shows its rows as cards.
func cardsAtPhone(t *testing.T, ctx context.Context, width string) {
	t.Helper()
	if width != "phone" {
		return
	}
	display, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('table:has(td[data-label]) tbody tr')).display`))
	if err != nil || display != "block" {
		t.Errorf("at phone width a table row displays as %q (%v), want a card (block)", display, err)
	}
}

// TestBrowserTrainerPreviewsAndImportsQuiz: a trainer previews a quiz as an agent sees it and
// imports questions from pasted CSV, at desktop and phone width.
func TestBrowserTrainerPreviewsAndImportsQuiz(t *testing.T) {
	ts := newTestServer(t)
	if st, res := ts.api(t, "trainer").call("POST", "/api/v1/quizzes", quizBody("password-reset")); st != http.StatusCreated {
		t.Fatalf("create quiz: %d %v", st, res)
	}
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "trainer", accountstest.Password)
	for i, w := range widths {
		useWidth(t, ctx, w.w, w.h)
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/training"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-quiz"]`)),
		)
		if err != nil {
			t.Fatalf("%s: training page: %v", w.name, err)
		}
		cardsAtPhone(t, ctx, w.name)
		keepShot(t, ctx, "quiz-list-"+w.name)
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="preview-quiz"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-notice"]`)),
		)
		if err != nil {
			t.Fatalf("%s: preview: %v", w.name, err)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="question"]').length`)); n != 3+i {
			t.Errorf("%s: preview shows %d questions, want %d", w.name, n, 3+i)
		}
		keepShot(t, ctx, "quiz-preview-"+w.name)
		csv := fmt.Sprintf("kind,question,correct,explanation,article_id,heading,choice 1,choice 2\ntrue_false,Imported at %s width,1,,,,True,False\n", w.name)
		err = chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/training"),
			chromedp.Click(chromedp.CSS(`[data-testid="import-quiz"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-form"]`)),
			chromedp.SetValue(chromedp.CSS(`#f-csv`), csv),
		)
		if err != nil {
			t.Fatalf("%s: import page: %v", w.name, err)
		}
		keepShot(t, ctx, "quiz-import-"+w.name)
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="import-submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
		)
		if err != nil {
			t.Fatalf("%s: import: %v", w.name, err)
		}
		if got := textOf(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "1 questions imported") {
			t.Errorf("%s: after import: %q", w.name, got)
		}
		keepShot(t, ctx, "quiz-imported-"+w.name)
	}
}

// TestBrowserAgentFailsAndSeesWhatToStudy: an agent who fails is told so plainly and follows a
// link to an article to study, at desktop and phone width.
func TestBrowserAgentFailsAndSeesWhatToStudy(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 1, "password-reset")
	if st, res := ts.api(t, "trainer").call("POST", "/api/v1/quizzes", quizBody("password-reset")); st != http.StatusCreated {
		t.Fatalf("create quiz: %d %v", st, res)
	}
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "alice", accountstest.Password)
	for _, w := range widths {
		useWidth(t, ctx, w.w, w.h)
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/training"),
			chromedp.Click(chromedp.CSS(`[data-testid="start-quiz"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="quiz-take"]`)),
		)
		if err != nil {
			t.Fatalf("%s: start: %v", w.name, err)
		}
		keepShot(t, ctx, "quiz-take-"+w.name)
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="submit-answers"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="study"]`)),
		)
		if err != nil {
			t.Fatalf("%s: submit: %v", w.name, err)
		}
		if got := textOf(t, ctx, `[data-testid="fail-plain"]`); !strings.Contains(got, "0 of 3") || !strings.Contains(got, "pass mark is 60%") {
			t.Errorf("%s: failure told as %q", w.name, got)
		}
		keepShot(t, ctx, "quiz-failed-"+w.name)
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="study-articles"] a`)),
			chromedp.WaitVisible(chromedp.CSS(`h1`)),
		)
		if err != nil {
			t.Fatalf("%s: open the article to study: %v", w.name, err)
		}
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/articles/") {
			t.Errorf("%s: the study link went to %s", w.name, loc)
		}
	}
}

// TestBrowserAuditorSaveAndNextAndSignOff: an auditor assesses the sample with "save and next"
// (each save lands on the next article) and signs off through the confirmation, at desktop
// and phone width.
func TestBrowserAuditorSaveAndNextAndSignOff(t *testing.T) {
	ts := newTestServer(t)
	arts := approvedArticles(t, ts, 1, "password-reset", "vpn-access")
	for _, id := range arts {
		ts.KB.RecordView(ts.Org.Users["alice"], id, 1)
	}
	if err := ts.KB.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := ts.api(t, "auditor")
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "auditor", accountstest.Password)
	for i, w := range widths {
		st, a := api.call("POST", "/api/v1/audits", map[string]any{"quarter": fmt.Sprintf("2026-Q%d", 3+i), "sample_size": 2, "seed": 9})
		if st != http.StatusCreated {
			t.Fatalf("create audit: %d %v", st, a)
		}
		id := int64(a["id"].(float64))
		first := int64(a["items"].([]any)[0].(map[string]any)["id"].(float64))
		second := int64(a["items"].([]any)[1].(map[string]any)["id"].(float64))
		useWidth(t, ctx, w.w, w.h)
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/audits/%d", ts.URL, id)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="assess-link"]`))); err != nil {
			t.Fatalf("%s: audit page: %v", w.name, err)
		}
		cardsAtPhone(t, ctx, w.name)
		keepShot(t, ctx, "audit-"+w.name)
		for k, want := range []string{fmt.Sprintf("/audits/%d/items/%d", id, second), fmt.Sprintf("/audits/%d", id)} {
			item := first
			if k == 1 {
				item = second
			}
			err := chromedp.Do(ctx,
				chromedp.Navigate(fmt.Sprintf("%s/audits/%d/items/%d", ts.URL, id, item)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="save-next"]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="evidence-column"]`)),
			)
			if err != nil {
				t.Fatalf("%s: item %d: %v", w.name, k+1, err)
			}
			if k == 0 {
				keepShot(t, ctx, "audit-item-"+w.name)
			}
			for _, c := range []string{"accurate", "complete", "current", "clear", "findable", "unique"} {
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="check-`+c+`"]`))); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="save-next"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`))); err != nil {
				t.Fatalf("%s: save and next: %v", w.name, err)
			}
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, want) {
				t.Errorf("%s: save and next on item %d went to %s, want %s", w.name, k+1, loc, want)
			}
		}
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="sign-off"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-off-form"]`)),
		)
		if err != nil {
			t.Fatalf("%s: sign-off confirmation: %v", w.name, err)
		}
		keepShot(t, ctx, "audit-sign-off-"+w.name)
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="sign-off-confirm"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="sign-off-submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="conclusion"]`)),
		)
		if err != nil {
			t.Fatalf("%s: sign off: %v", w.name, err)
		}
		if got := textOf(t, ctx, `[data-testid="audit-status"]`); got != "signed off" {
			t.Errorf("%s: status %q after the sign-off", w.name, got)
		}
		keepShot(t, ctx, "audit-signed-off-"+w.name)

		// The dashboard's charts keep a legible size: at phone width they scroll sideways
		// rather than shrink their text.
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`.chart > svg`))); err != nil {
			t.Fatalf("%s: dashboard: %v", w.name, err)
		}
		px, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.querySelector('.chart text.chart-label')).fontSize) * document.querySelector('.chart > svg').getBoundingClientRect().width / document.querySelector('.chart > svg').viewBox.baseVal.width`))
		if err != nil || px < 10 {
			t.Errorf("%s: chart labels render at %.1f px (%v), want at least 10", w.name, px, err)
		}
		keepShot(t, ctx, "dashboard-"+w.name)
	}
}
