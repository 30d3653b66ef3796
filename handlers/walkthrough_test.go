package handlers_test

import (
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

// The journal page shows each entry's before → after in words, never the stored JSON.
func TestJournalPageShowsDetailWithoutJSON(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser(t)
	b.login("admin", accountstest.Password)
	status, body := b.get("/journal")
	if status != 200 {
		t.Fatalf("GET /journal = %d, want 200", status)
	}
	if strings.Contains(body, "&#34;after&#34;") || strings.Contains(body, `"after":`) {
		t.Errorf("the journal page shows raw JSON detail")
	}
	if !strings.Contains(body, "After:") {
		t.Errorf("the journal page lacks the readable After: detail")
	}
}
