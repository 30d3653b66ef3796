package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

// TestUsageFailureCauseAPI: failure_cause only with not_resolved, only a known one; a
// knowledge_wrong failure answers with the follow-up it opened; the form takes the cause too.
func TestUsageFailureCauseAPI(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Grant VPN access", "Steps.", "vpn-access")
	alice := ts.api(t, "alice")
	base := map[string]any{"article_id": id, "version": 1, "ticket_ref": "INC-1", "request_type": "vpn-access"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{with("outcome", "resolved", "failure_cause", "data_error"), http.StatusUnprocessableEntity},
		{with("outcome", "not_resolved", "failure_cause", "gremlins"), http.StatusUnprocessableEntity},
		{with("outcome", "not_resolved", "failure_cause", 7), http.StatusUnprocessableEntity},
		{with("outcome", "not_resolved", "failure_cause", "system_unavailable"), http.StatusCreated},
	} {
		st, body := alice.call("POST", "/api/v1/usage", tc.body)
		if st != tc.want {
			t.Fatalf("%v: HTTP %d %v, want %d", tc.body, st, body, tc.want)
		}
		if st == http.StatusUnprocessableEntity {
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			if fields["failure_cause"] == nil {
				t.Fatalf("%v: fields %v, want failure_cause", tc.body, fields)
			}
		}
	}
	st, body := alice.call("POST", "/api/v1/usage", with("outcome", "not_resolved", "failure_cause", "knowledge_wrong", "ticket_ref", "INC-2"))
	if st != http.StatusCreated || body["followup_id"] == nil {
		t.Fatalf("knowledge_wrong: HTTP %d %v, want 201 with followup_id", st, body)
	}
	st, raw := ts.api(t, "km1").raw("GET", "/api/v1/followups?status=open", nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `"ticket_ref":"INC-2"`) || !strings.Contains(string(raw), `"cause":"knowledge_wrong"`) {
		t.Fatalf("follow-ups: HTTP %d %s, want the failed ticket and its cause", st, raw)
	}
	if st, _ := alice.call("POST", "/api/v1/usage", with("outcome", "not_resolved", "failure_cause", "knowledge_missing", "ticket_ref", "INC-9")); st != http.StatusCreated {
		t.Fatalf("knowledge_missing: HTTP %d", st)
	}
	st, raw = ts.api(t, "km1").raw("GET", "/api/v1/reports/gaps", nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `"knowledge_missing":[{"request_type":"vpn-access","count":1}]`) {
		t.Fatalf("gap report: HTTP %d %s, want vpn-access counted once as missing knowledge", st, raw)
	}
	// The version that fixes the steps shows the failures it came from, to an auditor.
	n := kbtest.Edit(t, ts.Org, ts.KB, "km1", id, 1, "Corrected steps.")
	if _, err := ts.KB.Approve(context.Background(), ts.Org.User(t, "km2"), id, n, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	aud := ts.browser(t)
	aud.login("auditor", accountstest.Password)
	if st, page := aud.get("/articles/" + itoa64(id) + "/versions/" + itoa64(int64(n))); st != http.StatusOK ||
		!strings.Contains(page, `data-testid="version-origins"`) || !strings.Contains(page, "INC-2") {
		t.Fatalf("version %d page: HTTP %d, want the failed ticket it came from", n, st)
	}
	b := ts.browser(t)
	b.login("bob", accountstest.Password)
	st, _ = b.post("/articles/"+itoa64(id)+"/usage", url.Values{"version": {"1"}, "ticket_ref": {"INC-3"}, "request_type": {"vpn-access"},
		"outcome": {"not_resolved"}, "failure_cause": {"data_error"}})
	if st != http.StatusSeeOther {
		t.Fatalf("form: HTTP %d", st)
	}
	var cause string
	if err := ts.Org.DB.Read.QueryRow(`SELECT failure_cause FROM usage_events WHERE ticket_ref = 'INC-3'`).Scan(&cause); err != nil || cause != "data_error" {
		t.Fatalf("form cause %q %v", cause, err)
	}
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestScorecardAgentScope: an agent never sees another supplier's row, on the page, in the
// CSV or behind a figure; the API call is for enterprise roles.
func TestScorecardAgentScope(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Steps.", "password-reset")
	for _, u := range []string{"alice", "gina"} {
		if st, body := ts.api(t, u).call("POST", "/api/v1/usage", map[string]any{"article_id": id, "version": 1, "ticket_ref": "T-" + u,
			"request_type": "password-reset", "outcome": "resolved"}); st != http.StatusCreated {
			t.Fatalf("usage %s: %d %v", u, st, body)
		}
	}
	if st, _ := ts.api(t, "alice").raw("GET", "/api/v1/reports/suppliers", nil); st != http.StatusForbidden {
		t.Fatalf("agent API: HTTP %d, want 403", st)
	}
	st, raw := ts.api(t, "km1").raw("GET", "/api/v1/reports/suppliers", nil)
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); st != http.StatusOK || err != nil || len(rows) != 2 {
		t.Fatalf("km1 API: HTTP %d %s", st, raw)
	}
	b := ts.browser(t)
	b.login("alice", accountstest.Password)
	st, page := b.get("/reports/suppliers")
	if st != http.StatusOK || !strings.Contains(page, `data-testid="scorecard-acme"`) || strings.Contains(page, "scorecard-globex") ||
		strings.Contains(page, "Globex") {
		t.Fatalf("alice's scorecard page: HTTP %d, want acme only", st)
	}
	st, csv := b.get("/reports/suppliers.csv")
	if st != http.StatusOK || !strings.Contains(csv, "acme") || strings.Contains(csv, "globex") {
		t.Fatalf("alice's CSV: HTTP %d %q", st, csv)
	}
	if st, _ := b.get("/reports/suppliers/globex/records/tickets"); st != http.StatusNotFound {
		t.Fatalf("alice reads globex's records: HTTP %d, want 404", st)
	}
	st, page = b.get("/reports/suppliers/acme/records/tickets")
	if st != http.StatusOK || !strings.Contains(page, "T-alice") || strings.Contains(page, "T-gina") {
		t.Fatalf("alice's own records: HTTP %d", st)
	}
	if st, _ := b.get("/reports/suppliers/print"); st != http.StatusOK {
		t.Fatalf("print view: HTTP %d", st)
	}
	if st, _ := b.get("/reports/suppliers?since=nonsense"); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad period: HTTP %d, want 422", st)
	}
	if st, _ := ts.api(t, "km1").raw("GET", "/api/v1/reports/suppliers?since=2026-02-01&until=2026-01-01", nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("until before since: HTTP %d, want 422", st)
	}
}

