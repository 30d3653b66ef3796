package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"attest/accounts"
	"attest/database"
	"attest/kb"
	"attest/search"
)

// TestMain lets a test start this test binary as `attest` itself (ATTEST_RUN_MAIN=1), so the
// crash test can kill a real server process with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("ATTEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type server struct {
	cmd  *exec.Cmd
	base string
	stop func()
}

func startServer(t testing.TB, dir string, extra ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--data", dir, "--addr", addr}, extra...)...)
	cmd.Env = append(os.Environ(), "ATTEST_RUN_MAIN=1")
	log, _ := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	s.stop = func() { s.cmd.Process.Signal(syscall.SIGTERM); s.cmd.Wait() }
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
			t.Fatalf("server did not become ready: %s", out)
		}
		time.Sleep(50 * time.Millisecond) // polling readiness with a deadline
	}
}

// TestCrashDuringIndexingConverges kills the server with SIGKILL while its indexer is applying
// a large import, changes more while it is down, restarts it, and compares the index with the
// database: every approved article present at its current version, nothing retired,
// superseded or unapproved.
func TestCrashDuringIndexingConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	if out, err := run(t, "km-password-1\n", "user", "add", "--data", dir, "--username", "km", "--role", "knowledge_manager", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	src := t.TempDir()
	for i := range 1500 {
		body := fmt.Sprintf("---\ntitle: Capybara procedure %d\n---\nStep %d: capybara checks for ticket kind %d.\n", i, i, i%17)
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("p%04d.md", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, dir)
	if out, err := run(t, "", "import", "--data", dir, "--approve", "--as", "km", src); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	// The indexer is now working through 1,500 changes: kill it mid-way.
	srv.cmd.Process.Signal(syscall.SIGKILL)
	srv.cmd.Wait()

	// While it is down: retire one article, supersede another's wording.
	ctx := context.Background()
	db, err := database.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	acc := accounts.NewStore(db)
	store := kb.NewStore(db, acc)
	km, _ := acc.UserByUsername(ctx, "km")
	if err := store.Retire(ctx, km, 1, "test"); err != nil {
		t.Fatalf("retire: %v", err)
	}
	v, err := store.SaveVersion(ctx, km, 2, kb.NewVersion{Base: 1, Title: "Wombat procedure", Body: "Step: wombat checks.", Note: "new"})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	// A second knowledge manager approves (four eyes).
	km2, err := acc.CreateUser(ctx, accounts.System("test"), accounts.NewUser{Username: "km2", Password: "km2-password-1", Roles: []accounts.Role{accounts.RoleKnowledgeManager}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, km, 2, v.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Approve(ctx, km2, 2, v.Number, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	var want []kb.SearchDoc
	if err := store.EachSearchDoc(ctx, func(d kb.SearchDoc) error { want = append(want, d); return nil }); err != nil {
		t.Fatal(err)
	}
	last, _ := store.LastSearchChange(ctx)
	db.Close()

	// Restart and wait for the index to catch up (readiness of the data, with a deadline).
	srv = startServer(t, dir)
	token := login(t, srv.base, "km", "km-password-1")
	deadline := time.Now().Add(30 * time.Second)
	for {
		total := searchTotal(t, srv.base, token, "capybara")
		if total == len(want)-1 { // article 2 no longer says capybara
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart, capybara finds %d articles, want %d", total, len(want)-1)
		}
		time.Sleep(100 * time.Millisecond) // polling the index with a deadline
	}
	if n := searchTotal(t, srv.base, token, "wombat"); n != 1 {
		t.Errorf("the new wording finds %d articles, want 1", n)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()

	// Compare the index with the database document by document.
	ix, err := search.Open(filepath.Join(dir, "index.bleve"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if pos, _ := ix.Position(); pos != last {
		t.Errorf("index position %d, change log at %d", pos, last)
	}
	if n, _ := ix.DocCount(); int(n) != len(want) {
		t.Errorf("index holds %d documents, database %d", n, len(want))
	}
	for _, d := range want {
		res, err := ix.Search(ctx, search.Query{Scope: kb.Scope{All: true}, Text: fmt.Sprintf(`"%s"`, strings.ToLower(d.Title)), Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range res.Hits {
			if h.ArticleID == d.ArticleID {
				found = true
				if h.Version != d.Version {
					t.Errorf("article %d: index has version %d, database %d", d.ArticleID, h.Version, d.Version)
				}
			}
		}
		if !found {
			t.Errorf("article %d (%q) is approved but not found", d.ArticleID, d.Title)
		}
	}
	res, _ := ix.Search(ctx, search.Query{Scope: kb.Scope{All: true}, Text: `"capybara procedure 0"`})
	for _, h := range res.Hits {
		if h.ArticleID == 1 {
			t.Error("the retired article is still found")
		}
	}
}

func login(t testing.TB, base, user, pw string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	if out.Token == "" {
		t.Fatalf("login %s: HTTP %d", user, resp.StatusCode)
	}
	return out.Token
}

func searchTotal(t *testing.T, base, token, q string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/search?q="+q, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Total int }
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Total
}
