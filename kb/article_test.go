package kb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/journal"
	"attest/kb"
	"attest/kb/kbtest"
)

func artCode(err error) string { return attest.ErrorCode(err) }

func artWant(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := artCode(err); got != want {
		t.Fatalf("%s: code %q (%v), want %q", what, got, err, want)
	}
}

func artSetup(t *testing.T) (*accountstest.Org, *kb.Store) {
	t.Helper()
	org := accountstest.NewOrg(t)
	return org, kbtest.NewStore(org)
}

func artCount(t *testing.T, org *accountstest.Org, q string, args ...any) int {
	t.Helper()
	var n int
	if err := org.DB.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateArticleValidation(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	alice := org.User(t, "alice")
	gina := org.User(t, "gina")
	for _, tc := range []struct {
		name  string
		actor *accounts.User
		in    kb.NewArticle
		code  string
		field string
	}{
		{"empty title", alice, kb.NewArticle{Title: "  ", Body: "x"}, attest.EINVALID, "title"},
		{"long title", alice, kb.NewArticle{Title: strings.Repeat("t", 201), Body: "x"}, attest.EINVALID, "title"},
		{"empty body", alice, kb.NewArticle{Title: "t", Body: " \n"}, attest.EINVALID, "body"},
		{"body over 1 MiB", alice, kb.NewArticle{Title: "t", Body: strings.Repeat("x", 1<<20+1)}, attest.EINVALID, "body"},
		{"unknown request type", alice, kb.NewArticle{Title: "t", Body: "x", RequestTypes: []string{"nope"}}, attest.EINVALID, "request_types"},
		{"type the supplier does not fulfil", gina, kb.NewArticle{Title: "t", Body: "x", RequestTypes: []string{"vpn-access"}}, attest.EINVALID, "request_types"},
		{"too many tags", alice, kb.NewArticle{Title: "t", Body: "x", Tags: strings.Split("a b c d e f g h i j k l m n o p q r s t u", " ")}, attest.EINVALID, "tags"},
		{"long tag", alice, kb.NewArticle{Title: "t", Body: "x", Tags: []string{strings.Repeat("x", 41)}}, attest.EINVALID, "tags"},
		{"trainer may not write", org.User(t, "trainer"), kb.NewArticle{Title: "t", Body: "x"}, attest.EFORBIDDEN, ""},
		{"auditor may not write", org.User(t, "auditor"), kb.NewArticle{Title: "t", Body: "x"}, attest.EFORBIDDEN, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.CreateArticle(ctx, tc.actor, tc.in)
			artWant(t, "create", err, tc.code)
			var e *attest.Error
			if tc.field != "" && (!errors.As(err, &e) || e.Fields[tc.field] == "") {
				t.Fatalf("error %v does not name field %q", err, tc.field)
			}
		})
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM articles`); n != 0 {
		t.Fatalf("refused creations left %d articles", n)
	}
	v, err := store.CreateArticle(ctx, alice, kb.NewArticle{Title: " Reset a password ", Body: "1. Verify.\n<script>x</script>",
		RequestTypes: []string{"password-reset", "password-reset"}, Tags: []string{" AD ", "ad", "Identity  Check"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Number, 1; got != want {
		t.Fatalf("Number=%d, want %d", got, want)
	}
	if v.Status != kb.StatusDraft || v.Base != 0 || v.Title != "Reset a password" {
		t.Fatalf("version 1 = %+v", v)
	}
	if strings.Contains(v.HTML, "<script") || !strings.Contains(v.HTML, "<ol>") {
		t.Fatalf("HTML=%q: want rendered, sanitized Markdown", v.HTML)
	}
	a, err := store.Article(ctx, org.User(t, "km1"), v.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(a.Tags, ","), "ad,identity check"; got != want {
		t.Fatalf("Tags=%q, want %q", got, want)
	}
	if got, want := strings.Join(a.RequestTypes, ","), "password-reset"; got != want {
		t.Fatalf("RequestTypes=%q, want %q", got, want)
	}
	if a.Current != nil {
		t.Fatalf("a draft-only article has a current version")
	}
}

// TestTransitions walks every state change of a version, allowed and refused.
func TestTransitions(t *testing.T) {
	ctx := context.Background()
	type step struct {
		who  string
		do   string // submit, withdraw, approve, reject, reject-empty
		code string // "" for allowed
		want kb.Status
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"draft to review to approved", []step{{"alice", "submit", "", kb.StatusInReview}, {"km1", "approve", "", kb.StatusApproved}}},
		{"draft to review to rejected", []step{{"alice", "submit", "", kb.StatusInReview}, {"km1", "reject", "", kb.StatusRejected}}},
		{"a knowledge manager submits an agent's draft", []step{{"km1", "submit", "", kb.StatusInReview}}},
		{"author withdraws a draft", []step{{"alice", "withdraw", "", kb.StatusWithdrawn}}},
		{"author withdraws a version in review", []step{{"alice", "submit", "", kb.StatusInReview}, {"alice", "withdraw", "", kb.StatusWithdrawn}}},
		{"another agent cannot see the draft to submit it", []step{{"bob", "submit", attest.ENOTFOUND, kb.StatusDraft}}},
		{"another supplier's agent cannot see it", []step{{"gina", "withdraw", attest.ENOTFOUND, kb.StatusDraft}}},
		{"a knowledge manager does not withdraw someone's version", []step{{"km1", "withdraw", attest.EFORBIDDEN, kb.StatusDraft}}},
		{"a draft is not approved", []step{{"km1", "approve", attest.ECONFLICT, kb.StatusDraft}}},
		{"a draft is not rejected", []step{{"km1", "reject", attest.ECONFLICT, kb.StatusDraft}}},
		{"submitting twice", []step{{"alice", "submit", "", kb.StatusInReview}, {"alice", "submit", attest.ECONFLICT, kb.StatusInReview}}},
		{"an agent does not approve", []step{{"alice", "submit", "", kb.StatusInReview}, {"bob", "approve", attest.EFORBIDDEN, kb.StatusInReview}}},
		{"a rejection needs a comment", []step{{"alice", "submit", "", kb.StatusInReview}, {"km1", "reject-empty", attest.EINVALID, kb.StatusInReview}}},
		{"approved is final", []step{{"alice", "submit", "", kb.StatusInReview}, {"km1", "approve", "", kb.StatusApproved},
			{"km2", "approve", attest.ECONFLICT, kb.StatusApproved}, {"alice", "withdraw", attest.ECONFLICT, kb.StatusApproved},
			{"km2", "reject", attest.ECONFLICT, kb.StatusApproved}}},
		{"rejected is final", []step{{"alice", "submit", "", kb.StatusInReview}, {"km1", "reject", "", kb.StatusRejected},
			{"alice", "submit", attest.ECONFLICT, kb.StatusRejected}, {"km2", "approve", attest.ECONFLICT, kb.StatusRejected}}},
		{"withdrawn is final", []step{{"alice", "withdraw", "", kb.StatusWithdrawn}, {"alice", "submit", attest.ECONFLICT, kb.StatusWithdrawn}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org, store := artSetup(t)
			v, err := store.CreateArticle(ctx, org.User(t, "alice"), kb.NewArticle{Title: "Reset", Body: "Steps.", RequestTypes: []string{"password-reset"}})
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				u := org.User(t, st.who)
				switch st.do {
				case "submit":
					_, err = store.Submit(ctx, u, v.ArticleID, 1)
				case "withdraw":
					_, err = store.Withdraw(ctx, u, v.ArticleID, 1)
				case "approve":
					_, err = store.Approve(ctx, u, v.ArticleID, 1, kb.Decision{Comment: "fine"})
				case "reject":
					_, err = store.Reject(ctx, u, v.ArticleID, 1, kb.Decision{Comment: "wrong order"})
				case "reject-empty":
					_, err = store.Reject(ctx, u, v.ArticleID, 1, kb.Decision{Comment: "  "})
				}
				artWant(t, st.who+" "+st.do, err, st.code)
				got, err := store.Version(ctx, org.User(t, "km1"), v.ArticleID, 1)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != st.want {
					t.Fatalf("step %d (%s %s): status %s, want %s", i, st.who, st.do, got.Status, st.want)
				}
			}
			if _, err := journal.Verify(ctx, org.DB.Read); err != nil {
				t.Fatalf("journal: %v", err)
			}
		})
	}
}

func TestFourEyesAndTwoApprovers(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	kbtest.AddRequestType(t, org, "privileged-access", 2, "acme")
	km3 := kbtest.AddUser(t, org, "km3", "", accounts.RoleKnowledgeManager)
	km1, km2 := org.User(t, "km1"), org.User(t, "km2")

	// Nobody approves their own version.
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "Grant admin", Body: "Two sign.", RequestTypes: []string{"privileged-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, km1, v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	_, err = store.Approve(ctx, km1, v.ArticleID, 1, kb.Decision{})
	artWant(t, "author approves", err, attest.EFORBIDDEN)

	res, err := store.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{Comment: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != kb.StatusInReview || res.Approvals != 1 || res.Required != 2 {
		t.Fatalf("first approval: %+v, want in review with 1 of 2", res)
	}
	_, err = store.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{Comment: "again"})
	artWant(t, "same approver twice", err, attest.ECONFLICT)
	if a, _ := store.Article(ctx, org.User(t, "alice"), v.ArticleID); a != nil {
		t.Fatalf("agents read the article after one of two approvals")
	}
	res, err = store.Approve(ctx, km3, v.ArticleID, 1, kb.Decision{Comment: "second", Major: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != kb.StatusApproved || res.Approvals != 2 {
		t.Fatalf("second approval: %+v", res)
	}
	got, err := store.Version(ctx, km1, v.ArticleID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Major || len(got.Approvals) != 2 || got.DecidedBy != "km3" {
		t.Fatalf("approved version: major %v, approvals %d, decided by %q", got.Major, len(got.Approvals), got.DecidedBy)
	}
	a, err := store.Article(ctx, org.User(t, "alice"), v.ArticleID)
	if err != nil || a.Current == nil || a.Current.Number != 1 {
		t.Fatalf("alice reads the approved article: %v %+v", err, a)
	}
	if a.NextReview.IsZero() {
		t.Fatalf("no next review date after approval")
	}
	// The author and watchers were told.
	ns, err := store.Notifications(ctx, km1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) == 0 || !strings.Contains(ns[0].Text, "now current") {
		t.Fatalf("author's notifications: %+v", ns)
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM search_changes WHERE article_id = ?`, v.ArticleID); n != 1 {
		t.Fatalf("search changes after approval: %d, want 1", n)
	}
}

