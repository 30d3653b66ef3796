package kb_test

import (
	"context"
	"testing"
	"time"

	"attest"
	"attest/kb"
)

// TestFailureCauseValidation: a cause only with not_resolved, and only a known one; a refused
// use records nothing.
func TestFailureCauseValidation(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Grant VPN access", "vpn-access")
	alice := o.User(t, "alice")
	for _, tc := range []struct {
		outcome kb.Outcome
		cause   kb.FailureCause
		ok      bool
	}{
		{kb.OutcomeResolved, kb.CauseDataError, false},
		{kb.OutcomeNotResolved, "gremlins", false},
		{kb.OutcomeResolved, "gremlins", false},
		{kb.OutcomeNotResolved, "", true},
		{kb.OutcomeResolved, "", true},
		{kb.OutcomeNotResolved, kb.CauseDataError, true},
		{kb.OutcomeNotResolved, kb.CauseKnowledgeMissing, true},
	} {
		// One ticket per case: a repeat of the same agent, ticket, article and version answers
		// with the first record.
		ticket := "T-" + string(tc.outcome) + "-" + string(tc.cause)
		t.Run(string(tc.outcome)+"/"+string(tc.cause), func(t *testing.T) {
			u, err := o.KB.RecordUsage(ctx, alice, kb.UsageInput{ArticleID: id, Version: 1, TicketRef: ticket, RequestType: "vpn-access",
				Outcome: tc.outcome, FailureCause: tc.cause})
			if tc.ok {
				if err != nil {
					t.Fatalf("RecordUsage: %v", err)
				}
				if got, want := u.FailureCause, tc.cause; got != want {
					t.Fatalf("FailureCause=%q, want %q", got, want)
				}
				return
			}
			if got, want := attest.ErrorCode(err), attest.EINVALID; got != want {
				t.Fatalf("code=%q, want %q (%v)", got, want, err)
			}
			if fieldsOf(err)["failure_cause"] == "" {
				t.Fatalf("fields=%v, want failure_cause named", fieldsOf(err))
			}
		})
	}
	var n int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got, want := n, 4; got != want {
		t.Fatalf("%d uses recorded, want %d (refused ones record nothing)", got, want)
	}
}

// TestKnowledgeWrongOpensFollowup: "knowledge wrong" opens a follow-up like "this is wrong",
// later failures on the article join it, it shows the tickets and causes behind it, and the
// version that resolves it traces back to them.
func TestKnowledgeWrongOpensFollowup(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Grant VPN access", "vpn-access")
	km1 := o.User(t, "km1")
	for _, tc := range []struct{ user, ticket string }{{"alice", "INC-1"}, {"bob", "INC-2"}} {
		u, err := o.KB.RecordUsage(ctx, o.User(t, tc.user), kb.UsageInput{ArticleID: id, Version: 1, TicketRef: tc.ticket,
			RequestType: "vpn-access", Outcome: kb.OutcomeNotResolved, FailureCause: kb.CauseKnowledgeWrong})
		if err != nil {
			t.Fatalf("RecordUsage %s: %v", tc.ticket, err)
		}
		if u.FollowupID == 0 {
			t.Fatalf("%s: no follow-up", tc.ticket)
		}
	}
	open := kb.FollowupOpen
	fus, err := o.KB.Followups(ctx, km1, kb.FollowupFilter{Status: &open})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(fus), 1; got != want {
		t.Fatalf("%d open follow-ups, want %d (the second failure joins the first)", got, want)
	}
	if !fus[0].Wrong || fus[0].ArticleID != id {
		t.Fatalf("follow-up %+v, want a wrong flag on article %d", fus[0], id)
	}
	fails, err := o.KB.FollowupFailures(ctx, km1, fus[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(fails), 2; got != want {
		t.Fatalf("%d failures behind the follow-up, want %d", got, want)
	}
	if fails[0].TicketRef != "INC-1" || fails[1].TicketRef != "INC-2" || fails[1].Cause != kb.CauseKnowledgeWrong || fails[1].Supplier != "acme" {
		t.Fatalf("failures %+v", fails)
	}
	if _, err := o.KB.FollowupFailures(ctx, o.User(t, "alice"), fus[0].ID); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent reads failures: %v, want forbidden", err)
	}
	// The owner (the author, a watcher) is told.
	ns, err := o.KB.Notifications(ctx, km1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) == 0 {
		t.Fatal("the article's owner was not notified")
	}
	o.newVersion(t, id, 2)
	origins, err := o.KB.VersionOrigins(ctx, o.User(t, "auditor"), id, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(origins) != 1 || origins[0].FollowupID != fus[0].ID || len(origins[0].Failures) != 2 {
		t.Fatalf("origins of version 2: %+v, want the follow-up with its 2 failures", origins)
	}
	// A failure after the fix opens a new follow-up.
	u, err := o.KB.RecordUsage(ctx, o.User(t, "alice"), kb.UsageInput{ArticleID: id, Version: 2, TicketRef: "INC-3",
		RequestType: "vpn-access", Outcome: kb.OutcomeNotResolved, FailureCause: kb.CauseKnowledgeWrong})
	if err != nil {
		t.Fatal(err)
	}
	if u.FollowupID == fus[0].ID {
		t.Fatal("a failure after the resolving version joined the resolved follow-up")
	}
}

// TestKnowledgeMissingInGapReport: "knowledge missing" counts as a gap of its request type.
func TestKnowledgeMissingInGapReport(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	vpn := o.approved(t, "Grant VPN access", "vpn-access")
	pw := o.approved(t, "Reset a password", "password-reset")
	for i, tc := range []struct {
		id    int64
		rt    string
		cause kb.FailureCause
	}{{vpn, "vpn-access", kb.CauseKnowledgeMissing}, {vpn, "vpn-access", kb.CauseKnowledgeMissing},
		{pw, "password-reset", kb.CauseKnowledgeMissing}, {pw, "password-reset", kb.CauseDataError}} {
		if _, err := o.KB.RecordUsage(ctx, o.User(t, "alice"), kb.UsageInput{ArticleID: tc.id, Version: 1, TicketRef: "T" + string(rune('0'+i)),
			RequestType: tc.rt, Outcome: kb.OutcomeNotResolved, FailureCause: tc.cause}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := o.KB.ParseReportFilter(ctx, time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := o.KB.GapReport(ctx, o.User(t, "km1"), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []kb.MissingKnowledge{{RequestType: "vpn-access", Count: 2}, {RequestType: "password-reset", Count: 1}}
	if len(g.KnowledgeMissing) != len(want) || g.KnowledgeMissing[0] != want[0] || g.KnowledgeMissing[1] != want[1] {
		t.Fatalf("KnowledgeMissing=%+v, want %+v", g.KnowledgeMissing, want)
	}
}
