package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return out.String() + errb.String(), err
}

func TestUserAddBackupAndJournalVerify(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "admin-pass-123456\n", "user", "add", "--data", dir, "--username", "root", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	_, err := run(t, "pw-123456789\n", "user", "add", "--data", dir, "--username", "root", "--role", "admin", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("duplicate user add: %v", err)
	}
	_, err = run(t, "pw-123456789\n", "user", "add", "--data", dir, "--username", "a1", "--role", "agent", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "supplier") {
		t.Fatalf("agent without supplier: %v", err)
	}
	if _, err := run(t, "", "user", "add", "--data", dir, "--username", "x", "--role", "admin"); err == nil {
		t.Fatal("user add without --password-stdin succeeded")
	}
	out, err := run(t, "", "journal", "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("journal verify: %v %s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := run(t, "", "backup", "--data", dir, backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	copyDB, err := sql.Open("sqlite3", backup)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := copyDB.QueryRow(`SELECT COUNT(*) FROM users WHERE username = 'root'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("backup holds %d root users (%v)", n, err)
	}
	copyDB.Close()
	if _, err := run(t, "", "backup", "--data", dir, backup); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}

	// Tamper with the journal: verify names the entry and fails.
	db, _ := sql.Open("sqlite3", filepath.Join(dir, "attest.db"))
	db.Exec(`DROP TRIGGER journal_no_update`)
	if _, err := db.Exec(`UPDATE journal SET actor = 'mallory' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = run(t, "", "journal", "verify", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "journal entry 1") {
		t.Fatalf("journal verify after tampering: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"user", "remove"}, {"journal"}, {"serve", "--nope"}} {
		if _, err := run(t, "", args...); err == nil {
			t.Errorf("attest %v succeeded", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("attest %v: %v is not a usage error", args, err)
		}
	}
}
