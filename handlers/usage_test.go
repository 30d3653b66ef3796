package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

// approvedArticle creates an article through the API (km1 writes, km2 approves) and returns its id.
func approvedArticle(t testing.TB, ts *testServer, title string, rts ...string) int64 {
	t.Helper()
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	if rts == nil {
		rts = []string{}
	}
	st, a := km1.call("POST", "/api/v1/articles", map[string]any{"title": title, "body": "Steps for " + title + ".", "request_types": rts})
	if st != http.StatusCreated {
		t.Fatalf("create article: HTTP %d %v", st, a)
	}
	id := int64(a["id"].(float64))
	if st, b := km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil); st != http.StatusOK {
		t.Fatalf("submit: HTTP %d %v", st, b)
	}
	if st, b := km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"}); st != http.StatusOK {
		t.Fatalf("approve: HTTP %d %v", st, b)
	}
	return id
}

func fieldsIn(body map[string]any) map[string]any {
	e, _ := body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func TestUsageAPIValidation(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Install the VPN client", "software-install")
	other := approvedArticle(t, ts, "Reset a password", "password-reset")
	alice := ts.api(t, "alice")
	ok := func() map[string]any {
		return map[string]any{"article_id": id, "version": 1, "ticket_ref": "REQ0012345", "request_type": "software-install", "outcome": "resolved"}
	}
	with := func(k string, v any) map[string]any { b := ok(); b[k] = v; return b }
	without := func(k string) map[string]any { b := ok(); delete(b, k); return b }
	cases := []struct {
		name   string
		user   string
		body   any
		status int
		fields []string
	}{
		{"valid", "alice", ok(), 201, nil},
		{"ticket_ref of 128", "alice", with("ticket_ref", strings.Repeat("R", 128)), 201, nil},
		{"missing article_id", "alice", without("article_id"), 422, []string{"article_id"}},
		{"missing version", "alice", without("version"), 422, []string{"version"}},
		{"missing ticket_ref", "alice", without("ticket_ref"), 422, []string{"ticket_ref"}},
		{"missing request_type", "alice", without("request_type"), 422, []string{"request_type"}},
		{"missing outcome", "alice", without("outcome"), 422, []string{"outcome"}},
		{"null version", "alice", with("version", nil), 422, []string{"version"}},
		{"article_id as a string", "alice", with("article_id", fmt.Sprint(id)), 422, []string{"article_id"}},
		{"version as a string", "alice", with("version", "1"), 422, []string{"version"}},
		{"version as a fraction", "alice", with("version", 1.5), 422, []string{"version"}},
		{"version zero", "alice", with("version", 0), 422, []string{"version"}},
		{"ticket_ref as a number", "alice", with("ticket_ref", 12345), 422, []string{"ticket_ref"}},
		{"outcome as a boolean", "alice", with("outcome", true), 422, []string{"outcome"}},
		{"request_type as a list", "alice", with("request_type", []string{"software-install"}), 422, []string{"request_type"}},
		{"ticket_ref over 128", "alice", with("ticket_ref", strings.Repeat("x", 129)), 422, []string{"ticket_ref"}},
		{"ticket_ref with control characters", "alice", with("ticket_ref", "REQ\u00001"), 422, []string{"ticket_ref"}},
		{"empty ticket_ref", "alice", with("ticket_ref", ""), 422, []string{"ticket_ref"}},
		{"unknown outcome", "alice", with("outcome", "maybe"), 422, []string{"outcome"}},
		{"unknown article", "alice", with("article_id", 999999), 422, []string{"article_id"}},
		{"unknown version", "alice", with("version", 9), 422, []string{"version"}},
		{"unknown request type", "alice", with("request_type", "teleport"), 422, []string{"request_type"}},
		{"request type the article does not cover", "alice", with("request_type", "vpn-access"), 422, []string{"request_type"}},
		{"another supplier's scope", "gina", with("request_type", "password-reset"), 422, []string{"article_id"}},
		{"every field wrong at once", "alice", map[string]any{"article_id": "x", "version": "1", "ticket_ref": 7, "request_type": "", "outcome": "maybe"}, 422,
			[]string{"article_id", "version", "ticket_ref", "request_type", "outcome"}},
		{"nothing at all", "alice", map[string]any{}, 422, []string{"article_id", "version", "ticket_ref", "request_type", "outcome"}},
		{"unknown JSON field", "alice", with("ticket", "REQ1"), 400, nil},
		{"not JSON", "alice", []byte(`{"article_id":`), 400, nil},
		{"a knowledge manager", "km1", ok(), 403, nil},
	}
	recorded := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := alice
			if c.user != "alice" {
				client = ts.api(t, c.user)
			}
			st, body := client.call("POST", "/api/v1/usage", c.body)
			if st != c.status {
				t.Fatalf("HTTP %d %v, want %d", st, body, c.status)
			}
			if st == 201 {
				recorded++
				if _, isNum := body["id"].(float64); !isNum || body["outdated"] != false {
					t.Errorf("answer %v, want an id and outdated false", body)
				}
			}
			for _, f := range c.fields {
				if _, named := fieldsIn(body)[f]; !named {
					t.Errorf("fields %v do not name %s", fieldsIn(body), f)
				}
			}
			if c.fields != nil && len(fieldsIn(body)) != len(c.fields) {
				t.Errorf("fields %v, want exactly %v", fieldsIn(body), c.fields)
			}
		})
	}
	var n int
	if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != recorded {
		t.Errorf("%d uses stored, want the %d accepted: a refused call records nothing", n, recorded)
	}
	// Outdated once a newer version is approved.
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions", other), map[string]any{"base": 1, "title": "Reset a password", "body": "New portal.", "note": "portal"})
	km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/2/submit", other), nil)
	if st, b := km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/2/approve", other), map[string]any{"comment": "ok"}); st != 200 {
		t.Fatalf("approve v2: %d %v", st, b)
	}
	st, body := ts.api(t, "gina").call("POST", "/api/v1/usage", map[string]any{"article_id": other, "version": 1, "ticket_ref": "INC1",
		"request_type": "password-reset", "outcome": "not_resolved"})
	if st != 201 || body["outdated"] != true {
		t.Errorf("use of superseded version 1: HTTP %d %v, want 201 outdated", st, body)
	}
}

