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

// An agent's article page: the request type's name, helpful count, favourites listed on the
// home page, related articles (same type, opened next), and a retired article that sends the
// agent to its replacement with a notice.
func TestAgentArticlePageAndHome(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	reset := kbtest.Publish(t, ts.Org, ts.KB, "Reset a password", "1. Verify.\n", "password-reset")
	unlock := kbtest.Publish(t, ts.Org, ts.KB, "Unlock an account", "1. Unlock.\n", "password-reset")
	old := kbtest.Publish(t, ts.Org, ts.KB, "Old reset steps", "1. Old.\n", "password-reset")
	if _, err := ts.KB.GiveFeedback(ctx, ts.Org.User(t, "bob"), reset, kb.FeedbackInput{Helpful: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	alice := ts.browser(t)
	if st := alice.login("alice", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	// alice opens reset, then unlock: "opened next".
	alice.get(fmt.Sprintf("/articles/%d", reset))
	alice.get(fmt.Sprintf("/articles/%d", unlock))
	if err := ts.KB.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, page := alice.get(fmt.Sprintf("/articles/%d", reset))
	if st != http.StatusOK {
		t.Fatalf("article: HTTP %d", st)
	}
	for _, want := range []string{`data-testid="request-type">Password reset</a>`, "1 found it helpful", `data-testid="opened-next"`,
		`data-testid="same-type"`, "Unlock an account", `data-testid="favourite"`} {
		if !strings.Contains(page, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	if st, _ := alice.post(fmt.Sprintf("/articles/%d/favourite", reset), url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("favourite: HTTP %d", st)
	}
	_, page = alice.get("/")
	fav := page[strings.Index(page, `data-testid="home-favourites"`):]
	fav = fav[:strings.Index(fav, "</section>")]
	if !strings.Contains(fav, "Reset a password") || !strings.Contains(page, `data-testid="home-recent"`) {
		t.Errorf("home lacks the favourite or the recent list")
	}
	if st, _ := alice.post(fmt.Sprintf("/articles/%d/unfavourite", reset), url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("unfavourite: HTTP %d", st)
	}
	if st, _ := alice.post("/articles/999999/favourite", url.Values{}); st != http.StatusNotFound {
		t.Errorf("favourite of an unknown article: HTTP %d, want 404", st)
	}

	// km1 retires the old article naming reset as its replacement (the API contract keeps
	// working with only a reason); alice's link to it lands on reset with a notice.
	km := ts.api(t, "km1")
	if st, body := km.call("POST", fmt.Sprintf("/api/v1/articles/%d/retire", old), map[string]any{"reason": "Merged", "replaced_by": 999999}); st != http.StatusUnprocessableEntity {
		t.Errorf("retire replaced by an unknown article: HTTP %d %v, want 422", st, body)
	}
	if st, body := km.call("POST", fmt.Sprintf("/api/v1/articles/%d/retire", old), map[string]any{"reason": "Merged", "replaced_by": reset}); st != http.StatusOK {
		t.Fatalf("retire: HTTP %d %v", st, body)
	}
	st, _ = alice.get(fmt.Sprintf("/articles/%d", old))
	if st != http.StatusSeeOther {
		t.Fatalf("retired article: HTTP %d, want 303 to its replacement", st)
	}
	_, page = alice.get(fmt.Sprintf("/articles/%d?replaces=%d", reset, old))
	if !strings.Contains(page, `data-testid="replaces"`) || !strings.Contains(page, "Old reset steps") {
		t.Errorf("replacement page lacks the notice naming the retired article")
	}
	// An unrelated replaces= shows nothing.
	_, page = alice.get(fmt.Sprintf("/articles/%d?replaces=%d", unlock, old))
	if strings.Contains(page, `data-testid="replaces"`) {
		t.Errorf("a page claims to replace an article it does not replace")
	}
}

func ptr[T any](v T) *T { return &v }

// Search results sort by best match or recently updated, and each active filter is shown and
// removable on its own.
func TestSearchSortAndRemovableFilters(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Printer reset steps", "Reset the printer queue. Reset the printer. Reset.\n", "software-install")
	kbtest.Publish(t, ts.Org, ts.KB, "Install the VPN client", "After install, reset the client once.\n", "software-install")
	ts.waitIndexed(t)
	b := ts.browser(t)
	if st := b.login("alice", accountstest.Password); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	order := func(page string) []string {
		var out []string
		for _, part := range strings.Split(page, `data-testid="hit"`)[1:] {
			out = append(out, part[strings.Index(part, "<strong>")+8:strings.Index(part, "</strong>")])
		}
		return out
	}
	_, page := b.get("/search?q=reset")
	if got := order(page); len(got) != 2 || got[0] != "Printer reset steps" || !strings.Contains(page, `data-testid="sort-updated"`) {
		t.Fatalf("best match order = %v", got)
	}
	_, page = b.get("/search?q=reset&sort=updated")
	if got := order(page); len(got) != 2 || got[0] != "Install the VPN client" || !strings.Contains(page, `data-testid="sort-relevance"`) {
		t.Errorf("recently updated order = %v", got)
	}
	_, page = b.get("/search?q=reset&request_type=software-install&sort=updated")
	if !strings.Contains(page, `data-testid="remove-request-type"`) || !strings.Contains(page, "Software installation ×") ||
		!strings.Contains(page, `href="/search?q=reset&amp;sort=updated"`) {
		t.Errorf("active request-type filter not shown with a link removing it")
	}
}
