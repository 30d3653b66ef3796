// Package migrations holds the numbered SQL files that build Attest's database, one series per
// engine (sqlite/, postgres/), and applies them in order, each in its own transaction,
// recording what was applied. Forward only. On PostgreSQL they apply under an advisory lock,
// so that several nodes starting together on an empty database migrate once.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialect names a series of migrations: the engine they are written for.
type Dialect string

const (
	SQLite     Dialect = "sqlite"
	PostgreSQL Dialect = "postgres"
)

// lockKey is the PostgreSQL advisory lock held while migrating.
const lockKey = 7461_0001

// Names returns the migration file names this binary knows for dialect, in the order they apply.
func Names(d Dialect) []string {
	entries, _ := fs.Glob(files, string(d)+"/*.sql")
	for i, e := range entries {
		entries[i] = strings.TrimPrefix(e, string(d)+"/")
	}
	sort.Strings(entries)
	return entries
}

// Apply applies every migration of dialect not yet recorded in schema_migrations. It refuses a
// database that records a migration this binary does not know: that database was written by a
// newer Attest, and running an older binary on it could corrupt it.
func Apply(ctx context.Context, db *sql.DB, d Dialect) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if d == PostgreSQL {
		// A session lock on this connection: a second node waits here until the first has
		// migrated, then finds nothing left to do.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, int64(lockKey)); err != nil {
			return fmt.Errorf("migrations: take the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, int64(lockKey))
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: create table: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT name FROM schema_migrations`)
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

	known := Names(d)
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
		if err := applyOne(ctx, conn, d, name); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.Conn, d Dialect, name string) error {
	body, err := files.ReadFile(string(d) + "/" + name)
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

// Fingerprint returns a hash of the text of dialect's migrations: it changes with the schema.
func Fingerprint(d Dialect) string {
	h := sha256.New()
	for _, n := range Names(d) {
		body, _ := files.ReadFile(string(d) + "/" + n)
		fmt.Fprintf(h, "%s %d\n", n, len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}
