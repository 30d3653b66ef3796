package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"attest/accounts/accountstest"
	"attest/audit"
)

// flaggedAudit records alice's lookup of CI-VPN on a ticket with no recorded use (a no_usage
// flag) and starts an audit of acme for this quarter; it returns the audit id and the flag as
// GET /api/v1/cmdb/access/flags lists it.
func flaggedAudit(t *testing.T, ts *testServer) (int64, map[string]any) {
	t.Helper()
	ts.api(t, "alice").raw("GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=NO-USAGE-9", nil)
	aud := ts.api(t, "auditor")
	st, r := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": audit.QuarterOf(time.Now()), "sample_size": 1, "seed": 7, "suppliers": []string{"acme"}})
	if st != http.StatusCreated {
		t.Fatalf("create audit: %d %v", st, r)
	}
	st, fl := aud.call("GET", "/api/v1/cmdb/access/flags?supplier=acme", nil)
	if st != 200 {
		t.Fatalf("flags: %d %v", st, fl)
	}
	for _, f := range fl["flags"].([]any) {
		if m := f.(map[string]any); m["kind"] == "no_usage" && m["ticket_ref"] == "NO-USAGE-9" {
			delete(m, "detail")
			return int64(r["id"].(float64)), m
		}
	}
	t.Fatalf("no no_usage flag for NO-USAGE-9 in %v", fl)
	return 0, nil
}

