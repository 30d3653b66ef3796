// Package database opens Attest's database the way every part of Attest uses it: WAL,
// foreign keys on, a busy timeout, one connection for writes (so writers queue in Go instead of
// failing with SQLITE_BUSY) and a pool for reads, migrations applied at open.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3"

	"attest/migrations"
)

// FileName is the database file inside the data directory.
const FileName = "attest.db"

// DB is Attest's database: Write has a single connection and begins transactions with
// BEGIN IMMEDIATE; Read is a pool for queries.
type DB struct {
	Write *sql.DB
	Read  *sql.DB
	Path  string
}

// Open opens (creating when missing) the database in dir and applies migrations.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("database: create data dir: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// OpenFile opens the database at path and applies migrations.
func OpenFile(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("database: open %s: %w", path, err)
	}
	if err := migrations.Apply(ctx, w); err != nil {
		w.Close()
		return nil, err
	}

	rq := url.Values{}
	rq.Set("_foreign_keys", "on")
	rq.Set("_busy_timeout", "10000")
	rq.Set("_txlock", "deferred")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("database: open %s: %w", path, err)
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{Write: w, Read: r, Path: path}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.Read.Close(), db.Write.Close())
}

// Tx runs fn in a write transaction and commits it when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: commit: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to out with SQLite's online backup API,
// while others may go on reading and writing (in WAL mode a reader never blocks a writer).
func (db *DB) Backup(ctx context.Context, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("database: backup: %s exists; choose a new file", out)
	}
	dst, err := sql.Open("sqlite3", "file:"+out)
	if err != nil {
		return fmt.Errorf("database: backup: open %s: %w", out, err)
	}
	defer dst.Close()
	dconn, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("database: backup: open %s: %w", out, err)
	}
	defer dconn.Close()
	sconn, err := db.Read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("database: backup: %w", err)
	}
	defer sconn.Close()
	err = dconn.Raw(func(d any) error {
		return sconn.Raw(func(s any) error {
			b, err := d.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			// One step of -1 copies every page inside one read transaction: a consistent snapshot.
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return err
			}
			return b.Finish()
		})
	})
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("database: backup to %s: %w", out, err)
	}
	return nil
}

// Now returns the current time as Attest stores it: UTC, RFC 3339 with nanoseconds, so that
// text order is time order.
func Now() string { return Format(time.Now()) }

// Format formats t as Attest stores times.
func Format(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// Parse parses a time stored by Format (or any RFC 3339 time).
func Parse(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
