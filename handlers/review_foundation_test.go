package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// An agent who also holds an enterprise role is still supplier staff: the usage agreement
// binds them like any other agent, in the API and in the UI.
func TestAgreementGatesAgentsWithAnotherRole(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	st, body := adm.call("POST", "/api/v1/users", map[string]any{"username": "mixed", "display_name": "Mixed", "password": "mixed-pass-123456",
		"roles": []string{"agent"}, "supplier": "acme"})
	if st != http.StatusCreated {
		t.Fatalf("create agent: HTTP %d %v", st, body)
	}
	// Separation of duties now refuses an agent with an enterprise role; such an account can
	// only be left over from before the rule, as here.
	if _, err := ts.Org.DB.Write.Exec(`INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM users WHERE username = 'mixed'`); err != nil {
		t.Fatal(err)
	}
	if st, body := adm.call("PUT", "/api/v1/agreement", map[string]string{"text": "Use the knowledge for our tickets only."}); st != http.StatusOK {
		t.Fatalf("publish agreement: HTTP %d %v", st, body)
	}
	c := ts.anon(t)
	st, body = c.call("POST", "/api/v1/auth/token", map[string]string{"username": "mixed", "password": "mixed-pass-123456"})
	if st != http.StatusCreated {
		t.Fatalf("token: HTTP %d %v", st, body)
	}
	c.token = body["token"].(string)
	st, body = c.call("GET", "/api/v1/search?q=password", nil)
	if e, _ := body["error"].(map[string]any); st != http.StatusForbidden || e["code"] != "agreement_required" {
		t.Fatalf("search before accepting: HTTP %d %v, want 403 agreement_required", st, body)
	}
	b := ts.browser(t)
	if st := b.login("mixed", "mixed-pass-123456"); st != http.StatusSeeOther {
		t.Fatalf("login: HTTP %d", st)
	}
	if _, page := b.get("/"); !strings.Contains(page, `data-testid="agreement-pending"`) {
		t.Errorf("home page does not ask the agent+trainer to accept the agreement")
	}
	if st, _ := b.get("/search?q=password"); st != http.StatusSeeOther {
		t.Errorf("search page before accepting: HTTP %d, want 303 to /agreement", st)
	}
	if st, body := c.call("POST", "/api/v1/agreement/accept", map[string]int{"version": 1}); st != http.StatusOK {
		t.Fatalf("accept: HTTP %d %v", st, body)
	}
	if st, body := c.call("GET", "/api/v1/search?q=password", nil); st != http.StatusOK {
		t.Fatalf("search after accepting: HTTP %d %v", st, body)
	}
}

