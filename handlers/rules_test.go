package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

// TestVersionPageButtonsFollowKBActions: the review buttons are kb.Actions' answer, the same
// one the store checks: a stale version can still be rejected (not approved), and a manager
// who gave the first of two approvals is offered rejection but not a second approval.
func TestVersionPageButtonsFollowKBActions(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller.", "password-reset")
	stale := kbtest.Edit(t, ts.Org, ts.KB, "alice", id, 1, "Verify the caller twice.")
	newer := kbtest.Edit(t, ts.Org, ts.KB, "km1", id, 1, "Verify the caller by phone.")
	if _, err := ts.KB.Approve(ctx, ts.Org.User(t, "km2"), id, newer, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	km2 := ts.browser(t)
	if st := km2.login("km2", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	has := func(page string, testids ...string) map[string]bool {
		out := map[string]bool{}
		for _, id := range testids {
			out[id] = strings.Contains(page, `data-testid="`+id+`"`)
		}
		return out
	}
	st, page := km2.get(fmt.Sprintf("/articles/%d/versions/%d", id, stale))
	if st != http.StatusOK {
		t.Fatalf("stale version page: %d", st)
	}
	if got := has(page, "stale", "approve-form", "reject-form"); !got["stale"] || got["approve-form"] || !got["reject-form"] {
		t.Fatalf("stale version's review panel: %v, want stale notice and reject form only", got)
	}
	// The button that is offered works; the one withheld is refused by the same rule.
	if st, _ := km2.post(fmt.Sprintf("/articles/%d/versions/%d/reject", id, stale), url.Values{"comment": {"rebase it"}}); st != http.StatusSeeOther {
		t.Fatalf("reject a stale version: %d", st)
	}

	kbtest.AddRequestType(t, ts.Org, "privileged-access", 2, "acme")
	v, err := ts.KB.CreateArticle(ctx, ts.Org.User(t, "km1"), kb.NewArticle{Title: "Grant admin", Body: "x", RequestTypes: []string{"privileged-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.KB.Submit(ctx, ts.Org.User(t, "km1"), v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	if st, _ := km2.post(fmt.Sprintf("/articles/%d/versions/1/approve", v.ArticleID), url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("first approval: %d", st)
	}
	_, page = km2.get(fmt.Sprintf("/articles/%d/versions/1", v.ArticleID))
	if got := has(page, "approved-by-me", "approve-form", "reject-form"); !got["approved-by-me"] || got["approve-form"] || !got["reject-form"] {
		t.Fatalf("after my first approval: %v", got)
	}
	if !strings.Contains(page, "1 of 2 approvals") {
		t.Fatalf("page does not say 1 of 2 approvals")
	}
	// A refused press comes back to the page with the reason (the one refusal helper).
	st, _ = km2.post(fmt.Sprintf("/articles/%d/versions/1/approve", v.ArticleID), url.Values{})
	if st != http.StatusSeeOther {
		t.Fatalf("second approval by the same manager: %d, want 303 back to the page", st)
	}
	if _, page = km2.get(fmt.Sprintf("/articles/%d/versions/1", v.ArticleID)); !strings.Contains(page, "You already approved version 1") {
		t.Fatalf("the refusal is not shown on the page")
	}
}

// TestOneRefusalHelper: every handler refuses through refuse in respond.go; none writes its
// own error flash.
func TestOneRefusalHelper(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "respond.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `flash(r, "error"`) {
				t.Errorf("%s:%d writes its own error flash; use s.refuse", f, i+1)
			}
			if strings.Contains(line, "func (s *Server) refuse") {
				t.Errorf("%s:%d declares another refusal helper", f, i+1)
			}
		}
	}
}
