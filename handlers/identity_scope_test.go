package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestScopeTable walks every API route of the table with service-account tokens: a token that
// lacks the route's scope (or any token, where the route names none) is refused with 403
// scope_required; a token holding it is not refused for its scope. The route table is the one
// place that says which scope a call needs.
func TestScopeTable(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	all := []string{"knowledge:read", "authority:read", "usage:write", "cmdb:read"}
	tokenWith := func(scopes []string) *apiClient {
		t.Helper()
		st, body := adm.call("POST", "/api/v1/service-accounts", map[string]any{"name": "svc " + strings.Join(scopes, " "), "supplier": "acme", "scopes": scopes})
		if st != http.StatusCreated {
			t.Fatalf("service account %v: %d %v", scopes, st, body)
		}
		st, body = adm.call("POST", "/api/v1/tokens", map[string]any{"name": "t", "username": body["username"]})
		if st != http.StatusCreated {
			t.Fatalf("token: %d %v", st, body)
		}
		return &apiClient{t: t, base: ts.URL, token: body["token"].(string)}
	}
	allBut := map[string]*apiClient{}
	only := map[string]*apiClient{}
	for _, sc := range all {
		var rest []string
		for _, x := range all {
			if x != sc {
				rest = append(rest, x)
			}
		}
		allBut[sc] = tokenWith(rest)
		only[sc] = tokenWith([]string{sc})
	}
	every := tokenWith(all)
	checked := 0
	for _, rt := range ts.App.Routes() {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(pattern, "/api/") || rt.Public {
			continue
		}
		path := wildcard.ReplaceAllString(strings.ReplaceAll(pattern, "{key}", "acme"), "987654")
		refused := func(c *apiClient) bool {
			st, body := c.call(method, path, bodyFor(method))
			return st == http.StatusForbidden && errCode(body) == "scope_required"
		}
		if rt.Scope == "" {
			if !refused(every) {
				t.Errorf("%s names no scope, yet a token with every scope is not refused", rt.Pattern)
			}
			continue
		}
		checked++
		if !refused(allBut[string(rt.Scope)]) {
			t.Errorf("%s needs %s, yet a token without it is not refused", rt.Pattern, rt.Scope)
		}
		if refused(only[string(rt.Scope)]) {
			t.Errorf("%s needs %s, yet a token with it is refused for its scope", rt.Pattern, rt.Scope)
		}
	}
	if checked < 8 {
		t.Errorf("only %d routes name a scope", checked)
	}
}
