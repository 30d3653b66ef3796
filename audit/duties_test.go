package audit_test

import (
	"context"
	"testing"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/audit"
)

// Separation of duties in audits: the owner of a finding cannot accept its risk, and where an
// audit needs a reviewer the auditor who did the fieldwork cannot sign it off alone.
func TestAuditSeparationOfDuties(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 1, "password-reset")
	aud := f.Users["auditor"]
	reviewer, err := f.Accounts.CreateUser(ctx, accounts.System("test"), accounts.NewUser{Username: "auditor2",
		Password: accountstest.Password, Roles: []accounts.Role{accounts.RoleAuditor}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Audit.SetNeedsReviewer(ctx, f.Users["km1"], a.ID, true); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("a knowledge manager marks the audit: %v, want EFORBIDDEN", err)
	}
	if err := f.Audit.SetNeedsReviewer(ctx, aud, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, allChecks(a, true), ""); err != nil {
		t.Fatal(err)
	}
	fid, err := f.Audit.RaiseFinding(ctx, aud, a.ID, audit.NewFinding{Item: a.Items[0].ID, Severity: "minor",
		Description: "Step two is vague.", Owner: "km1", Due: "2099-01-15"})
	if err != nil {
		t.Fatal(err)
	}
	accept := audit.Remedy{Note: "low impact", Until: "2099-06-30"}
	if err := f.Audit.AcceptRisk(ctx, f.User(t, "km1"), fid, accept); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("the finding's owner accepts its risk: %v, want EFORBIDDEN", err)
	}
	if got, _ := f.Audit.Finding(ctx, aud, fid); got.Status != audit.FindingOpen {
		t.Errorf("after the owner's refused acceptance: %q, want open", got.Status)
	}
	if err := f.Audit.AcceptRisk(ctx, f.User(t, "km2"), fid, accept); err != nil {
		t.Errorf("another knowledge manager accepts the risk: %v", err)
	}

	if _, err := f.Audit.Close(ctx, aud, a.ID); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("the fieldwork auditor signs off an audit needing a reviewer: %v, want EFORBIDDEN", err)
	}
	if got, _ := f.Audit.Get(ctx, aud, a.ID); got.Status == audit.StatusSignedOff {
		t.Fatal("the refused sign-off changed the audit")
	}
	closed, err := f.Audit.Close(ctx, reviewer, a.ID)
	if err != nil {
		t.Fatalf("a reviewer who did no fieldwork signs off: %v", err)
	}
	if closed.SignedOffBy != "auditor2" {
		t.Errorf("signed off by %q, want auditor2", closed.SignedOffBy)
	}

	// Without the mark, the fieldwork auditor signs off as before.
	b, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2027-Q1", SampleSize: 1, Seed: seed(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.Assess(ctx, aud, b.ID, b.Items[0].ID, allChecks(b, true), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.Close(ctx, aud, b.ID); err != nil {
		t.Errorf("sign-off without the reviewer mark: %v", err)
	}
}
