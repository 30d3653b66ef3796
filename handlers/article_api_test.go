package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func hasKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q in %s", what, k, keys(m))
		}
	}
}

// TestArticleAPIShapes drives the Articles calls of API.md and checks their JSON shapes.
func TestArticleAPIShapes(t *testing.T) {
	ts := newTestServer(t)
	alice, bob, km1, km2 := ts.api(t, "alice"), ts.api(t, "bob"), ts.api(t, "km1"), ts.api(t, "km2")
	st, a := alice.call("POST", "/api/v1/articles", map[string]any{"title": "Reset a password", "body": "1. Verify.\n2. Reset.\n",
		"request_types": []string{"password-reset"}, "tags": []string{"AD"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, a)
	}
	id := int64(a["id"].(float64))
	if v := a["version"].(map[string]any); v["number"] != 1.0 || v["status"] != "draft" {
		t.Fatalf("create answer: %v", a)
	}
	if st, _ := bob.call("GET", fmt.Sprintf("/api/v1/articles/%d", id), nil); st != http.StatusNotFound {
		t.Fatalf("bob reads a draft-only article: %d", st)
	}
	if st, _ := alice.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil); st != http.StatusOK {
		t.Fatalf("submit: %d", st)
	}
	st, r := km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok", "major": true})
	if st != http.StatusOK || r["status"] != "approved" {
		t.Fatalf("approve: %d %v", st, r)
	}
	st, art := bob.call("GET", fmt.Sprintf("/api/v1/articles/%d", id), nil)
	if st != http.StatusOK {
		t.Fatalf("bob reads: %d %v", st, art)
	}
	hasKeys(t, "article", art, "id", "title", "status", "request_types", "tags", "current")
	cur := art["current"].(map[string]any)
	hasKeys(t, "current", cur, "number", "title", "body", "html", "approved_by", "approved_at")
	if cur["approved_by"] != "km1" || !strings.HasSuffix(cur["approved_at"].(string), "Z") || art["status"] != "active" {
		t.Fatalf("current: %v", cur)
	}
	if fmt.Sprint(art["tags"]) != "[ad]" || fmt.Sprint(art["request_types"]) != "[password-reset]" {
		t.Fatalf("tags %v request types %v", art["tags"], art["request_types"])
	}
	st, raw := km2.raw("GET", fmt.Sprintf("/api/v1/articles/%d/versions", id), nil)
	if st != http.StatusOK || !strings.HasPrefix(string(raw), "[") {
		t.Fatalf("versions: %d %s", st, raw)
	}
	for _, k := range []string{`"number":1`, `"status":"approved"`, `"author":"alice"`, `"base":0`, `"created_at":"`} {
		if !strings.Contains(string(raw), k) {
			t.Errorf("versions list lacks %s: %s", k, raw)
		}
	}
	st, v := bob.call("GET", fmt.Sprintf("/api/v1/articles/%d/versions/1", id), nil)
	if st != http.StatusOK {
		t.Fatalf("version: %d", st)
	}
	hasKeys(t, "version", v, "number", "status", "title", "body", "html", "author", "base", "note")
	st, nv := km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"base": 1, "title": "Reset a password", "body": "1. Verify twice.\n2. Reset.\n", "note": "twice"})
	if st != http.StatusCreated || nv["number"] != 2.0 || nv["status"] != "draft" {
		t.Fatalf("save: %d %v", st, nv)
	}
	st, d := km1.call("GET", fmt.Sprintf("/api/v1/articles/%d/diff?from=1&to=2", id), nil)
	if st != http.StatusOK || d["from"] != 1.0 || d["to"] != 2.0 {
		t.Fatalf("diff: %d %v", st, d)
	}
	var to string
	for _, c := range d["changes"].([]any) {
		c := c.(map[string]any)
		if c["op"] != "delete" {
			to += c["text"].(string)
		}
	}
	if to != "1. Verify twice.\n2. Reset.\n" {
		t.Fatalf("diff reassembles %q", to)
	}
	st, w := km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/2/withdraw", id), nil)
	if st != http.StatusOK || w["status"] != "withdrawn" {
		t.Fatalf("withdraw: %d %v", st, w)
	}
	st, q := km1.call("GET", "/api/v1/review", nil)
	if st != http.StatusOK {
		t.Fatalf("queue: %d %v", st, q)
	}
	hasKeys(t, "queue", q, "in_review", "overdue")
	if st, _ := km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/retire", id), map[string]any{"reason": "replaced"}); st != http.StatusOK {
		t.Fatalf("retire: %d", st)
	}
	if st, _ := bob.call("GET", fmt.Sprintf("/api/v1/articles/%d", id), nil); st != http.StatusNotFound {
		t.Fatalf("bob reads a retired article: %d", st)
	}
	st, ns := alice.raw("GET", "/api/v1/notifications", nil)
	if st != http.StatusOK || !strings.Contains(string(ns), "approved") {
		t.Fatalf("alice's notifications: %d %s", st, ns)
	}
}

