package migrations_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "attest/database" // the sqlite3 driver
	"attest/migrations"
)

// openBefore opens a fresh database with every migration before name applied, recorded as
// Apply records them, so that Apply then runs name (and what follows) on data written before it.
func openBefore(t *testing.T, name string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "attest.db")+"?_foreign_keys=on&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, n := range migrations.Names(migrations.SQLite) {
		if n >= name {
			break
		}
		body, err := os.ReadFile(filepath.Join("sqlite", n))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("apply %s: %v", n, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, '2026-01-01T00:00:00Z')`, n); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestCMDBFindingsRebuildKeepsFindings: 0020 rebuilds audit_findings (item_id nullable, the
// CMDB flag columns); every finding, its remediation, the carried findings that reference it,
// the indexes and the immutability trigger survive, and foreign keys still hold both ways.
func TestCMDBFindingsRebuildKeepsFindings(t *testing.T) {
	db := openBefore(t, "0020_cmdb_findings.sql")
	at := "2026-10-01T09:00:00Z"
	mustExec(t, db, `INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (1, 'aud', 'Aud', 'x', ?), (2, 'km', 'Km', 'x', ?)`, at, at)
	mustExec(t, db, `INSERT INTO articles (id, created_by, created_at) VALUES (1, 2, ?)`, at)
	for _, id := range []int{1, 2} {
		mustExec(t, db, `INSERT INTO audits (id, quarter, seed, sample_size, population, criteria, algorithm, weighting, created_by, created_at, previous)
			VALUES (?, '2026-Q4', 7, 1, 1, '[]', 'x', 'size', 1, ?, ?)`, id, at, map[int]any{1: nil, 2: 1}[id])
	}
	mustExec(t, db, `INSERT INTO audit_items (id, audit_id, position, article_id, version, stratum) VALUES (10, 1, 1, 1, 1, 'vpn')`)
	mustExec(t, db, `INSERT INTO audit_findings (id, audit_id, item_id, severity, description, root_cause, owner_id, due, subject_id,
		subject_request_type, status, resolution_note, resolution_version, resolved_by, resolved_at, created_by, created_at)
		VALUES (5, 1, 10, 'major', 'Step 3 is wrong', 'copy error', 2, '2026-12-01', 1, 'vpn', 'resolved', 'fixed', 2, 2, ?, 1, ?),
		(6, 1, 10, 'minor', 'Unclear title', '', 2, '2026-12-15', NULL, '', 'open', '', NULL, NULL, NULL, 1, ?)`, at, at, at)
	mustExec(t, db, `INSERT INTO audit_carried (audit_id, finding_id) VALUES (2, 6)`)

	if err := migrations.Apply(context.Background(), db, migrations.SQLite); err != nil {
		t.Fatalf("Apply: %v", err)
	}

	type row struct {
		id, item                                    int64
		severity, description, status, note, source string
		version, subject                            sql.NullInt64
		resolvedAt                                  sql.NullString
	}
	var got []row
	rows, err := db.Query(`SELECT id, item_id, severity, description, status, resolution_note, source, resolution_version, subject_id, resolved_at
		FROM audit_findings ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.item, &r.severity, &r.description, &r.status, &r.note, &r.source, &r.version, &r.subject, &r.resolvedAt); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	if len(got) != 2 {
		t.Fatalf("findings after the rebuild: %d, want 2", len(got))
	}
	if g := got[0]; g.id != 5 || g.item != 10 || g.severity != "major" || g.description != "Step 3 is wrong" || g.status != "resolved" ||
		g.note != "fixed" || g.source != "item" || g.version.Int64 != 2 || g.subject.Int64 != 1 || g.resolvedAt.String != at {
		t.Errorf("finding 5 after the rebuild = %+v", g)
	}
	if g := got[1]; g.id != 6 || g.source != "item" || g.version.Valid || g.subject.Valid || g.resolvedAt.Valid {
		t.Errorf("finding 6 after the rebuild = %+v", g)
	}
	var carried int
	db.QueryRow(`SELECT COUNT(*) FROM audit_carried WHERE audit_id = 2 AND finding_id = 6`).Scan(&carried)
	if carried != 1 {
		t.Errorf("carried finding lost")
	}
	if rows, err := db.Query(`PRAGMA foreign_key_check`); err != nil {
		t.Fatal(err)
	} else {
		if rows.Next() {
			t.Errorf("foreign_key_check reports a violation after the rebuild")
		}
		rows.Close()
	}
	// audit_carried still references the rebuilt table.
	if _, err := db.Exec(`INSERT INTO audit_carried (audit_id, finding_id) VALUES (2, 999)`); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("carrying a finding that does not exist: err = %v, want a foreign key refusal", err)
	}
	// And the rebuilt table's own references hold.
	if _, err := db.Exec(`INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at)
		VALUES (1, 10, 'minor', 'x', 99, '2026-12-01', 1, ?)`, at); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("a finding owned by nobody: err = %v, want a foreign key refusal", err)
	}
	for _, name := range []string{"audit_findings_audit", "audit_findings_owner", "audit_findings_content_immutable"} {
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = ?`, name).Scan(&n)
		if n != 1 {
			t.Errorf("%s missing after the rebuild", name)
		}
	}
	if _, err := db.Exec(`UPDATE audit_findings SET description = 'rewritten' WHERE id = 5`); err == nil || !strings.Contains(err.Error(), "not rewritten") {
		t.Errorf("rewriting a finding: err = %v, want the trigger's refusal", err)
	}
	if _, err := db.Exec(`UPDATE audit_findings SET status = 'closed' WHERE id = 5`); err != nil {
		t.Errorf("remediation columns must stay writable: %v", err)
	}
	var leftover int
	db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_findings_before_0020'`).Scan(&leftover)
	if leftover != 0 {
		t.Errorf("the copy of the old table was left behind")
	}

	// A CMDB-flag finding has no item; an item finding must have one.
	mustExec(t, db, `INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at,
		source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_key, cmdb_ticket_ref, cmdb_at, cmdb_detail)
		VALUES (1, NULL, 'minor', 'lookup without use', 2, '2026-12-01', 1, ?, 'cmdb_flag', 'no_usage', 'acme', 'agent1', 'VPN-GW-01', 'INC1', ?, 'd')`, at, at)
	for _, q := range []string{
		`INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at) VALUES (1, NULL, 'minor', 'x', 2, '2026-12-01', 1, '` + at + `')`,
		`INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at, source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_at)
			VALUES (1, 10, 'minor', 'x', 2, '2026-12-01', 1, '` + at + `', 'cmdb_flag', 'no_usage', 'acme', 'agent1', '` + at + `')`,
		`INSERT INTO audit_findings (audit_id, item_id, severity, description, owner_id, due, created_by, created_at, source)
			VALUES (1, NULL, 'minor', 'x', 2, '2026-12-01', 1, '` + at + `', 'cmdb_flag')`,
	} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "CHECK") {
			t.Errorf("%s: err = %v, want a CHECK refusal", q, err)
		}
	}
}
