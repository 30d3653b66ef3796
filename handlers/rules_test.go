package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
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

// TestRepeatedUsagePostAnswersTheFirstRecord: a retried POST /api/v1/usage (same agent,
// ticket, article and version) answers 201 with the first record's id and records nothing.
func TestRepeatedUsagePostAnswersTheFirstRecord(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller.", "password-reset")
	alice := ts.api(t, "alice")
	body := map[string]any{"article_id": id, "version": 1, "ticket_ref": "INC0042", "request_type": "password-reset", "outcome": "resolved"}
	st, first := alice.call("POST", "/api/v1/usage", body)
	if st != http.StatusCreated {
		t.Fatalf("first post: %d %v", st, first)
	}
	body["outcome"] = "not_resolved"
	st, again := alice.call("POST", "/api/v1/usage", body)
	if st != http.StatusCreated || again["id"] != first["id"] || again["outdated"] != first["outdated"] {
		t.Fatalf("repeat: %d %v, want 201 with the first record %v", st, again, first)
	}
	var n int
	if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d usage records, want 1", n)
	}
}

// TestTextMustBeUTF8WithoutNUL: text that is not UTF-8 or holds NUL is refused with 422
// naming the field, in JSON (also nested), forms and query strings, and nothing is stored.
func TestTextMustBeUTF8WithoutNUL(t *testing.T) {
	ts := newTestServer(t)
	km := ts.api(t, "km1")
	articles := func() int {
		var n int
		if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	fieldOf := func(body []byte) map[string]any {
		var m struct {
			Error struct {
				Fields map[string]any `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(body, &m)
		return m.Error.Fields
	}
	for _, tt := range []struct {
		body  string
		field string
	}{
		{"{\"title\":\"Reset \xff\xfe\",\"body\":\"Steps.\"}", "title"},
		{`{"title":"Reset\u0000","body":"Steps."}`, "title"},
		{"{\"title\":\"Reset\",\"body\":\"Steps.\",\"tags\":[\"ok\",\"b\xc3\"]}", "tags"},
		{`{"title":"Reset","body":"Steps.","request_types":["password-reset"],"tags":["a\u0000"]}`, "tags"},
		{"{\"title\":\"Reset\",\"body\":\"Ste\xffps.\"}", "body"},
	} {
		st, raw := km.raw("POST", "/api/v1/articles", []byte(tt.body))
		if st != http.StatusUnprocessableEntity || fieldOf(raw)[tt.field] == nil {
			t.Errorf("%q: HTTP %d %s, want 422 naming %s", tt.body, st, raw, tt.field)
		}
	}
	// The declared type does not matter: the API decodes any body as JSON.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/articles", strings.NewReader(`{"title":"Reset\u0000","body":"Steps."}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+km.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("NUL in a text/plain body: HTTP %d, want 422", resp.StatusCode)
	}
	if n := articles(); n != 0 {
		t.Fatalf("%d articles stored from refused bodies", n)
	}
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	st, page := b.post("/articles", url.Values{"title": {"Reset\x00"}, "body": {"Steps."}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, "title") {
		t.Fatalf("form with NUL: HTTP %d", st)
	}
	st, _ = b.post("/articles", url.Values{"title": {"Reset"}, "body": {"Steps \xff"}})
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("form with invalid UTF-8: HTTP %d", st)
	}
	// The same form sent as multipart.
	var mp strings.Builder
	mw := multipart.NewWriter(&mp)
	mw.WriteField("csrf_token", b.csrf)
	mw.WriteField("title", "Reset\x00")
	mw.WriteField("body", "Steps.")
	mw.Close()
	req, _ = http.NewRequest("POST", ts.URL+"/articles", strings.NewReader(mp.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("multipart form with NUL: HTTP %d, want 422", resp.StatusCode)
	}
	if n := articles(); n != 0 {
		t.Fatalf("%d articles stored from refused forms", n)
	}
	// Well-formed text is still accepted.
	if st, raw := km.raw("POST", "/api/v1/articles", []byte(`{"title":"Réinitialiser 🔑","body":"Étapes."}`)); st != http.StatusCreated {
		t.Fatalf("valid UTF-8: HTTP %d %s", st, raw)
	}
}

// TestOnlyCanonicalIDs: ids in paths are decimal without sign or leading zeros; 01 and +1
// name nothing.
func TestOnlyCanonicalIDs(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller.", "password-reset")
	km := ts.api(t, "km1")
	if st, _ := km.call("GET", fmt.Sprintf("/api/v1/articles/%d", id), nil); st != http.StatusOK {
		t.Fatalf("canonical id: %d", st)
	}
	for _, path := range []string{
		fmt.Sprintf("/api/v1/articles/0%d", id),
		fmt.Sprintf("/api/v1/articles/+%d", id),
		fmt.Sprintf("/api/v1/articles/%%2B%d", id),
		fmt.Sprintf("/api/v1/articles/%d/versions/01", id),
		fmt.Sprintf("/api/v1/articles/%d/versions/+1", id),
		fmt.Sprintf("/api/v1/articles/00%d/versions/1", id),
	} {
		if st, body := km.call("GET", path, nil); st != http.StatusNotFound {
			t.Errorf("GET %s: HTTP %d %v, want 404", path, st, body)
		}
	}
}

// TestAPIBodyIsJSONWhateverItsType: an API call whose JSON body is declared as a form (curl -d
// does that) is still read as JSON: the text check must not consume it as a form.
func TestAPIBodyIsJSONWhateverItsType(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/token",
		strings.NewReader(`{"username":"alice","password":"`+accountstest.Password+`"}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("token with a JSON body declared as a form: HTTP %d, want 201", resp.StatusCode)
	}
}
