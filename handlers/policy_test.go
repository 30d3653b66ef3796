package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/handlers"
	"attest/kb/kbtest"
)

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// expectedAccess says who gets through each route, written by hand from API.md and DESIGN.md
// and never derived from the route table: TestRoutePolicy checks the table and the live
// server against it, so an over-permissive (or forgotten) entry in the table fails.
//
// One row per route, "METHOD pattern": who, where who is
//
//	public      anyone, signed in or not
//	signed-in   any signed-in user, whatever their roles
//	admin km trainer auditor agent   the roles that get through (space-separated, any order)
//
// A route without a row here, or a row without a route, fails the test: add the row with
// the route. Finer rules (suppliers, authorship, four eyes) are the domain's; they are walked
// by TestCrossSupplierIsolation and each area's own tests.
var expectedAccess = map[string]string{
	// Foundation: health, sign-in, home, administration, agreement, journal.
	"GET /healthz":             "public",
	"GET /readyz":              "public",
	"GET /api/v1/openapi.json": "public",
	"GET /api/v1/docs":         "public",
	"GET /login":               "public",
	"POST /login":              "public",
	"POST /api/v1/auth/token":  "public",
	"POST /logout":             "signed-in",
	"GET /{$}":                 "signed-in",
	"GET /admin":               "admin",
	"POST /admin/suppliers":    "admin",
	"POST /admin/suppliers/{key}/request-types": "admin",
	"POST /admin/request-types":                 "admin",
	"POST /admin/users":                         "admin",
	"POST /admin/agreement":                     "admin",
	"GET /api/v1/suppliers":                     "admin",
	"POST /api/v1/suppliers":                    "admin",
	"PUT /api/v1/suppliers/{key}/request-types": "admin",
	"GET /api/v1/request-types":                 "signed-in",
	"POST /api/v1/request-types":                "admin",
	"GET /api/v1/users":                         "admin",
	"POST /api/v1/users":                        "admin",
	"GET /agreement":                            "signed-in",
	"POST /agreement/accept":                    "signed-in",
	"GET /api/v1/agreement":                     "signed-in",
	"PUT /api/v1/agreement":                     "admin",
	"POST /api/v1/agreement/accept":             "signed-in",
	"GET /journal":                              "auditor admin",
	"GET /journal.csv":                          "auditor admin",
	"GET /api/v1/journal":                       "auditor admin",

	// Articles: agents and knowledge managers write; knowledge managers review.
	"POST /api/v1/articles":                            "agent km",
	"GET /api/v1/articles/{id}":                        "signed-in",
	"PATCH /api/v1/articles/{id}":                      "km",
	"GET /api/v1/articles/{id}/versions":               "signed-in",
	"POST /api/v1/articles/{id}/versions":              "agent km",
	"GET /api/v1/articles/{id}/versions/{n}":           "signed-in",
	"POST /api/v1/articles/{id}/versions/{n}/submit":   "agent km",
	"POST /api/v1/articles/{id}/versions/{n}/withdraw": "agent km",
	"POST /api/v1/articles/{id}/versions/{n}/approve":  "km",
	"POST /api/v1/articles/{id}/versions/{n}/reject":   "km",
	"GET /api/v1/articles/{id}/diff":                   "signed-in",
	"POST /api/v1/articles/{id}/retire":                "km",
	"POST /api/v1/articles/{id}/watch":                 "signed-in",
	"DELETE /api/v1/articles/{id}/watch":               "signed-in",
	"GET /api/v1/review":                               "km",
	"GET /api/v1/notifications":                        "signed-in",
	"GET /articles/new":                                "agent km",
	"POST /articles":                                   "agent km",
	"POST /articles/preview":                           "agent km",
	"POST /articles/autosave":                          "agent km",
	"POST /articles/autosave/discard":                  "agent km",
	"GET /articles/{id}":                               "signed-in",
	"GET /articles/{id}/edit":                          "agent km",
	"GET /articles/{id}/history":                       "signed-in",
	"GET /articles/{id}/compare":                       "signed-in",
	"POST /articles/{id}/versions":                     "agent km",
	"GET /articles/{id}/versions/{n}":                  "signed-in",
	"POST /articles/{id}/versions/{n}/submit":          "agent km",
	"POST /articles/{id}/versions/{n}/withdraw":        "agent km",
	"POST /articles/{id}/versions/{n}/approve":         "km",
	"POST /articles/{id}/versions/{n}/reject":          "km",
	"POST /articles/{id}/retire":                       "km",
	"POST /articles/{id}/classify":                     "km",
	"POST /articles/{id}/watch":                        "signed-in",
	"POST /articles/{id}/unwatch":                      "signed-in",
	"POST /articles/{id}/favourite":                    "signed-in",
	"POST /request-types/{key}/template":               "admin km",
	"PUT /api/v1/request-types/{key}/template":         "admin km",
	"GET /articles/similar":                            "agent km",
	"POST /articles/{id}/unfavourite":                  "signed-in",
	"GET /review":                                      "km",
	"GET /request-types":                               "signed-in",
	"GET /request-types/{key}":                         "signed-in",
	"GET /notifications":                               "signed-in",
	"POST /notifications/read":                         "signed-in",

	// What search learned from agents for an article (issue 19): never agents.
	"GET /api/v1/articles/{id}/learned-terms":           "km admin",
	"DELETE /api/v1/articles/{id}/learned-terms/{term}": "km admin",
	"GET /articles/{id}/learned":                        "km admin",
	"POST /articles/{id}/learned/remove":                "km admin",

	// Search, usage, feedback, follow-ups, reports.
	"GET /api/v1/search":                  "signed-in",
	"GET /search":                         "signed-in",
	"GET /search/suggest":                 "signed-in",
	"POST /api/v1/usage":                  "agent",
	"POST /articles/{id}/usage":           "agent",
	"POST /api/v1/articles/{id}/feedback": "signed-in",
	"POST /articles/{id}/feedback":        "signed-in",
	"GET /followups":                      "km auditor",
	"GET /api/v1/followups":               "km auditor",
	"POST /followups/{id}/dismiss":        "km",
	"POST /api/v1/followups/{id}/dismiss": "km",
	"GET /api/v1/reports/gaps":            "km auditor admin",
	"GET /api/v1/reports/gaps.csv":        "km auditor admin",
	"GET /reports/gaps":                   "km auditor admin",
	"GET /reports/gaps.csv":               "km auditor admin",
	"GET /dashboard":                      "km auditor",

	// Training: trainers write quizzes and decide; agents take them.
	"GET /api/v1/quizzes":                      "trainer agent",
	"POST /api/v1/quizzes":                     "trainer",
	"GET /api/v1/quizzes/{id}":                 "trainer agent",
	"PUT /api/v1/quizzes/{id}":                 "trainer",
	"POST /api/v1/quizzes/{id}/attempts":       "agent",
	"GET /api/v1/quizzes/{id}/preview":         "trainer",
	"GET /api/v1/quizzes/{id}/questions.csv":   "trainer",
	"POST /api/v1/quizzes/{id}/questions":      "trainer",
	"GET /api/v1/attempts/{id}":                "agent trainer auditor admin",
	"POST /api/v1/attempts/{id}/answers":       "agent",
	"POST /api/v1/attempts/{id}/decline":       "trainer",
	"GET /api/v1/certifications/queue":         "trainer",
	"POST /api/v1/certifications":              "trainer",
	"DELETE /api/v1/certifications/{id}":       "trainer",
	"GET /api/v1/authority":                    "agent trainer auditor admin",
	"GET /api/v1/authority/matrix":             "agent trainer auditor admin",
	"POST /api/v1/suspensions":                 "auditor trainer admin",
	"POST /api/v1/suspensions/{id}/lift":       "auditor trainer admin",
	"GET /training":                            "trainer agent",
	"GET /training/quizzes/new":                "trainer",
	"POST /training/quizzes":                   "trainer",
	"GET /training/quizzes/{id}/edit":          "trainer",
	"POST /training/quizzes/{id}":              "trainer",
	"POST /training/quizzes/{id}/attempts":     "agent",
	"GET /training/quizzes/{id}/preview":       "trainer",
	"GET /training/quizzes/{id}/questions.csv": "trainer",
	"GET /training/quizzes/{id}/import":        "trainer",
	"POST /training/quizzes/{id}/import":       "trainer",
	"GET /training/attempts/{id}":              "agent trainer auditor admin",
	"POST /training/attempts/{id}/answers":     "agent",
	"POST /training/attempts/{id}/certify":     "trainer",
	"POST /training/attempts/{id}/decline":     "trainer",
	"POST /certifications/{id}/revoke":         "trainer",
	"POST /suspensions/{id}/lift":              "auditor trainer admin",
	"GET /authority":                           "agent trainer auditor admin",
	"GET /authority/{username}":                "agent trainer auditor admin",

	// Audits: auditors run them; knowledge managers read them; a finding's owner resolves it.
	"GET /api/v1/audits":                               "auditor km",
	"POST /api/v1/audits":                              "auditor",
	"GET /api/v1/audits/sample-size":                   "auditor km",
	"GET /api/v1/audits/trends":                        "auditor km",
	"GET /api/v1/audits/{id}":                          "auditor km",
	"GET /api/v1/audits/{id}/items/{item}":             "auditor km",
	"POST /api/v1/audits/{id}/items/{item}/assessment": "auditor",
	"POST /api/v1/audits/{id}/items/{item}/evidence":   "auditor",
	"POST /api/v1/audits/{id}/findings":                "auditor",
	"POST /api/v1/audits/{id}/cmdb-findings":           "auditor",
	"POST /api/v1/audits/{id}/close":                   "auditor",
	"POST /api/v1/audits/{id}/next":                    "auditor",
	"GET /api/v1/audits/{id}/report.csv":               "auditor km",
	"GET /api/v1/findings":                             "signed-in",
	"GET /api/v1/findings/{id}":                        "signed-in",
	"POST /api/v1/findings/{id}/resolve":               "signed-in",
	"POST /api/v1/findings/{id}/verify":                "auditor",
	"POST /api/v1/findings/{id}/reopen":                "auditor",
	"POST /api/v1/findings/{id}/accept-risk":           "auditor km",
	"GET /audits":                                      "auditor km",
	"POST /audits":                                     "auditor",
	"GET /audits/suggest":                              "auditor km",
	"GET /audits/trends":                               "auditor km",
	"GET /audits/{id}":                                 "auditor km",
	"GET /audits/{id}/items/{item}":                    "auditor km",
	"POST /audits/{id}/items/{item}/assessment":        "auditor",
	"POST /audits/{id}/items/{item}/evidence":          "auditor",
	"POST /audits/{id}/findings":                       "auditor",
	"GET /audits/{id}/cmdb-findings/new":               "auditor",
	"POST /audits/{id}/cmdb-findings":                  "auditor",
	"GET /audits/{id}/close":                           "auditor",
	"POST /audits/{id}/close":                          "auditor",
	"POST /audits/{id}/next":                           "auditor",
	"GET /audits/{id}/report":                          "auditor km",
	"GET /audits/{id}/report.csv":                      "auditor km",
	"GET /findings":                                    "signed-in",
	"GET /findings/{id}":                               "signed-in",
	"POST /findings/{id}/resolve":                      "signed-in",
	"POST /findings/{id}/verify":                       "auditor",
	"POST /findings/{id}/reopen":                       "auditor",
	"POST /findings/{id}/accept-risk":                  "auditor km",
	"POST /audits/{id}/needs-reviewer":                 "auditor",
	"PUT /api/v1/audits/{id}/needs-reviewer":           "auditor",

	// People, service accounts and tokens: admins manage people; everyone their own password
	// and tokens; admins and auditors read the access review, admins certify it.
	"PATCH /api/v1/users/{username}":               "admin",
	"POST /api/v1/users/{username}/password-reset": "admin",
	"POST /api/v1/users/{username}/erase":          "admin",
	"PUT /api/v1/me/password":                      "signed-in",
	"POST /api/v1/service-accounts":                "admin",
	"POST /api/v1/tokens":                          "signed-in",
	"GET /api/v1/tokens":                           "signed-in",
	"DELETE /api/v1/tokens/{id}":                   "signed-in",
	"GET /api/v1/access-review":                    "admin auditor",
	"POST /api/v1/access-review/certifications":    "admin",
	"GET /admin/users/{username}":                  "admin",
	"POST /admin/users/{username}":                 "admin",
	"POST /admin/users/{username}/disable":         "admin",
	"POST /admin/users/{username}/enable":          "admin",
	"POST /admin/users/{username}/password-reset":  "admin",
	"POST /admin/users/{username}/erase":           "admin",
	"GET /admin/service-accounts":                  "admin",
	"POST /admin/service-accounts":                 "admin",
	"GET /password":                                "signed-in",
	"POST /password":                               "signed-in",
	"GET /tokens":                                  "signed-in",
	"POST /tokens":                                 "signed-in",
	"POST /tokens/{id}/revoke":                     "signed-in",
	"GET /access-review":                           "admin auditor",
	"POST /access-review/certifications":           "admin",
	"POST /api/v1/articles/{id}/retire/cancel":     "km",
	"POST /articles/{id}/retire/cancel":            "km",

	// Notifications: admins register webhooks and see and retry deliveries; each person sets
	// their own e-mail settings.
	"POST /api/v1/webhooks":                                  "admin",
	"GET /api/v1/webhooks/{id}/deliveries":                   "admin",
	"POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry": "admin",
	"PUT /api/v1/me/notifications":                           "signed-in",
	"GET /settings/notifications":                            "signed-in",
	"POST /settings/notifications":                           "signed-in",
	"GET /admin/deliveries":                                  "admin",
	"POST /admin/deliveries/{delivery}/retry":                "admin",

	// Scorecards and automation: the API for enterprise roles; the scorecard pages also for
	// agents, who see their own supplier's row. Notices: knowledge managers publish; whoever
	// may read a type's articles reads them (the domain narrows signed-in to that).
	"GET /api/v1/reports/suppliers":                     "km auditor admin",
	"GET /api/v1/reports/suppliers.csv":                 "km auditor admin",
	"GET /reports/suppliers":                            "km auditor admin agent",
	"GET /reports/suppliers/print":                      "km auditor admin agent",
	"GET /reports/suppliers.csv":                        "km auditor admin agent",
	"GET /reports/suppliers/{key}/records/{figure}":     "km auditor admin agent",
	"PUT /api/v1/suppliers/{key}/contribution-target":   "admin",
	"POST /reports/suppliers/{key}/contribution-target": "admin",
	"GET /api/v1/reports/automation":                    "km auditor admin",
	"GET /reports/automation":                           "km auditor admin",
	"POST /api/v1/request-types/{key}/automation":       "km",
	"POST /reports/automation/{key}":                    "km",
	"GET /api/v1/request-types/{key}/notices":           "signed-in",
	"GET /request-types/{key}/notices":                  "signed-in",
	"POST /api/v1/request-types/{key}/notices":          "km",
	"POST /request-types/{key}/notices":                 "km",
	"DELETE /api/v1/request-types/{key}/notices/{id}":   "km",

	// Attachments: those who write articles upload (agents, knowledge managers) and auditors
	// (evidence); reading follows the version or evidence that references a file (the domain).
	"POST /api/v1/attachments":         "agent km auditor",
	"POST /attachments":                "agent km auditor",
	"GET /attachments/{sha256}/{name}": "signed-in",

	// CMDB: agents in scope and enterprise roles read CIs (the domain narrows agents to their
	// scope, ticket and agreement); trainers do not; auditors and admins read the access log.
	"PUT /api/v1/cmdb/items/{key}":               "admin",
	"GET /api/v1/cmdb/items/{key}":               "agent admin km auditor",
	"GET /api/v1/cmdb/items/{key}/versions":      "admin km auditor",
	"GET /api/v1/cmdb/search":                    "agent admin km auditor",
	"PUT /api/v1/cmdb/agreement":                 "admin",
	"GET /api/v1/cmdb/agreement":                 "signed-in",
	"POST /api/v1/cmdb/agreement/accept":         "agent",
	"PUT /api/v1/suppliers/{key}/cmdb-quota":     "admin",
	"GET /api/v1/cmdb/access":                    "auditor admin",
	"GET /api/v1/cmdb/access/flags":              "auditor admin",
	"GET /api/v1/cmdb/access.csv":                "auditor admin",
	"GET /cmdb":                                  "agent admin km auditor",
	"POST /cmdb/ticket":                          "agent",
	"GET /cmdb/agreement":                        "signed-in",
	"POST /cmdb/agreement":                       "admin",
	"POST /cmdb/agreement/accept":                "agent",
	"GET /cmdb/access":                           "auditor admin",
	"GET /cmdb/access.csv":                       "auditor admin",
	"GET /cmdb/admin":                            "admin",
	"POST /cmdb/admin/import":                    "admin",
	"GET /cmdb/admin/import/{id}":                "admin",
	"POST /cmdb/admin/quota":                     "admin",
	"GET /cmdb/{key}":                            "agent admin km auditor",
	"POST /request-types/{key}/notices/{id}/end": "km",
}

