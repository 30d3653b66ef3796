package kb_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"attest"
	"attest/accounts"
	"attest/kb"
	"attest/kb/kbtest"
)

// TestReclassifyingInReviewCannotLowerApprovals: the approvals a version needs are fixed
// when it is submitted; moving it to a one-approval request type while in review, approving
// it alone and moving it back does not make it current. Raising the requirement in review
// counts.
func TestReclassifyingInReviewCannotLowerApprovals(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	kbtest.AddRequestType(t, org, "privileged-access", 2, "acme")
	km1, km2 := org.User(t, "km1"), org.User(t, "km2")
	km3 := kbtest.AddUser(t, org, "km3", "", accounts.RoleKnowledgeManager)
	classify := func(id int64, keys ...string) {
		t.Helper()
		if _, err := store.Classify(ctx, km2, id, kb.Classification{RequestTypes: &keys}); err != nil {
			t.Fatal(err)
		}
	}

	// Lowering: privileged-access (2) → vpn-access (1) while in review.
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "Grant admin", Body: "Two sign.", RequestTypes: []string{"privileged-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, km1, v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	classify(v.ArticleID, "vpn-access")
	res, err := store.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{Comment: "alone"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Status, kb.StatusInReview; got != want {
		t.Fatalf("after one approval of a two-approval version moved to a one-approval type: Status=%q, want %q", got, want)
	}
	if got, want := res.Required, 2; got != want {
		t.Fatalf("Required=%d, want %d", got, want)
	}
	classify(v.ArticleID, "privileged-access")
	if a, _ := store.Article(ctx, org.User(t, "alice"), v.ArticleID); a != nil {
		t.Fatalf("agents read a privileged-access article approved by one person")
	}
	q, err := store.ReviewQueue(ctx, km3)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.InReview) != 1 || q.InReview[0].Required != 2 || q.InReview[0].Approvals != 1 {
		t.Fatalf("queue: %+v, want 1 of 2", q.InReview)
	}
	if res, err = store.Approve(ctx, km3, v.ArticleID, 1, kb.Decision{Comment: "second"}); err != nil || res.Status != kb.StatusApproved {
		t.Fatalf("second approval: %+v %v", res, err)
	}

	// Raising: vpn-access (1) → privileged-access (2) while in review needs two.
	w, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "VPN", Body: "One sign.", RequestTypes: []string{"vpn-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, km1, w.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	classify(w.ArticleID, "privileged-access")
	if res, err = store.Approve(ctx, km2, w.ArticleID, 1, kb.Decision{}); err != nil || res.Status != kb.StatusInReview || res.Required != 2 {
		t.Fatalf("approval after raising to two approvals: %+v %v", res, err)
	}
	ver, err := store.Version(ctx, km3, w.ArticleID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ver.ApprovalsRequired, 2; got != want {
		t.Fatalf("Version.ApprovalsRequired=%d, want %d", got, want)
	}
}

// TestActions: what a person may do with a version is one answer, and the store's checks
// agree with it.
func TestActions(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	kbtest.AddRequestType(t, org, "privileged-access", 2, "acme")
	id := kbtest.Publish(t, org, store, "Reset", "Steps.", "password-reset")
	alice, bob, km1, km2, auditor := org.User(t, "alice"), org.User(t, "bob"), org.User(t, "km1"), org.User(t, "km2"), org.User(t, "auditor")

	draft, err := store.SaveVersion(ctx, alice, id, kb.NewVersion{Base: 1, Title: "Reset", Body: "Draft."})
	if err != nil {
		t.Fatal(err)
	}
	staleN := kbtest.Edit(t, org, store, "bob", id, 1, "Will be stale.")
	// km1's own version gets approved, which makes bob's stale.
	mine := kbtest.Edit(t, org, store, "km1", id, 1, "Approved.")
	if _, err := store.Approve(ctx, km2, id, mine, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	review2 := kbtest.Edit(t, org, store, "alice", id, mine, "Rebased.")

	type acts struct{ submit, withdraw, approve, reject bool }
	tests := []struct {
		name string
		who  *accounts.User
		n    int
		want acts
	}{
		{"author's draft", alice, draft.Number, acts{submit: true, withdraw: true}},
		{"manager and another's draft", km1, draft.Number, acts{submit: true}},
		{"agent and another's draft", bob, draft.Number, acts{}},
		{"author in review", alice, review2, acts{withdraw: true}},
		{"manager in review", km1, review2, acts{approve: true, reject: true}},
		{"auditor in review", auditor, review2, acts{}},
		{"manager and a stale version", km2, staleN, acts{reject: true}},
		{"author and a stale version", bob, staleN, acts{withdraw: true}},
		{"manager and a superseded version", km2, 1, acts{}},
		{"manager and the current version", km1, mine, acts{}},
		{"nobody", nil, review2, acts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := tt.who
			if reader == nil {
				reader = km1
			}
			a, _, err := store.History(ctx, reader, id)
			if err != nil {
				t.Fatal(err)
			}
			v := mustVersion(t, store, km1, id, tt.n)
			got := kb.Actions(tt.who, a, v)
			if g := (acts{got.Submit, got.Withdraw, got.Approve, got.Reject}); g != tt.want {
				t.Fatalf("Actions = %+v, want %+v", g, tt.want)
			}
		})
	}

	// The checks agree: the store refuses exactly what Actions refuses.
	agree := func(name string, allowed bool, err error) {
		t.Helper()
		if allowed != (err == nil) {
			t.Errorf("%s: Actions says allowed=%v, the store answered %v", name, allowed, err)
		}
	}
	ac := kb.Actions(bob, mustHistory(t, store, bob, id), mustVersion(t, store, km1, id, draft.Number))
	_, err = store.Submit(ctx, bob, id, draft.Number)
	agree("bob submits alice's draft", ac.Submit, err)
	ac = kb.Actions(km2, mustHistory(t, store, km2, id), mustVersion(t, store, km2, id, staleN))
	_, err = store.Approve(ctx, km2, id, staleN, kb.Decision{})
	agree("km2 approves a stale version", ac.Approve, err)
	ac = kb.Actions(alice, mustHistory(t, store, alice, id), mustVersion(t, store, alice, id, review2))
	_, err = store.Reject(ctx, alice, id, review2, kb.Decision{Comment: "mine"})
	agree("alice rejects her own version", ac.Reject, err)
	ac = kb.Actions(km1, mustHistory(t, store, km1, id), mustVersion(t, store, km1, id, review2))
	_, err = store.Approve(ctx, km1, id, review2, kb.Decision{})
	agree("km1 approves alice's version", ac.Approve, err)
	// After km1's approval, the same person cannot approve again, and the buttons say so.
	v, err := store.Version(ctx, km1, id, review2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != kb.StatusApproved {
		t.Fatalf("alice's rebased version: %s", v.Status)
	}
}

func mustHistory(t *testing.T, store *kb.Store, u *accounts.User, id int64) *kb.Article {
	t.Helper()
	a, _, err := store.History(context.Background(), u, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustVersion(t *testing.T, store *kb.Store, u *accounts.User, id int64, n int) *kb.Version {
	t.Helper()
	v, err := store.Version(context.Background(), u, id, n)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestApprovedByMeIsNotTheApproveButton: after the first of two approvals, the same
// manager's actions no longer offer approval, and the store refuses a second one.
func TestApprovedByMeIsNotTheApproveButton(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	kbtest.AddRequestType(t, org, "privileged-access", 2, "acme")
	km1, km2 := org.User(t, "km1"), org.User(t, "km2")
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: "Grant", Body: "x", RequestTypes: []string{"privileged-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, km1, v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	got := kb.Actions(km2, mustHistory(t, store, km2, v.ArticleID), mustVersion(t, store, km2, v.ArticleID, 1))
	if got.Approve || !got.ApprovedByMe || !got.Reject {
		t.Fatalf("Actions after my approval: %+v, want ApprovedByMe and no Approve", got)
	}
	_, err = store.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{})
	artWant(t, "second approval by the same person", err, attest.ECONFLICT)
}

// TestNotificationsFollowTheReadRule: every notification goes through the read rule. A
// follow-up (someone's feedback) reaches only watchers who see follow-ups, never an agent of
// another supplier; notices about an article reach only watchers who may read it.
func TestNotificationsFollowTheReadRule(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	alice, gina, km1 := org.User(t, "alice"), org.User(t, "gina"), org.User(t, "km1")
	trainer := org.User(t, "trainer")
	id := kbtest.Publish(t, org, store, "Reset a password", "Steps.", "password-reset")
	for _, u := range []*accounts.User{gina, km1, trainer} {
		if err := store.Watch(ctx, u, id); err != nil {
			t.Fatal(err)
		}
	}
	no := false
	if _, err := store.GiveFeedback(ctx, alice, id, kb.FeedbackInput{Helpful: &no, Comment: "Acme ticket INC-1: step 3 fails"}); err != nil {
		t.Fatal(err)
	}
	texts := func(u *accounts.User) []string {
		t.Helper()
		ns, err := store.Notifications(ctx, u, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.Text)
		}
		return out
	}
	if got := texts(gina); len(got) != 0 {
		t.Fatalf("gina (globex) was told of an acme agent's feedback: %q", got)
	}
	if got := texts(trainer); len(got) != 0 {
		t.Fatalf("a trainer, who does not see follow-ups, was told of feedback: %q", got)
	}
	if got := texts(km1); len(got) == 0 || !strings.Contains(got[0], "INC-1") {
		t.Fatalf("km1's notifications: %q, want the follow-up", got)
	}

	// gina can no longer read the article once it covers what globex does not fulfil.
	keys := []string{"vpn-access"}
	if _, err := store.Classify(ctx, km1, id, kb.Classification{RequestTypes: &keys}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.GiveFeedback(ctx, org.User(t, "bob"), id, kb.FeedbackInput{Wrong: true, Comment: "wrong"}); err != nil {
		t.Fatal(err)
	}
	n := kbtest.Edit(t, org, store, "alice", id, 1, "Better steps.")
	if _, err := store.Approve(ctx, org.User(t, "km2"), id, n, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	if err := store.Retire(ctx, km1, id, "merged"); err != nil {
		t.Fatal(err)
	}
	if got := texts(gina); len(got) != 0 {
		t.Fatalf("gina was told about an article she may not read: %q", got)
	}
	if got := texts(trainer); len(got) != 2 || !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "retire") }) {
		t.Fatalf("trainer's notifications: %q, want the change and the retirement", got)
	}
}

// TestReadScope: who may read an article is one rule that fails closed.
func TestReadScope(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	general := kbtest.Publish(t, org, store, "For everyone", "Steps.")
	vpn := kbtest.Publish(t, org, store, "VPN", "Steps.", "vpn-access")
	reset := kbtest.Publish(t, org, store, "Reset", "Steps.", "password-reset")
	noRole := &accounts.User{ID: 999, Username: "ghost"}
	pending := *org.User(t, "alice")
	pending.AgreementPending = true
	tests := []struct {
		name string
		u    *accounts.User
		want []int64 // the articles it reads, of general, vpn, reset
	}{
		{"nobody", nil, nil},
		{"no role", noRole, nil},
		{"agent before accepting the agreement", &pending, nil},
		{"agent of acme", org.User(t, "alice"), []int64{general, vpn, reset}},
		{"agent of globex", org.User(t, "gina"), []int64{general, reset}},
		{"knowledge manager", org.User(t, "km1"), []int64{general, vpn, reset}},
		{"auditor", org.User(t, "auditor"), []int64{general, vpn, reset}},
		{"trainer", org.User(t, "trainer"), []int64{general, vpn, reset}},
		{"admin", org.User(t, "admin"), []int64{general, vpn, reset}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := kb.ReadScope(tt.u)
			var got []int64
			for _, id := range []int64{general, vpn, reset} {
				a, err := store.Article(ctx, tt.u, id)
				if err == nil && a.Current != nil {
					got = append(got, id)
				}
				// The scope search filters by says the same as the article read.
				if in := scope.Covers(mustArticle(t, store, id).RequestTypes); in != (err == nil) {
					t.Errorf("article %d: ReadScope covers=%v, Article err=%v", id, in, err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("reads %v, want %v", got, tt.want)
			}
			if (len(tt.want) == 0) != scope.FindsNothing() {
				t.Fatalf("FindsNothing=%v with reads %v", scope.FindsNothing(), tt.want)
			}
		})
	}
	if rs, err := store.GeneralArticles(ctx, noRole); err != nil || len(rs) != 0 {
		t.Fatalf("general articles for a person without a role: %v %v", rs, err)
	}
}

func mustArticle(t *testing.T, store *kb.Store, id int64) *kb.Article {
	t.Helper()
	a, err := store.Article(context.Background(), accounts.System("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRepeatedUsageAnswersWithTheFirst: recording the same agent, ticket, article and
// version again (a retried post, also concurrently) records nothing new and answers with the
// first record; another ticket, version or agent is a new record.
func TestRepeatedUsageAnswersWithTheFirst(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	alice, bob := o.User(t, "alice"), o.User(t, "bob")
	in := kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "INC42", RequestType: "password-reset", Outcome: kb.OutcomeResolved}
	first, err := o.KB.RecordUsage(ctx, alice, in)
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	ids := make(chan int64, workers)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			again := in
			again.Outcome = kb.OutcomeNotResolved
			u, err := o.KB.RecordUsage(ctx, alice, again)
			if err != nil {
				errs <- err
				return
			}
			ids <- u.ID
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if got := <-ids; got != first.ID {
			t.Fatalf("repeat answered record %d, want the first, %d", got, first.ID)
		}
	}
	count := func() int {
		var n int
		if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count(); got != 1 {
		t.Fatalf("%d usage records after repeats, want 1", got)
	}
	again, err := o.KB.RecordUsage(ctx, alice, in)
	if err != nil || again.ID != first.ID || again.Outcome != kb.OutcomeResolved || !again.Repeated {
		t.Fatalf("repeat: %+v %v, want the first record (resolved), marked repeated", again, err)
	}
	for _, other := range []struct {
		u  *kb.UsageInput
		by string
	}{
		{&kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "INC43", RequestType: "password-reset", Outcome: kb.OutcomeResolved}, "alice"},
		{&in, "bob"},
	} {
		u, err := o.KB.RecordUsage(ctx, map[string]*accounts.User{"alice": alice, "bob": bob}[other.by], *other.u)
		if err != nil || u.ID == first.ID || u.Repeated {
			t.Fatalf("a different use (%s, %s) answered %+v %v", other.by, other.u.TicketRef, u, err)
		}
	}
	if got := count(); got != 3 {
		t.Fatalf("%d usage records, want 3", got)
	}
}

// TestReportPeriodFarInTheFuture: a far end date (9999-12-31) reports up to today instead of
// nothing; a start after today is refused by name.
func TestReportPeriodFarInTheFuture(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	gapData(t, o)
	outdated := func(since, until string) int {
		t.Helper()
		f, err := o.KB.ParseReportFilter(ctx, since, until, "", "")
		if err != nil {
			t.Fatal(err)
		}
		g, err := o.KB.GapReport(ctx, o.User(t, "km1"), f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, u := range g.OutdatedUsage {
			n += u.Count
		}
		return n
	}
	want := outdated("2000-01-01", "")
	if want == 0 {
		t.Fatal("the fixture has no outdated usage")
	}
	for _, p := range [][2]string{{"2000-01-01", "9999-12-31"}, {"", "9999-12-31"}, {"", "3000-01-01"}} {
		if got := outdated(p[0], p[1]); got != want {
			t.Errorf("since=%q until=%q: %d outdated uses, want %d", p[0], p[1], got, want)
		}
	}
	_, err := o.KB.ParseReportFilter(ctx, "9999-01-01", "9999-12-31", "", "")
	if got := fieldsOf(err)["since"]; got == "" {
		t.Fatalf("since in the far future: %v, want a field error on since", err)
	}
}

// TestNotificationsWrittenInOnePlace: only send (kb/notify.go), which applies the read rule,
// writes notifications; no other code of any package inserts them.
func TestNotificationsWrittenInOnePlace(t *testing.T) {
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(strings.ToUpper(string(b)), "INSERT INTO NOTIFICATIONS")
		if n > 0 && filepath.ToSlash(f) != "../kb/notify.go" {
			t.Errorf("%s writes notifications itself; use send in kb/notify.go", f)
		}
		found += n
	}
	if found != 1 {
		t.Errorf("%d places write notifications, want 1 (send)", found)
	}
}

func TestDashboardPeriodFarInThePast(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	gapData(t, o)
	f, err := o.KB.ParseReportFilter(ctx, "0001-01-01", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := o.KB.Dashboard(ctx, o.User(t, "km1"), f)
	if err != nil {
		t.Fatal(err)
	}
	// The weeks begin at the first recorded use, not 100,000 weeks before it.
	if len(d.Weeks) == 0 || len(d.Weeks) > 60 {
		t.Fatalf("a period from the year 1 has %d weeks, want the weeks since the first use", len(d.Weeks))
	}
	total := 0
	for _, s := range d.UsageByRequestType {
		total += s.Total
	}
	if total == 0 {
		t.Error("the usage of the period is missing from the weekly series")
	}
}
