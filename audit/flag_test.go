package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/outbox"
)

// fakeFlags is a CMDB access log with one flag: alice looked up VPN-GW-01 on INC-7 with no
// recorded use. It records what it was asked.
type fakeFlags struct {
	at        time.Time
	suppliers []string
	from, to  time.Time
}

func (f *fakeFlags) AuditFlagDetail(_ context.Context, actor *accounts.User, suppliers []string, from, to time.Time,
	kind, supplier, username, key, ticketRef string, at time.Time) (string, error) {
	f.suppliers, f.from, f.to = suppliers, from, to
	if !actor.Has(accounts.RoleAuditor, accounts.RoleAdmin) {
		return "", attest.Errorf(attest.EFORBIDDEN, "no")
	}
	if kind == "no_usage" && supplier == "acme" && username == "alice" && key == "VPN-GW-01" && ticketRef == "INC-7" && at.Equal(f.at) {
		return "VPN-GW-01 was shown on ticket INC-7, which has no recorded use.", nil
	}
	return "", attest.Errorf(attest.ENOTFOUND, "No such CMDB access flag.")
}

// TestRaiseFlagFinding: an auditor raises a finding from a flag of the audit's CMDB-access
// section; it names the flag, has no item, is journaled and told to its owner, and follows the
// finding lifecycle (resolve with a note, not a version; verify; reopen; accept risk). Refusals
// (a flag not in the section, outside the audit's suppliers or quarter, an item given too, the
// wrong role, a signed-off audit) change nothing.
func TestRaiseFlagFinding(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 1, "vpn-access")
	outbox.SetEmail(true)
	t.Cleanup(func() { outbox.SetEmail(false) })
	if _, err := f.DB.Write.Exec(`UPDATE users SET email = 'km1@example.test' WHERE username = 'km1'`); err != nil {
		t.Fatal(err)
	}
	aud := f.Users["auditor"]
	flags := &fakeFlags{at: time.Date(2026, 11, 3, 10, 4, 5, 123456789, time.UTC)}
	f.Audit.SetAccessFlags(flags)
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: seed(1), Suppliers: []string{"acme"}})
	if err != nil {
		t.Fatal(err)
	}
	ref := audit.FlagRef{Kind: "no_usage", Supplier: "acme", Username: "alice", Key: "VPN-GW-01", TicketRef: "INC-7", At: flags.at}
	in := audit.NewFinding{Severity: "minor", Description: "CI looked up without a matching ticket", Owner: "km1", Due: "2027-01-15"}
	countFindings := func() int {
		t.Helper()
		var n int
		f.DB.Read.QueryRow(`SELECT COUNT(*) FROM audit_findings`).Scan(&n)
		return n
	}
	journalCount := func() int {
		t.Helper()
		var n int
		f.DB.Read.QueryRow(`SELECT COUNT(*) FROM journal WHERE action = 'finding.raise'`).Scan(&n)
		return n
	}

	cases := []struct {
		name  string
		actor *accounts.User
		edit  func(*audit.FlagRef, *audit.NewFinding)
		code  string
		field string
	}{
		{"not in the section", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.TicketRef = "INC-8" }, attest.EINVALID, "flag"},
		{"another time", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.At = r.At.Add(time.Second) }, attest.EINVALID, "flag"},
		{"unknown kind", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.Kind = "gossip" }, attest.EINVALID, "flag"},
		{"no kind", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.Kind = " " }, attest.EINVALID, "flag.kind"},
		{"no agent", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.Username = "" }, attest.EINVALID, "flag.username"},
		{"supplier outside the audit", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.Supplier = "globex" }, attest.EINVALID, "flag.supplier"},
		{"outside the quarter", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.At = time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC) }, attest.EINVALID, "flag.at"},
		{"no time", aud, func(r *audit.FlagRef, _ *audit.NewFinding) { r.At = time.Time{} }, attest.EINVALID, "flag.at"},
		{"an item as well", aud, func(_ *audit.FlagRef, n *audit.NewFinding) { n.Item = 1 }, attest.EINVALID, "item"},
		{"bad severity", aud, func(_ *audit.FlagRef, n *audit.NewFinding) { n.Severity = "meh" }, attest.EINVALID, "severity"},
		{"unknown owner", aud, func(_ *audit.FlagRef, n *audit.NewFinding) { n.Owner = "ghost" }, attest.EINVALID, "owner"},
		{"knowledge manager", f.Users["km1"], func(*audit.FlagRef, *audit.NewFinding) {}, attest.EFORBIDDEN, ""},
		{"admin", f.Users["admin"], func(*audit.FlagRef, *audit.NewFinding) {}, attest.EFORBIDDEN, ""},
		{"agent", f.Users["alice"], func(*audit.FlagRef, *audit.NewFinding) {}, attest.EFORBIDDEN, ""},
	}
	for _, c := range cases {
		r, n := ref, in
		c.edit(&r, &n)
		_, err := f.Audit.RaiseFlagFinding(ctx, c.actor, a.ID, r, n)
		var e *attest.Error
		if !asError(err, &e) || e.Code != c.code || (c.field != "" && e.Fields[c.field] == "") {
			t.Errorf("%s: %v, want %s on %q", c.name, err, c.code, c.field)
		}
	}
	if n := countFindings(); n != 0 {
		t.Fatalf("refused flag findings recorded %d", n)
	}
	if _, err := f.Audit.RaiseFlagFinding(ctx, aud, 9999, ref, in); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("unknown audit: %v, want ENOTFOUND", err)
	}

	id, err := f.Audit.RaiseFlagFinding(ctx, aud, a.ID, ref, in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(flags.suppliers, ","), "acme"; got != want {
		t.Errorf("section asked for suppliers %q, want %q", got, want)
	}
	if got, want := flags.from.Format(time.DateOnly)+" "+flags.to.Format(time.DateOnly), "2026-10-01 2027-01-01"; got != want {
		t.Errorf("section asked for %s, want the quarter %s", got, want)
	}
	if journalCount() != 1 {
		t.Errorf("raise journaled %d times, want once", journalCount())
	}
	var mails int
	f.DB.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE event = 'finding.assigned' AND channel = 'email'`).Scan(&mails)
	if mails != 1 {
		t.Errorf("owner told %d times, want once", mails)
	}
	fd, err := f.Audit.Finding(ctx, aud, id)
	if err != nil {
		t.Fatal(err)
	}
	if fd.Flag == nil || fd.ItemID != 0 || fd.ArticleID != 0 {
		t.Fatalf("finding = item %d article %d flag %+v; want no item and the flag", fd.ItemID, fd.ArticleID, fd.Flag)
	}
	if got := *fd.Flag; got.Kind != "no_usage" || got.Supplier != "acme" || got.Username != "alice" || got.Key != "VPN-GW-01" ||
		got.TicketRef != "INC-7" || !got.At.Equal(flags.at) || !strings.Contains(got.Detail, "no recorded use") {
		t.Errorf("flag = %+v", got)
	}
	got, _ := f.Audit.Get(ctx, aud, a.ID)
	if len(got.Findings) != 1 || got.Findings[0].ID != id || got.Findings[0].Flag == nil {
		t.Errorf("audit findings = %+v, want the flag finding", got.Findings)
	}
	rows := audit.ReportRows(got)
	if len(rows) != 1+len(got.Items) {
		t.Errorf("report rows = %d, want one per item", len(rows))
	}
	q, err := f.Audit.Findings(ctx, f.Users["km1"])
	if err != nil || len(q.Mine) != 1 || q.Mine[0].Flag == nil {
		t.Fatalf("km1's queue: %+v, %v", q, err)
	}

	// The lifecycle, as for any finding: no article version resolves it.
	var e *attest.Error
	if err := f.Audit.Resolve(ctx, f.Users["km1"], id, audit.Remedy{Version: 2}); !asError(err, &e) || e.Fields["version"] == "" {
		t.Errorf("resolve with a version: %v, want EINVALID on version", err)
	}
	if err := f.Audit.Resolve(ctx, f.Users["km1"], id, audit.Remedy{Note: "Reminded alice of the CMDB agreement."}); err != nil {
		t.Fatal(err)
	}
	if err := f.Audit.Verify(ctx, aud, id, "Checked the log since."); err != nil {
		t.Fatal(err)
	}
	if err := f.Audit.Reopen(ctx, aud, id, "It happened again."); err != nil {
		t.Fatal(err)
	}
	if err := f.Audit.AcceptRisk(ctx, f.Users["km2"], id, audit.Remedy{Note: "Low impact.", Until: "2099-01-01"}); err != nil {
		t.Fatal(err)
	}
	fd, _ = f.Audit.Finding(ctx, aud, id)
	if fd.Status != audit.FindingRiskAccepted || fd.Flag == nil {
		t.Errorf("after the lifecycle: %q, flag %v", fd.Status, fd.Flag)
	}

	// A signed-off audit takes no flag finding either.
	if _, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, allChecks(a, true), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.Close(ctx, aud, a.ID); err != nil {
		t.Fatal(err)
	}
	before := countFindings()
	if _, err := f.Audit.RaiseFlagFinding(ctx, aud, a.ID, ref, in); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Errorf("after sign-off: %v, want ECONFLICT", err)
	}
	if countFindings() != before || journalCount() != 1 {
		t.Errorf("a refused flag finding after sign-off changed something")
	}
}
