package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb"
	"attest/kb/kbtest"
)

// The review queue page shows supplier, approvals and competing proposals, filters with the
// active filter removable, names request types (never keys), and lets a knowledge manager
// reject a stale proposal with a reason; its author's editor then offers the re-apply.
func TestReviewQueuePage(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify.\n", "password-reset")
	a := kbtest.Edit(t, ts.Org, ts.KB, "alice", id, 1, "1. Verify the caller.\n")
	g := kbtest.Edit(t, ts.Org, ts.KB, "gina", id, 1, "1. Verify by phone.\n")
	km := ts.browser(t)
	if st := km.login("km1", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login km1: %d", st)
	}
	st, page := km.get("/review")
	if st != http.StatusOK {
		t.Fatalf("queue: HTTP %d", st)
	}
	for _, want := range []string{"Acme Outsourcing", "Globex Services", "0 of 1 given", fmt.Sprintf("version %d", g), "Password reset",
		"Ready for your review", `data-testid="queue-filter"`} {
		if !strings.Contains(page, want) {
			t.Errorf("queue page lacks %q", want)
		}
	}
	if strings.Contains(page, `<span class="tag">password-reset</span>`) {
		t.Errorf("queue page shows a request type's key")
	}
	_, page = km.get("/review?supplier=" + url.QueryEscape("Globex Services") + "&sort=newest")
	if strings.Count(page, `data-testid="queue-item"`) != 1 || !strings.Contains(page, `data-testid="queue-active-filters"`) ||
		!strings.Contains(page, `href="/review?sort=newest"`) {
		t.Errorf("supplier filter: want one item, the active filter and a link removing it")
	}
	if st, _ := km.get("/review?sort=sideways"); st != http.StatusUnprocessableEntity {
		t.Errorf("bad sort: HTTP %d, want 422", st)
	}
	if st, _ := km.get("/review?state=bogus"); st != http.StatusUnprocessableEntity {
		t.Errorf("bad state: HTTP %d, want 422", st)
	}

	// Approving alice's makes gina's stale; the queue offers to reject it with a reason.
	if _, err := ts.KB.Approve(context.Background(), ts.Org.User(t, "km2"), id, a, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	_, page = km.get("/review?state=stale")
	if !strings.Contains(page, `data-testid="close-stale"`) || !strings.Contains(page, "Stale: based on an older version") {
		t.Fatalf("stale proposal not offered for rejection")
	}
	if st, _ := km.post(fmt.Sprintf("/articles/%d/versions/%d/reject", id, g), url.Values{"comment": {"Overtaken by version 2."}}); st != http.StatusSeeOther {
		t.Fatalf("reject stale: HTTP %d", st)
	}
	gina := ts.browser(t)
	if st := gina.login("gina", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login gina: %d", st)
	}
	_, page = gina.get("/notifications")
	if !strings.Contains(page, kb.ReapplyLink(id, g)) {
		t.Errorf("gina's notifications lack the re-apply link")
	}
	_, page = gina.get(fmt.Sprintf("/articles/%d/versions/%d", id, g))
	if !strings.Contains(page, `data-testid="reapply-link"`) {
		t.Errorf("gina's rejected stale version offers no re-apply")
	}
	st, page = gina.get(kb.ReapplyLink(id, g))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="reapply"`) || !strings.Contains(page, "Verify by phone") {
		t.Errorf("re-apply editor: HTTP %d, want the conflict with gina's text and the re-apply button", st)
	}
}

// A version identical to its base is refused on submit with a clear 422.
func TestIdenticalSubmitRefused(t *testing.T) {
	ts := newTestServer(t)
	id := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify.\n", "password-reset")
	c := ts.api(t, "alice")
	st, body := c.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"base": 1, "title": "Reset a password", "body": "1. Verify.\n"})
	if st != http.StatusCreated {
		t.Fatalf("save: HTTP %d %v", st, body)
	}
	st, body = c.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/2/submit", id), nil)
	e, _ := body["error"].(map[string]any)
	if st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(e["message"]), "identical to version 1") {
		t.Errorf("identical submit: HTTP %d %v, want 422 saying it is identical", st, body)
	}
}

// A knowledge manager sets a request type's template; a new article for that type starts from
// it, keeps the chosen template, and typing a title suggests similar existing articles.
func TestArticleTemplatesAndSimilarTitles(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify.\n", "password-reset")
	ts.waitIndexed(t)
	km := ts.browser(t)
	if st := km.login("km1", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	if st, _ := km.post("/request-types/password-reset/template", url.Values{"template": {"steps"}}); st != http.StatusSeeOther {
		t.Fatalf("set template: HTTP %d", st)
	}
	if st, _ := km.post("/request-types/password-reset/template", url.Values{"template": {"poem"}}); st != http.StatusUnprocessableEntity {
		t.Errorf("unknown template: HTTP %d, want 422", st)
	}
	_, page := km.get("/request-types/password-reset")
	if !strings.Contains(page, "Short how-to") {
		t.Errorf("request type page does not name its template")
	}
	alice := ts.browser(t)
	if st := alice.login("alice", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	if st, _ := alice.post("/request-types/password-reset/template", url.Values{"template": {"kcs"}}); st != http.StatusForbidden {
		t.Errorf("agent sets a template: HTTP %d, want 403", st)
	}
	_, page = alice.get("/articles/new?request_type=password-reset")
	if !strings.Contains(page, "## Issue\n\n\n## Steps") || !strings.Contains(page, `name="template" value="steps"`) {
		t.Errorf("new article does not start from the type's template")
	}
	_, page = alice.get("/articles/similar?title=reset+password")
	if !strings.Contains(page, "Reset a password") {
		t.Errorf("similar titles lack the existing article: %s", page)
	}
	api := ts.api(t, "alice")
	st, body := api.call("POST", "/api/v1/articles", map[string]any{"title": "Unlock", "body": "## Issue\nx\n", "request_types": []string{"password-reset"}, "template": "kcs"})
	if st != http.StatusCreated {
		t.Fatalf("create: HTTP %d %v", st, body)
	}
	if tm, err := ts.KB.ArticleTemplate(context.Background(), int64(body["id"].(float64))); err != nil || tm.Key != "kcs" {
		t.Errorf("created article's template = %v, %v; want kcs", tm.Key, err)
	}
}
