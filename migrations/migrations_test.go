package migrations_test

import (
	"context"
	"strings"
	"testing"

	"attest/database"
)

func TestApplyIsIdempotentAndRecorded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := database.Open(ctx, dir)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		var n int
		db.Read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		if n == 0 {
			t.Errorf("open #%d: no migrations recorded", i+1)
		}
		var fk, wal string
		db.Write.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
		db.Write.QueryRow(`PRAGMA journal_mode`).Scan(&wal)
		if fk != "1" || wal != "wal" {
			t.Errorf("foreign_keys=%s journal_mode=%s, want 1 and wal", fk, wal)
		}
		db.Close()
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := database.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = database.Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "newer version of attest") {
		t.Fatalf("open of a newer database: err = %v, want a clear refusal", err)
	}
}
