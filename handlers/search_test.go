package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

// searchIDs runs the search API and returns the article ids of the hits.
func searchIDs(t *testing.T, c *apiClient, query string) (int, map[string]any, []int64) {
	t.Helper()
	st, body := c.call("GET", "/api/v1/search?"+query, nil)
	var ids []int64
	hits, _ := body["hits"].([]any)
	for _, h := range hits {
		ids = append(ids, int64(h.(map[string]any)["article_id"].(float64)))
	}
	return st, body, ids
}

// waitIndexed waits until the indexer has applied every change written so far.
func (ts *testServer) waitIndexed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		last, err := ts.KB.LastSearchChange(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pos, err := ts.Index.Position()
		if err != nil {
			t.Fatal(err)
		}
		if pos >= last {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index is at %d of %d after 10 s", pos, last)
		}
		ts.Indexer.Wake()
		time.Sleep(10 * time.Millisecond) // polling the indexer's progress with a deadline
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestSearchVisibility(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	org := ts.Org
	pw := kbtest.Publish(t, org, ts.KB, "Unlock a locked account", "Use the console. Verify with the zebracode.", "password-reset")
	typo := kbtest.Publish(t, org, ts.KB, "Join a laptop to the domain", "Open the domain settings.", "password-reset")
	sw := kbtest.Publish(t, org, ts.KB, "Install the licensed editor", "Run the installer. narwhalterm", "software-install")
	all := kbtest.Publish(t, org, ts.KB, "Office etiquette", "Everyone reads this. narwhalterm general")
	draft, err := ts.KB.CreateArticle(ctx, org.User(t, "km1"), kb.NewArticle{Title: "Draft only", Body: "zebracode draft", RequestTypes: []string{"password-reset"}})
	if err != nil {
		t.Fatal(err)
	}
	retired := kbtest.Publish(t, org, ts.KB, "Old procedure", "zebracode retired", "password-reset")
	if err := ts.KB.Retire(ctx, org.User(t, "km1"), retired, "replaced"); err != nil {
		t.Fatal(err)
	}
	// A new version replaces a word: the old wording must no longer be found.
	n := kbtest.Edit(t, org, ts.KB, "km1", pw, 1, "Use the portal. Verify with the yakcode.")
	if _, err := ts.KB.Approve(ctx, org.User(t, "km2"), pw, n, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	ts.waitIndexed(t)

	alice, gina, km := ts.api(t, "alice"), ts.api(t, "gina"), ts.api(t, "km2")
	cases := []struct {
		who    string
		c      *apiClient
		q      string
		want   []int64
		absent []int64
	}{
		{"alice", alice, "q=narwhalterm", []int64{sw, all}, nil},
		{"gina (globex fulfils only password-reset)", gina, "q=narwhalterm", []int64{all}, []int64{sw}},
		{"superseded wording", alice, "q=zebracode", nil, []int64{pw, draft.ArticleID, retired}},
		{"current wording", gina, "q=yakcode", []int64{pw}, nil},
		{"drafts never, even for managers", km, "q=draft", nil, []int64{draft.ArticleID}},
		{"typo", alice, "q=domian", []int64{typo}, nil},
		{"request type filter", alice, "q=narwhalterm&request_type=password-reset", nil, []int64{sw, all}},
	}
	for _, c := range cases {
		st, _, ids := searchIDs(t, c.c, c.q)
		if st != 200 {
			t.Fatalf("%s: HTTP %d", c.who, st)
		}
		for _, id := range c.want {
			if !contains(ids, id) {
				t.Errorf("%s: %s found %v, want %d among them", c.who, c.q, ids, id)
			}
		}
		for _, id := range c.absent {
			if contains(ids, id) {
				t.Errorf("%s: %s found %d, which must not be found", c.who, c.q, id)
			}
		}
	}
	_, body, _ := searchIDs(t, alice, "q=yakcode")
	if h := body["hits"].([]any)[0].(map[string]any); h["version"] != float64(2) {
		t.Errorf("hit version = %v, want 2", h["version"])
	}
	_, body, _ = searchIDs(t, alice, "q=narwhalterm")
	facets := body["facets"].(map[string]any)["request_type"].([]any)
	got := map[string]float64{}
	for _, f := range facets {
		m := f.(map[string]any)
		got[m["key"].(string)] = m["count"].(float64)
	}
	if got["software-install"] != 1 {
		t.Errorf("request_type facets = %v, want software-install: 1", got)
	}
}

func TestSearchSnippetsAreEscaped(t *testing.T) {
	ts := newTestServer(t)
	hostile := []string{
		`quokkaword <script>alert(1)</script> inline`,
		`quokkaword "><img src=x onerror=alert(1)>`,
		"quokkaword `<svg onload=alert(1)>` in code",
		`quokkaword &lt;b&gt; entities &amp; more`,
		`[quokkaword](javascript:alert(1)) <iframe src=//evil>`,
	}
	for i, body := range hostile {
		kbtest.Publish(t, ts.Org, ts.KB, fmt.Sprintf("Hostile %d <b>bold</b>", i), body, "password-reset")
	}
	ts.waitIndexed(t)
	_, body, ids := searchIDs(t, ts.api(t, "alice"), "q=quokkaword&limit=20")
	if len(ids) != len(hostile) {
		t.Fatalf("found %d of %d hostile articles", len(ids), len(hostile))
	}
	for _, h := range body["hits"].([]any) {
		snip := h.(map[string]any)["snippet"].(string)
		rest := strings.ReplaceAll(strings.ReplaceAll(snip, "<mark>", ""), "</mark>", "")
		if strings.ContainsAny(rest, "<>") {
			t.Errorf("snippet %q carries markup besides <mark>", snip)
		}
		if !strings.Contains(snip, "<mark>quokkaword</mark>") {
			t.Errorf("snippet %q does not mark the match", snip)
		}
	}
	// The page shows titles escaped and snippets with only <mark>.
	b := ts.browser(t)
	b.login("alice", accountstest.Password)
	_, page := b.get("/search?q=quokkaword")
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "<iframe", "<b>bold</b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the search page contains %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Error("the title was not shown escaped")
	}
}

func TestSearchAnswersOddQueries(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "Verify the caller first.", "password-reset")
	ts.waitIndexed(t)
	alice := ts.api(t, "alice")
	for _, q := range []string{"", "   ", `"unbalanced (quote`, "+-:^~*?\\/ AND OR NOT", strings.Repeat("a", 5000),
		strings.Repeat("password ", 300), "\uFFFD", "%", "title:password"} {
		st, body := alice.call("GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
		if st != 200 {
			t.Errorf("q=%.40q: HTTP %d %v", q, st, body)
		}
	}
	// Text that is not UTF-8, or holds NUL, is refused (it would be recorded for the gap report).
	for _, q := range []string{"\u0000\uFFFD", "pass\xffword"} {
		st, body := alice.call("GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
		e, _ := body["error"].(map[string]any)
		if fields, _ := e["fields"].(map[string]any); st != 422 || fields["q"] == nil {
			t.Errorf("q=%.40q: HTTP %d %v, want 422 naming q", q, st, body)
		}
	}
	for _, q := range []string{"limit=100000", "limit=-1", "offset=-5", "limit=abc"} {
		st, _ := alice.call("GET", "/api/v1/search?q=password&"+q, nil)
		if want := map[bool]int{true: 200, false: 422}[q == "limit=100000"]; st != want {
			t.Errorf("%s: HTTP %d, want %d", q, st, want)
		}
	}
}

func TestSearchNeedsTheAgreement(t *testing.T) {
	ts := newTestServer(t)
	if _, err := ts.Org.Accounts.PublishAgreement(context.Background(), ts.Org.User(t, "admin"), "Be careful."); err != nil {
		t.Fatal(err)
	}
	st, body := ts.api(t, "alice").call("GET", "/api/v1/search?q=password", nil)
	if e, _ := body["error"].(map[string]any); st != 403 || e["code"] != "agreement_required" {
		t.Fatalf("HTTP %d %v, want 403 agreement_required", st, body)
	}
	if st, _ := ts.api(t, "km1").call("GET", "/api/v1/search?q=password", nil); st != 200 {
		t.Fatalf("knowledge managers are not gated: HTTP %d", st)
	}
}

func TestSearchPages(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Map a network printer", "Add the printer queue by its name.", "password-reset")
	ts.waitIndexed(t)
	b := ts.browser(t)
	b.login("alice", accountstest.Password)
	_, page := b.get("/search?q=printer")
	if !strings.Contains(page, fmt.Sprintf(`href="/articles/%d?from=search&amp;q=printer"`, id)) || !strings.Contains(page, "<mark>") {
		t.Errorf("results page lacks the hit link or highlighting")
	}
	_, page = b.get("/search?q=zzqqxxnothing")
	if !strings.Contains(page, `data-testid="no-results"`) || !strings.Contains(page, "search was noted") || !strings.Contains(page, "/request-types/password-reset") {
		t.Errorf("no-results page lacks the notice or the catalogue")
	}
	_, frag := b.get("/search/suggest?q=printr")
	if !strings.Contains(frag, "Map a network printer") || strings.Contains(frag, "<html") {
		t.Errorf("suggestions fragment = %.300s", frag)
	}
}

// TestSearchPageFiltersAndPaging: a filtered search that finds nothing says which filter was
// in force and how to drop it; a page past the last result says so and links back; a long
// query is cut on a character boundary, so the page stays UTF-8.
func TestSearchPageFiltersAndPaging(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Map a network printer", "Add the printer queue by its name.", "password-reset")
	ts.waitIndexed(t)
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	_, page := b.get("/search?q=printer&request_type=vpn-access")
	if !strings.Contains(page, `data-testid="active-filters"`) || !strings.Contains(page, `href="/search?q=printer"`) {
		t.Errorf("a filtered search with no results does not name the filter or offer to drop it:\n%.2000s", page)
	}
	_, page = b.get("/search?q=printer&offset=50")
	if !strings.Contains(page, `data-testid="past-the-end"`) || !strings.Contains(page, `href="/search?q=printer"`) {
		t.Errorf("a page past the end does not say so or link back:\n%.2000s", page)
	}
	long := strings.Repeat("a", 499) + "é"
	st, page := b.get("/search?q=" + url.QueryEscape(long))
	if st != 200 || !utf8.ValidString(page) {
		t.Errorf("a long query cut mid-character: HTTP %d, valid UTF-8 %v", st, utf8.ValidString(page))
	}
}
