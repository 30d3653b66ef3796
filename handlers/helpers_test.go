package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"attest/accounts/accountstest"
	"attest/audit"
	"attest/cmdb"
	"attest/handlers"
	"attest/kb"
	"attest/search"
	"attest/training"
)

// testServer is the real router over a fresh test organisation, served by httptest.
type testServer struct {
	*httptest.Server
	Org  *accountstest.Org
	App  *handlers.Server
	KB   *kb.Store
	CMDB *cmdb.Store
	// Index and Indexer are the real Bleve index under the test's data dir and its change-log
	// follower, running while the test runs.
	Index   *search.Index
	Indexer *search.Indexer
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	org := accountstest.NewOrg(t)
	k := kb.NewStore(org.DB, org.Accounts)
	tr := training.NewStore(org.DB, org.Accounts, k)
	au := audit.NewStore(org.DB, org.Accounts, k, tr)
	log := slog.New(slog.NewTextHandler(logOut(), nil))
	ix, err := search.Open(filepath.Join(org.Dir, "index.bleve"))
	if err != nil {
		t.Fatalf("open search index: %v", err)
	}
	indexer := search.NewIndexer(ix, k, log)
	indexer.Interval = 20 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); indexer.Run(ctx) }()
	learner := search.NewLearner(ix, k, log)
	learner.Interval, learner.Reload = 50*time.Millisecond, 0
	learnDone := make(chan struct{})
	go func() { defer close(learnDone); learner.Run(ctx) }()
	cm := cmdb.NewStore(org.DB, org.Accounts, k, tr)
	au.SetAccessFlags(cm)
	org.Accounts.SetCMDBAcceptances(cm)
	app := handlers.New(handlers.Deps{DB: org.DB, Accounts: org.Accounts, KB: k, Training: tr, Audit: au, CMDB: cm, Search: ix, Log: log})
	ts := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		ts.Close()
		stop()
		<-done
		<-learnDone
		ix.Close()
	})
	return &testServer{Server: ts, Org: org, App: app, KB: k, CMDB: cm, Index: ix, Indexer: indexer}
}

// apiClient calls the JSON API with a bearer token ("" for none).
type apiClient struct {
	t     testing.TB
	base  string
	token string
}

func (ts *testServer) anon(t testing.TB) *apiClient { return &apiClient{t: t, base: ts.URL} }

// api signs username in through POST /api/v1/auth/token.
func (ts *testServer) api(t testing.TB, username string) *apiClient {
	t.Helper()
	c := ts.anon(t)
	st, body := c.call("POST", "/api/v1/auth/token", map[string]string{"username": username, "password": accountstest.Password})
	if st != http.StatusCreated {
		t.Fatalf("token for %s: HTTP %d %v", username, st, body)
	}
	c.token = body["token"].(string)
	return c
}

// call sends body (a value to marshal, or raw []byte) and decodes a JSON object answer.
func (c *apiClient) call(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	st, raw := c.raw(method, path, body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return st, m
}

func (c *apiClient) raw(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// browser is a cookie-carrying client for the HTML pages, as a person's browser would be.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func (ts *testServer) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([0-9a-f]+)"`)

// login signs in through the login form and remembers the CSRF token of the home page.
func (b *browser) login(username, password string) int {
	b.t.Helper()
	st, _ := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if st == http.StatusSeeOther {
		_, page := b.get("/")
		if m := csrfRE.FindStringSubmatch(page); m != nil {
			b.csrf = m[1]
		}
	}
	return st
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// post submits a form, adding the CSRF token once signed in.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if b.csrf != "" && form.Get("csrf_token") == "" {
		form.Set("csrf_token", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// logOut is where test servers log: nowhere, unless ATTEST_TEST_LOG=1 asks for standard error.
func logOut() io.Writer {
	if os.Getenv("ATTEST_TEST_LOG") == "1" {
		return os.Stderr
	}
	return io.Discard
}
