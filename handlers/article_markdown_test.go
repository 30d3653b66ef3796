package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// TestArticleMarkdownBombRefused: a deeply nested body is refused with 422 naming the body,
// before rendering (it took 43 s and more), and nothing is saved.
func TestArticleMarkdownBombRefused(t *testing.T) {
	ts := newTestServer(t)
	km1 := ts.api(t, "km1")
	for name, body := range map[string]string{
		"list":        strings.Repeat("- ", 250_000) + "x",
		"block quote": strings.Repeat(">", 100_000) + " x",
		"wide table":  "|" + strings.Repeat("a|", 5000) + "\n|" + strings.Repeat("-|", 5000) + "\n" + strings.Repeat("|\n", 200),
	} {
		st, r := km1.call("POST", "/api/v1/articles", map[string]any{"title": "Bomb " + name, "body": body, "request_types": []string{}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("%s: HTTP %d %v, want 422", name, st, r)
		}
		if why, _ := fieldsIn(r)["body"].(string); why == "" {
			t.Errorf("%s: 422 without a message on body: %v", name, r)
		}
	}
	var n int
	if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("articles after refusals: %d (%v), want 0", n, err)
	}

	// The editor's live preview says why instead of rendering.
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	st, page := b.post("/articles/preview", url.Values{"body": {strings.Repeat("- ", 100_000) + "x"}})
	if st != http.StatusOK || !strings.Contains(page, "nest more than 32 levels deep") {
		t.Errorf("preview of a bomb: HTTP %d %q, want 200 saying why", st, page)
	}
}

// TestArticlePlaceholdersShowAndAreFound: text in angle brackets shows on the page, escaped,
// and is found by search with the snippet showing it as written.
func TestArticlePlaceholdersShowAndAreFound(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "List domain users",
		"Run **net user <username> /domain**.\n\n| App | Host |\n|---|---|\n| <app> | <zebrahost> |\n\n<script>alert(1)</script>")
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	st, page := b.get(fmt.Sprintf("/articles/%d", id))
	if st != http.StatusOK {
		t.Fatalf("article page: HTTP %d", st)
	}
	for _, want := range []string{"<strong>net user &lt;username&gt; /domain</strong>", "<td>&lt;app&gt;</td>", "<td>&lt;zebrahost&gt;</td>", "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Errorf("raw HTML reached the page")
	}
	ts.waitIndexed(t)
	st, body, ids := searchIDs(t, ts.api(t, "km1"), "q=zebrahost")
	if st != http.StatusOK || !contains(ids, id) {
		t.Fatalf("search for a placeholder: HTTP %d, ids %v, want %d", st, ids, id)
	}
	if snippet := fmt.Sprint(body["hits"]); !strings.Contains(snippet, "&lt;") {
		t.Errorf("snippet does not show the placeholder as written: %s", snippet)
	}
}
