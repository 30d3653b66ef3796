package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"attest/accounts/accountstest"
)

// learnFrom has the agent search for desc (finding nothing), read article id and record it on a
// ticket: what teaches search that desc describes the article.
func learnFrom(t *testing.T, c *apiClient, desc string, id int64, ticket string) {
	t.Helper()
	searchIDs(t, c, "q="+url.QueryEscape(desc))
	if st, b := c.call("GET", fmt.Sprintf("/api/v1/articles/%d", id), nil); st != http.StatusOK {
		t.Fatalf("read article: HTTP %d %v", st, b)
	}
	if st, b := c.call("POST", "/api/v1/usage", map[string]any{"article_id": id, "version": 1, "ticket_ref": ticket,
		"request_type": "password-reset", "outcome": "resolved"}); st != http.StatusCreated {
		t.Fatalf("record usage: HTTP %d %v", st, b)
	}
}

// waitSearch polls the search API as c until found says the answer is as expected.
func waitSearch(t *testing.T, c *apiClient, q string, found func(ids []int64, body map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body, ids := searchIDs(t, c, "q="+url.QueryEscape(q))
		if found(ids, body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %q: %v after 20 s", q, body)
		}
		time.Sleep(50 * time.Millisecond) // polling the learner with a deadline
	}
}

func TestLearnedWordsAndSuggestionsAPI(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Unlock an account", "password-reset")
	approvedArticle(t, ts, "Unlock the badge reader", "password-reset")
	ts.waitIndexed(t)
	alice, bob, gina, km1 := ts.api(t, "alice"), ts.api(t, "bob"), ts.api(t, "gina"), ts.api(t, "km1")
	const desc = "overnight tunnel keeps dropping"

	if _, body, ids := searchIDs(t, bob, "q="+url.QueryEscape(desc)); len(ids) != 0 || body["suggestions"] != nil {
		t.Fatalf("before learning: %v", body)
	}
	learnFrom(t, alice, desc, id, "INC-1")

	// bob, of alice's supplier, now finds the article for the same words, though it has none.
	body := waitSearch(t, bob, desc, func(ids []int64, _ map[string]any) bool { return contains(ids, id) })
	sg, _ := body["suggestions"].(map[string]any)
	found, _ := sg["found"].([]any)
	if len(found) != 1 || int64(found[0].(map[string]any)["article_id"].(float64)) != id || found[0].(map[string]any)["title"] != "Unlock an account" {
		t.Errorf("suggestions.found = %v, want the learned article", sg)
	}
	if strings.Contains(fmt.Sprint(body), "tunnel") && !strings.Contains(fmt.Sprint(body["suggestions"]), "tunnel") {
		t.Errorf("the answer shows learned words outside the suggestions: %v", body)
	}
	// Related searches: alice's search, for bob's similar one.
	_, body, _ = searchIDs(t, bob, "q="+url.QueryEscape("tunnel dropping"))
	sg, _ = body["suggestions"].(map[string]any)
	if rel, _ := sg["related"].([]any); len(rel) != 1 || rel[0] != desc {
		t.Errorf("related searches for bob = %v, want [%q]", sg["related"], desc)
	}
	// gina's supplier reads the article too, but did not teach it: nothing, no suggestion.
	if _, body, ids := searchIDs(t, gina, "q="+url.QueryEscape(desc)); len(ids) != 0 || body["suggestions"] != nil {
		t.Errorf("another supplier's agent: %v", body)
	}
	if _, body, _ := searchIDs(t, gina, "q="+url.QueryEscape("tunnel dropping")); body["suggestions"] != nil {
		t.Errorf("another supplier's agent sees related searches: %v", body)
	}
	// Enterprise roles get no learned boost.
	if _, body, ids := searchIDs(t, km1, "q="+url.QueryEscape(desc)); len(ids) != 0 {
		t.Errorf("knowledge manager: %v", body)
	}
	// A typo: did you mean.
	_, body, _ = searchIDs(t, bob, "q=badge+raeder")
	sg, _ = body["suggestions"].(map[string]any)
	if sg["did_you_mean"] != "badge reader" {
		t.Errorf("did_you_mean = %v, want %q", sg["did_you_mean"], "badge reader")
	}

	// Knowledge managers and admins see what was learned; nobody else does.
	path := fmt.Sprintf("/api/v1/articles/%d/learned-terms", id)
	for _, who := range []string{"alice", "gina", "auditor", "trainer"} {
		if st, _ := ts.api(t, who).raw("GET", path, nil); st != http.StatusForbidden {
			t.Errorf("%s GET learned-terms: HTTP %d, want 403", who, st)
		}
		if st, _ := ts.api(t, who).raw("DELETE", path+"/tunnel?supplier=acme", nil); st != http.StatusForbidden {
			t.Errorf("%s DELETE learned-term: HTTP %d, want 403", who, st)
		}
	}
	st, raw := km1.raw("GET", path, nil)
	if st != http.StatusOK || !strings.Contains(string(raw), `"term":"tunnel"`) || !strings.Contains(string(raw), `"supplier":"acme"`) ||
		!strings.Contains(string(raw), `"agents":1`) || !strings.Contains(string(raw), `"last_seen"`) {
		t.Errorf("km GET learned-terms: HTTP %d %s", st, raw)
	}
	if st, _ := ts.api(t, "admin").raw("GET", path, nil); st != http.StatusOK {
		t.Errorf("admin GET learned-terms: HTTP %d", st)
	}
	if st, _ := km1.raw("GET", "/api/v1/articles/99999/learned-terms", nil); st != http.StatusNotFound {
		t.Errorf("unknown article: HTTP %d, want 404", st)
	}
	if st, b := km1.call("DELETE", path+"/tunnel?supplier=acme", nil); st != http.StatusOK || b["removed"] != true {
		t.Fatalf("km DELETE: HTTP %d %v", st, b)
	}
	if st, _ := km1.raw("DELETE", path+"/tunnel?supplier=acme", nil); st != http.StatusNotFound {
		t.Errorf("second DELETE: HTTP %d, want 404", st)
	}
	if _, raw := km1.raw("GET", path, nil); strings.Contains(string(raw), `"term":"tunnel"`) {
		t.Errorf("tunnel still listed after removal: %s", raw)
	}
	// The removal reaches search: "tunnel" alone no longer finds the article.
	waitSearch(t, bob, "tunnel", func(ids []int64, _ map[string]any) bool { return !contains(ids, id) })
}

