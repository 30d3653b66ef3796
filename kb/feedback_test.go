package kb_test

import (
	"context"
	"database/sql"
	"strconv"
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

func TestResolveFollowupsTx(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	f, err := o.KB.GiveFeedback(ctx, o.User(t, "alice"), id, kb.FeedbackInput{Helpful: no(), Comment: "wrong portal"})
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 does not resolve feedback about version 1; version 2 does.
	for _, c := range []struct {
		version int
		want    kb.FollowupStatus
	}{{1, kb.FollowupOpen}, {2, kb.FollowupResolved}} {
		err := o.DB.Tx(ctx, func(tx *sql.Tx) error { return o.KB.ResolveFollowupsTx(ctx, tx, o.User(t, "km2"), id, c.version) })
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
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
