package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/handlers"
	"attest/kb/kbtest"
)

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// TestRoutePolicy walks every registered route as every role and as nobody, and fails when
// a route answers differently from the policy table: 401 (or the login page) without a
// session, 403 for a role the table leaves out, neither for a role it lets in — and never 500.
func TestRoutePolicy(t *testing.T) {
	ts := newTestServer(t)
	users := map[accounts.Role]string{
		accounts.RoleAdmin: "admin", accounts.RoleKnowledgeManager: "km1", accounts.RoleTrainer: "trainer",
		accounts.RoleAuditor: "auditor", accounts.RoleAgent: "alice",
	}
	apis, pages := map[accounts.Role]*apiClient{}, map[accounts.Role]*browser{}
	for role, name := range users {
		apis[role] = ts.api(t, name)
		b := ts.browser(t)
		if st := b.login(name, accountstest.Password); st != http.StatusSeeOther {
			t.Fatalf("login %s: HTTP %d", name, st)
		}
		pages[role] = b
	}
	routes := ts.App.Routes()
	// Signing out ends the sessions the walk uses: do it last.
	slices.SortStableFunc(routes, func(a, b handlers.RouteInfo) int {
		return strings.Compare(fmt.Sprint(a.Pattern == "POST /logout"), fmt.Sprint(b.Pattern == "POST /logout"))
	})
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		path := strings.ReplaceAll(wildcard.ReplaceAllStringFunc(pattern, func(w string) string {
			switch w {
			case "{$}":
				return ""
			case "{key}":
				return "no-such-key"
			}
			return "987654"
		}), "{$}", "")
		if strings.HasSuffix(path, "/static/") {
			continue
		}
		api := strings.HasPrefix(path, "/api/")
		t.Run(rt.Pattern, func(t *testing.T) {
			// Nobody signed in.
			var st int
			if api {
				st, _ = ts.anon(t).raw(method, path, bodyFor(method))
			} else {
				st = ts.browser(t).send(method, path)
			}
			switch {
			case rt.Public:
				// A public route may still refuse bad credentials (401), never a 403 or a 500.
				if st == http.StatusForbidden || st >= 500 {
					t.Errorf("public route without a session: HTTP %d", st)
				}
			case api && st != http.StatusUnauthorized:
				t.Errorf("without a token: HTTP %d, want 401", st)
			case !api && st != http.StatusSeeOther:
				t.Errorf("without a session: HTTP %d, want 303 to the login page", st)
			}
			if rt.Public {
				return
			}
			for role := range users {
				allowed := rt.Roles == nil || slices.Contains(rt.Roles, role)
				if api {
					st, _ = apis[role].raw(method, path, bodyFor(method))
				} else {
					st = pages[role].send(method, path)
				}
				switch {
				case st >= 500:
					t.Errorf("%s: HTTP %d", role, st)
				case allowed && (st == http.StatusUnauthorized || st == http.StatusForbidden):
					t.Errorf("%s is allowed by the table but got HTTP %d", role, st)
				case !allowed && st != http.StatusForbidden:
					t.Errorf("%s is not allowed by the table but got HTTP %d, want 403", role, st)
				}
			}
		})
	}
}

func bodyFor(method string) any {
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete || method == http.MethodPatch {
		return []byte(`{}`)
	}
	return nil
}

// send makes a request as a form post (with the CSRF token) or a plain GET and returns its status.
func (b *browser) send(method, path string) int {
	b.t.Helper()
	if method == http.MethodGet {
		st, _ := b.get(path)
		return st
	}
	form := url.Values{}
	if b.csrf != "" {
		form.Set("csrf_token", b.csrf)
	}
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestNoServerErrorForOddInput sends malformed and oddly typed bodies to every API route that
// takes one, as a role the table lets in: whatever a client sends, the answer is never a 500.
func TestNoServerErrorForOddInput(t *testing.T) {
	ts := newTestServer(t)
	clients := map[accounts.Role]*apiClient{}
	for role, name := range map[accounts.Role]string{accounts.RoleAdmin: "admin", accounts.RoleKnowledgeManager: "km1",
		accounts.RoleTrainer: "trainer", accounts.RoleAuditor: "auditor", accounts.RoleAgent: "alice"} {
		clients[role] = ts.api(t, name)
	}
	// Something for the ids to find: an approved article 1 with a version 2 in review.
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller.", "password-reset")
	kbtest.Edit(t, ts.Org, ts.KB, "alice", id, 1, "Verify the caller twice.")
	bodies := []string{`[]`, `null`, `"x"`, `12`, `{"id":"1"}`, `{"title":7,"body":[],"request_types":"x"}`,
		`{"answers":{"x":[1]}}`, `{"answers":{"1":"a"}}`, `{"checks":{"accurate":"yes"}}`, `{"version":-1}`,
		`{"sample_size":-5,"quarter":"2026-Q9","seed":"x"}`, `{"due":"31/12/2026","severity":"huge"}`,
		`{"questions":[{"choices":[{}]}]}`, `{"request_types":[null]}`, `{"base":-1,"title":"","body":""}`, "{\"title\":\"\xff\xfe\"}"}
	for _, rt := range ts.App.Routes() {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(pattern, "/api/") || method == http.MethodGet || rt.Public {
			continue
		}
		role := accounts.RoleAdmin
		if rt.Roles != nil {
			role = rt.Roles[0]
		}
		for _, id := range []string{"1", "0", "-1", "99999999999999999999"} {
			path := strings.ReplaceAll(strings.ReplaceAll(pattern, "{key}", "acme"), "{$}", "")
			path = wildcard.ReplaceAllString(path, id)
			for _, body := range bodies {
				if st, raw := clients[role].raw(method, path, []byte(body)); st >= 500 {
					t.Errorf("%s %s %s: HTTP %d %s", method, path, body, st, raw)
				}
			}
		}
	}
}
