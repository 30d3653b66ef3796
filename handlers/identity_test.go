package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// signedOut reports whether a browser's next page load lands on the sign-in page.
func signedOut(t *testing.T, b *browser) bool {
	t.Helper()
	req, _ := http.NewRequest("GET", b.base+"/", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
}

// A disabled person's open session and token are refused on their very next request, and the
// change is journaled.
func TestDisabledPersonRefusedOnNextRequest(t *testing.T) {
	ts := newTestServer(t)
	adm, alice := ts.api(t, "admin"), ts.api(t, "alice")
	b := ts.browser(t)
	if st := b.login("alice", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	if signedOut(t, b) {
		t.Fatal("signed out before anything happened")
	}
	if st, _ := alice.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusOK {
		t.Fatalf("search before: %d", st)
	}
	if st, body := adm.call("PATCH", "/api/v1/users/alice", map[string]any{"disabled": true, "reason": "left Acme"}); st != http.StatusOK || body["disabled"] != true {
		t.Fatalf("disable: %d %v", st, body)
	}
	if st, _ := alice.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusUnauthorized {
		t.Errorf("token after disabling: HTTP %d, want 401", st)
	}
	if !signedOut(t, b) {
		t.Error("the open session still works after disabling")
	}
	if st, _ := ts.anon(t).call("POST", "/api/v1/auth/token", map[string]string{"username": "alice", "password": accountstest.Password}); st != http.StatusUnauthorized {
		t.Errorf("sign-in of a disabled person: HTTP %d, want 401", st)
	}
	// Enabled again, the old session stays ended: the person signs in afresh.
	if st, _ := adm.call("PATCH", "/api/v1/users/alice", map[string]any{"disabled": false}); st != http.StatusOK {
		t.Fatal(st)
	}
	if !signedOut(t, b) {
		t.Error("an ended session came back when the account was enabled again")
	}
	_, raw := adm.raw("GET", "/api/v1/journal?since=2000-01-01&limit=100", nil)
	if !strings.Contains(string(raw), "user.disable") || !strings.Contains(string(raw), "left Acme") {
		t.Errorf("disabling not journaled: %.300s", raw)
	}
}

func TestEndDateRefusesSessionAndToken(t *testing.T) {
	ts := newTestServer(t)
	adm, bob := ts.api(t, "admin"), ts.api(t, "bob")
	b := ts.browser(t)
	b.login("bob", accountstest.Password)
	if st, body := adm.call("PATCH", "/api/v1/users/bob", map[string]any{"end_date": "2001-01-01"}); st != http.StatusOK || body["end_date"] != "2001-01-01" {
		t.Fatalf("end date: %d %v", st, body)
	}
	if st, _ := bob.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusUnauthorized {
		t.Errorf("token past the end date: HTTP %d, want 401", st)
	}
	if !signedOut(t, b) {
		t.Error("session past the end date still works")
	}
	// null clears it.
	if st, body := adm.call("PATCH", "/api/v1/users/bob", []byte(`{"end_date":null}`)); st != http.StatusOK || body["end_date"] != nil {
		t.Fatalf("clear end date: %d %v", st, body)
	}
	if st, _ := bob.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusOK {
		t.Errorf("token with the end date cleared: HTTP %d, want 200", st)
	}
}

// PATCH /api/v1/users refuses each separation-of-duties rule and bad input, changing nothing.
func TestUserPatchRefusals(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	cases := []struct {
		name   string
		client *apiClient
		user   string
		body   any
		status int
		field  string
	}{
		{"agent given an enterprise role", adm, "alice", map[string]any{"roles": []string{"agent", "knowledge_manager"}}, 422, "roles"},
		{"enterprise staff given a supplier", adm, "km1", map[string]any{"supplier": "acme"}, 422, "roles"},
		{"own roles", adm, "admin", map[string]any{"roles": []string{"admin", "auditor"}}, 403, ""},
		{"not an admin", ts.api(t, "km1"), "alice", map[string]any{"display_name": "A"}, 403, ""},
		{"unknown user", adm, "nobody", map[string]any{"display_name": "A"}, 404, ""},
		{"bad e-mail", adm, "alice", map[string]any{"email": "not an address"}, 422, "email"},
		{"bad end date", adm, "alice", map[string]any{"end_date": "tomorrow"}, 422, "end_date"},
		{"disable without reason", adm, "alice", map[string]any{"disabled": true}, 422, "reason"},
		{"unknown field", adm, "alice", map[string]any{"password": "x"}, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, body := c.client.call("PATCH", "/api/v1/users/"+c.user, c.body)
			if st != c.status {
				t.Fatalf("HTTP %d %v, want %d", st, body, c.status)
			}
			if c.field != "" {
				e, _ := body["error"].(map[string]any)
				if f, _ := e["fields"].(map[string]any); f[c.field] == nil {
					t.Errorf("error %v does not name %s", body, c.field)
				}
			}
		})
	}
	if u := ts.Org.User(t, "alice"); len(u.Roles) != 1 || u.DisabledAt != "" || u.Email != "" {
		t.Errorf("refused changes changed alice: %+v", u)
	}
	if st, body := adm.call("PATCH", "/api/v1/users/km1", map[string]any{"roles": []string{"knowledge_manager", "trainer"}, "email": "km1@corp.example"}); st != 200 {
		t.Fatalf("allowed change: %d %v", st, body)
	}
	_, raw := adm.raw("GET", "/api/v1/journal?since=2000-01-01&limit=100", nil)
	if !strings.Contains(string(raw), "user.roles") {
		t.Errorf("role change not journaled")
	}
}

// A temporary password must be changed first: API calls answer 403 password_change_required
// except the change itself; the browser is sent to the change page.
func TestTemporaryPasswordMustBeChanged(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	st, body := adm.call("POST", "/api/v1/users/alice/password-reset", nil)
	temp, _ := body["temporary_password"].(string)
	if st != http.StatusOK || temp == "" {
		t.Fatalf("reset: %d %v", st, body)
	}
	c := ts.anon(t)
	st, body = c.call("POST", "/api/v1/auth/token", map[string]string{"username": "alice", "password": temp})
	if st != http.StatusCreated {
		t.Fatalf("sign in with the temporary password: %d %v", st, body)
	}
	c.token = body["token"].(string)
	if st, body := c.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusForbidden || errCode(body) != "password_change_required" {
		t.Errorf("search with a temporary password: HTTP %d %v, want 403 password_change_required", st, body)
	}
	b := ts.browser(t)
	b.post("/login", url.Values{"username": {"alice"}, "password": {temp}})
	req, _ := http.NewRequest("GET", b.base+"/", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/password" {
		t.Errorf("home with a temporary password: HTTP %d to %q, want 303 to /password", resp.StatusCode, loc)
	}
	if st, page := b.get("/password"); st != http.StatusOK || !strings.Contains(page, `data-testid="password-temporary"`) {
		t.Errorf("password page: HTTP %d", st)
	}
	if st, body := c.call("PUT", "/api/v1/me/password", map[string]string{"current": temp, "new": "qwerty123"}); st != 422 {
		t.Errorf("weak new password: %d %v", st, body)
	}
	if st, body := c.call("PUT", "/api/v1/me/password", map[string]string{"current": temp, "new": "alice-chose-this-one"}); st != 200 {
		t.Fatalf("change: %d %v", st, body)
	}
	if st, body := c.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusOK {
		t.Errorf("search after the change: HTTP %d %v", st, body)
	}
}

// Changing one's password on the page keeps this session and ends the others.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ts := newTestServer(t)
	here, there := ts.browser(t), ts.browser(t)
	here.login("bob", accountstest.Password)
	there.login("bob", accountstest.Password)
	if st, page := here.post("/password", url.Values{"current": {"wrong-password-1"}, "new": {"bob-new-password-1"}}); st != 422 || !strings.Contains(page, "not your current password") {
		t.Fatalf("wrong current on the page: HTTP %d", st)
	}
	if st, _ := here.post("/password", url.Values{"current": {accountstest.Password}, "new": {"bob-new-password-1"}}); st != http.StatusSeeOther {
		t.Fatalf("change: HTTP %d", st)
	}
	if signedOut(t, here) {
		t.Error("the session that changed the password ended")
	}
	if !signedOut(t, there) {
		t.Error("another session survived the password change")
	}
}

