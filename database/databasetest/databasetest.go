// Package databasetest gives each test a fresh, migrated database on the engine the test run
// names: SQLite in a temporary directory by default, or, when ATTEST_TEST_POSTGRES holds the
// address of a PostgreSQL server (make test starts a throwaway one), a new database there.
package databasetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the server's maintenance database

	"attest/database"
	"attest/migrations"
)

// Env is the variable that names the PostgreSQL server for the tests.
const Env = "ATTEST_TEST_POSTGRES"

// Postgres reports whether this test run uses PostgreSQL.
func Postgres() bool { return os.Getenv(Env) != "" }

// Open returns a fresh, migrated database for t and the directory the test may use for
// everything else (the Bleve index, files); both are removed when t ends.
func Open(t testing.TB) (*database.DB, string) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if !Postgres() {
		db, err := database.Open(ctx, dir)
		if err != nil {
			t.Fatalf("open database: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db, dir
	}
	u := URL(t)
	db, err := database.OpenPostgres(ctx, u)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

var seq atomic.Int64

// URL creates a new, migrated database on the test server and returns its address; it is
// dropped when t ends. Databases are copied from a template migrated once per schema, which
// is much faster than migrating each.
func URL(t testing.TB) string {
	t.Helper()
	return create(t, "attest_t", true)
}

// EmptyURL creates a new database on the test server with nothing in it, not even
// migrations, and returns its address; it is dropped when t ends.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, "attest_e", false)
}

// create makes a database named after prefix, copied from the migrated template when
// migrated, and drops it when t ends.
func create(t testing.TB, prefix string, migrated bool) string {
	t.Helper()
	server := os.Getenv(Env)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx := context.Background()
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), seq.Add(1))
	q := `CREATE DATABASE ` + name
	if migrated {
		tmpl, err := template(ctx, admin, server)
		if err != nil {
			t.Fatalf("postgres: template database: %v", err)
		}
		q += ` TEMPLATE ` + tmpl
	}
	if _, err := admin.ExecContext(ctx, q); err != nil {
		t.Fatalf("postgres: create %s: %v", name, err)
	}
	t.Cleanup(func() { drop(server, name) })
	return withDatabase(server, name)
}

func drop(server, name string) {
	a, err := sql.Open("pgx", server)
	if err != nil {
		return
	}
	defer a.Close()
	a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// template makes (once per schema, whichever test process comes first) a migrated database
// to copy, named by a hash of the migrations.
func template(ctx context.Context, admin *sql.DB, server string) (string, error) {
	name := "attest_tpl_" + migrations.Fingerprint(migrations.PostgreSQL)[:16]

	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Test packages run in parallel processes: one makes the template, the others wait.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(74612027)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(74612027)`)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	db, err := database.OpenPostgres(ctx, withDatabase(server, building))
	if err != nil {
		return "", err
	}
	db.Close()
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

// withDatabase returns the server address with its database replaced by name.
func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String()
}

// DropTrigger drops trigger of table, as a test that plays an attacker with write access does.
func DropTrigger(t testing.TB, db *database.DB, trigger, table string) {
	t.Helper()
	q := `DROP TRIGGER ` + trigger
	if db.Engine == database.PostgreSQL {
		q += ` ON ` + table
	}
	if _, err := db.Write.Exec(q); err != nil {
		t.Fatalf("drop trigger %s: %v", trigger, err)
	}
}
