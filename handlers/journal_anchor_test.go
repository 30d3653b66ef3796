package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/database/databasetest"
)

// TestJournalHeadInAuditAndReports: a signed-off audit shows the journal head it recorded
// (API and printable report), each export records and prints the head at that moment, and
// the journal page reports a journal cut short behind a recorded head as tampered.
func TestJournalHeadInAuditAndReports(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 1, "password-reset", "vpn-access")
	aud := ts.api(t, "auditor")
	st, res := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 2, "seed": 5})
	if st != http.StatusCreated {
		t.Fatalf("create: HTTP %d %v", st, res)
	}
	id := int64(res["id"].(float64))
	if _, res := aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil); res["journal_head"] != nil {
		t.Fatalf("an open audit has a journal head: %v", res["journal_head"])
	}
	for _, it := range res["items"].([]any) {
		item := int64(it.(map[string]any)["id"].(float64))
		if st, res := aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/items/%d/assessment", id, item), map[string]any{"checks": allMet}); st != http.StatusOK {
			t.Fatalf("assess: HTTP %d %v", st, res)
		}
	}
	if st, res := aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/close", id), nil); st != http.StatusOK {
		t.Fatalf("close: HTTP %d %v", st, res)
	}
	var headID int64
	var headHash string
	if err := ts.Org.DB.Read.QueryRow(`SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1`).Scan(&headID, &headHash); err != nil {
		t.Fatal(err)
	}
	anchor := fmt.Sprintf("%d:%s", headID, headHash)
	_, res = aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil)
	if h, _ := res["journal_head"].(map[string]any); h == nil || int64(h["id"].(float64)) != headID || h["hash"] != headHash {
		t.Fatalf("journal_head = %v, want %s", res["journal_head"], anchor)
	}

	st, raw := aud.raw("GET", fmt.Sprintf("/api/v1/audits/%d/report.csv", id), nil)
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if st != http.StatusOK || err != nil || len(rows) != 3 {
		t.Fatalf("report.csv: HTTP %d, %v, %d rows", st, err, len(rows))
	}
	for _, r := range rows[1:] {
		if got := r[len(r)-2:]; got[0] != anchor || got[1] != anchor {
			t.Errorf("csv row carries %q, want the sign-off head %s twice (nothing changed since)", got, anchor)
		}
	}
	km := ts.browser(t)
	if st := km.login("km1", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: HTTP %d", st)
	}
	st, page := km.get(fmt.Sprintf("/audits/%d/report", id))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="journal-head-sign-off"><code class="anchor">`+anchor) ||
		!strings.Contains(page, `data-testid="journal-head-export"><code class="anchor">`+anchor) {
		t.Fatalf("report page: HTTP %d, lacks the anchors %s", st, anchor)
	}
	_, res = aud.call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil)
	if ex, _ := res["exports"].([]any); len(ex) != 2 {
		t.Fatalf("exports = %v, want the CSV and the page", res["exports"])
	}

	// Cut the journal behind the sign-off's head, as someone with the database file could.
	databasetest.DropTrigger(t, ts.Org.DB, "journal_no_delete", "journal")
	if _, err := ts.Org.DB.Write.Exec(`DELETE FROM journal WHERE id >= ?`, headID-1); err != nil {
		t.Fatal(err)
	}
	adm := ts.browser(t)
	if st := adm.login("auditor", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: HTTP %d", st)
	}
	st, page = adm.get("/journal")
	if st != http.StatusOK || !strings.Contains(page, `data-testid="journal-broken"`) || !strings.Contains(page, "tampered") {
		t.Fatalf("journal page after the cut: HTTP %d, no tampering shown", st)
	}
}