func TestFeedbackAndFollowupsAPI(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Install the VPN client", "software-install")
	alice, km1 := ts.api(t, "alice"), ts.api(t, "km1")
	path := fmt.Sprintf("/api/v1/articles/%d/feedback", id)
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"helpful": true}, 201},
		{map[string]any{"helpful": "no"}, 422},
		{map[string]any{"comment": "no rating"}, 422},
		{map[string]any{"helpful": false, "extra": 1}, 400},
		{map[string]any{"helpful": false, "comment": strings.Repeat("x", 2001)}, 422},
	} {
		if st, b := alice.call("POST", path, c.body); st != c.status {
			t.Errorf("feedback %v: HTTP %d %v, want %d", c.body, st, b, c.status)
		}
	}
	if st, _ := ts.api(t, "gina").call("POST", path, map[string]any{"helpful": true}); st != 404 {
		t.Errorf("feedback on an article outside gina's scope: HTTP %d, want 404", st)
	}
	st, b := alice.call("POST", path, map[string]any{"helpful": false, "comment": "installer link is dead"})
	if st != 201 || b["followup_id"] == nil {
		t.Fatalf("not helpful with a comment: HTTP %d %v, want 201 with a follow-up", st, b)
	}
	fid := int64(b["followup_id"].(float64))
	st, raw := km1.raw("GET", "/api/v1/followups?status=open", nil)
	if st != 200 || !strings.Contains(string(raw), "installer link is dead") {
		t.Errorf("open follow-ups: HTTP %d %s", st, raw)
	}
	if st, _ := alice.raw("GET", "/api/v1/followups", nil); st != 403 {
		t.Errorf("an agent lists follow-ups: HTTP %d, want 403", st)
	}
	dismiss := fmt.Sprintf("/api/v1/followups/%d/dismiss", fid)
	if st, _ := km1.call("POST", dismiss, map[string]any{}); st != 422 {
		t.Errorf("dismiss without a reason: HTTP %d, want 422", st)
	}
	if st, b := km1.call("POST", dismiss, map[string]any{"reason": "The link works from the VPN."}); st != 200 {
		t.Errorf("dismiss: HTTP %d %v", st, b)
	}
	if st, _ := km1.call("POST", dismiss, map[string]any{"reason": "again"}); st != 409 {
		t.Errorf("second dismissal: HTTP %d, want 409", st)
	}
}