// TestArticleAPIBadInput: every refused call answers the documented status and changes nothing.
func TestArticleAPIBadInput(t *testing.T) {
	ts := newTestServer(t)
	alice, gina, km1 := ts.api(t, "alice"), ts.api(t, "gina"), ts.api(t, "km1")
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset", "Steps.", "password-reset")
	_, draft := alice.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"base": 1, "title": "Reset", "body": "Mine."})
	n := int(draft["number"].(float64))
	var before int
	ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM versions`).Scan(&before)
	for _, tc := range []struct {
		name   string
		c      *apiClient
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"empty title", alice, "POST", "/api/v1/articles", map[string]any{"title": "", "body": "x"}, 422, "title"},
		{"unknown request type", alice, "POST", "/api/v1/articles", map[string]any{"title": "t", "body": "x", "request_types": []string{"nope"}}, 422, "request_types"},
		{"unfulfilled request type", gina, "POST", "/api/v1/articles", map[string]any{"title": "t", "body": "x", "request_types": []string{"vpn-access"}}, 422, "request_types"},
		{"title of the wrong type", alice, "POST", "/api/v1/articles", []byte(`{"title":5,"body":"x"}`), 422, "title"},
		{"malformed JSON", alice, "POST", "/api/v1/articles", []byte(`{"title":`), 400, ""},
		{"unknown field", alice, "POST", "/api/v1/articles", map[string]any{"title": "t", "body": "x", "titel": "y"}, 400, ""},
		{"body over 1 MiB", alice, "POST", "/api/v1/articles", []byte(`{"title":"t","body":"` + strings.Repeat("x", 1<<20+10) + `"}`), 413, ""},
		{"save without base", alice, "POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"title": "t", "body": "x"}, 422, "base"},
		{"save on an unknown base", alice, "POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"base": 9, "title": "t", "body": "x"}, 422, "base"},
		{"foreign supplier's draft", gina, "GET", fmt.Sprintf("/api/v1/articles/%d/versions/%d", id, n), nil, 404, ""},
		{"foreign supplier submits a draft", gina, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/%d/submit", id, n), nil, 404, ""},
		{"approve a draft", km1, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/%d/approve", id, n), map[string]any{"comment": "x"}, 409, ""},
		{"reject without a comment", km1, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/%d/reject", id, n), map[string]any{}, 422, "comment"},
		{"withdraw the approved version", km1, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/withdraw", id), nil, 409, ""},
		{"agent approves", alice, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/%d/approve", id, n), map[string]any{}, 403, ""},
		{"retire without a reason", km1, "POST", fmt.Sprintf("/api/v1/articles/%d/retire", id), map[string]any{}, 422, "reason"},
		{"diff without versions", km1, "GET", fmt.Sprintf("/api/v1/articles/%d/diff", id), nil, 422, "from"},
		{"unknown article", alice, "GET", "/api/v1/articles/999999", nil, 404, ""},
		{"no token", ts.anon(t), "GET", fmt.Sprintf("/api/v1/articles/%d", id), nil, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := tc.c.call(tc.method, tc.path, tc.body)
			if st != tc.status {
				t.Fatalf("HTTP %d %v, want %d", st, body, tc.status)
			}
			if tc.field != "" {
				e, _ := body["error"].(map[string]any)
				fields, _ := e["fields"].(map[string]any)
				if fields[tc.field] == nil {
					t.Fatalf("error %v does not name %q", body, tc.field)
				}
			}
		})
	}
	var after int
	ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM versions`).Scan(&after)
	if after != before {
		t.Fatalf("refused calls changed the versions: %d → %d", before, after)
	}
}