func TestLearnedWordsPage(t *testing.T) {
	ts := newTestServer(t)
	id := approvedArticle(t, ts, "Unlock an account", "password-reset")
	ts.waitIndexed(t)
	learnFrom(t, ts.api(t, "alice"), "tunnel drops", id, "INC-2")
	km1 := ts.api(t, "km1")
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, raw := km1.raw("GET", fmt.Sprintf("/api/v1/articles/%d/learned-terms", id), nil)
		if strings.Contains(string(raw), "tunnel") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing learned after 20 s: %s", raw)
		}
		time.Sleep(50 * time.Millisecond) // polling the learner with a deadline
	}
	b := ts.browser(t)
	b.login("km1", accountstest.Password)
	st, page := b.get(fmt.Sprintf("/articles/%d", id))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="learned-link"`) {
		t.Fatalf("article page for a knowledge manager: HTTP %d, no link to the learned words", st)
	}
	st, page = b.get(fmt.Sprintf("/articles/%d/learned", id))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="learned-acme-tunnel"`) {
		t.Fatalf("learned page: HTTP %d\n%s", st, page)
	}
	st, _ = b.post(fmt.Sprintf("/articles/%d/learned/remove", id), url.Values{"term": {"tunnel"}, "supplier": {"acme"}})
	if st != http.StatusSeeOther {
		t.Fatalf("remove: HTTP %d", st)
	}
	if _, page = b.get(fmt.Sprintf("/articles/%d/learned", id)); strings.Contains(page, `data-testid="learned-acme-tunnel"`) {
		t.Errorf("tunnel still listed after removal")
	}
	var n int
	if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM journal WHERE action = 'article.unlearn' AND actor = 'km1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("journal entries of the removal: %d (%v), want 1", n, err)
	}
	// An agent sees neither the link nor the page.
	a := ts.browser(t)
	a.login("alice", accountstest.Password)
	if _, page := a.get(fmt.Sprintf("/articles/%d", id)); strings.Contains(page, "learned-link") || strings.Contains(page, "tunnel") {
		t.Errorf("the agent's article page shows learned words")
	}
	if st, _ := a.get(fmt.Sprintf("/articles/%d/learned", id)); st != http.StatusForbidden {
		t.Errorf("agent GET learned page: HTTP %d, want 403", st)
	}
}
