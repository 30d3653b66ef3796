package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/kb"
)

// approvedArticles creates n articles per request type, written by km1 and approved by km2.
func approvedArticles(t *testing.T, ts *testServer, n int, rts ...string) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		for _, rt := range rts {
			v, err := ts.KB.CreateArticle(ctx, ts.Org.Users["km1"], kb.NewArticle{Title: fmt.Sprintf("%s procedure %d", rt, i),
				Body: "Step one.\n\nStep two.", RequestTypes: []string{rt}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.KB.Submit(ctx, ts.Org.Users["km1"], v.ArticleID, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.KB.Approve(ctx, ts.Org.Users["km2"], v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, v.ArticleID)
		}
	}
	return ids
}

var allMet = map[string]bool{"accurate": true, "complete": true, "current": true, "clear": true, "findable": true, "unique": true, "template": true}

func TestAuditAPIRefusesBadInput(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 2, "password-reset", "vpn-access")
	aud := ts.api(t, "auditor")
	cases := []struct {
		name  string
		body  any
		st    int
		field string
	}{
		{"malformed quarter", map[string]any{"quarter": "2026-Q5", "sample_size": 2, "seed": 1}, http.StatusUnprocessableEntity, "quarter"},
		{"quarter in words", map[string]any{"quarter": "Q4 2026", "sample_size": 2, "seed": 1}, http.StatusUnprocessableEntity, "quarter"},
		{"sample size 0", map[string]any{"quarter": "2026-Q4", "sample_size": 0, "seed": 1}, http.StatusUnprocessableEntity, "sample_size"},
		{"no sample size", map[string]any{"quarter": "2026-Q4", "seed": 1}, http.StatusUnprocessableEntity, "sample_size"},
		{"unknown supplier", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "suppliers": []string{"umbrella"}}, http.StatusUnprocessableEntity, "suppliers"},
		{"unknown request type", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "request_types": []string{"teleport"}}, http.StatusUnprocessableEntity, "request_types"},
		{"sample size as text", map[string]any{"quarter": "2026-Q4", "sample_size": "two"}, http.StatusUnprocessableEntity, "sample_size"},
		{"unknown field", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "colour": "red"}, http.StatusBadRequest, ""},
	}
	for _, c := range cases {
		st, body := aud.call("POST", "/api/v1/audits", c.body)
		if st != c.st {
			t.Errorf("%s: HTTP %d %v, want %d", c.name, st, body, c.st)
			continue
		}
		if c.field != "" {
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			if fields[c.field] == nil {
				t.Errorf("%s: fields %v do not name %s", c.name, fields, c.field)
			}
		}
	}
	st, list := aud.raw("GET", "/api/v1/audits", nil)
	if st != http.StatusOK || strings.TrimSpace(string(list)) != "[]" {
		t.Errorf("refused requests left audits: %d %s", st, list)
	}

	st, a := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "seed": 11})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, a)
	}
	id := int64(a["id"].(float64))
	items := a["items"].([]any)
	item := int64(items[0].(map[string]any)["id"].(float64))
	assess := fmt.Sprintf("/api/v1/audits/%d/items/%d/assessment", id, item)
	unknown := map[string]bool{"vibes": true}
	for k, v := range allMet {
		unknown[k] = v
	}
	for name, checks := range map[string]map[string]bool{"unknown criterion": unknown, "missing criteria": {"accurate": true}} {
		if st, body := aud.call("POST", assess, map[string]any{"checks": checks, "notes": "x"}); st != http.StatusUnprocessableEntity {
			t.Errorf("%s: HTTP %d %v, want 422", name, st, body)
		}
	}
	// Someone who approved the version (km2, given the auditor role too) may not assess it.
	if err := ts.Org.Accounts.SetRoles(context.Background(), accounts.System("test"), "km2", []accounts.Role{accounts.RoleKnowledgeManager, accounts.RoleAuditor}); err != nil {
		t.Fatal(err)
	}
	if st, body := ts.api(t, "km2").call("POST", assess, map[string]any{"checks": allMet, "notes": "mine"}); st != http.StatusForbidden {
		t.Errorf("approver assessing own version: HTTP %d %v, want 403", st, body)
	}
	if st, body := ts.api(t, "alice").call("POST", assess, map[string]any{"checks": allMet}); st != http.StatusForbidden {
		t.Errorf("agent assessing: HTTP %d %v, want 403", st, body)
	}
	_, g := aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil)
	if g["status"] != "planned" || g["items"].([]any)[0].(map[string]any)["score"] != nil {
		t.Errorf("refused assessments changed the audit: %v", g)
	}

	findings := fmt.Sprintf("/api/v1/audits/%d/findings", id)
	ok := map[string]any{"item": item, "severity": "major", "description": "Missing step", "owner": "km1", "due": "2027-01-15"}
	for name, edit := range map[string]map[string]any{
		"unknown severity": {"severity": "critical-ish"},
		"unknown owner":    {"owner": "nobody"},
		"bad item":         {"item": 999999},
		"bad date":         {"due": "2027-13-45"},
	} {
		body := map[string]any{}
		for k, v := range ok {
			body[k] = v
		}
		for k, v := range edit {
			body[k] = v
		}
		if st, resp := aud.call("POST", findings, body); st != http.StatusUnprocessableEntity {
			t.Errorf("%s: HTTP %d %v, want 422", name, st, resp)
		}
	}
	if st, resp := aud.call("POST", findings, ok); st != http.StatusCreated || resp["id"] == nil {
		t.Errorf("good finding: HTTP %d %v", st, resp)
	}
	_, g = aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil)
	if n := len(g["findings"].([]any)); n != 1 {
		t.Errorf("%d findings recorded, want 1", n)
	}
}