// TestArticlePages walks the article pages as a person: an agent proposes an edit, a manager
// reviews it with the diff and approves, the agent reads the new steps; a stale save keeps the
// text and shows the conflict.
func TestArticlePages(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify the caller.\n2. Reset.\n", "password-reset")
	alice, kim := ts.browser(t), ts.browser(t)
	alice.login("alice", accountstest.Password)
	kim.login("km1", accountstest.Password)
	must := func(st int, page string, want int, contains ...string) {
		t.Helper()
		if st != want {
			t.Fatalf("HTTP %d, want %d: %.300s", st, want, page)
		}
		for _, c := range contains {
			if !strings.Contains(page, c) {
				t.Fatalf("page lacks %q: %.2000s", c, page)
			}
		}
	}
	st, page := alice.get(fmt.Sprintf("/articles/%d", id))
	must(st, page, 200, "Verify the caller", "Propose an edit")
	st, page = alice.get(fmt.Sprintf("/articles/%d/edit", id))
	must(st, page, 200, `name="base" value="1"`, "Verify the caller")
	st, page = alice.post(fmt.Sprintf("/articles/%d/versions", id), url.Values{"base": {"1"}, "title": {"Reset a password"},
		"body": {"1. Verify the caller with two factors.\n2. Reset.\n"}, "note": {"mfa"}})
	must(st, page, http.StatusSeeOther)
	st, page = alice.post(fmt.Sprintf("/articles/%d/versions/2/submit", id), url.Values{})
	must(st, page, http.StatusSeeOther)
	st, page = kim.get("/review")
	must(st, page, 200, "Reset a password", "1 version waiting")
	st, page = kim.get(fmt.Sprintf("/articles/%d/versions/2", id))
	must(st, page, 200, `data-testid="review-panel"`, "<ins>", "two factors", "Approve", "Major change")
	// The author sees no approve button.
	st, page = alice.get(fmt.Sprintf("/articles/%d/versions/2", id))
	must(st, page, 200, `data-testid="four-eyes"`)
	if strings.Contains(page, `data-testid="approve"`) {
		t.Fatalf("the author is offered the approve button")
	}
	st, page = kim.post(fmt.Sprintf("/articles/%d/versions/2/approve", id), url.Values{"comment": {"good"}, "major": {"true"}})
	must(st, page, http.StatusSeeOther)
	st, page = alice.get(fmt.Sprintf("/articles/%d", id))
	must(st, page, 200, "two factors", "Version 2")
	// A link to the superseded version lands on the current one with a notice.
	st, _ = alice.get(fmt.Sprintf("/articles/%d/versions/1", id))
	must(st, "", http.StatusSeeOther)
	st, page = alice.get(fmt.Sprintf("/articles/%d?superseded=1", id))
	must(st, page, 200, "The steps changed on")
	// A stale save: the text is kept, the changes since the base are shown, re-applying works.
	mine := "1. Verify the caller.\n2. Reset.\n3. Log it on the ticket.\n"
	st, page = alice.post(fmt.Sprintf("/articles/%d/versions", id), url.Values{"base": {"1"}, "title": {"Reset a password"}, "body": {mine}})
	must(st, page, http.StatusConflict, `data-testid="conflict"`, "Log it on the ticket", "<ins>", "Re-apply my text on version 2")
	st, page = alice.post(fmt.Sprintf("/articles/%d/versions", id), url.Values{"base": {"1"}, "rebase": {"2"}, "title": {"Reset a password"}, "body": {mine}})
	must(st, page, http.StatusSeeOther)
	// History, compare, catalogue, editor, preview, notifications.
	st, page = kim.get(fmt.Sprintf("/articles/%d/history", id))
	must(st, page, 200, "superseded", "approved", "Compare")
	st, page = kim.get(fmt.Sprintf("/articles/%d/compare?from=1&to=2", id))
	must(st, page, 200, "<ins>", "two factors")
	st, page = alice.get("/request-types/password-reset")
	must(st, page, 200, "Reset a password", "Who holds authority")
	st, page = alice.get("/request-types")
	must(st, page, 200, "Password reset")
	st, page = alice.get("/articles/new")
	must(st, page, 200, `hx-post="/articles/preview"`, "Password reset")
	st, page = alice.post("/articles/preview", url.Values{"body": {"# Hi\n<script>alert(1)</script>"}})
	must(st, page, 200, "<h1")
	if strings.Contains(page, "<script") {
		t.Fatalf("preview passed a script through")
	}
	st, page = alice.post("/articles", url.Values{"title": {""}, "body": {"kept text"}})
	must(st, page, 422, "kept text", `data-testid="error-title"`)
	st, page = alice.get("/notifications")
	must(st, page, 200, "approved")
	// A foreign supplier's agent: the draft does not exist for them.
	gina := ts.browser(t)
	gina.login("gina", accountstest.Password)
	st, _ = gina.get(fmt.Sprintf("/articles/%d/versions/3", id))
	must(st, "", http.StatusNotFound)
}