// TestNoticesAPI: published by knowledge managers, read by those who may read the type's
// articles, shown above search hits and articles, gone once ended.
func TestNoticesAPI(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Install the editor", "Run the installer quokkaword.", "software-install")
	km1, alice, gina := ts.api(t, "km1"), ts.api(t, "alice"), ts.api(t, "gina")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if st, _ := km1.call("POST", "/api/v1/request-types/software-install/notices", map[string]any{"title": "x", "body": "y", "until": "2001-01-01"}); st != http.StatusUnprocessableEntity {
		t.Fatalf("past until: HTTP %d", st)
	}
	if st, _ := km1.call("POST", "/api/v1/request-types/nope/notices", map[string]any{"title": "x", "body": "y", "until": tomorrow}); st != http.StatusNotFound {
		t.Fatalf("unknown type: HTTP %d", st)
	}
	st, body := km1.call("POST", "/api/v1/request-types/software-install/notices", map[string]any{"title": "Licence server down",
		"body": "Use the *offline* licence.", "until": tomorrow})
	if st != http.StatusCreated {
		t.Fatalf("publish: HTTP %d %v", st, body)
	}
	nid := itoa64(int64(body["id"].(float64)))
	st, raw := alice.raw("GET", "/api/v1/request-types/software-install/notices", nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `\u003cem\u003eoffline`) || !strings.Contains(string(raw), `"created_by":"km1"`) {
		t.Fatalf("alice: HTTP %d %s", st, raw)
	}
	if st, _ := gina.raw("GET", "/api/v1/request-types/software-install/notices", nil); st != http.StatusForbidden {
		t.Fatalf("gina: HTTP %d, want 403", st)
	}
	ts.waitIndexed(t)
	b := ts.browser(t)
	b.login("alice", accountstest.Password)
	for _, path := range []string{"/search?q=quokkaword", "/articles/" + itoa64(id)} {
		if _, page := b.get(path); !strings.Contains(page, `data-testid="notice-banner"`) || !strings.Contains(page, "Licence server down") {
			t.Fatalf("%s: no notice banner", path)
		}
	}
	if st, _ := km1.call("DELETE", "/api/v1/request-types/software-install/notices/"+nid, map[string]any{"reason": "repaired"}); st != http.StatusOK {
		t.Fatalf("end: HTTP %d", st)
	}
	if st, raw := alice.raw("GET", "/api/v1/request-types/software-install/notices", nil); st != http.StatusOK || strings.TrimSpace(string(raw)) != "[]" {
		t.Fatalf("after end: HTTP %d %s", st, raw)
	}
	if _, page := b.get("/search?q=quokkaword"); strings.Contains(page, "notice-banner") {
		t.Fatal("an ended notice still shows on a search hit")
	}
}

