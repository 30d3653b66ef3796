package scorecard_test

import (
	"context"
	"testing"
	"time"

	"attest/database"
)

// TestCMDBFlagFindingCounts: a finding raised from a CMDB access flag on acme's lookups has no
// sampled item and an owner outside acme; it still counts as acme's open finding, and lists
// among the records behind the figure, and not as globex's.
func TestCMDBFlagFindingCounts(t *testing.T) {
	d := newDataset(t)
	ctx := context.Background()
	at := database.Format(time.Now().AddDate(0, 0, -1))
	db := d.org.DB.Write
	if _, err := db.Exec(`INSERT INTO audits (id, quarter, seed, sample_size, population, criteria, algorithm, weighting, created_by, created_at)
		SELECT 90, '2026-Q4', 1, 1, 0, '[]', 'x', 'size', id, ? FROM users WHERE username = 'auditor'`, at); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at,
		source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_key, cmdb_ticket_ref, cmdb_at, cmdb_detail)
		SELECT 90, NULL, 'minor', 'CI read without a ticket', o.id, '2099-01-01', a.id, ?, 'cmdb_flag', 'no_usage', 'acme', 'alice', 'CI-VPN', 'T-1', ?, 'd'
		FROM users o, users a WHERE o.username = 'km1' AND a.username = 'auditor'`, at, at); err != nil {
		t.Fatal(err)
	}
	p, _ := d.sc.ParsePeriod("", "")
	km1 := d.org.User(t, "km1")
	rows, err := d.sc.Suppliers(ctx, km1, p)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]int{}
	for _, r := range rows {
		open[r.Supplier] = r.OpenFindings
	}
	if open["acme"] != 1 || open["globex"] != 0 {
		t.Errorf("open findings acme %d, globex %d; want 1, 0", open["acme"], open["globex"])
	}
	rec, err := d.sc.Records(ctx, km1, "acme", "open_findings", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Rows) != 1 {
		t.Errorf("acme's open-finding records: %d, want 1", len(rec.Rows))
	}
}
