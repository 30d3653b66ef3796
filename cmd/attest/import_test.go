package main

import (
	"database/sql"
	"net"
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
	for _, want := range []string{"huge.md: too large", "pipe.md: refused: not a regular file (a named pipe)", filepath.Join(src2, "reset.md") + `: its import key "reset.md" is also that of`} {
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

// TestImportCommandRefusesLinksAndSpecialFiles: links leaving the folder (to /proc/self/environ,
// to a file beside the folder, to a folder outside), a socket and a /proc file given directly are
// each refused by name, the rest is imported, and the command exits non-zero. A link that stays
// inside the folder is imported like the file it points to.
func TestImportCommandRefusesLinksAndSpecialFiles(t *testing.T) {
	dir, top := t.TempDir(), t.TempDir()
	src, outside := filepath.Join(top, "kb"), filepath.Join(top, "private")
	for _, d := range []string{filepath.Join(src, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, content string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(src, "reset.md"), "# Reset a password\n\nVerify the caller.\n")
	write(filepath.Join(src, "sub", "vpn.md"), "# Install the VPN\n\nSteps.\n")
	write(filepath.Join(outside, "secret.md"), "# Secret\n\nTOP-SECRET-VALUE\n")
	links := map[string]string{
		"environ.md":      "/proc/self/environ",
		"secret.md":       filepath.Join(outside, "secret.md"),
		"sub/relative.md": "../../private/secret.md",
		"private-dir":     outside,
		"private-dir2.md": outside,
		"sub/inside.md":   "../reset.md",
		"sub/dangling.md": "../nowhere.md",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("unix", filepath.Join(src, "sock.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if out, err := run(t, "pw-123456789\n", "user", "add", "--data", dir, "--username", "kim", "--role", "knowledge_manager", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}

	out, err := run(t, "", "import", "--data", dir, "--approve", "--as", "kim", src)
	if err == nil {
		t.Fatalf("import with refused files exited 0:\n%s", out)
	}
	for _, want := range []string{
		"environ.md: refused: a link to /proc/",
		"secret.md: refused: a link to " + filepath.Join(outside, "secret.md") + ", outside the folder imported",
		"sub/relative.md: refused: a link to " + filepath.Join(outside, "secret.md"),
		"private-dir2.md: refused: a link to " + outside,
		"sub/dangling.md: refused: a link that leads nowhere",
		"sock.md: refused: not a regular file (a socket)",
		"3 new articles",
		"6 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// A folder given through a link is imported from where it points, with the same keys and
	// the same refusals.
	viaLink := filepath.Join(top, "kb-link")
	if err := os.Symlink(src, viaLink); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "", "import", "--data", dir, "--approve", "--as", "kim", viaLink)
	if err == nil || !strings.Contains(out, "3 unchanged") || !strings.Contains(out, "environ.md: refused") {
		t.Errorf("import through a linked folder: %v\n%s", err, out)
	}

	// A /proc file named directly (and a link to one) is refused too, as is a link given directly.
	for _, p := range []string{"/proc/self/environ", "/proc/self/status", filepath.Join(src, "environ.md"), filepath.Join(src, "secret.md")} {
		out, err := run(t, "", "import", "--data", dir, "--approve", "--as", "kim", p)
		if err == nil || !strings.Contains(out, "refused") {
			t.Errorf("import %s: %v\n%s", p, err, out)
		}
	}

	db, err := sql.Open("sqlite3", filepath.Join(dir, "attest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT a.import_key, v.body FROM articles a JOIN versions v ON v.article_id = a.id ORDER BY a.import_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k, body string
		if err := rows.Scan(&k, &body); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		if strings.Contains(body, "TOP-SECRET") || strings.Contains(body, "PATH=") {
			t.Errorf("%s imported content from outside the folder: %q", k, body)
		}
	}
	if got, want := strings.Join(keys, " "), "reset.md sub/inside.md sub/vpn.md"; got != want {
		t.Fatalf("imported %q, want %q", got, want)
	}
}
