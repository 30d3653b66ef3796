package scorecard_test

import (
	"context"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/kb"
	"attest/scorecard"
	"attest/training"
)

// dataset is the known data set the figures below are computed from by hand.
//
// Articles: vpn (km1, vpn-access), pw (km1, password-reset; version 2 approved as major),
// install (km1, software-install, never used), alice's own vpn-access article (approved) and
// bob's edit of vpn (rejected). A third supplier, initech, has no agents and no activity.
//
// Current period (the 30 days up to today), two days ago:
//
//	acme:   alice A1–A4 vpn resolved; bob B1, B2 vpn data_error; bob B3 vpn system_unavailable;
//	        alice A5 vpn knowledge_wrong
//	globex: gina G1, G2 pw v2 resolved, G3 pw v1 (outdated) resolved; one "helpful" rating now
//
// Previous period, forty days ago: acme alice P1, P2 vpn resolved.
type dataset struct {
	org *accountstest.Org
	kb  *kb.Store
	sc  *scorecard.Store
	vpn int64
}

func newDataset(t *testing.T) *dataset {
	t.Helper()
	ctx := context.Background()
	org := accountstest.NewOrg(t)
	k := kb.NewStore(org.DB, org.Accounts)
	tr := training.NewStore(org.DB, org.Accounts, k)
	d := &dataset{org: org, kb: k, sc: scorecard.NewStore(org.DB, org.Accounts, k, tr)}
	if _, err := org.Accounts.CreateSupplier(ctx, accounts.System("test"), "initech", "Initech"); err != nil {
		t.Fatal(err)
	}
	u := func(name string) *accounts.User { return org.User(t, name) }
	publish := func(author string, title, rt string) int64 {
		t.Helper()
		v, err := k.CreateArticle(ctx, u(author), kb.NewArticle{Title: title, Body: title + ": steps.", RequestTypes: []string{rt}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Submit(ctx, u(author), v.ArticleID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Approve(ctx, u("km2"), v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
			t.Fatal(err)
		}
		return v.ArticleID
	}
	d.vpn = publish("km1", "Grant VPN access", "vpn-access")
	pw := publish("km1", "Reset a password", "password-reset")
	publish("km1", "Install software", "software-install")
	publish("alice", "Map a drive for VPN users", "vpn-access")
	if _, err := k.SaveVersion(ctx, u("bob"), d.vpn, kb.NewVersion{Base: 1, Title: "Grant VPN access", Body: "Reboot everything."}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Submit(ctx, u("bob"), d.vpn, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Reject(ctx, u("km1"), d.vpn, 2, kb.Decision{Comment: "unsafe"}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.SaveVersion(ctx, u("km1"), pw, kb.NewVersion{Base: 1, Title: "Reset a password", Body: "New steps."}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Submit(ctx, u("km1"), pw, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Approve(ctx, u("km2"), pw, 2, kb.Decision{Comment: "ok", Major: true}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	use := func(who, ticket string, id int64, v int, rt string, cause kb.FailureCause, at time.Time) {
		t.Helper()
		out := kb.OutcomeResolved
		if cause != "" {
			out = kb.OutcomeNotResolved
		}
		if _, err := k.RecordUsageAt(ctx, u(who), kb.UsageInput{ArticleID: id, Version: v, TicketRef: ticket, RequestType: rt,
			Outcome: out, FailureCause: cause}, at); err != nil {
			t.Fatalf("use %s: %v", ticket, err)
		}
	}
	cur, prev := now.AddDate(0, 0, -2), now.AddDate(0, 0, -40)
	for _, tk := range []string{"A1", "A2", "A3", "A4"} {
		use("alice", tk, d.vpn, 1, "vpn-access", "", cur)
	}
	use("bob", "B1", d.vpn, 1, "vpn-access", kb.CauseDataError, cur)
	use("bob", "B2", d.vpn, 1, "vpn-access", kb.CauseDataError, cur)
	use("bob", "B3", d.vpn, 1, "vpn-access", kb.CauseSystemUnavailable, cur)
	use("alice", "A5", d.vpn, 1, "vpn-access", kb.CauseKnowledgeWrong, cur)
	use("gina", "G1", pw, 2, "password-reset", "", cur)
	use("gina", "G2", pw, 2, "password-reset", "", cur)
	use("gina", "G3", pw, 1, "password-reset", "", cur)
	use("alice", "P1", d.vpn, 1, "vpn-access", "", prev)
	use("alice", "P2", d.vpn, 1, "vpn-access", "", prev)
	yes := true
	if _, err := k.GiveFeedback(ctx, u("gina"), pw, kb.FeedbackInput{Helpful: &yes}); err != nil {
		t.Fatal(err)
	}
	if err := d.sc.SetContributionTarget(ctx, u("admin"), "acme", 6); err != nil {
		t.Fatal(err)
	}
	return d
}

func f(v float64) *float64 { return &v }

func eqf(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a-*b < 1e-9 && *b-*a < 1e-9
}

func show(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func TestSupplierScorecard(t *testing.T) {
	d := newDataset(t)
	ctx := context.Background()
	p, err := d.sc.ParsePeriod("", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.sc.Suppliers(ctx, d.org.User(t, "km1"), p)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]scorecard.Row{}
	for _, r := range rows {
		by[r.Supplier] = r
	}
	if got, want := len(rows), 3; got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	target := 6
	type want struct {
		agents, tickets, outdated, submitted, approved, rejected, contributions, feedback int
		resolved, link, coverage, expected                                                *float64
		target                                                                            *int
		prevTickets, prevContributions                                                    int
		prevResolved                                                                      *float64
	}
	for sp, w := range map[string]want{
		// 8 tickets, 4 resolved; 4 pairs (alice, bob × password-reset, software-install), none
		// certified; 6 per quarter over 30 days = 1.978… → 2.0 expected, 1 made.
		"acme": {agents: 2, tickets: 8, submitted: 2, approved: 1, rejected: 1, contributions: 1, resolved: f(0.5), link: f(1),
			coverage: f(0), expected: f(2), target: &target, prevTickets: 2, prevResolved: f(1)},
		// The knowledge_wrong flag is not counted as feedback given; gina's rating is.
		"globex": {agents: 1, tickets: 3, outdated: 1, feedback: 1, resolved: f(1), link: f(1), coverage: f(0)},
		// No agents, no activity: every share is nil, not 0.
		"initech": {},
	} {
		r := by[sp]
		got := want{agents: r.Agents, tickets: r.Tickets, outdated: r.OutdatedUses, submitted: r.Proposals.Submitted,
			approved: r.Proposals.Approved, rejected: r.Proposals.Rejected, contributions: r.ApprovedContributions,
			feedback: r.FeedbackGiven, resolved: r.ResolvedShare, link: r.LinkRate, coverage: r.CertificationCoverage,
			expected: r.ContributionExpected, target: r.ContributionTarget, prevTickets: r.Previous.Tickets,
			prevContributions: r.Previous.ApprovedContributions, prevResolved: r.Previous.ResolvedShare}
		if got.agents != w.agents || got.tickets != w.tickets || got.outdated != w.outdated || got.submitted != w.submitted ||
			got.approved != w.approved || got.rejected != w.rejected || got.contributions != w.contributions || got.feedback != w.feedback ||
			got.prevTickets != w.prevTickets || got.prevContributions != w.prevContributions {
			t.Errorf("%s counts: got %+v, want %+v", sp, got, w)
		}
		for name, pair := range map[string][2]*float64{"resolved_share": {got.resolved, w.resolved}, "link_rate": {got.link, w.link},
			"certification_coverage": {got.coverage, w.coverage}, "contribution_expected": {got.expected, w.expected},
			"previous resolved_share": {got.prevResolved, w.prevResolved}} {
			if !eqf(pair[0], pair[1]) {
				t.Errorf("%s %s=%v, want %v", sp, name, show(pair[0]), show(pair[1]))
			}
		}
		if (got.target == nil) != (w.target == nil) || (got.target != nil && *got.target != *w.target) {
			t.Errorf("%s contribution_target=%v, want %v", sp, got.target, w.target)
		}
		if r.AuditScore != nil || r.OpenFindings != 0 || r.OverdueFindings != 0 {
			t.Errorf("%s audit figures without audits: %v %d %d", sp, show(r.AuditScore), r.OpenFindings, r.OverdueFindings)
		}
	}
	if !by["acme"].IsBehind() || by["globex"].IsBehind() {
		t.Errorf("behind: acme %v globex %v, want acme only", by["acme"].IsBehind(), by["globex"].IsBehind())
	}
	if m := by["acme"].Proposals.MedianHoursToDecision; m == nil || *m != 0 {
		t.Errorf("acme median hours=%v, want 0 (decided within seconds)", show(m))
	}

	// An empty period: nothing counted, every share nil.
	empty, err := d.sc.ParsePeriod("2001-01-01", "2001-01-31")
	if err != nil {
		t.Fatal(err)
	}
	rows, err = d.sc.Suppliers(ctx, d.org.User(t, "auditor"), empty)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Tickets != 0 || r.ResolvedShare != nil || r.LinkRate != nil || r.Proposals.Submitted != 0 || r.ApprovedContributions != 0 ||
			r.Previous.Tickets != 0 {
			t.Errorf("%s in an empty period: %+v", r.Supplier, r)
		}
	}
}

// TestScorecardScope: a supplier's agent sees its own supplier's row only, never another's,
// nor the records behind another's figures; roles without a scorecard are refused.
func TestScorecardScope(t *testing.T) {
	d := newDataset(t)
	ctx := context.Background()
	p, _ := d.sc.ParsePeriod("", "")
	for _, tc := range []struct{ who, supplier string }{{"alice", "acme"}, {"bob", "acme"}, {"gina", "globex"}} {
		rows, err := d.sc.Suppliers(ctx, d.org.User(t, tc.who), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Supplier != tc.supplier {
			t.Fatalf("%s sees %d rows (%+v), want only %s", tc.who, len(rows), rows, tc.supplier)
		}
		other := "globex"
		if tc.supplier == "globex" {
			other = "acme"
		}
		if _, err := d.sc.Records(ctx, d.org.User(t, tc.who), other, "tickets", p); attest.ErrorCode(err) != attest.ENOTFOUND {
			t.Fatalf("%s reads %s's records: %v, want not found", tc.who, other, err)
		}
		if rec, err := d.sc.Records(ctx, d.org.User(t, tc.who), tc.supplier, "tickets", p); err != nil || len(rec.Rows) == 0 {
			t.Fatalf("%s reads own records: %v", tc.who, err)
		}
	}
	if _, err := d.sc.Suppliers(ctx, d.org.User(t, "trainer"), p); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("trainer: %v, want forbidden", err)
	}
	if _, err := d.sc.Automation(ctx, d.org.User(t, "alice"), p); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent reads automation: %v, want forbidden", err)
	}
	if err := d.sc.SetContributionTarget(ctx, d.org.User(t, "km1"), "acme", 3); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("km sets a target: %v", err)
	}
	if err := d.sc.SetContributionTarget(ctx, d.org.User(t, "admin"), "acme", -1); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("negative target: %v", err)
	}
}

// TestScorecardRecords: each figure links to the records it counts.
func TestScorecardRecords(t *testing.T) {
	d := newDataset(t)
	ctx := context.Background()
	p, _ := d.sc.ParsePeriod("", "")
	km1 := d.org.User(t, "km1")
	for fig, want := range map[string]int{"agents": 2, "tickets": 8, "resolved": 4, "proposals": 2, "approved_contributions": 1,
		"certification_coverage": 4, "outdated_uses": 0, "feedback_given": 0, "open_findings": 0, "audit_score": 0, "link_rate": 0} {
		rec, err := d.sc.Records(ctx, km1, "acme", fig, p)
		if err != nil {
			t.Fatalf("%s: %v", fig, err)
		}
		if got := len(rec.Rows); got != want {
			t.Errorf("%s: %d records, want %d", fig, got, want)
		}
	}
	if _, err := d.sc.Records(ctx, km1, "acme", "nonsense", p); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Fatalf("unknown figure: %v", err)
	}
}

// TestAutomationCandidates: the ranking and every part of the score on the data set.
//
//	vpn-access: 8 tickets (the busiest) → volume 30; 4 resolved → success 10; steps approved
//	  today and one "not helpful" (the knowledge_wrong flag) → stability 0; one article covers
//	  all 8 → concentration 15; 2 data errors of 8 = 25 % → error-prone 15 × min(1, 0.5) = 7.5.
//	  62.5 → 63.
//	password-reset: 3 tickets → volume 30 × 3/8 = 11.25; all resolved → 20; major change
//	  today, no negative feedback → 0 + 5; one article → 15; no removable failures → 0. 51.25 → 51.
//	software-install: no tickets → 0.
func TestAutomationCandidates(t *testing.T) {
	d := newDataset(t)
	ctx := context.Background()
	p, _ := d.sc.ParsePeriod("", "")
	cs, err := d.sc.Automation(ctx, d.org.User(t, "km1"), p)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		rt                        string
		score, tickets, articles  int
		negative                  int
		errorProne                bool
		volume, success, stable   float64
		concentration, errorShare float64
	}
	wants := []want{
		{"vpn-access", 63, 8, 1, 1, true, 30, 10, 0, 15, 7.5},
		{"password-reset", 51, 3, 1, 0, false, 11.3, 20, 5, 15, 0},
		{"software-install", 0, 0, 0, 0, false, 0, 0, 0, 0, 0},
	}
	if len(cs) != len(wants) {
		t.Fatalf("%d candidates, want %d", len(cs), len(wants))
	}
	for i, w := range wants {
		c := cs[i]
		if c.RequestType != w.rt || c.Score != w.score || c.Tickets != w.tickets || c.ArticlesUsed != w.articles ||
			c.NegativeFeedback != w.negative || c.ErrorProne != w.errorProne {
			t.Errorf("#%d: %s score %d tickets %d articles %d negative %d error-prone %v, want %+v", i, c.RequestType, c.Score,
				c.Tickets, c.ArticlesUsed, c.NegativeFeedback, c.ErrorProne, w)
		}
		for name, v := range map[string]float64{"volume": w.volume, "success": w.success, "stability": w.stable,
			"concentration": w.concentration, "error_prone": w.errorShare} {
			if c.Points[name] != v {
				t.Errorf("%s points[%s]=%v, want %v", c.RequestType, name, c.Points[name], v)
			}
		}
		if len(c.Reasons) == 0 {
			t.Errorf("%s: no reasons", c.RequestType)
		}
	}
	v := cs[0]
	if v.FailureCauses["data_error"] != 2 || v.FailureCauses["system_unavailable"] != 1 || v.FailureCauses["knowledge_wrong"] != 1 {
		t.Errorf("vpn-access causes %v", v.FailureCauses)
	}
	if !eqf(v.ResolvedShare, f(0.5)) || v.DaysSinceMajorChange == nil || *v.DaysSinceMajorChange != 0 {
		t.Errorf("vpn-access resolved %v days %v", show(v.ResolvedShare), v.DaysSinceMajorChange)
	}
	found := false
	for _, r := range v.Reasons {
		found = found || (len(r) > 12 && r[:12] == "Error-prone:")
	}
	if !found {
		t.Errorf("vpn-access reasons do not call it error-prone: %q", v.Reasons)
	}

	// Empty period: every type scores 0.
	empty, _ := d.sc.ParsePeriod("2001-01-01", "2001-01-31")
	cs, err = d.sc.Automation(ctx, d.org.User(t, "auditor"), empty)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Score != 0 || c.Tickets != 0 || c.ResolvedShare != nil {
			t.Errorf("%s in an empty period: %+v", c.RequestType, c)
		}
	}

	// Proposing automation: knowledge managers only, with a note; shown on the candidate.
	if err := d.sc.ProposeAutomation(ctx, d.org.User(t, "auditor"), "vpn-access", "x"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("auditor proposes: %v", err)
	}
	if err := d.sc.ProposeAutomation(ctx, d.org.User(t, "km1"), "vpn-access", " "); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("no note: %v", err)
	}
	if err := d.sc.ProposeAutomation(ctx, d.org.User(t, "km1"), "vpn-access", "Script the grant via the IAM API."); err != nil {
		t.Fatal(err)
	}
	cs, _ = d.sc.Automation(ctx, d.org.User(t, "km1"), p)
	if cs[0].Proposal == nil || cs[0].Proposal.By != "km1" || cs[0].Proposal.Note != "Script the grant via the IAM API." {
		t.Fatalf("proposal %+v", cs[0].Proposal)
	}
}