// policyRoles names the roles as expectedAccess writes them.
var policyRoles = map[string]accounts.Role{
	"admin": accounts.RoleAdmin, "km": accounts.RoleKnowledgeManager, "trainer": accounts.RoleTrainer,
	"auditor": accounts.RoleAuditor, "agent": accounts.RoleAgent,
}

// expected is one parsed row of expectedAccess.
type expected struct {
	public, anyRole bool
	roles           []accounts.Role
}

func (e expected) allows(r accounts.Role) bool { return e.anyRole || slices.Contains(e.roles, r) }

func (e expected) String() string {
	switch {
	case e.public:
		return "public"
	case e.anyRole:
		return "signed-in"
	}
	var names []string
	for n, r := range policyRoles {
		if slices.Contains(e.roles, r) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

func parseExpected(t *testing.T, route, who string) expected {
	t.Helper()
	switch who {
	case "public":
		return expected{public: true}
	case "signed-in":
		return expected{anyRole: true}
	}
	var e expected
	for _, w := range strings.Fields(who) {
		r, ok := policyRoles[w]
		if !ok {
			t.Fatalf("expectedAccess[%q]: unknown word %q (public, signed-in, or roles: admin km trainer auditor agent)", route, w)
		}
		e.roles = append(e.roles, r)
	}
	if len(e.roles) == 0 {
		t.Fatalf("expectedAccess[%q] is empty", route)
	}
	return e
}

// declared is what the route table itself says, for a readable first comparison.
func declared(rt handlers.RouteInfo) expected {
	switch {
	case rt.Public:
		return expected{public: true}
	case rt.Roles == nil:
		return expected{anyRole: true}
	}
	return expected{roles: rt.Roles}
}

// TestRoutePolicy checks every registered route against expectedAccess: a route missing from
// it (or a row naming no route) fails, the table's own access must say the same, and then the
// live server is walked as every role and as nobody: 401 (or the login page) without a
// session, 403 for a role the row leaves out, neither for a role it lets in — and never 500.
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
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Pattern] = true
	}
	for pattern := range expectedAccess {
		if !seen[pattern] {
			t.Errorf("expectedAccess has a row for %q, which is not a route: remove the row or restore the route", pattern)
		}
	}
	for _, rt := range routes {
		who, ok := expectedAccess[rt.Pattern]
		if !ok {
			t.Errorf("route %q has no row in expectedAccess: add one saying who may call it", rt.Pattern)
			continue
		}
		want := parseExpected(t, rt.Pattern, who)
		if got := declared(rt); got.String() != want.String() {
			t.Errorf("route %q: the route table lets in %q, expectedAccess says %q", rt.Pattern, got, want)
		}
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
			case want.public:
				// A public route may still refuse bad credentials (401), never a 403 or a 500.
				if st == http.StatusForbidden || st >= 500 {
					t.Errorf("public route without a session: HTTP %d", st)
				}
			case api && st != http.StatusUnauthorized:
				t.Errorf("without a token: HTTP %d, want 401", st)
			case !api && st != http.StatusSeeOther:
				t.Errorf("without a session: HTTP %d, want 303 to the login page", st)
			}
			if want.public {
				return
			}
			for role := range users {
				allowed := want.allows(role)
				if api {
					st, _ = apis[role].raw(method, path, bodyFor(method))
				} else {
					st = pages[role].send(method, path)
				}
				switch {
				case st >= 500:
					t.Errorf("%s: HTTP %d", role, st)
				case allowed && (st == http.StatusUnauthorized || st == http.StatusForbidden):
					t.Errorf("%s is allowed by expectedAccess but got HTTP %d", role, st)
				case !allowed && st != http.StatusForbidden:
					t.Errorf("%s is not allowed by expectedAccess but got HTTP %d, want 403", role, st)
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

// TestCrossSupplierIsolation uses the real ids of objects belonging to supplier acme (alice's
// draft and version in review, an article only acme's request types cover, alice's quiz
// attempt and certification, her ticket usage, a finding she owns, the audit and item it sits
// on) as gina, an agent of globex: every call answers 404 or 403 (a write that names the
// article in its body, 422) and no answer carries the data. Each read is first made by someone
// who may, so that every row names a real object.
func TestCrossSupplierIsolation(t *testing.T) {
	ts := newTestServer(t)
	alice, gina, tr, aud := ts.api(t, "alice"), ts.api(t, "gina"), ts.api(t, "trainer"), ts.api(t, "auditor")
	ginaPage := ts.browser(t)
	if st := ginaPage.login("gina", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login gina: HTTP %d", st)
	}
	secrets := []string{"ACME-ONLY-TITLE", "ACME-ONLY-BODY", "ALICE-DRAFT-SECRET", "ALICE-NEW-SECRET", "ACME-TICKET-777", "ALICE-FINDING-SECRET"}

	// An article only acme reads (software-install: globex does not fulfil it).
	acmeOnly := kbtest.Publish(t, ts.Org, ts.KB, "ACME-ONLY-TITLE install", "ACME-ONLY-BODY steps.", "software-install")
	// An article both read, with alice's version in review on it.
	shared := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller.", "password-reset")
	inReview := kbtest.Edit(t, ts.Org, ts.KB, "alice", shared, 1, "ALICE-DRAFT-SECRET: verify twice.")
	// Alice's new article, a draft.
	st, res := alice.call("POST", "/api/v1/articles", map[string]any{"title": "ALICE-NEW-SECRET", "body": "ALICE-NEW-SECRET body", "request_types": []string{"password-reset"}})
	if st != http.StatusCreated {
		t.Fatalf("alice's draft: HTTP %d %v", st, res)
	}
	draft := int64(res["id"].(float64))
	// Alice's attempt, passed, and her certification.
	st, res = tr.call("POST", "/api/v1/quizzes", quizBody("password-reset"))
	if st != http.StatusCreated {
		t.Fatalf("quiz: HTTP %d %v", st, res)
	}
	quiz := int64(res["id"].(float64))
	right, _ := quizKey(t, tr, quiz)
	st, raw := alice.raw("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quiz), nil)
	if st != http.StatusCreated {
		t.Fatalf("attempt: HTTP %d %s", st, raw)
	}
	attempt, _ := strconv.ParseInt(attemptIDOf(raw), 10, 64)
	if st, res := alice.call("POST", fmt.Sprintf("/api/v1/attempts/%d/answers", attempt), answersJSON(right)); st != http.StatusOK {
		t.Fatalf("answers: HTTP %d %v", st, res)
	}
	st, res = tr.call("POST", "/api/v1/certifications", map[string]any{"username": "alice", "request_type": "password-reset"})
	if st != http.StatusCreated {
		t.Fatalf("certify alice: HTTP %d %v", st, res)
	}
	cert := int64(res["id"].(float64))
	// Alice's ticket usage.
	if st, res := alice.call("POST", "/api/v1/usage", map[string]any{"article_id": acmeOnly, "version": 1, "ticket_ref": "ACME-TICKET-777",
		"request_type": "software-install", "outcome": "resolved"}); st != http.StatusCreated {
		t.Fatalf("usage: HTTP %d %v", st, res)
	}
	// An audit of acme's knowledge and a finding alice owns.
	st, res = aud.call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 5, "seed": 7, "suppliers": []string{"acme"}})
	if st != http.StatusCreated {
		t.Fatalf("audit: HTTP %d %v", st, res)
	}
	auditID := int64(res["id"].(float64))
	item := int64(res["items"].([]any)[0].(map[string]any)["id"].(float64))
	st, res = aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/findings", auditID), map[string]any{"item": item, "severity": "minor",
		"description": "ALICE-FINDING-SECRET step unclear", "owner": "alice", "due": "2099-01-31"})
	if st != http.StatusCreated {
		t.Fatalf("finding: HTTP %d %v", st, res)
	}
	finding := int64(res["id"].(float64))
	// The index follows the change log: once it caught up, alice finds the acme-only article,
	// so that gina's search below is a real test.
	ts.waitIndexed(t)
	if _, raw := alice.raw("GET", "/api/v1/search?q=install", nil); !strings.Contains(string(raw), "ACME-ONLY-TITLE") {
		t.Fatalf("alice does not find the acme-only article: %s", raw)
	}

	type call struct {
		method, path string
		body         any
	}
	cases := []struct {
		name string
		call call
		// owner may make the call (a read): it answers 200 for them, so the id is real.
		owner *apiClient
		// allowed are the statuses gina may get; 200 only where the answer is a filtered list.
		allowed []int
	}{
		{"another supplier's article", call{"GET", fmt.Sprintf("/api/v1/articles/%d", acmeOnly), nil}, alice, []int{404}},
		{"its versions", call{"GET", fmt.Sprintf("/api/v1/articles/%d/versions", acmeOnly), nil}, alice, []int{404}},
		{"its version 1", call{"GET", fmt.Sprintf("/api/v1/articles/%d/versions/1", acmeOnly), nil}, alice, []int{404}},
		{"a new version on it", call{"POST", fmt.Sprintf("/api/v1/articles/%d/versions", acmeOnly), map[string]any{"base": 1, "title": "x", "body": "y"}}, nil, []int{404}},
		{"feedback on it", call{"POST", fmt.Sprintf("/api/v1/articles/%d/feedback", acmeOnly), map[string]any{"helpful": false, "comment": "x"}}, nil, []int{404}},
		{"watching it", call{"POST", fmt.Sprintf("/api/v1/articles/%d/watch", acmeOnly), nil}, nil, []int{404}},
		{"usage on it", call{"POST", "/api/v1/usage", map[string]any{"article_id": acmeOnly, "version": 1, "ticket_ref": "GLX-1",
			"request_type": "software-install", "outcome": "resolved"}}, nil, []int{403, 404, 422}},
		{"searching for it", call{"GET", "/api/v1/search?q=install", nil}, alice, []int{200}},
		{"alice's draft article", call{"GET", fmt.Sprintf("/api/v1/articles/%d", draft), nil}, nil, []int{404}},
		{"alice's draft version", call{"GET", fmt.Sprintf("/api/v1/articles/%d/versions/1", draft), nil}, alice, []int{404}},
		{"alice's version in review", call{"GET", fmt.Sprintf("/api/v1/articles/%d/versions/%d", shared, inReview), nil}, alice, []int{404}},
		{"the diff to it", call{"GET", fmt.Sprintf("/api/v1/articles/%d/diff?from=1&to=%d", shared, inReview), nil}, alice, []int{404}},
		{"the version list", call{"GET", fmt.Sprintf("/api/v1/articles/%d/versions", shared), nil}, alice, []int{200}},
		{"withdrawing alice's version", call{"POST", fmt.Sprintf("/api/v1/articles/%d/versions/%d/withdraw", shared, inReview), nil}, nil, []int{403, 404}},
		{"submitting alice's draft", call{"POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", draft), nil}, nil, []int{403, 404}},
		{"alice's attempt", call{"GET", fmt.Sprintf("/api/v1/attempts/%d", attempt), nil}, alice, []int{403, 404}},
		{"answering alice's attempt", call{"POST", fmt.Sprintf("/api/v1/attempts/%d/answers", attempt), answersJSON(right)}, nil, []int{403, 404}},
		{"alice's authority", call{"GET", "/api/v1/authority?username=alice&request_type=password-reset", nil}, alice, []int{403, 404}},
		{"the authority matrix", call{"GET", "/api/v1/authority/matrix", nil}, alice, []int{200}},
		{"revoking alice's certification", call{"DELETE", fmt.Sprintf("/api/v1/certifications/%d", cert), map[string]any{"reason": "x"}}, nil, []int{403, 404}},
		{"the finding alice owns", call{"GET", fmt.Sprintf("/api/v1/findings/%d", finding), nil}, alice, []int{403, 404}},
		{"resolving it", call{"POST", fmt.Sprintf("/api/v1/findings/%d/resolve", finding), map[string]any{"note": "done"}}, nil, []int{403, 404}},
		{"the findings queue", call{"GET", "/api/v1/findings", nil}, alice, []int{200}},
		{"the audit", call{"GET", fmt.Sprintf("/api/v1/audits/%d", auditID), nil}, aud, []int{403, 404}},
		{"its item", call{"GET", fmt.Sprintf("/api/v1/audits/%d/items/%d", auditID, item), nil}, aud, []int{403, 404}},
		{"its report", call{"GET", fmt.Sprintf("/api/v1/audits/%d/report.csv", auditID), nil}, aud, []int{403, 404}},
		{"notifications", call{"GET", "/api/v1/notifications", nil}, alice, []int{200}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.owner != nil {
				if st, raw := c.owner.raw(c.call.method, c.call.path, c.call.body); st != http.StatusOK {
					t.Fatalf("the owner's own call: HTTP %d %s", st, raw)
				}
			}
			st, raw := gina.raw(c.call.method, c.call.path, c.call.body)
			if !slices.Contains(c.allowed, st) {
				t.Errorf("gina: HTTP %d, want one of %v: %s", st, c.allowed, raw)
			}
			for _, s := range secrets {
				if strings.Contains(string(raw), s) {
					t.Errorf("gina's answer carries %s: %s", s, raw)
				}
			}
		})
	}
	// The same objects through the pages.
	for _, p := range []string{fmt.Sprintf("/articles/%d", acmeOnly), fmt.Sprintf("/articles/%d/history", acmeOnly),
		fmt.Sprintf("/articles/%d/versions/%d", shared, inReview), fmt.Sprintf("/articles/%d/compare?from=1&to=%d", shared, inReview),
		fmt.Sprintf("/training/attempts/%d", attempt), "/authority/alice", "/findings", "/search?q=install", "/authority"} {
		st, body := ginaPage.get(p)
		if st != http.StatusOK && st != http.StatusNotFound && st != http.StatusForbidden {
			t.Errorf("gina GET %s: HTTP %d", p, st)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("gina GET %s carries %s", p, s)
			}
		}
	}
}
