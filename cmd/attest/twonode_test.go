package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"attest/accounts"
	"attest/database"
	"attest/database/databasetest"
	"attest/kb"
	"attest/search"
)

// The two-node tests run the real binary twice on one PostgreSQL database (make test-postgres
// names the server): DESIGN.md, "Beyond one machine".

func needPostgres(t *testing.T) {
	t.Helper()
	if !databasetest.Postgres() {
		t.Skip("needs PostgreSQL: set " + databasetest.Env + " (make test-postgres does)")
	}
}

// apiCall sends a JSON API request and decodes the answer.
func apiCall(t *testing.T, base, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	st, out, err := apiTry(base, token, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return st, out
}

// apiTry is apiCall for a node that may be gone.
func apiTry(base, token, method, path string, body any) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, base+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, nil
}

// addUser adds a person with the command line, as an operator would.
func addUser(t *testing.T, dbURL, dir, name, role string) {
	t.Helper()
	if out, err := run(t, name+"-password-1\n", "user", "add", "--database", dbURL, "--data", dir, "--username", name, "--role", role, "--password-stdin"); err != nil {
		t.Fatalf("user add %s: %v %s", name, err, out)
	}
}

// newArticle creates an article as token's user and returns its id.
func newArticle(t *testing.T, base, token, title string) (int, bool) {
	t.Helper()
	st, a := apiCall(t, base, token, "POST", "/api/v1/articles", map[string]any{"title": title, "body": "Steps for " + title + "."})
	if st != http.StatusCreated {
		return 0, false
	}
	id, _ := a["id"].(float64)
	return int(id), true
}

func publish(t *testing.T, base, author, approver, title string) int {
	t.Helper()
	id, ok := newArticle(t, base, author, title)
	if !ok {
		t.Fatalf("create %q failed", title)
	}
	if st, out := apiCall(t, base, author, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil); st != 200 {
		t.Fatalf("submit %d: %d %v", id, st, out)
	}
	if st, out := apiCall(t, base, approver, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"}); st != 200 {
		t.Fatalf("approve %d: %d %v", id, st, out)
	}
	return id
}

