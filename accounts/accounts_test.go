package accounts_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
)

func TestCreateUserValidation(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	valid := accounts.NewUser{Username: "dave", DisplayName: "Dave", Password: "long-enough-1", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"}
	cases := []struct {
		name  string
		edit  func(*accounts.NewUser)
		code  string
		field string
	}{
		{"unknown role", func(u *accounts.NewUser) { u.Roles = []accounts.Role{"wizard"} }, attest.EINVALID, "roles"},
		{"no role", func(u *accounts.NewUser) { u.Roles = nil }, attest.EINVALID, "roles"},
		{"duplicate username", func(u *accounts.NewUser) { u.Username = "alice" }, attest.ECONFLICT, "username"},
		{"duplicate username other case", func(u *accounts.NewUser) { u.Username = "ALICE" }, attest.ECONFLICT, "username"},
		{"agent without supplier", func(u *accounts.NewUser) { u.Supplier = "" }, attest.EINVALID, "supplier"},
		{"unknown supplier", func(u *accounts.NewUser) { u.Supplier = "nosuch" }, attest.EINVALID, "supplier"},
		{"empty username", func(u *accounts.NewUser) { u.Username = " " }, attest.EINVALID, "username"},
		{"username with spaces", func(u *accounts.NewUser) { u.Username = "da ve" }, attest.EINVALID, "username"},
		{"short password", func(u *accounts.NewUser) { u.Password = "short" }, attest.EINVALID, "password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := valid
			c.edit(&in)
			_, err := o.Accounts.CreateUser(ctx, admin, in)
			if got := attest.ErrorCode(err); got != c.code {
				t.Fatalf("code = %q (%v), want %q", got, err, c.code)
			}
			if e := err.(*attest.Error); e.Fields[c.field] == "" {
				t.Errorf("fields = %v, want %q named", e.Fields, c.field)
			}
		})
	}
	users, _ := o.Accounts.Users(ctx)
	if len(users) != 8 {
		t.Fatalf("refused creations changed the users: %d, want 8", len(users))
	}
	if _, err := o.Accounts.CreateUser(ctx, o.Users["km1"], valid); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("a knowledge manager creating a user: %v, want forbidden", err)
	}
	u, err := o.Accounts.CreateUser(ctx, admin, valid)
	if err != nil {
		t.Fatal(err)
	}
	if u.Supplier != "acme" || !u.Has(accounts.RoleAgent) || !u.FulfilsType("vpn-access") {
		t.Errorf("created user = %+v", u)
	}
}