// TestCMDBFindingAPI: an auditor raises a finding from a flag of the audit's CMDB-access
// section over the API; it reads back with the flag and no item and goes through the usual
// remediation. A flag the section lacks, a malformed flag, a knowledge manager and a
// signed-off audit are refused without a finding.
func TestCMDBFindingAPI(t *testing.T) {
	ts, _ := cmdbServer(t)
	id, flag := flaggedAudit(t, ts)
	aud, km := ts.api(t, "auditor"), ts.api(t, "km1")
	path := fmt.Sprintf("/api/v1/audits/%d/cmdb-findings", id)
	body := func(edit func(f map[string]any, b map[string]any)) map[string]any {
		f := map[string]any{}
		for k, v := range flag {
			f[k] = v
		}
		b := map[string]any{"flag": f, "severity": "minor", "description": "CI read without a matching ticket", "owner": "km1", "due": "2099-01-15"}
		edit(f, b)
		return b
	}
	count := func() int {
		var n int
		ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM audit_findings`).Scan(&n)
		return n
	}
	refusals := []struct {
		name   string
		c      *apiClient
		body   map[string]any
		status int
		field  string
	}{
		{"another ticket", aud, body(func(f, _ map[string]any) { f["ticket_ref"] = "NO-USAGE-10" }), 422, "flag"},
		{"another agent", aud, body(func(f, _ map[string]any) { f["username"] = "bob" }), 422, "flag"},
		{"outside the audit's suppliers", aud, body(func(f, _ map[string]any) { f["supplier"] = "globex" }), 422, "flag.supplier"},
		{"malformed time", aud, body(func(f, _ map[string]any) { f["at"] = "yesterday" }), 422, "flag.at"},
		{"no flag", aud, body(func(_, b map[string]any) { delete(b, "flag") }), 422, "flag"},
		{"no owner", aud, body(func(_, b map[string]any) { b["owner"] = "" }), 422, "owner"},
		{"knowledge manager", km, body(func(_, _ map[string]any) {}), 403, ""},
	}
	for _, c := range refusals {
		st, r := c.c.call("POST", path, c.body)
		if st != c.status {
			t.Errorf("%s: HTTP %d %v, want %d", c.name, st, r, c.status)
			continue
		}
		if c.field != "" {
			e, _ := r["error"].(map[string]any)
			if fields, _ := e["fields"].(map[string]any); fields[c.field] == nil {
				t.Errorf("%s: error %v lacks field %q", c.name, r["error"], c.field)
			}
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("refused requests recorded %d findings", n)
	}

	st, r := aud.call("POST", path, body(func(_, _ map[string]any) {}))
	if st != http.StatusCreated {
		t.Fatalf("raise: %d %v", st, r)
	}
	fid := int64(r["id"].(float64))
	st, f := km.call("GET", fmt.Sprintf("/api/v1/findings/%d", fid), nil)
	fl, _ := f["flag"].(map[string]any)
	if st != 200 || f["item"] != nil || fl == nil || fl["kind"] != "no_usage" || fl["key"] != "CI-VPN" || fl["username"] != "alice" ||
		!strings.Contains(fmt.Sprint(fl["detail"]), "NO-USAGE-9") {
		t.Fatalf("finding: %d %v", st, f)
	}
	st, a := aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil)
	if fs, _ := a["findings"].([]any); st != 200 || len(fs) != 1 {
		t.Fatalf("audit findings: %d %v", st, a["findings"])
	}
	if st, csv := aud.raw("GET", fmt.Sprintf("/api/v1/audits/%d/report.csv", id), nil); st != 200 || len(csv) == 0 {
		t.Fatalf("report with a flag finding: %d", st)
	}
	if st, _ := km.call("GET", "/api/v1/findings", nil); st != 200 {
		t.Fatalf("finding queue: %d", st)
	}
	if st, r := km.call("POST", fmt.Sprintf("/api/v1/findings/%d/resolve", fid), map[string]any{"version": 2}); st != 422 {
		t.Errorf("resolve a flag finding with a version: %d %v, want 422", st, r)
	}
	if st, r := km.call("POST", fmt.Sprintf("/api/v1/findings/%d/resolve", fid), map[string]any{"note": "Briefed alice."}); st != 200 {
		t.Fatalf("resolve: %d %v", st, r)
	}
	if st, r := aud.call("POST", fmt.Sprintf("/api/v1/findings/%d/verify", fid), map[string]any{"note": "Log clean since."}); st != 200 || r["status"] != "closed" {
		t.Fatalf("verify: %d %v", st, r)
	}

	// Signed off: refused, nothing added.
	items := a["items"].([]any)
	checks := map[string]bool{}
	for _, c := range []string{"accurate", "complete", "current", "clear", "findable", "unique", "template"} {
		checks[c] = true
	}
	for _, it := range items {
		if st, r := aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/items/%d/assessment", id, int64(it.(map[string]any)["id"].(float64))),
			map[string]any{"checks": checks}); st != 200 {
			t.Fatalf("assess: %d %v", st, r)
		}
	}
	if st, r := aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/close", id), nil); st != 200 {
		t.Fatalf("close: %d %v", st, r)
	}
	if st, r := aud.call("POST", path, body(func(_, _ map[string]any) {})); st != http.StatusConflict {
		t.Errorf("after sign-off: %d %v, want 409", st, r)
	}
	if n := count(); n != 1 {
		t.Errorf("findings after the refusal: %d, want 1", n)
	}
}

// TestCMDBFindingPages: the audit page's CMDB section links each flag to its "Raise finding"
// form; a refused form comes back with the reason; the recorded finding's page says which flag
// it came from and links to those access-log records. Knowledge managers get no raise link.
func TestCMDBFindingPages(t *testing.T) {
	ts, _ := cmdbServer(t)
	id, _ := flaggedAudit(t, ts)
	b := ts.browser(t)
	b.login("auditor", accountstest.Password)
	st, p := b.get(fmt.Sprintf("/audits/%d", id))
	m := regexp.MustCompile(`href="(/audits/\d+/cmdb-findings/new\?[^"]*NO-USAGE-9[^"]*)"`).FindStringSubmatch(p)
	if st != 200 || m == nil {
		t.Fatalf("audit page lacks a Raise finding link for the flag: %d", st)
	}
	st, p = b.get(html.UnescapeString(m[1]))
	if st != 200 || !strings.Contains(p, `data-testid="cmdb-finding-form"`) || !strings.Contains(p, "no recorded use") {
		t.Fatalf("raise form: %d %.2000s", st, p)
	}
	form := url.Values{}
	for _, h := range regexp.MustCompile(`<input type="hidden" name="(flag_[a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(p, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	if form.Get("flag_at") == "" || form.Get("flag_key") != "CI-VPN" {
		t.Fatalf("form does not carry the flag: %v", form)
	}
	form.Set("severity", "minor")
	form.Set("owner", "km1")
	form.Set("due", "2099-01-15")
	st, p = b.post(fmt.Sprintf("/audits/%d/cmdb-findings", id), form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(p, `data-testid="cmdb-finding-form"`) || !strings.Contains(p, "required") {
		t.Fatalf("form without a description: %d, want 422 with the form again", st)
	}
	form.Set("description", "CI read without a matching ticket")
	if st, _ = b.post(fmt.Sprintf("/audits/%d/cmdb-findings", id), form); st != http.StatusSeeOther {
		t.Fatalf("raise: %d", st)
	}
	var fid int64
	ts.Org.DB.Read.QueryRow(`SELECT id FROM audit_findings WHERE source = 'cmdb_flag'`).Scan(&fid)
	for _, who := range []string{"auditor", "km1"} {
		c := ts.browser(t)
		c.login(who, accountstest.Password)
		st, p = c.get(fmt.Sprintf("/findings/%d", fid))
		if st != 200 || !strings.Contains(p, "Raised from CMDB access flag") || !strings.Contains(p, "/cmdb/access?") || !strings.Contains(p, "CI-VPN") {
			t.Fatalf("%s: finding page %d %.2000s", who, st, p)
		}
		if _, p = c.get("/findings"); !strings.Contains(p, "Raised from CMDB access flag") {
			t.Errorf("%s: findings page does not say where the finding came from", who)
		}
	}
	if _, p = b.get(fmt.Sprintf("/audits/%d", id)); !strings.Contains(p, "CMDB access flag") {
		t.Errorf("audit page's findings do not show the flag finding")
	}
	alice := ts.browser(t)
	alice.login("alice", accountstest.Password)
	if st, _ = alice.get(fmt.Sprintf("/findings/%d", fid)); st != http.StatusNotFound && st != http.StatusForbidden {
		t.Errorf("an agent who does not own it reads the finding page: %d", st)
	}
}
