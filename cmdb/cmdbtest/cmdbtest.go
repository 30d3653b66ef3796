// Package cmdbtest builds what CMDB tests start from: certified agents and a small estate with
// a sentinel restricted value that must never reach an agent.
package cmdbtest

import (
	"context"
	"testing"

	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/cmdb"
	"attest/training"
)

// Sentinel is the value of every restricted attribute of the test estate.
const Sentinel = "vault-ref-7Q2XK9-restricted"

// Certify has username pass a one-question quiz for the request type and a trainer certify
// them; it returns the certification.
func Certify(t testing.TB, org *accountstest.Org, tr *training.Store, username, rt string) *training.Certification {
	t.Helper()
	ctx := context.Background()
	pass, days := 100, 365
	z, err := tr.CreateQuiz(ctx, org.User(t, "trainer"), training.QuizInput{Title: "Checkpoint " + rt + " " + username, RequestType: rt,
		PassPercent: &pass, ValidityDays: &days, Questions: []training.QuestionInput{{Text: "Pick right", Choices: []training.ChoiceInput{
			{Text: "right", Correct: true}, {Text: "wrong"}}}}})
	if err != nil {
		t.Fatalf("CreateQuiz: %v", err)
	}
	u := org.User(t, username)
	p, _, err := tr.StartAttempt(ctx, u, z.ID)
	if err != nil {
		t.Fatalf("StartAttempt: %v", err)
	}
	ans := map[int64][]int64{}
	for _, q := range p.Questions {
		for _, c := range q.Choices {
			if c.Text == "right" {
				ans[q.ID] = []int64{c.ID}
			}
		}
	}
	if _, err := tr.Submit(ctx, u, p.AttemptID, ans); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	c, err := tr.Certify(ctx, org.User(t, "trainer"), username, rt)
	if err != nil {
		t.Fatalf("Certify(%s, %s): %v", username, rt, err)
	}
	return c
}

// Item is a CI input with one shared attribute (site) and one restricted (vault = Sentinel).
func Item(key, rt, site string, rel ...cmdb.Relation) cmdb.Input {
	return cmdb.Input{Key: key, Class: "server", Name: key + " server", Status: "in_service", Environment: "production", Owner: "Network team",
		RequestTypes: []string{rt}, Attributes: []cmdb.Attribute{{Name: "site", Value: site, Shared: true}, {Name: "vault", Value: Sentinel}},
		Relations: rel}
}

// Estate puts three CIs, one per test request type, and returns their keys by request type:
// CI-PR (password-reset), CI-SW (software-install), CI-VPN (vpn-access, depends_on CI-PR).
func Estate(t testing.TB, org *accountstest.Org, s *cmdb.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	admin := org.User(t, "admin")
	for _, in := range []cmdb.Input{
		Item("CI-PR", "password-reset", "Leeds"),
		Item("CI-SW", "software-install", "York"),
		Item("CI-VPN", "vpn-access", "Fernhill", cmdb.Relation{Type: "depends_on", To: "CI-PR"}),
	} {
		if _, err := s.Put(ctx, admin, in); err != nil {
			t.Fatalf("Put %s: %v", in.Key, err)
		}
	}
	return map[string]string{"password-reset": "CI-PR", "software-install": "CI-SW", "vpn-access": "CI-VPN"}
}

// Agree publishes a CMDB agreement and has each username accept it; it returns the version.
func Agree(t testing.TB, org *accountstest.Org, s *cmdb.Store, usernames ...string) int {
	t.Helper()
	ctx := context.Background()
	v, err := s.PublishAgreement(ctx, org.User(t, "admin"), "Use CMDB data only for the ticket you work on.")
	if err != nil {
		t.Fatalf("PublishAgreement: %v", err)
	}
	for _, u := range usernames {
		if err := s.AcceptAgreement(ctx, org.User(t, u), v); err != nil {
			t.Fatalf("AcceptAgreement(%s): %v", u, err)
		}
	}
	return v
}

// AddAgent adds an agent of supplier.
func AddAgent(t testing.TB, org *accountstest.Org, username, supplier string) *accounts.User {
	t.Helper()
	u, err := org.Accounts.CreateUser(context.Background(), accounts.System("test"), accounts.NewUser{Username: username,
		Password: accountstest.Password, Roles: []accounts.Role{accounts.RoleAgent}, Supplier: supplier})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}