func TestStaleBase(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	body1 := "1. Verify the caller.\n2. Reset.\n"
	id := kbtest.Publish(t, org, store, "Reset", body1, "password-reset")
	alice, bob, km1, km2 := org.User(t, "alice"), org.User(t, "bob"), org.User(t, "km1"), org.User(t, "km2")

	// Two concurrent edits on version 1: neither blocks the other.
	v2, err := store.SaveVersion(ctx, km1, id, kb.NewVersion{Base: 1, Title: "Reset", Body: "1. Verify the caller with two factors.\n2. Reset.\n", Note: "mfa"})
	if err != nil {
		t.Fatal(err)
	}
	v3, err := store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 1, Title: "Reset", Body: body1 + "3. Log it.\n"})
	if err != nil {
		t.Fatalf("a concurrent draft blocked a save: %v", err)
	}
	if v2.Number != 2 || v3.Number != 3 {
		t.Fatalf("numbers %d, %d; want 2, 3", v2.Number, v3.Number)
	}
	// Bob's save on version 1 is not stale either: drafts are not current.
	if _, err := store.SaveVersion(ctx, bob, id, kb.NewVersion{Base: 1, Title: "Reset", Body: body1 + "bob"}); err != nil {
		t.Fatalf("bob's save: %v", err)
	}
	for _, n := range []int{2, 3} {
		u := km1
		if n == 3 {
			u = alice
		}
		if _, err := store.Submit(ctx, u, id, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Approve(ctx, km2, id, 2, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	// Approving version 3 (based on 1) would undo version 2.
	_, err = store.Approve(ctx, km2, id, 3, kb.Decision{})
	artWant(t, "approve on a stale base", err, attest.ESTALE)
	var e *attest.Error
	errors.As(err, &e)
	if e.Extra["current"] != 2 {
		t.Fatalf("stale approval names current %v, want 2", e.Extra["current"])
	}
	// A save on version 1 is stale now, and carries the changes from 1 to 2.
	_, err = store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 1, Title: "Reset", Body: "mine"})
	artWant(t, "save on a stale base", err, attest.ESTALE)
	errors.As(err, &e)
	changes, _ := e.Extra["changes"].([]kb.Change)
	var ins string
	for _, c := range changes {
		if c.Op == kb.OpInsert {
			ins += c.Text
		}
	}
	if e.Extra["current"] != 2 || !strings.Contains(ins, "two factors") {
		t.Fatalf("409 current %v, inserted %q", e.Extra["current"], ins)
	}
	// Nothing of the other drafts leaks through the conflict.
	for _, c := range changes {
		if strings.Contains(c.Text, "bob") || strings.Contains(c.Text, "Log it") {
			t.Fatalf("a draft leaked into the 409: %q", c.Text)
		}
	}
	// The same edit on the current version is accepted.
	if _, err := store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 2, Title: "Reset", Body: "mine"}); err != nil {
		t.Fatalf("rebased save: %v", err)
	}
	// A base nobody may read (bob's draft) is not a base for alice.
	_, err = store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 4, Title: "Reset", Body: "x"})
	artWant(t, "someone else's draft as base", err, attest.EINVALID)
	_, err = store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 99, Title: "Reset", Body: "x"})
	artWant(t, "unknown base", err, attest.EINVALID)
	// Versions are immutable: the database refuses changes to content.
	if _, err := org.DB.Write.Exec(`UPDATE versions SET body = 'x' WHERE article_id = ? AND number = 1`, id); err == nil {
		t.Fatalf("a saved version's body was changed")
	}
}

