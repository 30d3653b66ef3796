package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// TestQuizPreviewImportExportAPI: a trainer previews a quiz (a draw without answers, nothing
// recorded), exports its bank as CSV and imports rows; a bad row is a 422 naming the line and
// saves nothing; agents get none of it.
func TestQuizPreviewImportExportAPI(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.api(t, "trainer")
	st, res := tr.call("POST", "/api/v1/quizzes", quizBody("password-reset"))
	if st != http.StatusCreated {
		t.Fatalf("create quiz: %d %v", st, res)
	}
	id := int64(res["id"].(float64))
	st, raw := tr.raw("GET", fmt.Sprintf("/api/v1/quizzes/%d/preview", id), nil)
	if st != http.StatusOK || strings.Contains(string(raw), "correct") || strings.Contains(string(raw), "SECRET-WHY") ||
		!strings.Contains(string(raw), `"kind":"multiple"`) {
		t.Errorf("preview: HTTP %d %s", st, raw)
	}
	var attempts int
	ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM attempts`).Scan(&attempts)
	if attempts != 0 {
		t.Errorf("preview recorded %d attempts", attempts)
	}
	st, raw = tr.raw("GET", fmt.Sprintf("/api/v1/quizzes/%d/questions.csv", id), nil)
	if st != http.StatusOK || !strings.HasPrefix(string(raw), "kind,question,correct,explanation,article_id,heading,choice 1") ||
		!strings.Contains(string(raw), "multiple,Which are required?,1;2,SECRET-WHY-2") {
		t.Errorf("export: HTTP %d %s", st, raw)
	}
	st, res = tr.call("POST", fmt.Sprintf("/api/v1/quizzes/%d/questions", id), map[string]any{"csv": "kind,question,correct,explanation,article_id,heading,choice 1,choice 2\nsingle,Fine,1,,,,a,b\nsingle,Bad,5,,,,a,b\n"})
	if st != 422 || !strings.Contains(fmt.Sprint(res), "row 3") {
		t.Errorf("bad import: HTTP %d %v", st, res)
	}
	st, res = tr.call("POST", fmt.Sprintf("/api/v1/quizzes/%d/questions", id), map[string]any{"csv": string(raw)})
	if st != http.StatusOK || res["added"] != 3.0 {
		t.Errorf("import of the export: HTTP %d %v", st, res)
	}
	alice := ts.api(t, "alice")
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/quizzes/%d/preview", id)},
		{"GET", fmt.Sprintf("/api/v1/quizzes/%d/questions.csv", id)},
		{"POST", fmt.Sprintf("/api/v1/quizzes/%d/questions", id)},
	} {
		if st, _ := alice.raw(c.method, c.path, map[string]any{"csv": string(raw)}); st != http.StatusForbidden {
			t.Errorf("agent %s %s: HTTP %d, want 403", c.method, c.path, st)
		}
	}
}

// TestQuizBankPages: the trainer's list links preview and import; the preview page shows the
// questions with no submit; the import page takes pasted rows, and shows a bad line's error
// with what was pasted. The agent who fails is told so and shown the articles to study.
func TestQuizBankPages(t *testing.T) {
	ts := newTestServer(t)
	art := kbtest.Publish(t, ts.Org, ts.KB, "Resetting a password safely", "# Steps\n\nVerify.", "password-reset")
	kbtest.Publish(t, ts.Org, ts.KB, "VPN profiles", "# Steps\n\nInstall.", "vpn-access")
	st, res := ts.api(t, "trainer").call("POST", "/api/v1/quizzes", quizBody("password-reset"))
	if st != http.StatusCreated {
		t.Fatalf("create quiz: %d %v", st, res)
	}
	id := int64(res["id"].(float64))
	tr := ts.browser(t)
	tr.login("trainer", accountstest.Password)
	_, page := tr.get("/training")
	for _, want := range []string{fmt.Sprintf("/training/quizzes/%d/preview", id), fmt.Sprintf("/training/quizzes/%d/import", id), `data-label="Request type"`} {
		if !strings.Contains(page, want) {
			t.Errorf("training page lacks %s", want)
		}
	}
	st, page = tr.get(fmt.Sprintf("/training/quizzes/%d/preview", id))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="preview-notice"`) || strings.Contains(page, "submit-answers") ||
		strings.Count(page, `data-testid="question"`) != 3 || strings.Contains(page, "SECRET-WHY") {
		t.Errorf("preview page: HTTP %d", st)
	}
	st, page = tr.get(fmt.Sprintf("/training/quizzes/%d/import", id))
	if st != http.StatusOK || !strings.Contains(page, "questions.csv") || !strings.Contains(page, "kind,question,correct") {
		t.Errorf("import page: HTTP %d", st)
	}
	bad := "kind,question,correct,explanation,article_id,heading,choice 1,choice 2\ntrue_false,Sky is green,3,,,,,\n"
	st, page = tr.post(fmt.Sprintf("/training/quizzes/%d/import", id), url.Values{"csv": {bad}})
	if st != 422 || !strings.Contains(page, `data-testid="error-file"`) || !strings.Contains(page, "row 2") || !strings.Contains(page, "Sky is green") {
		t.Errorf("bad import page: HTTP %d", st)
	}
	good := "kind,question,correct,explanation,article_id,heading\ntrue_false,Sky is green,2,,,\n"
	if st, _ := tr.post(fmt.Sprintf("/training/quizzes/%d/import", id), url.Values{"csv": {good}}); st != http.StatusSeeOther {
		t.Errorf("import: HTTP %d", st)
	}
	_, page = tr.get(fmt.Sprintf("/training/quizzes/%d/edit", id))
	if !strings.Contains(page, "Sky is green") || !strings.Contains(page, `<option value="true_false" selected>`) {
		t.Errorf("edit page lacks the imported true/false question")
	}

	alice := ts.browser(t)
	alice.login("alice", accountstest.Password)
	st, _ = alice.post(fmt.Sprintf("/training/quizzes/%d/attempts", id), url.Values{})
	if st != http.StatusSeeOther {
		t.Fatalf("start: HTTP %d", st)
	}
	var attempt int64
	ts.Org.DB.Read.QueryRow(`SELECT id FROM attempts ORDER BY id DESC LIMIT 1`).Scan(&attempt)
	alice.post(fmt.Sprintf("/training/attempts/%d/answers", attempt), url.Values{})
	_, page = alice.get(fmt.Sprintf("/training/attempts/%d", attempt))
	if !strings.Contains(page, "You did not pass") || !strings.Contains(page, fmt.Sprintf(`href="/articles/%d"`, art)) ||
		strings.Contains(page, "VPN profiles") {
		t.Errorf("failed attempt page does not say so plainly with the article to study:\n%s", page)
	}
}
