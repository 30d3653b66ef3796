package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"attest/accounts/accountstest"
	"attest/audit"
	"attest/cmdb/cmdbtest"
	"attest/kb"
	"attest/training"
)

// cmdbServer is a test server with the CMDB test estate, a published CMDB agreement that alice
// and gina accepted, and an approved article citing CI-VPN.
func cmdbServer(t *testing.T) (*testServer, int64) {
	t.Helper()
	ts := newTestServer(t)
	cmdbtest.Estate(t, ts.Org, ts.CMDB)
	cmdbtest.Agree(t, ts.Org, ts.CMDB, "alice", "gina")
	rep, err := ts.KB.Import(context.Background(), ts.Org.User(t, "km1"), []kb.ImportFile{{Key: "vpn.md", Title: "Reset a VPN token",
		Body: "# Reset a VPN token\n\nCheck the gateway [[ci:CI-VPN]] first.", RequestTypes: []string{"vpn-access"}}}, kb.ImportOptions{Approve: true})
	if err != nil || len(rep.Failed) > 0 {
		t.Fatalf("import article: %v %+v", err, rep)
	}
	var id int64
	if err := ts.Org.DB.Read.QueryRow(`SELECT id FROM articles WHERE import_key = 'vpn.md'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return ts, id
}

// TestCMDBSentinelNeverReachesAgents looks for the restricted sentinel value (and the
// restricted attribute's name) in everything an agent can get: JSON, search, pages, errors,
// CSV, the article that cites the CI.
func TestCMDBSentinelNeverReachesAgents(t *testing.T) {
	ts, articleID := cmdbServer(t)
	tr := training.NewStore(ts.Org.DB, ts.Org.Accounts, ts.KB)
	cmdbtest.Certify(t, ts.Org, tr, "gina", "password-reset")
	alice := ts.api(t, "alice")
	var outputs []string
	call := func(c *apiClient, method, path string, want int) string {
		t.Helper()
		st, body := c.raw(method, path, nil)
		if st != want {
			t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, st, want, body)
		}
		outputs = append(outputs, echoless(path, string(body)))
		return string(body)
	}
	body := call(alice, "GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=INC-1", 200)
	if !strings.Contains(body, "Fernhill") || !strings.Contains(body, fmt.Sprint(articleID)) {
		t.Fatalf("agent's item JSON lacks the shared value or the citing article: %s", body)
	}
	call(alice, "GET", "/api/v1/cmdb/items/CI-PR?ticket_ref=INC-1", 404)
	call(alice, "GET", "/api/v1/cmdb/items/CI-VPN", 422)
	call(alice, "GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref="+url.QueryEscape(cmdbtest.Sentinel+"\x01"), 422)
	call(alice, "GET", "/api/v1/cmdb/search?q=Fernhill&ticket_ref=INC-1", 200)
	call(alice, "GET", "/api/v1/cmdb/search?q="+url.QueryEscape(cmdbtest.Sentinel)+"&ticket_ref=INC-1", 200)
	call(alice, "GET", "/api/v1/cmdb/search?q=vault&ticket_ref=INC-1", 200)
	call(alice, "GET", "/api/v1/cmdb/items/CI-VPN/versions", 403)
	call(alice, "GET", "/api/v1/cmdb/access", 403)
	call(alice, "GET", "/api/v1/cmdb/access.csv", 403)
	call(ts.api(t, "gina"), "GET", "/api/v1/cmdb/items/CI-PR?ticket_ref=G-1", 200) // in scope for gina
	call(ts.api(t, "gina"), "GET", "/api/v1/cmdb/search?q=leeds&ticket_ref=G-1", 200)

	b := ts.browser(t)
	if st := b.login("alice", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	page := func(path string, want int) string {
		t.Helper()
		st, body := b.get(path)
		if st != want {
			t.Fatalf("GET %s: %d, want %d: %.300s", path, st, want, body)
		}
		outputs = append(outputs, echoless(path, body))
		return body
	}
	if st, _ := b.post("/cmdb/ticket", url.Values{"ticket_ref": {"INC-7"}}); st != http.StatusSeeOther {
		t.Fatalf("ticket form: %d", st)
	}
	if p := page("/cmdb/CI-VPN", 200); !strings.Contains(p, "Fernhill") || !strings.Contains(p, "Reset a VPN token") {
		t.Fatalf("CI page lacks the shared value or the citing article: %.2000s", p)
	}
	page("/cmdb?q=Fernhill", 200)
	page("/cmdb?q="+url.QueryEscape(cmdbtest.Sentinel), 200)
	page("/cmdb/CI-PR", 404)
	if p := page(fmt.Sprintf("/articles/%d", articleID), 200); !strings.Contains(p, `data-testid="cited-cis"`) || !strings.Contains(p, `href="/cmdb/CI-VPN"`) {
		t.Fatalf("the article page does not show the CI it cites: %.3000s", p)
	}
	page("/cmdb/access.csv", 403)
	page("/cmdb/access", 403)

	// Past the quota, the refusal too.
	if err := ts.CMDB.SetQuota(context.Background(), ts.Org.User(t, "admin"), "acme", 0); err != nil {
		t.Fatal(err)
	}
	call(alice, "GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=INC-1", 429)
	page("/cmdb?q=Fernhill", 429)

	for _, out := range outputs {
		_, answer, _ := strings.Cut(out, " → ")
		if strings.Contains(answer, cmdbtest.Sentinel) || strings.Contains(answer, "7Q2XK9") || strings.Contains(strings.ToLower(answer), "vault") {
			t.Errorf("restricted data reached an agent: %.600s", out)
		}
	}
	// The enterprise sees it, and the auditor's CSV names what agents looked up.
	st, km := ts.api(t, "km1").raw("GET", "/api/v1/cmdb/items/CI-VPN", nil)
	if st != 200 || !strings.Contains(string(km), cmdbtest.Sentinel) {
		t.Fatalf("knowledge manager: %d %s", st, km)
	}
	st, csv := ts.api(t, "auditor").raw("GET", "/api/v1/cmdb/access.csv?username=alice", nil)
	if st != 200 || !strings.Contains(string(csv), "CI-VPN") || !strings.Contains(string(csv), "quota_exceeded") {
		t.Fatalf("auditor CSV: %d %s", st, csv)
	}
}

// echoless removes from an answer what the agent itself typed into the query (the search box
// shows the query back), so that only data from the server is searched for the sentinel.
func echoless(path, body string) string {
	u, _ := url.Parse(path)
	for _, vs := range u.Query() {
		for _, v := range vs {
			if v != "" {
				body = strings.ReplaceAll(body, v, "")
				body = strings.ReplaceAll(body, strings.ReplaceAll(v, "\x01", ""), "")
			}
		}
	}
	return path + " → " + body
}

// TestCMDBAPIStatuses covers the calls of API.md's CMDB section as integrations make them.
func TestCMDBAPIStatuses(t *testing.T) {
	ts, _ := cmdbServer(t)
	adm, alice, aud := ts.api(t, "admin"), ts.api(t, "alice"), ts.api(t, "auditor")
	ci := map[string]any{"class": "printer", "name": "Floor 2 printer", "status": "in_service", "environment": "production", "owner": "Facilities",
		"request_types": []string{"vpn-access"}, "attributes": map[string]any{"ip": map[string]any{"value": "10.0.0.9", "shared": false}}, "relations": []any{}}
	for _, c := range []struct {
		client *apiClient
		method string
		path   string
		body   any
		want   int
	}{
		{adm, "PUT", "/api/v1/cmdb/items/PRN-2", ci, 201},
		{adm, "PUT", "/api/v1/cmdb/items/PRN-2", ci, 200},
		{adm, "PUT", "/api/v1/cmdb/items/PRN-2", []byte(`{"class":"x","name":"y","bogus":1}`), 400},
		{adm, "PUT", "/api/v1/cmdb/items/PRN-2", []byte(`{"class":"x",`), 400},
		{adm, "PUT", "/api/v1/cmdb/items/bad%20key", ci, 422},
		{adm, "PUT", "/api/v1/suppliers/acme/cmdb-quota", map[string]int{"per_day": 5}, 200},
		{adm, "PUT", "/api/v1/suppliers/acme/cmdb-quota", map[string]int{"per_day": -1}, 422},
		{adm, "PUT", "/api/v1/suppliers/nope/cmdb-quota", map[string]int{"per_day": 5}, 404},
		{alice, "PUT", "/api/v1/suppliers/acme/cmdb-quota", map[string]int{"per_day": 500}, 403},
		{alice, "GET", "/api/v1/cmdb/agreement", nil, 200},
		{alice, "POST", "/api/v1/cmdb/agreement/accept", map[string]int{"version": 99}, 422},
		{alice, "GET", "/api/v1/cmdb/search?ticket_ref=T-1", nil, 422},
		{ts.api(t, "trainer"), "GET", "/api/v1/cmdb/items/PRN-2", nil, 403},
		{aud, "GET", "/api/v1/cmdb/access?outcome=bogus", nil, 422},
		{aud, "GET", "/api/v1/cmdb/access?since=yesterday", nil, 422},
		{aud, "GET", "/api/v1/cmdb/access/flags", nil, 200},
		{aud, "GET", "/api/v1/cmdb/items/PRN-2/versions", nil, 200},
	} {
		if st, body := c.client.raw(c.method, c.path, c.body); st != c.want {
			t.Errorf("%s %s: HTTP %d, want %d: %s", c.method, c.path, st, c.want, body)
		}
	}
	st, r := aud.call("GET", "/api/v1/cmdb/access?username=alice&outcome=invalid", nil)
	if st != 200 || r["total"].(float64) != 1 {
		t.Fatalf("access log filtered to alice's invalid calls: %d %v", st, r)
	}
	ent := r["entries"].([]any)[0].(map[string]any)
	for _, f := range []string{"at", "username", "supplier", "key", "ticket_ref", "outcome", "version"} {
		if _, ok := ent[f]; !ok {
			t.Errorf("access entry lacks %q: %v", f, ent)
		}
	}
}

// TestCMDBPagesForStaff: the enterprise's pages — CI with history, access log with flags and
// CSV, the admin page with its import and quota.
func TestCMDBPagesForStaff(t *testing.T) {
	ts, _ := cmdbServer(t)
	alice := ts.api(t, "alice")
	alice.raw("GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=NO-USAGE-1", nil)
	aud := ts.browser(t)
	aud.login("auditor", accountstest.Password)
	st, p := aud.get("/cmdb/CI-VPN")
	if st != 200 || !strings.Contains(p, cmdbtest.Sentinel) || !strings.Contains(p, `data-testid="cmdb-history"`) {
		t.Fatalf("auditor's CI page: %d %.500s", st, p)
	}
	st, p = aud.get("/cmdb/access")
	if st != 200 || !strings.Contains(p, "NO-USAGE-1") || !strings.Contains(p, `data-testid="cmdb-flag-no_usage"`) {
		t.Fatalf("access page: %d %.3000s", st, p)
	}
	adm := ts.browser(t)
	adm.login("admin", accountstest.Password)
	if st, p = adm.get("/cmdb/admin"); st != 200 || !strings.Contains(p, `data-testid="cmdb-import-form"`) {
		t.Fatalf("admin page: %d", st)
	}
	if st, _ = adm.post("/cmdb/admin/quota", url.Values{"supplier": {"acme"}, "per_day": {"7"}}); st != http.StatusSeeOther {
		t.Fatalf("quota form: %d", st)
	}
	if _, p = adm.get("/cmdb/admin"); !strings.Contains(p, `value="7"`) {
		t.Fatalf("quota not shown after saving")
	}
}

// TestCMDBAuditSection: an audit's page shows the CMDB-access flags of its suppliers in its quarter.
func TestCMDBAuditSection(t *testing.T) {
	ts, _ := cmdbServer(t)
	ts.api(t, "alice").raw("GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=NO-USAGE-9", nil)
	ts.api(t, "gina").raw("GET", "/api/v1/cmdb/items/CI-VPN?ticket_ref=GLOBEX-1", nil) // 404 for globex: a refusal
	aud := ts.api(t, "auditor")
	st, r := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": audit.QuarterOf(time.Now()), "sample_size": 1, "seed": 7, "suppliers": []string{"acme"}})
	if st != http.StatusCreated {
		t.Fatalf("create audit: %d %v", st, r)
	}
	b := ts.browser(t)
	b.login("auditor", accountstest.Password)
	st, p := b.get(fmt.Sprintf("/audits/%d", int64(r["id"].(float64))))
	if st != 200 || !strings.Contains(p, `data-testid="audit-cmdb"`) || !strings.Contains(p, "NO-USAGE-9") {
		t.Fatalf("audit page lacks the CMDB-access section with alice's flagged lookup: %d", st)
	}
	if strings.Contains(p, "GLOBEX-1") {
		t.Fatal("the section shows a supplier outside the audit's scope")
	}
}

// TestCMDBAdminImportPage: an admin uploads a CSV on the admin page and follows its progress
// until the import has finished.
func TestCMDBAdminImportPage(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser(t)
	b.login("admin", accountstest.Password)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.csrf)
	fw, _ := mw.CreateFormFile("file", "estate.csv")
	fw.Write([]byte("key,class,name,status,environment,owner,request_types,shared:site,restricted:ip\n" +
		"GW-1,vpn_gateway,Leeds gateway,,production,NetOps,vpn-access,Leeds,10.0.0.1\nbad key,x,y,,,,,,\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/cmdb/admin/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/cmdb/admin?import=") {
		t.Fatalf("upload: %d %s", resp.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/cmdb/admin?import=")
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, frag := b.get("/cmdb/admin/import/" + id)
		if st != 200 {
			t.Fatalf("progress: %d", st)
		}
		if strings.Contains(frag, `data-testid="cmdb-import-done"`) {
			if !strings.Contains(frag, "1 new") || !strings.Contains(frag, "1 failed") {
				t.Fatalf("import report: %s", frag)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import did not finish: %s", frag)
		}
		runtime.Gosched()
	}
	if _, p := b.get(loc); !strings.Contains(p, "estate.csv") {
		t.Fatal("the admin page does not show the import")
	}
}
