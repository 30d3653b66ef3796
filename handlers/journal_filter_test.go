package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

// TestJournalPageFilters: the journal page filters by who and action with labels (never the
// raw action code as text), refuses a bad date with 422 and the field named, pages, and the
// CSV carries the same filtered entries.
func TestJournalPageFilters(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.api(t, "trainer")
	for range 3 {
		if st, res := tr.call("POST", "/api/v1/quizzes", quizBody("password-reset")); st != http.StatusCreated {
			t.Fatalf("create quiz: %d %v", st, res)
		}
	}
	aud := ts.browser(t)
	aud.login("auditor", accountstest.Password)
	st, page := aud.get("/journal?who=trainer&action=quiz.create")
	if st != http.StatusOK || strings.Count(page, `data-testid="journal-entry"`) != 3 || !strings.Contains(page, ">Quiz written<") ||
		strings.Contains(page, ">quiz.create<") || !strings.Contains(page, `data-label="Action"`) {
		t.Errorf("filtered journal: HTTP %d, %d entries", st, strings.Count(page, `data-testid="journal-entry"`))
	}
	st, page = aud.get("/journal?who=alice")
	if st != http.StatusOK || !strings.Contains(page, `data-testid="journal-empty"`) {
		t.Errorf("journal for someone who did nothing: HTTP %d", st)
	}
	st, page = aud.get("/journal?from=not-a-date")
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, "YYYY-MM-DD") {
		t.Errorf("bad date: HTTP %d", st)
	}
	st, csv := aud.get("/journal.csv?who=trainer&action=quiz")
	if st != http.StatusOK || strings.Count(csv, "\n") != 4 || !strings.HasPrefix(csv, "id,at,who,action,action_label,object,detail,hash") ||
		!strings.Contains(csv, ",trainer,quiz.create,Quiz written,quiz:") {
		t.Errorf("journal CSV: HTTP %d\n%s", st, csv)
	}
	if st, _ := ts.browser(t).get("/journal.csv"); st == http.StatusOK {
		t.Errorf("journal CSV without signing in: HTTP %d", st)
	}
}
