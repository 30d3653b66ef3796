package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestImportCommand imports a folder (recursively, front matter or headings or file names for
// titles), reports a bad file and exits non-zero for it, re-imports idempotently and refuses
// --approve for a user who is not a knowledge manager.
func TestImportCommand(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("reset.md", "---\ntitle: Reset a password\ntags:\n  - ad\n---\n1. Verify.\n")
	write("sub/vpn-install.markdown", "# Install the VPN\n\nSteps.\n")
	write("sub/deep/no-heading.md", "Just steps.\n")
	write("notes.txt", "not markdown")
	write("bad.md", "---\ntitle: never closed\n")
	for _, u := range []struct{ name, role string }{{"kim", "knowledge_manager"}, {"tom", "trainer"}} {
		if out, err := run(t, "pw-123456789\n", "user", "add", "--data", dir, "--username", u.name, "--role", u.role, "--password-stdin"); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	if _, err := run(t, "", "import", "--data", dir, "--approve", "--as", "tom", src); err == nil {
		t.Fatalf("a trainer imported articles")
	}
	out, err := run(t, "", "import", "--data", dir, "--approve", "--as", "kim", src)
	if err == nil || !strings.Contains(out, "bad.md") || !strings.Contains(out, "3 new articles") || !strings.Contains(out, "imported 3/3") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "attest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT a.import_key, v.title, v.status FROM articles a JOIN versions v ON v.article_id = a.id ORDER BY a.import_key`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var k, title, st string
		rows.Scan(&k, &title, &st)
		got = append(got, k+"|"+title+"|"+st)
	}
	rows.Close()
	want := "reset.md|Reset a password|approved sub/deep/no-heading.md|no heading|approved sub/vpn-install.markdown|Install the VPN|approved"
	if strings.Join(got, " ") != want {
		t.Fatalf("imported %q, want %q", strings.Join(got, " "), want)
	}
	os.Remove(filepath.Join(src, "bad.md"))
	out, err = run(t, "", "import", "--data", dir, "--approve", "--as", "kim", src)
	if err != nil || !strings.Contains(out, "3 unchanged") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	var actions int
	db.QueryRow(`SELECT COUNT(*) FROM journal WHERE action = 'import' AND actor = 'kim'`).Scan(&actions)
	if actions != 6 {
		t.Fatalf("%d import journal entries, want 6", actions)
	}
}

// TestImportCommandBadFiles: a huge file and a named pipe are reported and skipped without
// being read; two folders holding the same relative path are not merged into one article.
func TestImportCommandBadFiles(t *testing.T) {
	dir, src1, src2 := t.TempDir(), t.TempDir(), t.TempDir()
	if out, err := run(t, "pw-123456789\n", "user", "add", "--data", dir, "--username", "kim", "--role", "knowledge_manager", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	for _, f := range []struct{ path, content string }{
		{filepath.Join(src1, "reset.md"), "# Reset\n\nOne.\n"},
		{filepath.Join(src2, "reset.md"), "# Reset elsewhere\n\nTwo.\n"},
		{filepath.Join(src1, "huge.md"), "# Huge\n\n" + strings.Repeat("x", 3<<20)},
	} {
		if err := os.WriteFile(f.path, []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(src1, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "", "import", "--data", dir, "--as", "kim", src1, src2)
	if err == nil || !strings.Contains(out, "1 new articles") || !strings.Contains(out, "3 failed") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{"huge.md: too large", "pipe.md: not a regular file", filepath.Join(src2, "reset.md") + `: its import key "reset.md" is also that of`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "attest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions int
	db.QueryRow(`SELECT COUNT(*) FROM versions`).Scan(&versions)
	if versions != 1 {
		t.Fatalf("%d versions, want 1 (the second reset.md is not a version of the first)", versions)
	}
}
