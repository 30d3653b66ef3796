package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

func TestSetupAPIRefusesBadInputAndChangesNothing(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	user := map[string]any{"username": "dave", "display_name": "Dave", "password": "dave-pass-123456", "roles": []string{"agent"}, "supplier": "acme"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k2, v2 := range user {
			m[k2] = v2
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		field  string
	}{
		{"unknown role", "/api/v1/users", with("roles", []string{"wizard"}), 422, "roles"},
		{"duplicate username", "/api/v1/users", with("username", "alice"), 409, "username"},
		{"agent without supplier", "/api/v1/users", with("supplier", nil), 422, "supplier"},
		{"unknown supplier", "/api/v1/users", with("supplier", "nosuch"), 422, "supplier"},
		{"malformed JSON", "/api/v1/users", []byte(`{"username":`), 400, ""},
		{"unknown field", "/api/v1/users", with("rolez", []string{"agent"}), 400, ""},
		{"wrong type", "/api/v1/users", with("roles", "agent"), 422, "roles"},
		{"two values", "/api/v1/users", []byte(`{} {}`), 400, ""},
		{"oversized body", "/api/v1/users", append([]byte(`{"username":"`), bytes.Repeat([]byte("x"), 2<<20)...), 413, ""},
		{"duplicate supplier", "/api/v1/suppliers", map[string]string{"key": "acme", "name": "Again"}, 409, "key"},
		{"bad supplier key", "/api/v1/suppliers", map[string]string{"key": "Has Spaces", "name": "X"}, 422, "key"},
		{"unknown risk", "/api/v1/request-types", map[string]any{"key": "x", "name": "X", "risk": "extreme", "requires_certification": false}, 422, "risk"},
		{"three approvals", "/api/v1/request-types", map[string]any{"key": "x", "name": "X", "risk": "low", "requires_certification": false, "approvals_required": 3}, 422, "approvals_required"},
		{"zero approvals", "/api/v1/request-types", map[string]any{"key": "x", "name": "X", "risk": "low", "requires_certification": false, "approvals_required": 0}, 422, "approvals_required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, body := adm.call("POST", c.path, c.body)
			if st != c.status {
				t.Fatalf("HTTP %d %v, want %d", st, body, c.status)
			}
			e, _ := body["error"].(map[string]any)
			if e == nil || e["code"] == "" || e["message"] == "" {
				t.Fatalf("error body = %v", body)
			}
			if c.field != "" {
				if f, _ := e["fields"].(map[string]any); f[c.field] == nil {
					t.Errorf("fields = %v, want %q named", e["fields"], c.field)
				}
			}
		})
	}
	st, _ := adm.call("PUT", "/api/v1/suppliers/acme/request-types", map[string]any{"request_types": []string{"nosuch"}})
	if st != 422 {
		t.Errorf("unknown request type for a supplier: HTTP %d", st)
	}
	if st, _ := ts.anon(t).call("POST", "/api/v1/auth/token", map[string]string{"username": "dave", "password": "dave-pass-123456"}); st != 401 {
		t.Errorf("a refused user exists: HTTP %d", st)
	}
	if st, body := adm.call("POST", "/api/v1/users", user); st != 201 || body["username"] != "dave" {
		t.Errorf("valid user: HTTP %d %v", st, body)
	}
	if st, body := adm.call("POST", "/api/v1/request-types", map[string]any{"key": "pam", "name": "PAM", "risk": "high", "requires_certification": true}); st != 201 || body["approvals_required"] != float64(1) {
		t.Errorf("request type default approvals: HTTP %d %v", st, body)
	}
}

func TestTokenThrottleAnswers429WithRetryAfter(t *testing.T) {
	ts := newTestServer(t)
	anon := ts.anon(t)
	for i := 0; i < 5; i++ {
		anon.call("POST", "/api/v1/auth/token", map[string]string{"username": "bob", "password": "wrong-password"})
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/token", strings.NewReader(`{"username":"bob","password":"`+accountstest.Password+`"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("HTTP %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline script: %q", csp)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("nosniff = %q", got)
	}
	if resp.Header.Get("Referrer-Policy") == "" {
		t.Error("no Referrer-Policy")
	}
}

func TestSessionCookieAndCSRF(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser(t)
	// The session token before sign-in is not the one after it.
	b.get("/login")
	resp, err := b.c.PostForm(ts.URL+"/login", url.Values{"username": {"admin"}, "password": {accountstest.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "attest_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly and SameSite=Lax", cookie)
	}
	_, page := b.get("/")
	b.csrf = csrfRE.FindStringSubmatch(page)[1]
	// Without the token a form post is refused and changes nothing.
	st, _ := b.post("/admin/suppliers", url.Values{"key": {"initech"}, "name": {"Initech"}, "csrf_token": {"forged"}})
	if st != http.StatusForbidden {
		t.Fatalf("forged CSRF token: HTTP %d, want 403", st)
	}
	if _, page := b.get("/admin"); strings.Contains(page, "Initech") {
		t.Fatal("a refused form created the supplier")
	}
	// A cross-site browser post is refused too (Sec-Fetch-Site).
	req, _ := http.NewRequest("POST", ts.URL+"/admin/suppliers", strings.NewReader(url.Values{"key": {"initech"}, "name": {"Initech"}, "csrf_token": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: HTTP %d, want 403", resp.StatusCode)
	}
	st, _ = b.post("/admin/suppliers", url.Values{"key": {"initech"}, "name": {"Initech"}})
	if st != http.StatusSeeOther {
		t.Fatalf("valid form: HTTP %d", st)
	}
}

func TestAdminFormKeepsInputOnError(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser(t)
	b.login("admin", accountstest.Password)
	st, page := b.post("/admin/users", url.Values{"username": {"newagent"}, "display_name": {"New Agent"}, "password": {"long-enough-1"}, "roles": {"agent"}})
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("agent without supplier: HTTP %d", st)
	}
	for _, want := range []string{`value="newagent"`, `value="New Agent"`, "an agent must belong to a supplier"} {
		if !strings.Contains(page, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if strings.Contains(page, "long-enough-1") {
		t.Error("the password was echoed back")
	}
}

func TestJournalAPI(t *testing.T) {
	ts := newTestServer(t)
	st, raw := ts.api(t, "auditor").raw("GET", "/api/v1/journal", nil)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if st != 200 || len(lines) < 10 || !strings.Contains(string(raw), `"action":"user.create"`) {
		t.Fatalf("journal: HTTP %d, %d lines", st, len(lines))
	}
	if st, _ := ts.api(t, "auditor").raw("GET", "/api/v1/journal?since=2999-01-01", nil); st != 200 {
		t.Fatalf("since in the future: HTTP %d", st)
	}
	if st, _ := ts.api(t, "auditor").raw("GET", "/api/v1/journal?since=yesterday", nil); st != 422 {
		t.Fatalf("bad since: HTTP %d", st)
	}
}

func TestUnroutedRequests(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	st, body := adm.call("GET", "/api/v1/no-such-thing", nil)
	if e, _ := body["error"].(map[string]any); st != 404 || e["code"] != "not_found" {
		t.Errorf("unknown API path: HTTP %d %v, want a JSON 404", st, body)
	}
	req, _ := http.NewRequest("DELETE", ts.URL+"/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+adm.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE /api/v1/users: HTTP %d Allow %q, want 405 with Allow: GET, POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