func TestTwoNodesShareSessionsSearchAndJournal(t *testing.T) {
	needPostgres(t)
	dbURL := databasetest.URL(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addUser(t, dbURL, dirA, "km1", "knowledge_manager")
	addUser(t, dbURL, dirA, "km2", "knowledge_manager")
	addUser(t, dbURL, dirA, "admin", "admin")
	a := startServer(t, dirA, "--database", dbURL)
	b := startServer(t, dirB, "--database", dbURL)
	km1 := login(t, a.base, "km1", "km1-password-1")
	km2 := login(t, b.base, "km2", "km2-password-1")
	// An agent of a supplier that fulfils vpn-access, to record usage from both nodes.
	adm := login(t, a.base, "admin", "admin-password-1")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/suppliers", map[string]any{"key": "acme", "name": "Acme"}},
		{"POST", "/api/v1/request-types", map[string]any{"key": "vpn-access", "name": "VPN access", "risk": "low", "requires_certification": false}},
		{"PUT", "/api/v1/suppliers/acme/request-types", map[string]any{"request_types": []string{"vpn-access"}}},
		{"POST", "/api/v1/users", map[string]any{"username": "alice", "display_name": "Alice", "password": "alice-password-1", "roles": []string{"agent"}, "supplier": "acme"}},
	} {
		if st, out := apiCall(t, a.base, adm, c.method, c.path, c.body); st >= 300 {
			t.Fatalf("%s %s: %d %v", c.method, c.path, st, out)
		}
	}
	aliceA, aliceB := login(t, a.base, "alice", "alice-password-1"), login(t, b.base, "alice", "alice-password-1")

	t.Run("a token issued by node A works on node B", func(t *testing.T) {
		if st, _ := apiCall(t, b.base, km1, "GET", "/api/v1/review", nil); st != 200 {
			t.Errorf("GET /api/v1/review on B with A's token: %d", st)
		}
	})

	t.Run("a browser session made on node A is signed in on node B", func(t *testing.T) {
		jar, _ := cookiejar.New(nil) // cookies are per host, not port: B gets A's cookie
		c := &http.Client{Jar: jar}
		resp, err := c.Get(a.base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		form := url.Values{"username": {"km1"}, "password": {"km1-password-1"}}
		if m := regexp.MustCompile(`name="csrf_token"\s+value="([^"]+)"`).FindSubmatch(page); m != nil {
			form.Set("csrf_token", string(m[1]))
		}
		req, _ := http.NewRequest("POST", a.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.base)
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = c.Get(b.base + "/review")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(body), `type="password"`) {
			t.Errorf("node B answered %d and asked to sign in again: the session is not shared", resp.StatusCode)
		}
	})

	t.Run("approved on node A, found by search on node B within 1 s", func(t *testing.T) {
		var worst time.Duration
		for i := range 5 {
			word := fmt.Sprintf("zebrafinch%dq", i)
			id, ok := newArticle(t, a.base, km1, "Reset the "+word+" token")
			if !ok {
				t.Fatal("create failed")
			}
			apiCall(t, a.base, km1, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil)
			start := time.Now()
			if st, out := apiCall(t, a.base, km2, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"}); st != 200 {
				t.Fatalf("approve: %d %v", st, out)
			}
			for searchTotal(t, b.base, km1, word) == 0 {
				if time.Since(start) > time.Second {
					t.Fatalf("article %d approved on A is not found on B after 1 s", id)
				}
				time.Sleep(10 * time.Millisecond) // polling the other node's index with a deadline
			}
			worst = max(worst, time.Since(start))
		}
		t.Logf("approval on A to searchable on B: worst %v", worst)
	})

	t.Run("concurrent changes on both nodes keep one journal and both indexes whole", func(t *testing.T) {
		st, out := apiCall(t, a.base, km1, "POST", "/api/v1/articles", map[string]any{"title": "Reset a VPN token", "body": "Steps.", "request_types": []string{"vpn-access"}})
		if st != http.StatusCreated {
			t.Fatalf("create: %d %v", st, out)
		}
		vpn := int(out["id"].(float64))
		apiCall(t, a.base, km1, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", vpn), nil)
		if st, out := apiCall(t, b.base, km2, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", vpn), map[string]any{"comment": "ok"}); st != 200 {
			t.Fatalf("approve: %d %v", st, out)
		}
		var wg sync.WaitGroup
		errs := make(chan string, 200)
		for _, n := range []struct{ base, token, tag string }{{a.base, aliceA, "A"}, {b.base, aliceB, "B"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					st, _, err := apiTry(n.base, n.token, "POST", "/api/v1/usage", map[string]any{"article_id": vpn, "version": 1,
						"ticket_ref": fmt.Sprintf("INC-%s-%d", n.tag, i), "request_type": "vpn-access", "outcome": "resolved"})
					if err != nil || st != http.StatusCreated {
						errs <- fmt.Sprintf("usage on node %s: %d %v", n.tag, st, err)
					}
				}
			}()
		}
		for _, n := range []struct {
			base, author, approver, tag string
		}{{a.base, km1, km2, "alpha"}, {b.base, km2, km1, "bravo"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 15 {
					id, ok := newArticle(t, n.base, n.author, fmt.Sprintf("Concurrent %s procedure %d", n.tag, i))
					if !ok {
						errs <- "create failed"
						continue
					}
					if st, _ := apiCall(t, n.base, n.author, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil); st != 200 {
						errs <- fmt.Sprintf("submit %d: %d", id, st)
						continue
					}
					if st, _ := apiCall(t, n.base, n.approver, "POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"}); st != 200 {
						errs <- fmt.Sprintf("approve %d: %d", id, st)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if out, err := run(t, "", "journal", "verify", "--database", dbURL, "--data", dirA); err != nil {
			t.Fatalf("journal verify after concurrent writes from two nodes: %v %s", err, out)
		}
		// Both nodes stop cleanly; then each index is compared with the database.
		ctx := context.Background()
		db, err := database.OpenPostgres(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		store := kb.NewStore(db, accounts.NewStore(db))
		last, _ := store.LastSearchChange(ctx)
		var want []kb.SearchDoc
		if err := store.EachSearchDoc(ctx, func(d kb.SearchDoc) error { want = append(want, d); return nil }); err != nil {
			t.Fatal(err)
		}
		waitIndexed(t, a.base, km1, "concurrent", 30)
		waitIndexed(t, b.base, km1, "concurrent", 30)
		a.stop()
		b.stop()
		for _, dir := range []string{dirA, dirB} {
			compareIndex(t, filepath.Join(dir, "index.bleve"), last, want)
		}
	})
}

func waitIndexed(t *testing.T, base, token, q string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for searchTotal(t, base, token, q) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q finds %d, want %d", base, q, searchTotal(t, base, token, q), n)
		}
		time.Sleep(50 * time.Millisecond) // polling the index with a deadline
	}
}

// compareIndex checks the index at path against the database's documents one by one.
func compareIndex(t *testing.T, path string, last int64, want []kb.SearchDoc) {
	t.Helper()
	ix, err := search.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if pos, _ := ix.Position(); pos != last {
		t.Errorf("%s: index position %d, change log at %d", path, pos, last)
	}
	if n, _ := ix.DocCount(); int(n) != len(want) {
		t.Errorf("%s: index holds %d documents, database %d", path, n, len(want))
	}
	for _, d := range want {
		res, err := ix.Search(context.Background(), search.Query{Scope: kb.Scope{All: true}, Text: fmt.Sprintf(`"%s"`, strings.ToLower(d.Title)), Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range res.Hits {
			if h.ArticleID == d.ArticleID {
				found = h.Version == d.Version
			}
		}
		if !found {
			t.Errorf("%s: article %d (%q) version %d is not in the index", path, d.ArticleID, d.Title, d.Version)
		}
	}
}

func TestTwoNodesKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	needPostgres(t)
	dbURL := databasetest.URL(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addUser(t, dbURL, dirA, "km1", "knowledge_manager")
	a := startServer(t, dirA, "--database", dbURL)
	b := startServer(t, dirB, "--database", dbURL)
	tokA := login(t, a.base, "km1", "km1-password-1")
	tokB := login(t, b.base, "km1", "km1-password-1")

	var mu sync.Mutex
	var acked []int
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			st, out, err := apiTry(a.base, tokA, "POST", "/api/v1/articles", map[string]any{"title": fmt.Sprintf("Written before the crash %d", i), "body": "Steps."})
			if err != nil || st != http.StatusCreated {
				return // node A is gone
			}
			id := int(out["id"].(float64))
			mu.Lock()
			acked = append(acked, id)
			mu.Unlock()
		}
	}()
	for count() < 20 {
		select {
		case <-done:
			t.Fatal("writes to node A stopped before the kill")
		case <-time.After(20 * time.Millisecond): // pacing: kill once some writes are acknowledged
		}
	}
	a.cmd.Process.Signal(syscall.SIGKILL)
	<-done
	for _, id := range acked {
		if st, _ := apiCall(t, b.base, tokB, "GET", fmt.Sprintf("/api/v1/articles/%d/versions/1", id), nil); st != 200 {
			t.Errorf("article %d, acknowledged by node A before it was killed, is missing on node B: %d", id, st)
		}
	}
	if out, err := run(t, "", "journal", "verify", "--database", dbURL, "--data", dirB); err != nil {
		t.Fatalf("journal verify after the kill: %v %s", err, out)
	}
	t.Logf("%d acknowledged writes survived the kill of node A", len(acked))
}

func TestTwoNodesStartingTogetherMigrateOnce(t *testing.T) {
	needPostgres(t)
	dbURL := databasetest.EmptyURL(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	var wg sync.WaitGroup
	for _, dir := range []string{dirA, dirB} {
		wg.Add(1)
		go func() { defer wg.Done(); startServer(t, dir, "--database", dbURL) }()
	}
	wg.Wait()
	db, err := database.OpenPostgres(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, distinct int
	if err := db.Read.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT name) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || rows != distinct {
		t.Errorf("schema_migrations holds %d rows for %d migrations", rows, distinct)
	}
	for _, dir := range []string{dirA, dirB} {
		log, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
		if strings.Contains(string(log), `"level":"ERROR"`) {
			t.Errorf("a node logged an error while starting: %s", log)
		}
	}
}

func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	needPostgres(t)
	dbURL := databasetest.URL(t)
	out, err := run(t, "", "backup", "--database", dbURL, "--data", t.TempDir(), filepath.Join(t.TempDir(), "copy.db"))
	if err == nil || !strings.Contains(out+err.Error(), "pg_dump") {
		t.Errorf("attest backup on PostgreSQL: %v %s; want a refusal naming pg_dump", err, out)
	}
}