func TestAuditAPIFreezeAndCSV(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 2, "software-install")
	aud := ts.api(t, "auditor")
	_, a := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "seed": 3})
	id := int64(a["id"].(float64))
	base := fmt.Sprintf("/api/v1/audits/%d", id)
	if st, _ := aud.call("POST", base+"/close", nil); st != http.StatusConflict {
		t.Errorf("close before assessing: HTTP %d, want 409", st)
	}
	var items []int64
	for _, it := range a["items"].([]any) {
		items = append(items, int64(it.(map[string]any)["id"].(float64)))
	}
	for i, it := range items {
		checks := map[string]bool{}
		for k, v := range allMet {
			checks[k] = v
		}
		checks["accurate"] = i != 0
		st, r := aud.call("POST", fmt.Sprintf("%s/items/%d/assessment", base, it), map[string]any{"checks": checks, "notes": "@cmd|' /C calc'!A0"})
		if st != http.StatusOK {
			t.Fatalf("assess: %d %v", st, r)
		}
		if i == 0 && r["score"] != float64(73) {
			t.Errorf("score with accurate missed = %v, want 73", r["score"])
		}
	}
	aud.call("POST", base+"/findings", map[string]any{"item": items[0], "severity": "minor", "description": "=2+5", "owner": "km1", "due": "2027-01-15"})
	if st, r := aud.call("POST", base+"/close", nil); st != http.StatusOK {
		t.Fatalf("close: %d %v", st, r)
	}
	writes := []struct {
		path string
		body any
	}{
		{fmt.Sprintf("%s/items/%d/assessment", base, items[1]), map[string]any{"checks": allMet, "notes": "late"}},
		{fmt.Sprintf("%s/items/%d/evidence", base, items[1]), map[string]any{"kind": "note", "content": "late"}},
		// A closed audit answers 409 whatever the body says: no field is judged first.
		{fmt.Sprintf("%s/items/%d/evidence", base, items[1]), map[string]any{"kind": "video", "content": ""}},
		{fmt.Sprintf("%s/items/%d/evidence", base, items[1]), map[string]any{}},
		{fmt.Sprintf("%s/items/%d/assessment", base, items[1]), map[string]any{"checks": map[string]bool{"vibes": true}}},
		{base + "/findings", map[string]any{}},
		{base + "/findings", map[string]any{"item": items[1], "severity": "minor", "description": "late", "owner": "km1", "due": "2027-01-15"}},
		{base + "/close", nil},
	}
	for _, w := range writes {
		if st, r := aud.call("POST", w.path, w.body); st != http.StatusConflict {
			t.Errorf("POST %s after sign-off: HTTP %d %v, want 409", w.path, st, r)
		}
	}
	_, g := aud.call("GET", base, nil)
	if g["status"] != "signed_off" || g["signed_off_by"] != "auditor" || g["signed_off_at"] == nil {
		t.Errorf("after close: status %v by %v at %v", g["status"], g["signed_off_by"], g["signed_off_at"])
	}
	st, raw := ts.api(t, "km1").raw("GET", base+"/report.csv", nil)
	if st != http.StatusOK {
		t.Fatalf("CSV: HTTP %d", st)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if len(rows) != 3 {
		t.Fatalf("CSV has %d rows, want header + 2", len(rows))
	}
	text := string(raw)
	for _, want := range []string{"'@cmd", "#", "minor: =2+5"} {
		if !strings.Contains(text, want) {
			t.Errorf("CSV lacks %q:\n%s", want, text)
		}
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if st, _ := ts.api(t, "alice").raw("GET", base+"/report.csv", nil); st != http.StatusForbidden {
		t.Errorf("agent reading the CSV: HTTP %d, want 403", st)
	}
}

func TestAuditSampleSizeSuggestion(t *testing.T) {
	ts := newTestServer(t)
	st, body := ts.api(t, "auditor").call("GET", "/api/v1/audits/sample-size?confidence=95&tolerable=5&population=100", nil)
	if st != http.StatusOK || body["n"] != float64(59) || body["corrected"] != float64(38) {
		t.Errorf("sample size: HTTP %d %v, want n 59, corrected 38", st, body)
	}
	b := ts.browser(t)
	if st := b.login("auditor", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	if st, page := b.get("/audits/suggest?confidence=95&tolerable=5&population=0"); st != http.StatusOK || !strings.Contains(page, "<strong>59</strong>") {
		t.Errorf("calculator page: HTTP %d, want the suggestion 59", st)
	}
	if st, _ := b.get("/audits/suggest?confidence=150&tolerable=5"); st != http.StatusUnprocessableEntity {
		t.Errorf("confidence 150 %%: HTTP %d, want 422", st)
	}
}