func TestGapReportAPIAndCSV(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Install the VPN client", "software-install")
	alice := ts.Org.User(t, "alice")
	for _, q := range []string{"printer toner replacement", " Printer Toner Replacement", "mfa token resync", "=HYPERLINK(\"x\")"} {
		ts.KB.RecordSearch(alice, q, 0)
	}
	ts.KB.RecordSearch(alice, "vpn", 1)
	km1 := ts.api(t, "km1")
	st, g := km1.call("GET", "/api/v1/reports/gaps?since=2000-01-01", nil)
	if st != 200 {
		t.Fatalf("gap report: HTTP %d %v", st, g)
	}
	zr := map[string]float64{}
	for _, x := range g["zero_result_queries"].([]any) {
		m := x.(map[string]any)
		zr[m["query"].(string)] = m["count"].(float64)
	}
	if zr["printer toner replacement"] != 2 || zr["mfa token resync"] != 1 || len(zr) != 3 {
		t.Errorf("zero-result queries = %v", zr)
	}
	for _, key := range []string{"request_types_without_articles", "low_rated_articles", "outdated_usage", "articles_never_used", "link_rates"} {
		if _, isList := g[key].([]any); !isList {
			t.Errorf("%s = %v, want a list", key, g[key])
		}
	}
	if never := fmt.Sprint(g["articles_never_used"]); !strings.Contains(never, fmt.Sprintf("article_id:%d", id)) {
		t.Errorf("articles never used = %s, want article %d", never, id)
	}
	for user, want := range map[string]int{"auditor": 200, "admin": 200, "trainer": 403, "alice": 403} {
		if st, _ := ts.api(t, user).raw("GET", "/api/v1/reports/gaps", nil); st != want {
			t.Errorf("%s: HTTP %d, want %d", user, st, want)
		}
	}
	for _, q := range []string{"since=not-a-date", "until=2024-13-01", "since=2024-02-01&until=2024-01-01", "supplier=nobody", "request_type=teleport"} {
		if st, _ := km1.raw("GET", "/api/v1/reports/gaps?"+q, nil); st != 422 {
			t.Errorf("%s: HTTP %d, want 422", q, st)
		}
	}

	// CSV, through the page route with a session and the API route with a token.
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	for table, want := range map[string][]string{
		"zero_results":                   {"query,count", "printer toner replacement,2", "mfa token resync,1"},
		"request_types_without_articles": {"request_type", "password-reset", "vpn-access"},
		"never_used":                     {"article_id,title,version,approved_at,views", fmt.Sprintf("%d,Install the VPN client,1,", id)},
		"link_rates":                     {"supplier,name,tickets,searches_without_article,link_rate", "acme,Acme Outsourcing,0,5,0.0000"},
		"low_rated":                      {"article_id,title,helpful,not_helpful,wrong"},
		"outdated_usage":                 {"supplier,article_id,title,count"},
	} {
		st, body := b.get("/reports/gaps.csv?since=2000-01-01&table=" + table)
		if st != 200 {
			t.Errorf("%s.csv: HTTP %d", table, st)
			continue
		}
		for _, line := range want {
			if !strings.Contains(body, line) {
				t.Errorf("%s.csv lacks %q:\n%s", table, line, body)
			}
		}
		if _, err := csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil {
			t.Errorf("%s.csv is not valid CSV: %v", table, err)
		}
	}
	_, body := b.get("/reports/gaps.csv?since=2000-01-01&table=zero_results")
	if !strings.Contains(body, `'=hyperlink`) {
		t.Errorf("a query that reads as a formula is not kept as text:\n%s", body)
	}
	if st, raw := km1.raw("GET", "/api/v1/reports/gaps.csv?table=zero_results&since=2000-01-01", nil); st != 200 || !strings.HasPrefix(string(raw), "query,count") {
		t.Errorf("API CSV: HTTP %d %s", st, raw)
	}
	if st, _ := km1.raw("GET", "/api/v1/reports/gaps.csv?table=everything", nil); st != 422 {
		t.Errorf("unknown table: HTTP %d, want 422", st)
	}
}

// htmx posts a form as htmx does (HX-Request, CSRF header) and returns the status and body.
func (b *browser) htmx(path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, sb.String()
}

func TestUsageAndFeedbackPages(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Install the VPN client", "software-install")
	alice := ts.browser(t)
	alice.login("alice", accountstest.Password)
	usage := fmt.Sprintf("/articles/%d/usage", id)

	st, body := alice.htmx(usage, url.Values{"version": {"1"}, "ticket_ref": {"REQ0045678"}, "request_type": {"software-install"}, "outcome": {"resolved"}})
	if st != 200 || !strings.Contains(body, `data-testid="usage-recorded"`) || !strings.Contains(body, "REQ0045678") {
		t.Errorf("htmx usage: HTTP %d\n%s", st, body)
	}
	st, body = alice.htmx(usage, url.Values{"version": {"1"}, "ticket_ref": {""}, "request_type": {"software-install"}, "outcome": {"resolved"}})
	if st != 422 || !strings.Contains(body, `data-testid="error-ticket_ref"`) {
		t.Errorf("htmx usage without a ticket: HTTP %d\n%s", st, body)
	}
	if st, _ := alice.post(usage, url.Values{"version": {"1"}, "ticket_ref": {"REQ2"}, "request_type": {"software-install"}, "outcome": {"not_resolved"}}); st != http.StatusSeeOther {
		t.Errorf("form usage without htmx: HTTP %d, want 303", st)
	}
	st, body = alice.htmx(fmt.Sprintf("/articles/%d/feedback", id), url.Values{"helpful": {"false"}, "comment": {"Step 3 is missing."}})
	if st != 201 || !strings.Contains(body, "A knowledge manager will follow it up") {
		t.Errorf("htmx feedback: HTTP %d\n%s", st, body)
	}

	km := ts.browser(t)
	km.login("km1", accountstest.Password)
	for path, want := range map[string][]string{
		"/reports/gaps?since=2000-01-01":    {"Gap report", "Searches that found nothing", "Download CSV", "Open the usage dashboard"},
		"/dashboard?since=2000-01-01":       {"Usage dashboard", `role="img"`, "<title", "Show the figures as a table", `data-testid="total-uses">2<`},
		"/followups":                        {"Step 3 is missing.", "Dismiss", "Reason to dismiss"},
		"/reports/gaps?since=not-a-date":    {"a date as YYYY-MM-DD"},
		"/dashboard?until=2020-01-01&since": {"Usage dashboard"},
	} {
		st, body := km.get(path)
		if st >= 400 && !strings.Contains(path, "not-a-date") {
			t.Errorf("%s: HTTP %d", path, st)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
}
