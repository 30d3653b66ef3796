package audit_test

import (
	"context"
	"strings"
	"testing"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/kb"
	"attest/training"
)

// TestNobodyActsOnTheirOwn: every action on an authority, certification, audited version or
// finding is refused (EFORBIDDEN, saying who must do it instead) when the actor is the person it
// is about, and the same action by someone else still goes through, so each row can fail.
func TestNobodyActsOnTheirOwn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sys := accounts.System("test")
	for _, nu := range []accounts.NewUser{
		// An agent who is also a trainer, as in the security test (the trainer role is added
		// below: separation of duties refuses it now, so such an account is a leftover).
		{Username: "tess", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"},
		// An auditor who also writes knowledge and owns findings.
		{Username: "kate", Roles: []accounts.Role{accounts.RoleAuditor, accounts.RoleKnowledgeManager}},
		{Username: "otto", Roles: []accounts.Role{accounts.RoleAuditor}},
	} {
		nu.Password = "test-password-1"
		if _, err := f.Accounts.CreateUser(ctx, sys, nu); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.DB.Write.Exec(`INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM users WHERE username = 'tess'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Accounts.PublishAgreement(ctx, f.Users["admin"], "Use knowledge for tickets only."); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tess", "alice"} {
		if err := f.Accounts.AcceptAgreement(ctx, f.User(t, name), 1); err != nil {
			t.Fatal(err)
		}
	}
	tess, kate, otto, auditor, trainer := f.User(t, "tess"), f.User(t, "kate"), f.User(t, "otto"), f.Users["auditor"], f.Users["trainer"]

	// Training: a quiz, a certification of tess, a further pass of hers, a suspension of hers.
	pct, days := 50, 365
	z, err := f.Training.CreateQuiz(ctx, trainer, training.QuizInput{Title: "Reset", RequestType: "password-reset", PassPercent: &pct, ValidityDays: &days,
		Questions: []training.QuestionInput{{Text: "Verify first?", Choices: []training.ChoiceInput{{Text: "yes", Correct: true}, {Text: "no"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	pass := func(u *accounts.User) int64 {
		t.Helper()
		p, _, err := f.Training.StartAttempt(ctx, u, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		ans := map[int64][]int64{}
		for _, q := range p.Questions {
			for _, c := range q.Choices {
				if c.Text == "yes" {
					ans[q.ID] = []int64{c.ID}
				}
			}
		}
		if _, err := f.Training.Submit(ctx, u, p.AttemptID, ans); err != nil {
			t.Fatal(err)
		}
		return p.AttemptID
	}
	first := pass(tess)
	cert, err := f.Training.CertifyAttempt(ctx, trainer, first)
	if err != nil {
		t.Fatal(err)
	}
	second := pass(tess)
	if err := f.Training.Suspend(ctx, auditor, "tess", "password-reset", "Finding: used a superseded procedure.", 0); err != nil {
		t.Fatal(err)
	}
	ov, err := f.Training.Overview(ctx, auditor, "tess")
	if err != nil || len(ov.Suspensions) != 1 {
		t.Fatalf("Overview: %v %+v", err, ov)
	}
	suspension := ov.Suspensions[0].ID

	// Audit: one version kate wrote, one she did not; findings she owns or is the subject of.
	v, err := f.KB.CreateArticle(ctx, kate, kb.NewArticle{Title: "Kate's procedure", Body: "Step one.\n\nStep two."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.KB.Submit(ctx, kate, v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.KB.Approve(ctx, f.Users["km2"], v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	other := f.article(t, "Someone else's procedure")
	a, err := f.Audit.Create(ctx, auditor, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 2, Seed: seed(1)})
	if err != nil || len(a.Items) != 2 {
		t.Fatalf("Create: %v %+v", err, a)
	}
	item := map[int64]int64{}
	for _, it := range a.Items {
		item[it.ArticleID] = it.ID
	}
	raise := func(owner, subject string) int64 {
		t.Helper()
		id, err := f.Audit.RaiseFinding(ctx, auditor, a.ID, audit.NewFinding{Item: item[other], Severity: "minor", Description: "Unclear step.",
			Owner: owner, Due: "2027-01-31", Subject: subject, SubjectRequestType: map[bool]string{true: "password-reset"}[subject != ""]})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	owned := raise("kate", "")        // kate owns it
	aboutKate := raise("km1", "kate") // about kate's adherence
	ownedForRisk := raise("kate", "") // kate owns it; risk acceptance
	for _, id := range []int64{aboutKate} {
		if err := f.Audit.Resolve(ctx, f.Users["km1"], id, audit.Remedy{Note: "Rewrote step two."}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Audit.Resolve(ctx, kate, owned, audit.Remedy{Note: "Rewrote step one."}); err != nil {
		t.Fatal(err)
	}

	checks := func() map[string]bool {
		full, err := f.Audit.Get(ctx, auditor, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return allChecks(full, true)
	}()
	cases := []struct {
		name string
		self func() error // the actor acting on their own: refused
		want string       // in the message
		// other is the same action by someone else: it goes through.
		other func() error
	}{
		{"lift a suspension of one's own authority",
			func() error { return f.Training.LiftSuspension(ctx, tess, suspension, "I was coached.") }, "another auditor, trainer or admin",
			func() error { return f.Training.LiftSuspension(ctx, trainer, suspension, "Coached.") }},
		{"suspend oneself",
			func() error { return f.Training.Suspend(ctx, tess, "tess", "software-install", "test", 0) }, "own authority",
			func() error { return f.Training.Suspend(ctx, trainer, "tess", "software-install", "Finding.", 0) }},
		{"revoke one's own certification",
			func() error { _, err := f.Training.Revoke(ctx, tess, cert.ID, "mine"); return err }, "another trainer",
			func() error { _, err := f.Training.Revoke(ctx, trainer, cert.ID, "Left the team."); return err }},
		{"decline one's own pass",
			func() error { return f.Training.Decline(ctx, tess, second, "no") }, "another trainer",
			nil},
		{"certify one's own pass",
			func() error { _, err := f.Training.CertifyAttempt(ctx, tess, second); return err }, "themselves",
			func() error { _, err := f.Training.CertifyAttempt(ctx, trainer, second); return err }},
		{"assess a version one wrote",
			func() error { _, err := f.Audit.Assess(ctx, kate, a.ID, item[v.ArticleID], checks, ""); return err }, "another auditor must assess",
			func() error { _, err := f.Audit.Assess(ctx, otto, a.ID, item[v.ArticleID], checks, ""); return err }},
		{"add evidence to a version one wrote",
			func() error {
				_, err := f.Audit.AddEvidence(ctx, kate, a.ID, item[v.ArticleID], "note", "Looks fine.", "")
				return err
			}, "another auditor must add evidence",
			func() error {
				_, err := f.Audit.AddEvidence(ctx, otto, a.ID, item[v.ArticleID], "note", "Checked.", "")
				return err
			}},
		{"raise a finding about oneself",
			func() error {
				_, err := f.Audit.RaiseFinding(ctx, auditor, a.ID, audit.NewFinding{Item: item[other], Severity: "minor", Description: "x",
					Owner: "km1", Due: "2027-01-31", Subject: "auditor", SubjectRequestType: "password-reset", Suspend: true})
				return err
			}, "another auditor",
			func() error {
				_, err := f.Audit.RaiseFinding(ctx, otto, a.ID, audit.NewFinding{Item: item[other], Severity: "minor", Description: "x",
					Owner: "km1", Due: "2027-01-31", Subject: "auditor", SubjectRequestType: "password-reset"})
				return err
			}},
		{"verify a finding one owns",
			func() error { return f.Audit.Verify(ctx, kate, owned, "fine") }, "You own finding",
			func() error { return f.Audit.Verify(ctx, otto, owned, "Re-tested.") }},
		{"verify a finding about oneself",
			func() error { return f.Audit.Verify(ctx, kate, aboutKate, "fine") }, "about your own adherence",
			func() error { return f.Audit.Verify(ctx, otto, aboutKate, "Re-tested.") }},
		{"accept the risk of a finding one owns",
			func() error {
				return f.Audit.AcceptRisk(ctx, kate, ownedForRisk, audit.Remedy{Note: "fine", Until: "2099-01-01"})
			}, "another auditor must accept the risk",
			func() error {
				return f.Audit.AcceptRisk(ctx, otto, ownedForRisk, audit.Remedy{Note: "Vendor fix due.", Until: "2099-01-01"})
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.self()
			if got := attest.ErrorCode(err); got != attest.EFORBIDDEN {
				t.Fatalf("own action: code %q (%v), want %q", got, err, attest.EFORBIDDEN)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("message %q lacks %q", err, c.want)
			}
			if c.other != nil {
				if err := c.other(); err != nil {
					t.Fatalf("the same action by someone else: %v", err)
				}
			}
		})
	}
}