// TestAutomationAPI: enterprise roles read the ranking; knowledge managers mark a type.
func TestAutomationAPI(t *testing.T) {
	ts := newTestServer(t)
	if st, _ := ts.api(t, "alice").raw("GET", "/api/v1/reports/automation", nil); st != http.StatusForbidden {
		t.Fatalf("agent: HTTP %d", st)
	}
	km1 := ts.api(t, "km1")
	if st, _ := km1.call("POST", "/api/v1/request-types/vpn-access/automation", map[string]any{"note": ""}); st != http.StatusUnprocessableEntity {
		t.Fatalf("no note: HTTP %d", st)
	}
	if st, _ := km1.call("POST", "/api/v1/request-types/vpn-access/automation", map[string]any{"note": "Script it."}); st != http.StatusOK {
		t.Fatalf("propose: HTTP %d", st)
	}
	st, raw := ts.api(t, "auditor").raw("GET", "/api/v1/reports/automation", nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `"note":"Script it."`) {
		t.Fatalf("auditor: HTTP %d %s", st, raw)
	}
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	if st, page := b.get("/reports/automation"); st != http.StatusOK || !strings.Contains(page, `data-testid="proposed"`) {
		t.Fatalf("page: HTTP %d", st)
	}
}

// TestContributionTarget: admins set a supplier's target by API or form; the scorecard shows it.
func TestContributionTarget(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{"/api/v1/suppliers/acme/contribution-target", map[string]any{"per_quarter": 4}, http.StatusOK},
		{"/api/v1/suppliers/acme/contribution-target", map[string]any{"per_quarter": -1}, http.StatusUnprocessableEntity},
		{"/api/v1/suppliers/acme/contribution-target", map[string]any{}, http.StatusUnprocessableEntity},
		{"/api/v1/suppliers/acme/contribution-target", map[string]any{"per_quarter": "x"}, http.StatusUnprocessableEntity},
		{"/api/v1/suppliers/nope/contribution-target", map[string]any{"per_quarter": 4}, http.StatusNotFound},
	} {
		if st, body := adm.call("PUT", tc.path, tc.body); st != tc.want {
			t.Fatalf("%s %v: HTTP %d %v, want %d", tc.path, tc.body, st, body, tc.want)
		}
	}
	b := ts.browser(t)
	b.login("admin", accountstest.Password)
	if st, _ := b.post("/reports/suppliers/globex/contribution-target", url.Values{"per_quarter": {"7"}}); st != http.StatusSeeOther {
		t.Fatalf("form: HTTP %d", st)
	}
	_, raw := ts.api(t, "auditor").raw("GET", "/api/v1/reports/suppliers", nil)
	var rows []struct {
		Supplier string `json:"supplier"`
		Target   *int   `json:"contribution_target"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil || len(rows) != 2 {
		t.Fatalf("rows %s", raw)
	}
	for _, r := range rows {
		want := map[string]int{"acme": 4, "globex": 7}[r.Supplier]
		if r.Target == nil || *r.Target != want {
			t.Errorf("%s target %v, want %d", r.Supplier, r.Target, want)
		}
	}
}
