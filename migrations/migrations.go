// Package migrations holds the numbered SQL files that build Attest's database and applies
// them in order, each in its own transaction, recording what was applied. Forward only.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed *.sql
var files embed.FS

// Names returns the migration file names this binary knows, in the order they apply.
func Names() []string {
	entries, _ := fs.Glob(files, "*.sql")
	sort.Strings(entries)
	return entries
}

// Apply applies every migration not yet recorded in schema_migrations. It refuses a database
// that records a migration this binary does not know: that database was written by a newer
// Attest, and running an older binary on it could corrupt it.
func Apply(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: create table: %w", err)
	}
	applied := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrations: read applied: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("migrations: read applied: %w", err)
		}
		applied[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrations: read applied: %w", err)
	}

	known := Names()
	knownSet := map[string]bool{}
	for _, n := range known {
		knownSet[n] = true
	}
	for name := range applied {
		if !knownSet[name] {
			return fmt.Errorf("migrations: the database has migration %q, which this binary does not know: it was written by a newer version of attest; use that version (or newer)", name)
		}
	}
	for _, name := range known {
		if applied[name] {
			continue
		}
		if err := applyOne(ctx, db, name); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, name string) error {
	body, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("migrations: read %s: %w", name, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrations: begin %s: %w", name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migrations: apply %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("migrations: record %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrations: commit %s: %w", name, err)
	}
	return nil
}

// Latest returns the name of the newest migration this binary knows.
func Latest() string {
	n := Names()
	if len(n) == 0 {
		return ""
	}
	return strings.TrimSuffix(n[len(n)-1], ".sql")
}