// A service account's token makes the calls of its scopes only; a revoked token is refused at once.
func TestServiceAccountTokenScopes(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	st, body := adm.call("POST", "/api/v1/service-accounts", map[string]any{"name": "Acme ServiceDesk", "supplier": "acme", "scopes": []string{"knowledge:read"}})
	svc, _ := body["username"].(string)
	if st != http.StatusCreated || svc == "" {
		t.Fatalf("service account: %d %v", st, body)
	}
	st, body = adm.call("POST", "/api/v1/tokens", map[string]any{"name": "prod", "expires_at": "2099-01-01T00:00:00Z", "username": svc})
	if st != http.StatusCreated {
		t.Fatalf("token: %d %v", st, body)
	}
	sc := &apiClient{t: t, base: ts.URL, token: body["token"].(string)}
	id := int(body["id"].(float64))
	if st, body := sc.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusOK {
		t.Errorf("search within scope: %d %v", st, body)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/articles"},
		{"POST", "/api/v1/usage"},
		{"GET", "/api/v1/authority"},
		{"GET", "/api/v1/tokens"},
		{"GET", "/api/v1/users"},
	} {
		if st, body := sc.call(c.method, c.path, map[string]any{}); st != http.StatusForbidden || errCode(body) != "scope_required" {
			t.Errorf("%s %s outside the scopes: HTTP %d %v, want 403 scope_required", c.method, c.path, st, body)
		}
	}
	if st, _ := ts.api(t, "alice").call("POST", "/api/v1/tokens", map[string]any{"name": "x", "username": svc}); st != http.StatusForbidden {
		t.Errorf("an agent makes a service token: %d", st)
	}
	if st, _ := adm.call("DELETE", fmt.Sprintf("/api/v1/tokens/%d", id), nil); st != http.StatusOK {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := sc.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusUnauthorized {
		t.Errorf("revoked token: HTTP %d, want 401", st)
	}
}

// Personal tokens: made, listed without their secret, revoked by their owner only.
func TestPersonalTokens(t *testing.T) {
	ts := newTestServer(t)
	alice, bob := ts.api(t, "alice"), ts.api(t, "bob")
	st, body := alice.call("POST", "/api/v1/tokens", map[string]any{"name": "my script"})
	if st != http.StatusCreated {
		t.Fatalf("token: %d %v", st, body)
	}
	secret := body["token"].(string)
	id := int(body["id"].(float64))
	mine := &apiClient{t: t, base: ts.URL, token: secret}
	if st, _ := mine.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusOK {
		t.Errorf("personal token: %d", st)
	}
	_, raw := alice.raw("GET", "/api/v1/tokens", nil)
	if !strings.Contains(string(raw), `"my script"`) || strings.Contains(string(raw), secret) {
		t.Errorf("list: %s", raw)
	}
	if st, _ := bob.call("GET", "/api/v1/tokens?username=alice", nil); st != http.StatusForbidden {
		t.Errorf("bob lists alice's tokens: %d", st)
	}
	if st, _ := bob.call("DELETE", fmt.Sprintf("/api/v1/tokens/%d", id), nil); st != http.StatusNotFound {
		t.Errorf("bob revokes alice's token: %d", st)
	}
	if st, _ := alice.call("DELETE", fmt.Sprintf("/api/v1/tokens/%d", id), nil); st != http.StatusOK {
		t.Errorf("alice revokes her token: %d", st)
	}
	if st, _ := mine.call("GET", "/api/v1/search?q=vpn", nil); st != http.StatusUnauthorized {
		t.Errorf("revoked personal token: %d", st)
	}
}

// Retiring needs two knowledge managers: the first call requests it (out of use at once), the
// requester cannot confirm, a second knowledge manager does.
func TestRetireNeedsSecondKnowledgeManager(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Old VPN client", "Use AnyConnect 3.", "vpn-access")
	km1, km2, bob := ts.api(t, "km1"), ts.api(t, "km2"), ts.api(t, "bob")
	path := fmt.Sprintf("/api/v1/articles/%d", id)
	st, body := km1.call("POST", path+"/retire", map[string]string{"reason": "replaced"})
	if st != http.StatusOK || body["status"] != "retirement_requested" {
		t.Fatalf("first retire: %d %v, want 200 retirement_requested", st, body)
	}
	if st, _ := bob.call("GET", path, nil); st != http.StatusNotFound {
		t.Errorf("agent reads an article whose retirement is requested: %d", st)
	}
	if st, body := km1.call("POST", path+"/retire", map[string]string{"reason": "really"}); st != http.StatusForbidden {
		t.Errorf("the requester confirms: %d %v, want 403", st, body)
	}
	// The second knowledge manager finds it in the review queue and can confirm it on the
	// article's page; the requester cannot.
	if _, raw := km2.raw("GET", "/api/v1/review", nil); !strings.Contains(string(raw), `"requested_by":"km1"`) {
		t.Errorf("review queue lacks the pending retirement: %s", raw)
	}
	page2, page1 := ts.browser(t), ts.browser(t)
	page2.login("km2", accountstest.Password)
	page1.login("km1", accountstest.Password)
	if _, html := page2.get("/review"); !strings.Contains(html, `data-testid="pending-retirements"`) {
		t.Error("review page lacks the pending retirement")
	}
	if _, html := page2.get(fmt.Sprintf("/articles/%d", id)); !strings.Contains(html, `data-testid="retire-confirm-form"`) {
		t.Error("the second knowledge manager has no confirm button")
	}
	if _, html := page1.get(fmt.Sprintf("/articles/%d", id)); strings.Contains(html, `data-testid="retire-confirm-form"`) || !strings.Contains(html, `data-testid="retirement-pending"`) {
		t.Error("the requester is offered to confirm, or not told it is pending")
	}
	// Cancelled, it is back in use; requested again and confirmed by another, it is retired.
	if st, body := km2.call("POST", path+"/retire/cancel", map[string]string{"reason": "still needed"}); st != http.StatusOK {
		t.Fatalf("cancel: %d %v", st, body)
	}
	if st, _ := bob.call("GET", path, nil); st != http.StatusOK {
		t.Errorf("agent after the cancellation: %d", st)
	}
	km1.call("POST", path+"/retire", map[string]string{"reason": "replaced"})
	if st, body := km2.call("POST", path+"/retire", map[string]string{}); st != http.StatusOK || body["status"] != "retired" {
		t.Errorf("second knowledge manager confirms: %d %v, want 200 retired", st, body)
	}
	if st, _ := km2.call("POST", path+"/retire/cancel", map[string]string{"reason": "oops"}); st != http.StatusConflict {
		t.Errorf("cancel a confirmed retirement: %d, want 409", st)
	}
}

// The identity pages render for who may see them, and the admin's forms work.
func TestIdentityPages(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.browser(t)
	adm.login("admin", accountstest.Password)
	for _, p := range []string{"/admin/users/alice", "/admin/service-accounts", "/access-review", "/tokens", "/password", "/admin"} {
		if st, _ := adm.get(p); st != http.StatusOK {
			t.Errorf("admin GET %s: HTTP %d", p, st)
		}
	}
	aud := ts.browser(t)
	aud.login("auditor", accountstest.Password)
	if st, page := aud.get("/access-review"); st != http.StatusOK || !strings.Contains(page, `data-testid="review-row-alice"`) {
		t.Errorf("auditor access review: HTTP %d", st)
	}
	if st, page := adm.post("/admin/users/alice/disable", url.Values{}); st != 422 || !strings.Contains(page, `data-testid="error-reason"`) {
		t.Errorf("disable without a reason on the page: HTTP %d", st)
	}
	if st, page := adm.post("/admin/users/alice", url.Values{"roles_present": {"1"}, "roles": {"agent", "auditor"}, "supplier": {"acme"},
		"display_name": {"Alice"}}); st != 422 || !strings.Contains(page, `data-testid="error-roles"`) {
		t.Errorf("agent made auditor on the page: HTTP %d", st)
	}
	if st, _ := adm.post("/admin/users/alice", url.Values{"display_name": {"Alice Archer"}, "email": {"alice@acme.example"}}); st != http.StatusSeeOther {
		t.Errorf("save details: HTTP %d", st)
	}
	if u := ts.Org.User(t, "alice"); u.DisplayName != "Alice Archer" || u.Email != "alice@acme.example" {
		t.Errorf("after saving: %q %q", u.DisplayName, u.Email)
	}
	if st, page := adm.post("/admin/users/alice/password-reset", url.Values{}); st != http.StatusOK || !strings.Contains(page, `data-testid="temporary-password"`) {
		t.Errorf("reset on the page: HTTP %d", st)
	}
	if st, page := adm.post("/tokens", url.Values{"name": {"laptop"}}); st != http.StatusCreated || !strings.Contains(page, `data-testid="token-secret"`) {
		t.Errorf("make a token on the page: HTTP %d", st)
	}
	if st, _ := adm.post("/access-review/certifications", url.Values{"supplier": {"acme"}}); st != http.StatusSeeOther {
		t.Errorf("certify on the page: HTTP %d", st)
	}
	if st, page := adm.get("/access-review"); st != http.StatusOK || !strings.Contains(page, `data-testid="certified-acme"`) {
		t.Errorf("certification not shown: HTTP %d", st)
	}
}

// The access review names the CMDB agreement versions each account accepted, beside the usage
// agreement's.
func TestAccessReviewShowsCMDBAgreement(t *testing.T) {
	ts := newTestServer(t)
	adm, alice := ts.api(t, "admin"), ts.api(t, "alice")
	if st, out := adm.call("PUT", "/api/v1/cmdb/agreement", map[string]any{"text": "Use CMDB data only for the ticket at hand."}); st != 200 {
		t.Fatalf("publish the CMDB agreement: %d %v", st, out)
	}
	if st, out := alice.call("POST", "/api/v1/cmdb/agreement/accept", map[string]any{"version": 1}); st != 200 {
		t.Fatalf("alice accepts: %d %v", st, out)
	}
	st, out := ts.api(t, "auditor").call("GET", "/api/v1/access-review", nil)
	if st != 200 {
		t.Fatalf("access review: %d %v", st, out)
	}
	got := map[string]any{}
	for _, g := range out["groups"].([]any) {
		for _, a := range g.(map[string]any)["accounts"].([]any) {
			a := a.(map[string]any)
			got[a["username"].(string)] = a["cmdb_agreements_accepted"]
		}
	}
	if v, _ := got["alice"].([]any); len(v) != 1 || v[0] != float64(1) {
		t.Errorf("alice's CMDB agreements = %v, want [1]", got["alice"])
	}
	if v, _ := got["bob"].([]any); v == nil || len(v) != 0 {
		t.Errorf("bob's CMDB agreements = %v, want []", got["bob"])
	}
	b := ts.browser(t)
	b.login("auditor", accountstest.Password)
	if _, page := b.get("/access-review"); !strings.Contains(page, "CMDB agreement") {
		t.Error("the access review page has no CMDB agreement column")
	}
}
