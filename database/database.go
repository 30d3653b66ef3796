// Package database opens Attest's database the way every part of Attest uses it, on one of two
// engines. SQLite (the default, one file in the data directory): WAL, foreign keys on, a busy
// timeout, one connection for writes (so writers queue in Go instead of failing with
// SQLITE_BUSY) and a pool for reads. PostgreSQL (--database postgres://…, for several nodes):
// one pool, and state changes serialised by an advisory lock. Migrations are applied at open.
//
// The stores write one SQL for both engines; what the engines spell differently is confined to
// this package (placeholders, booleans, locking) and to the per-dialect migrations.
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
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mattn/go-sqlite3"

	"attest/migrations"
)

// FileName is the database file inside the data directory.
const FileName = "attest.db"

// Engine names the database engine a DB runs on.
type Engine string

const (
	SQLite     Engine = "sqlite"
	PostgreSQL Engine = "postgres"
)

// DB is Attest's database. On SQLite, Write has a single connection and begins transactions
// with BEGIN IMMEDIATE, and Read is a pool for queries; on PostgreSQL both are one pool.
type DB struct {
	Write  *sql.DB
	Read   *sql.DB
	Engine Engine
	// Path is the SQLite file; URL the PostgreSQL address.
	Path string
	URL  string
	// Pool is the PostgreSQL connection pool under Write and Read (nil on SQLite), for what
	// needs pgx itself: the session store and LISTEN.
	Pool *pgxpool.Pool
}

// Connect opens the PostgreSQL database at url when url is set, else SQLite in dir.
func Connect(ctx context.Context, url, dir string) (*DB, error) {
	if url != "" {
		return OpenPostgres(ctx, url)
	}
	return Open(ctx, dir)
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
	if err := migrations.Apply(ctx, w, migrations.SQLite); err != nil {
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
	return &DB{Write: w, Read: r, Engine: SQLite, Path: path}, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.Engine == PostgreSQL {
		err := db.Write.Close()
		db.Pool.Close()
		return err
	}
	return errors.Join(db.Read.Close(), db.Write.Close())
}

// Tx runs fn in a write transaction and commits it when fn returns nil. On PostgreSQL the
// transaction first takes the write lock (released at commit), so state changes from every
// node apply one after another, as SQLite's single writer applies them.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.run(ctx, db.Engine == PostgreSQL, fn)
}

// AppendTx runs fn in a transaction that only adds records no state change reads in order
// (article views, searches). On PostgreSQL it does not take the write lock, so recording never
// waits for state changes nor holds them up; on SQLite it is Tx (there is one writer).
func (db *DB) AppendTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.run(ctx, false, fn)
}

func (db *DB) run(ctx context.Context, lock bool, fn func(tx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin: %w", err)
	}
	defer tx.Rollback()
	if lock {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLock)); err != nil {
			return fmt.Errorf("database: take the write lock: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: commit: %w", err)
	}
	return nil
}

// InsertRows runs head ("INSERT INTO t (a, b) VALUES ") for rows, 100 rows to a statement:
// on PostgreSQL every statement is a round trip.
func InsertRows(ctx context.Context, tx *sql.Tx, head string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), 100)
		one := "(?" + strings.Repeat(", ?", len(rows[0])-1) + ")"
		q := head + one + strings.Repeat(", "+one, n-1)
		args := make([]any, 0, n*len(rows[0]))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Backup writes a consistent copy of the database to out with SQLite's online backup API,
// while others may go on reading and writing (in WAL mode a reader never blocks a writer).
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.Engine == PostgreSQL {
		return fmt.Errorf("database: attest backup copies a SQLite database; on PostgreSQL use pg_dump (for example: pg_dump --format=custom --file=%s %s), which takes a consistent copy while the nodes keep running", out, redact(db.URL))
	}
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

// OpenAgain opens the database db is open on a second time, as another process would (the
// command line beside a running server, or a restart).
func OpenAgain(ctx context.Context, db *DB) (*DB, error) {
	if db.Engine == PostgreSQL {
		return OpenPostgres(ctx, db.URL)
	}
	return OpenFile(ctx, db.Path)
}
