package kb_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"attest"
	"attest/journal"
	"attest/kb"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func journalActions(t *testing.T, o *usageOrg, object string) []string {
	t.Helper()
	entries, err := journal.List(context.Background(), o.DB.Read, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Object == object {
			out = append(out, e.Action+" by "+e.Actor)
		}
	}
	return out
}

func TestFeedbackFollowupLifecycle(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	alice, km1 := o.User(t, "alice"), o.User(t, "km1")

	// Helpful, and not helpful without a comment, are recorded but ask nothing of anyone.
	for _, in := range []kb.FeedbackInput{{Helpful: yes(), Comment: "clear"}, {Helpful: no()}} {
		f, err := o.KB.GiveFeedback(ctx, alice, id, in)
		if err != nil {
			t.Fatal(err)
		}
		if f.FollowupID != 0 {
			t.Errorf("feedback %+v opened follow-up %d, want none", in, f.FollowupID)
		}
	}
	if _, err := o.KB.GiveFeedback(ctx, alice, id, kb.FeedbackInput{Comment: "no rating"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("feedback without helpful: %v, want validation_failed", err)
	}
	if _, err := o.KB.GiveFeedback(ctx, o.User(t, "alice"), 999999, kb.FeedbackInput{Helpful: yes()}); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("feedback on an unknown article: %v, want not_found", err)
	}

	// Not helpful with a comment opens a follow-up, journaled, and tells the watchers (km1 wrote it).
	f, err := o.KB.GiveFeedback(ctx, alice, id, kb.FeedbackInput{Helpful: no(), Comment: "The reset link moved."})
	if err != nil {
		t.Fatal(err)
	}
	if f.FollowupID == 0 {
		t.Fatalf("not helpful with a comment opened no follow-up")
	}
	var notes int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND text LIKE '%reset link moved%'`, km1.ID).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if notes != 1 {
		t.Errorf("km1 (author, watcher) got %d notices of the follow-up, want 1", notes)
	}
	open := kb.FollowupOpen
	list, err := o.KB.Followups(ctx, km1, kb.FollowupFilter{Status: &open})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != f.FollowupID || list[0].Comment != "The reset link moved." || list[0].Supplier != "acme" {
		t.Fatalf("open follow-ups = %+v, want the one just opened", list)
	}
	if _, err := o.KB.Followups(ctx, alice, kb.FollowupFilter{}); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("an agent lists follow-ups: %v, want forbidden", err)
	}

	// Dismissing needs a knowledge manager and a reason; a dismissed one is not dismissed twice.
	if err := o.KB.DismissFollowup(ctx, alice, f.FollowupID, "no"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("agent dismisses: %v, want forbidden", err)
	}
	if err := o.KB.DismissFollowup(ctx, km1, f.FollowupID, " "); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("dismiss without a reason: %v, want validation_failed", err)
	}
	if err := o.KB.DismissFollowup(ctx, km1, f.FollowupID, "The link is right; the agent used an old bookmark."); err != nil {
		t.Fatal(err)
	}
	if err := o.KB.DismissFollowup(ctx, km1, f.FollowupID, "again"); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Errorf("second dismissal: %v, want conflict", err)
	}
	if got := journalActions(t, o, "followup:"+itoa(f.FollowupID)); len(got) != 2 || got[0] != "followup.open by alice" || got[1] != "followup.dismiss by km1" {
		t.Errorf("journal of the dismissed follow-up = %v", got)
	}

	// "This is wrong" opens another; approving a newer version resolves it (derived, then journaled).
	w, err := o.KB.GiveFeedback(ctx, o.User(t, "bob"), id, kb.FeedbackInput{Wrong: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.FollowupID == 0 || w.Helpful {
		t.Fatalf("wrong flag: follow-up %d helpful %v, want a follow-up and not helpful", w.FollowupID, w.Helpful)
	}
	if n, err := o.KB.OpenFollowups(ctx); err != nil || n != 1 {
		t.Errorf("OpenFollowups = %d, %v; want 1", n, err)
	}
	o.newVersion(t, id, 2)
	if n, err := o.KB.OpenFollowups(ctx); err != nil || n != 0 {
		t.Errorf("after version 2: OpenFollowups = %d, %v; want 0", n, err)
	}
	all, err := o.KB.Followups(ctx, o.User(t, "auditor"), kb.FollowupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var resolved *kb.Followup
	for i := range all {
		if all[i].ID == w.FollowupID {
			resolved = &all[i]
		}
	}
	if resolved == nil || resolved.Status != kb.FollowupResolved || resolved.ResolvedVersion != 2 || resolved.ClosedBy != "km1" {
		t.Fatalf("follow-up after version 2 = %+v, want resolved by version 2 approved by km1", resolved)
	}
	if got := journalActions(t, o, "followup:"+itoa(w.FollowupID)); len(got) != 2 || got[1] != "followup.resolve by km1" {
		t.Errorf("journal of the resolved follow-up = %v", got)
	}
	if err := o.KB.DismissFollowup(ctx, km1, w.FollowupID, "late"); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Errorf("dismissing a resolved follow-up: %v, want conflict", err)
	}
	if n, err := journal.Verify(ctx, o.DB.Read); err != nil {
		t.Errorf("journal verify after %d entries: %v", n, err)
	}
}

// TestResolveFollowupsTx: only a version that changes the title or body of the version the
// feedback was about resolves it; the same version again, or an unchanged copy, does not.
func TestResolveFollowupsTx(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	f, err := o.KB.GiveFeedback(ctx, o.User(t, "alice"), id, kb.FeedbackInput{Helpful: no(), Comment: "wrong portal"})
	if err != nil {
		t.Fatal(err)
	}
	km2 := o.User(t, "km2")
	// Version 2: an unchanged copy of version 1 (saved, never submitted); version 3 changes the body.
	if _, err := o.KB.SaveVersion(ctx, km2, id, kb.NewVersion{Base: 1, Title: "Reset a password", Body: "Steps for Reset a password."}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.KB.SaveVersion(ctx, km2, id, kb.NewVersion{Base: 1, Title: "Reset a password", Body: "Use the new portal."}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version int
		want    kb.FollowupStatus
	}{{1, kb.FollowupOpen}, {2, kb.FollowupOpen}, {99, kb.FollowupOpen}, {3, kb.FollowupResolved}} {
		err := o.DB.Tx(ctx, func(tx *sql.Tx) error { return o.KB.ResolveFollowupsTx(ctx, tx, o.User(t, "km1"), id, c.version) })
		if err != nil {
			t.Fatal(err)
		}
		var st string
		if err := o.DB.Read.QueryRow(`SELECT status FROM followups WHERE id = ?`, f.FollowupID).Scan(&st); err != nil {
			t.Fatal(err)
		}
		if got := kb.FollowupStatus(st); got != c.want {
			t.Errorf("after resolving with version %d: status %q, want %q", c.version, got, c.want)
		}
	}
	// The reporter is told, once, that a version changed the article.
	if n := noticesLike(t, o, "alice", "%feedback on “Reset a password” was answered: version 3%"); n != 1 {
		t.Errorf("alice got %d notices of the resolution, want 1", n)
	}
}

func noticesLike(t *testing.T, o *usageOrg, user, like string) int {
	t.Helper()
	var n int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND text LIKE ?`, o.User(t, user).ID, like).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIdenticalVersionNotSubmitted: a draft with its base's title and body is refused with a