// The OpenAPI document describes every call of API.md: its request body's fields, its success
// status and the error answers, as a valid OpenAPI 3 document.
func TestOpenAPIDescribesAPIMDCalls(t *testing.T) {
	ts := newTestServer(t)
	st, doc := ts.anon(t).call("GET", "/api/v1/openapi.json", nil)
	if st != http.StatusOK {
		t.Fatalf("GET openapi.json: HTTP %d", st)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi = %v, want 3.x", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	calls := []struct {
		method, path, status string
		fields               []string
	}{
		{"post", "/api/v1/auth/token", "201", []string{"username", "password"}},
		{"post", "/api/v1/suppliers", "201", []string{"key", "name"}},
		{"post", "/api/v1/request-types", "201", []string{"key", "name", "risk", "requires_certification", "approvals_required"}},
		{"put", "/api/v1/suppliers/{key}/request-types", "200", []string{"request_types"}},
		{"post", "/api/v1/users", "201", []string{"username", "display_name", "password", "roles", "supplier"}},
		{"put", "/api/v1/agreement", "200", []string{"text"}},
		{"get", "/api/v1/agreement", "200", nil},
		{"post", "/api/v1/agreement/accept", "200", []string{"version"}},
		{"post", "/api/v1/articles", "201", []string{"title", "body", "request_types", "tags"}},
		{"post", "/api/v1/articles/{id}/versions", "201", []string{"base", "title", "body", "note"}},
		{"post", "/api/v1/articles/{id}/versions/{n}/approve", "200", []string{"comment", "major"}},
		{"post", "/api/v1/articles/{id}/versions/{n}/reject", "200", []string{"comment"}},
		{"post", "/api/v1/articles/{id}/retire", "200", []string{"reason"}},
		{"get", "/api/v1/articles/{id}/diff", "200", nil},
		{"get", "/api/v1/search", "200", nil},
		{"post", "/api/v1/usage", "201", []string{"article_id", "version", "ticket_ref", "request_type", "outcome"}},
		{"post", "/api/v1/articles/{id}/feedback", "201", []string{"helpful", "comment"}},
		{"get", "/api/v1/reports/gaps", "200", nil},
		{"post", "/api/v1/quizzes", "201", []string{"title", "request_type", "pass_percent", "validity_days", "questions"}},
		{"post", "/api/v1/quizzes/{id}/attempts", "201", nil},
		{"post", "/api/v1/attempts/{id}/answers", "200", []string{"answers"}},
		{"post", "/api/v1/certifications", "201", []string{"username", "request_type"}},
		{"delete", "/api/v1/certifications/{id}", "200", []string{"reason"}},
		{"get", "/api/v1/authority", "200", nil},
		{"post", "/api/v1/audits", "201", []string{"quarter", "sample_size", "seed", "suppliers", "request_types"}},
		{"post", "/api/v1/audits/{id}/items/{item}/assessment", "200", []string{"checks", "notes"}},
		{"post", "/api/v1/audits/{id}/findings", "201", []string{"item", "severity", "description", "root_cause", "owner", "due"}},
		{"post", "/api/v1/audits/{id}/close", "200", nil},
		{"get", "/api/v1/audits/{id}/report.csv", "200", nil},
		{"get", "/api/v1/journal", "200", nil},
	}
	ids := map[string]bool{}
	for _, c := range calls {
		item, _ := paths[c.path].(map[string]any)
		op, _ := item[c.method].(map[string]any)
		if op == nil {
			t.Errorf("%s %s is not described", c.method, c.path)
			continue
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s %s: operationId %q missing or not unique", c.method, c.path, id)
		}
		ids[id] = true
		responses, _ := op["responses"].(map[string]any)
		if responses[c.status] == nil {
			t.Errorf("%s %s: no %s answer in %v", c.method, c.path, c.status, responses)
		}
		if c.method != "get" && c.path != "/api/v1/auth/token" && (responses["422"] == nil || responses["401"] == nil) {
			t.Errorf("%s %s: error answers 401/422 not described", c.method, c.path)
		}
		if c.fields == nil {
			continue
		}
		rb, _ := op["requestBody"].(map[string]any)
		content, _ := rb["content"].(map[string]any)
		js, _ := content["application/json"].(map[string]any)
		schema, _ := js["schema"].(map[string]any)
		props, _ := schema["properties"].(map[string]any)
		for _, f := range c.fields {
			if props[f] == nil {
				t.Errorf("%s %s: request field %q not described", c.method, c.path, f)
			}
		}
	}
}

// A throttled sign-in in the browser answers 429 with Retry-After and shows the sign-in form
// again with the reason and the typed username, not a dead-end error page.
func TestLoginFormThrottled(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser(t)
	for range 5 {
		if st := b.login("bob", "wrong-password"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password: HTTP %d, want 401", st)
		}
	}
	resp, err := http.PostForm(ts.URL+"/login", url.Values{"username": {"bob"}, "password": {"wrong-password"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled: HTTP %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, want := range []string{`name="password"`, `value="bob"`, "Too many failed sign-ins"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("throttled sign-in page lacks %s", want)
		}
	}
}