func TestAuthenticateThrottles(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	if _, err := o.Accounts.Authenticate(ctx, "alice", accountstest.Password, "10.0.0.1"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	for i := 0; i < 5; i++ {
		if _, err := o.Accounts.Authenticate(ctx, "alice", "wrong-password", "10.0.0.1"); attest.ErrorCode(err) != attest.EUNAUTH {
			t.Fatalf("wrong password #%d: %v", i+1, err)
		}
	}
	_, err := o.Accounts.Authenticate(ctx, "alice", accountstest.Password, "10.0.0.1")
	e, ok := err.(*attest.Error)
	if !ok || e.Code != attest.ETHROTTLED || e.RetryAfter <= 0 {
		t.Fatalf("after 5 failures: %v, want throttled with a Retry-After", err)
	}
	// Someone failing on purpose from one address does not lock alice out elsewhere…
	if _, err := o.Accounts.Authenticate(ctx, "alice", accountstest.Password, "10.0.0.9"); err != nil {
		t.Fatalf("alice from another address: %v", err)
	}
	// …but guessing her password from many addresses is slowed down too.
	for i := 0; i < 50; i++ {
		o.Accounts.Authenticate(ctx, "alice", "wrong-password", fmt.Sprintf("10.1.%d.%d", i/4, i%4))
	}
	if _, err := o.Accounts.Authenticate(ctx, "alice", accountstest.Password, "10.0.0.10"); attest.ErrorCode(err) != attest.ETHROTTLED {
		t.Fatalf("after 50 failures from many addresses: %v, want throttled", err)
	}
	// Another account from another address is not affected.
	if _, err := o.Accounts.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.3"); err != nil {
		t.Fatalf("bob: %v", err)
	}
	// Unknown usernames fail like wrong passwords.
	if _, err := o.Accounts.Authenticate(ctx, "nobody", "whatever-pw", "10.0.0.4"); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestTokens(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	tok, exp, err := o.Accounts.IssueToken(ctx, o.Users["alice"])
	if err != nil || time.Until(exp) < time.Hour {
		t.Fatalf("IssueToken = %v, %v", exp, err)
	}
	u, err := o.Accounts.UserByToken(ctx, tok)
	if err != nil || u.Username != "alice" {
		t.Fatalf("UserByToken = %v, %v", u, err)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok+"x"); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Fatalf("bad token: %v", err)
	}
	var stored int
	o.DB.Read.QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE hash = ?`, tok).Scan(&stored)
	if stored != 0 {
		t.Fatal("the token is stored in clear")
	}
	o.Accounts.TokenTTL = -time.Minute
	old, _, _ := o.Accounts.IssueToken(ctx, o.Users["bob"])
	if _, err := o.Accounts.UserByToken(ctx, old); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Fatalf("expired token: %v", err)
	}
}

func TestAgreementLifecycle(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	if err := accounts.RequireAgreement(o.User(t, "alice")); err != nil {
		t.Fatalf("no agreement published: %v", err)
	}
	if _, err := o.Accounts.PublishAgreement(ctx, o.Users["alice"], "x"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent publishes: %v", err)
	}
	v1, err := o.Accounts.PublishAgreement(ctx, o.Users["admin"], "Use it well.")
	if err != nil || v1 != 1 {
		t.Fatalf("publish = %d, %v", v1, err)
	}
	if err := accounts.RequireAgreement(o.User(t, "alice")); attest.ErrorCode(err) != attest.EAGREEMENT {
		t.Fatalf("before accepting: %v", err)
	}
	if err := accounts.RequireAgreement(o.User(t, "km1")); err != nil {
		t.Fatalf("knowledge managers are not gated: %v", err)
	}
	if err := o.Accounts.AcceptAgreement(ctx, o.Users["alice"], 1); err != nil {
		t.Fatal(err)
	}
	if err := accounts.RequireAgreement(o.User(t, "alice")); err != nil {
		t.Fatalf("after accepting: %v", err)
	}
	o.Accounts.PublishAgreement(ctx, o.Users["admin"], "Version two.")
	if err := accounts.RequireAgreement(o.User(t, "alice")); attest.ErrorCode(err) != attest.EAGREEMENT {
		t.Fatalf("a new version asks again: %v", err)
	}
	if err := o.Accounts.AcceptAgreement(ctx, o.Users["alice"], 1); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("accepting the old version: %v", err)
	}
	a, err := o.Accounts.CurrentAgreement(ctx, o.Users["alice"])
	if err != nil || a.Version != 2 || a.Accepted {
		t.Fatalf("CurrentAgreement = %+v, %v", a, err)
	}
}

func TestSupplierRequestTypes(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	if _, err := o.Accounts.SetSupplierRequestTypes(ctx, admin, "globex", []string{"password-reset", "nosuch"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("unknown request type: %v", err)
	}
	if !o.User(t, "gina").FulfilsType("password-reset") || o.User(t, "gina").FulfilsType("vpn-access") {
		t.Fatal("a refused change changed what globex fulfils")
	}
	if _, err := o.Accounts.SetSupplierRequestTypes(ctx, admin, "nosuch", nil); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Fatalf("unknown supplier: %v", err)
	}
	if _, err := o.Accounts.CreateSupplier(ctx, admin, "acme", "Again"); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Fatalf("duplicate supplier: %v", err)
	}
	if _, err := o.Accounts.CreateRequestType(ctx, admin, accounts.RequestType{Key: "x", Name: "X", Risk: "extreme"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("unknown risk: %v", err)
	}
	rt, err := o.Accounts.CreateRequestType(ctx, admin, accounts.RequestType{Key: "pam", Name: "PAM", Risk: accounts.RiskHigh, ApprovalsRequired: 2})
	if err != nil || rt.ApprovalsRequired != 2 || rt.ReviewDays != 180 {
		t.Fatalf("create = %+v, %v", rt, err)
	}
}

// TestTokenUserFollowsChanges: the token lookup is cached, and every change to what a user
// holds (the agreement, roles, what the supplier fulfils) shows on the very next call.
func TestTokenUserFollowsChanges(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	tok, _, _ := o.Accounts.IssueToken(ctx, o.Users["alice"])
	get := func() *accounts.User {
		u, err := o.Accounts.UserByToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if get().AgreementPending {
		t.Fatal("no agreement yet, but pending")
	}
	o.Accounts.PublishAgreement(ctx, o.Users["admin"], "Rules.")
	if !get().AgreementPending {
		t.Fatal("published agreement not seen by the cached token user")
	}
	o.Accounts.AcceptAgreement(ctx, get(), 1)
	if get().AgreementPending {
		t.Fatal("acceptance not seen by the cached token user")
	}
	o.Accounts.SetSupplierRequestTypes(ctx, o.Users["admin"], "acme", []string{"vpn-access"})
	if u := get(); u.FulfilsType("password-reset") || !u.FulfilsType("vpn-access") {
		t.Fatalf("fulfils = %v after the change", u.Fulfils)
	}
	kmTok, _, _ := o.Accounts.IssueToken(ctx, o.Users["km1"])
	if err := o.Accounts.SetRoles(ctx, o.Users["admin"], "km1", []accounts.Role{accounts.RoleKnowledgeManager, accounts.RoleTrainer}); err != nil {
		t.Fatal(err)
	}
	if u, err := o.Accounts.UserByToken(ctx, kmTok); err != nil || !u.Has(accounts.RoleTrainer) {
		t.Fatalf("new role not seen: %v", err)
	}
}