func TestAgentVisibility(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	alice, bob, gina := org.User(t, "alice"), org.User(t, "bob"), org.User(t, "gina")
	vpn := kbtest.Publish(t, org, store, "VPN", "Install the client.", "vpn-access") // acme only
	pw := kbtest.Publish(t, org, store, "Password", "Reset it.", "password-reset")   // acme and globex
	all := kbtest.Publish(t, org, store, "General", "Be kind.")                      // everyone

	for _, tc := range []struct {
		user *accounts.User
		id   int64
		ok   bool
	}{
		{alice, vpn, true}, {gina, vpn, false}, {alice, pw, true}, {gina, pw, true}, {gina, all, true}, {bob, all, true},
	} {
		_, err := store.Article(ctx, tc.user, tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("%s reads article %d: %v, want ok=%v", tc.user.Username, tc.id, err, tc.ok)
		}
		if !tc.ok {
			artWant(t, "hidden article", err, attest.ENOTFOUND)
		}
	}

	// Alice's proposal: hers to read; not bob's, not gina's; knowledge managers and auditors read it.
	v, err := store.SaveVersion(ctx, alice, pw, kb.NewVersion{Base: 1, Title: "Password", Body: "Reset it twice."})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user string
		ok   bool
	}{{"alice", true}, {"bob", false}, {"gina", false}, {"km1", true}, {"auditor", true}} {
		_, err := store.Version(ctx, org.User(t, tc.user), pw, v.Number)
		if (err == nil) != tc.ok {
			t.Errorf("%s reads alice's draft: %v, want ok=%v", tc.user, err, tc.ok)
		}
		_, vs, err := store.History(ctx, org.User(t, tc.user), pw)
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, x := range vs {
			listed = listed || x.Number == v.Number
		}
		if listed != tc.ok {
			t.Errorf("%s lists alice's draft: %v, want %v", tc.user, listed, tc.ok)
		}
	}
	// A draft-only article: hidden from agents on the article call, but its author sees its history.
	d, err := store.CreateArticle(ctx, alice, kb.NewArticle{Title: "New", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Article(ctx, alice, d.ArticleID)
	artWant(t, "draft-only article for its author", err, attest.ENOTFOUND)
	if _, _, err := store.History(ctx, alice, d.ArticleID); err != nil {
		t.Fatalf("author's history: %v", err)
	}
	_, _, err = store.History(ctx, gina, d.ArticleID)
	artWant(t, "foreign draft history", err, attest.ENOTFOUND)
	_, err = store.SaveVersion(ctx, gina, d.ArticleID, kb.NewVersion{Base: 1, Title: "t", Body: "x"})
	artWant(t, "editing a foreign draft", err, attest.ENOTFOUND)

	// A superseded version is gone for agents, with a pointer to the current one.
	n := kbtest.Edit(t, org, store, "km1", pw, 1, "Reset it with care.")
	if _, err := store.Approve(ctx, org.User(t, "km2"), pw, n, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	_, err = store.Version(ctx, bob, pw, 1)
	artWant(t, "superseded version for an agent", err, attest.ENOTFOUND)
	var e *attest.Error
	if !errors.As(err, &e) || e.Extra["current"] != n {
		t.Fatalf("superseded: %v, want a pointer to %d", err, n)
	}

	// Retired: gone for agents, still there for knowledge managers.
	if err := store.Retire(ctx, org.User(t, "km1"), vpn, ""); artCode(err) != attest.EINVALID {
		t.Fatalf("retire without a reason: %v", err)
	}
	if err := store.Retire(ctx, org.User(t, "km1"), vpn, "replaced"); err != nil {
		t.Fatal(err)
	}
	// Separation of duties: the requester cannot confirm; a second knowledge manager does.
	artWant(t, "the requester confirms", store.Retire(ctx, org.User(t, "km1"), vpn, "again"), attest.EFORBIDDEN)
	if err := store.Retire(ctx, org.User(t, "km2"), vpn, ""); err != nil {
		t.Fatalf("second knowledge manager confirms: %v", err)
	}
	artWant(t, "retire after confirmation", store.Retire(ctx, org.User(t, "km2"), vpn, "again"), attest.ECONFLICT)
	_, err = store.Article(ctx, alice, vpn)
	artWant(t, "retired article for an agent", err, attest.ENOTFOUND)
	if a, err := store.Article(ctx, org.User(t, "km1"), vpn); err != nil || a.Status != kb.ArticleRetired {
		t.Fatalf("km reads retired article: %v", err)
	}

	// The usage agreement gates knowledge for agents.
	if _, err := org.Accounts.PublishAgreement(ctx, org.User(t, "admin"), "Be careful."); err != nil {
		t.Fatal(err)
	}
	_, err = store.Article(ctx, org.User(t, "alice"), pw)
	artWant(t, "agreement pending", err, attest.EAGREEMENT)
}

func TestClassifyAndReviewQueue(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1, km2, gina := org.User(t, "km1"), org.User(t, "km2"), org.User(t, "gina")
	id := kbtest.Publish(t, org, store, "VPN", "Install.", "vpn-access")
	if _, err := store.Article(ctx, gina, id); artCode(err) != attest.ENOTFOUND {
		t.Fatalf("gina reads a vpn article: %v", err)
	}
	rts, tags := []string{"password-reset"}, []string{"Net"}
	if _, err := store.Classify(ctx, gina, id, kb.Classification{RequestTypes: &rts}); artCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent classifies: %v", err)
	}
	bad := []string{"nope"}
	if _, err := store.Classify(ctx, km1, id, kb.Classification{RequestTypes: &bad}); artCode(err) != attest.EINVALID {
		t.Fatalf("unknown type: %v", err)
	}
	before := artCount(t, org, `SELECT COUNT(*) FROM search_changes`)
	a, err := store.Classify(ctx, km1, id, kb.Classification{RequestTypes: &rts, Tags: &tags})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Tags, ",") != "net" || strings.Join(a.RequestTypes, ",") != "password-reset" {
		t.Fatalf("classified: %v %v", a.RequestTypes, a.Tags)
	}
	if artCount(t, org, `SELECT COUNT(*) FROM search_changes`) != before+1 {
		t.Fatalf("classification did not tell search")
	}
	if _, err := store.Article(ctx, gina, id); err != nil {
		t.Fatalf("gina reads it once it covers password resets: %v", err)
	}
	// Overdue and in-review items reach the queue.
	if _, err := org.DB.Write.Exec(`UPDATE articles SET next_review = '2000-01-01T00:00:00.000000000Z' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	n := kbtest.Edit(t, org, store, "alice", id, 1, "Install it.")
	q, err := store.ReviewQueue(ctx, km2)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.InReview) != 1 || q.InReview[0].Number != n || len(q.Overdue) != 1 || q.Overdue[0].ID != id {
		t.Fatalf("queue: %+v", q)
	}
	if _, err := store.ReviewQueue(ctx, org.User(t, "alice")); artCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent's queue: %v", err)
	}
	a, _ = store.Article(ctx, gina, id)
	if !a.IsOverdue(a.NextReview.AddDate(0, 0, 1)) {
		t.Fatalf("not overdue")
	}
}

func TestWatchersAndAutosave(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	id := kbtest.Publish(t, org, store, "Reset", "Steps.", "password-reset")
	gina, alice := org.User(t, "gina"), org.User(t, "alice")
	if err := store.Watch(ctx, gina, id); err != nil {
		t.Fatal(err)
	}
	vpn := kbtest.Publish(t, org, store, "VPN", "x", "vpn-access")
	artWant(t, "watch a hidden article", store.Watch(ctx, gina, vpn), attest.ENOTFOUND)

	// A rejection of alice's proposal is not told to gina (another supplier's proposal).
	n := kbtest.Edit(t, org, store, "alice", id, 1, "Steps, better.")
	if _, err := store.Reject(ctx, org.User(t, "km2"), id, n, kb.Decision{Comment: "no"}); err != nil {
		t.Fatal(err)
	}
	ns, _ := store.Notifications(ctx, gina, 10)
	if len(ns) != 0 {
		t.Fatalf("gina was told of alice's rejected proposal: %+v", ns)
	}
	ns, _ = store.Notifications(ctx, alice, 10)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "rejected") {
		t.Fatalf("alice's notifications: %+v", ns)
	}
	// An approval is told to watchers who read it.
	n = kbtest.Edit(t, org, store, "km1", id, 1, "Steps, best.")
	if _, err := store.Approve(ctx, org.User(t, "km2"), id, n, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	ns, _ = store.Notifications(ctx, gina, 10)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "changed") {
		t.Fatalf("gina's notifications: %+v", ns)
	}
	if err := store.MarkNotificationsRead(ctx, gina); err != nil {
		t.Fatal(err)
	}
	if u, _ := store.UnreadNotifications(ctx, gina); u != 0 {
		t.Fatalf("unread after marking read: %d", u)
	}

	// Autosave is kept per person and article, and a save clears it.
	if _, err := store.SaveAutosave(ctx, alice, kb.Autosave{ArticleID: id, Base: n, Title: "T", Body: "typing"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AutosaveOf(ctx, org.User(t, "bob"), id); artCode(err) != attest.ENOTFOUND {
		t.Fatalf("bob sees alice's autosave: %v", err)
	}
	as, err := store.AutosaveOf(ctx, alice, id)
	if err != nil || as.Body != "typing" || as.Base != n {
		t.Fatalf("autosave: %+v %v", as, err)
	}
	versions := artCount(t, org, `SELECT COUNT(*) FROM versions`)
	if _, err := store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: n, Title: "T", Body: "typing"}); err != nil {
		t.Fatal(err)
	}
	if artCount(t, org, `SELECT COUNT(*) FROM versions`) != versions+1 {
		t.Fatalf("save did not add exactly one version")
	}
	if _, err := store.AutosaveOf(ctx, alice, id); artCode(err) != attest.ENOTFOUND {
		t.Fatalf("autosave kept after save: %v", err)
	}
}

func TestDiff(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	id := kbtest.Publish(t, org, store, "Reset", "Verify the caller.", "password-reset")
	n := kbtest.Edit(t, org, store, "km1", id, 1, "Verify the caller twice.")
	_, _, changes, err := store.Diff(ctx, org.User(t, "km2"), id, 1, n)
	if err != nil {
		t.Fatal(err)
	}
	var from, to string
	for _, c := range changes {
		if c.Op != kb.OpInsert {
			from += c.Text
		}
		if c.Op != kb.OpDelete {
			to += c.Text
		}
	}
	if from != "Verify the caller." || to != "Verify the caller twice." {
		t.Fatalf("diff reassembles %q and %q", from, to)
	}
	_, _, _, err = store.Diff(ctx, org.User(t, "alice"), id, 1, n)
	artWant(t, "agent diffs an unapproved version", err, attest.ENOTFOUND)
}

// TestReadCacheFollowsOtherProcesses: an approval made through another Store (as `attest
// import` does from another process) is what the next read shows.
func TestReadCacheFollowsOtherProcesses(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	other := kbtest.NewStore(org)
	alice := org.User(t, "alice")
	id := kbtest.Publish(t, org, store, "Reset", "Old steps.", "password-reset")
	if a, err := store.Article(ctx, alice, id); err != nil || a.Current.Body != "Old steps." {
		t.Fatalf("first read: %v", err)
	}
	n := kbtest.Edit(t, org, other, "km1", id, 1, "New steps.")
	if a, _ := store.Article(ctx, alice, id); a.Current.Number != 1 {
		t.Fatalf("a draft elsewhere changed the read")
	}
	if _, err := other.Approve(ctx, org.User(t, "km2"), id, n, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	a, err := store.Article(ctx, alice, id)
	if err != nil || a.Current.Number != n || a.Current.Body != "New steps." {
		t.Fatalf("after another store's approval: %v %+v", err, a.Current)
	}
	if err := other.Retire(ctx, org.User(t, "km1"), id, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Article(ctx, alice, id); artCode(err) != attest.ENOTFOUND {
		t.Fatalf("after another store's retirement: %v", err)
	}
}

// TestConcurrentReads reads articles from many goroutines while versions are approved: every
// read sees an approved version, and none sees a version go backwards.
func TestConcurrentReads(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	alice := org.User(t, "alice")
	id := kbtest.Publish(t, org, store, "Reset", "v1", "password-reset")
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			last := 0
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				a, err := store.Article(ctx, alice, id)
				if err != nil || a.Current == nil || a.Current.Number < last {
					errs <- fmt.Errorf("read: %v %+v (last %d)", err, a, last)
					return
				}
				last = a.Current.Number
			}
		}()
	}
	base := 1
	for range 5 {
		n := kbtest.Edit(t, org, store, "km1", id, base, fmt.Sprintf("v%d", base+1))
		if _, err := store.Approve(ctx, org.User(t, "km2"), id, n, kb.Decision{}); err != nil {
			t.Fatal(err)
		}
		base = n
	}
	close(done)
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