// clear message and stays a draft; changing either makes it submittable.
func TestIdenticalVersionNotSubmitted(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	km2 := o.User(t, "km2")
	for _, c := range []struct {
		title, body string
		ok          bool
	}{
		{"Reset a password", "Steps for Reset a password.", false},
		{"Reset a password", "Steps for Reset a password.\n", false}, // normalized the same
		{"Reset a password", "Other steps.", true},
		{"Reset a forgotten password", "Steps for Reset a password.", true},
	} {
		v, err := o.KB.SaveVersion(ctx, km2, id, kb.NewVersion{Base: 1, Title: c.title, Body: c.body})
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.KB.Submit(ctx, km2, id, v.Number)
		if c.ok != (err == nil) {
			t.Errorf("submit %q/%q: %v, want ok=%v", c.title, c.body, err, c.ok)
		}
		if !c.ok {
			if attest.ErrorCode(err) != attest.EINVALID || !strings.Contains(attest.ErrorMessage(err), "identical to version 1") {
				t.Errorf("identical submit: %v, want validation_failed saying identical", err)
			}
			got, _ := o.KB.Version(ctx, km2, id, v.Number)
			if got == nil || got.Status != kb.StatusDraft {
				t.Errorf("refused version is %+v, want still a draft", got)
			}
		} else if _, err := o.KB.Withdraw(ctx, km2, id, v.Number); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUnrelatedApprovalLeavesFollowupOpen: an approval elsewhere leaves the follow-up open; a
// dismissal closes it and tells the reporter why.
func TestUnrelatedApprovalLeavesFollowupOpen(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	km1, km2 := o.User(t, "km1"), o.User(t, "km2")
	o.newVersion(t, id, 2) // "Updated" / "New steps (version 2)."
	f, err := o.KB.GiveFeedback(ctx, o.User(t, "alice"), id, kb.FeedbackInput{Wrong: true, Comment: "step 2 fails"})
	if err != nil {
		t.Fatal(err)
	}
	// An approval of another article resolves nothing here.
	o.approved(t, "Unlock an account", "password-reset")
	open := kb.FollowupOpen
	if list, err := o.KB.Followups(ctx, km1, kb.FollowupFilter{Status: &open}); err != nil || len(list) != 1 {
		t.Fatalf("open follow-ups after an unrelated approval = %v, %v; want 1", list, err)
	}
	if err := o.KB.DismissFollowup(ctx, km2, f.FollowupID, "Step 2 works; the VPN was down."); err != nil {
		t.Fatal(err)
	}
	if n := noticesLike(t, o, "alice", "%closed your feedback on “Updated” without changing the article: Step 2 works; the VPN was down.%"); n != 1 {
		t.Errorf("alice got %d notices of the dismissal, want 1", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
