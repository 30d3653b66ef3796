package accounts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/journal"
)

func ptr[T any](v T) *T { return &v }

// journaled returns the actions journaled on object, oldest first.
func journaled(t *testing.T, o *accountstest.Org, object string) []string {
	t.Helper()
	es, err := journal.List(context.Background(), o.DB.Read, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Object == object {
			out = append(out, e.Action)
		}
	}
	return out
}

func has(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Disabling a person refuses their token on the next call and their password, journaled;
// enabling them again does not bring the old tokens back.
func TestDisableEndsTokensAtOnce(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	tok, _, _ := o.Accounts.IssueToken(ctx, o.Users["bob"])
	if _, err := o.Accounts.UserByToken(ctx, tok); err != nil {
		t.Fatal(err) // now cached
	}
	admin := o.Users["admin"]
	if _, err := o.Accounts.UpdateUser(ctx, admin, "bob", accounts.UserUpdate{Disabled: ptr(true)}); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("disable without a reason: %v, want EINVALID", err)
	}
	u, err := o.Accounts.UpdateUser(ctx, admin, "bob", accounts.UserUpdate{Disabled: ptr(true), Reason: "left Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if u.DisabledAt == "" || u.DisabledReason != "left Acme" {
		t.Errorf("disabled at %q for %q", u.DisabledAt, u.DisabledReason)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Fatalf("token of a disabled person: %v, want EUNAUTH", err)
	}
	if _, err := o.Accounts.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.1"); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Fatalf("password of a disabled person: %v, want EUNAUTH", err)
	}
	if _, err := o.Accounts.UpdateUser(ctx, admin, "bob", accounts.UserUpdate{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("a token from before disabling works again after enabling: %v", err)
	}
	if _, err := o.Accounts.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.1"); err != nil {
		t.Errorf("enabled again, the password works: %v", err)
	}
	if got := journaled(t, o, "user:bob"); !has(got, "user.disable") || !has(got, "user.enable") {
		t.Errorf("journal for bob: %v, want user.disable and user.enable", got)
	}
}

// Past the end date the account is refused by itself: no job runs, every authentication checks.
func TestEndDateDisablesByItself(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	tok, _, _ := o.Accounts.IssueToken(ctx, o.Users["bob"])
	today := time.Now().UTC().Format(time.DateOnly)
	if _, err := o.Accounts.UpdateUser(ctx, o.Users["admin"], "bob", accounts.UserUpdate{EndDate: ptr(today)}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok); err != nil {
		t.Fatalf("on the last day the token works: %v", err)
	}
	u := o.User(t, "bob")
	if why := u.Refusal(time.Now().Add(24 * time.Hour)); why == "" {
		t.Error("the day after the end date, the account is not refused")
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	if _, err := o.Accounts.UpdateUser(ctx, o.Users["admin"], "bob", accounts.UserUpdate{EndDate: ptr(yesterday)}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("past the end date, token: %v, want EUNAUTH", err)
	}
	if _, err := o.Accounts.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.2"); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("past the end date, password: %v, want EUNAUTH", err)
	}
	if _, err := o.Accounts.UpdateUser(ctx, o.Users["admin"], "bob", accounts.UserUpdate{EndDate: ptr("31/12/2026")}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("a malformed end date: %v, want EINVALID", err)
	}
	if got := journaled(t, o, "user:bob"); !has(got, "user.update") {
		t.Errorf("end date not journaled: %v", got)
	}
}

// Separation of duties on roles: each rule is refused, changes nothing, and allowed changes
// are journaled.
func TestRoleSeparationOfDuties(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	cases := []struct {
		name     string
		actor    string
		username string
		up       accounts.UserUpdate
		code     string
		field    string
	}{
		{"agent made knowledge manager", "admin", "alice", accounts.UserUpdate{Roles: &[]accounts.Role{accounts.RoleAgent, accounts.RoleKnowledgeManager}}, attest.EINVALID, "roles"},
		{"agent made admin only, keeping the supplier", "admin", "alice", accounts.UserUpdate{Roles: &[]accounts.Role{accounts.RoleAdmin}}, attest.EINVALID, "roles"},
		{"trainer given a supplier", "admin", "trainer", accounts.UserUpdate{Supplier: ptr("acme")}, attest.EINVALID, "roles"},
		{"own roles", "admin", "admin", accounts.UserUpdate{Roles: &[]accounts.Role{accounts.RoleAdmin, accounts.RoleAuditor}}, attest.EFORBIDDEN, ""},
		{"disable oneself", "admin", "admin", accounts.UserUpdate{Disabled: ptr(true), Reason: "x"}, attest.EFORBIDDEN, ""},
		{"not an admin", "km1", "alice", accounts.UserUpdate{DisplayName: ptr("A")}, attest.EFORBIDDEN, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := o.User(t, c.username)
			_, err := o.Accounts.UpdateUser(ctx, o.User(t, c.actor), c.username, c.up)
			if attest.ErrorCode(err) != c.code {
				t.Fatalf("%v, want %s", err, c.code)
			}
			if e, ok := err.(*attest.Error); c.field != "" && (!ok || e.Fields[c.field] == "") {
				t.Errorf("error %v does not name %s", err, c.field)
			}
			after := o.User(t, c.username)
			if strings.Join(roleStrings(after.Roles), ",") != strings.Join(roleStrings(before.Roles), ",") || after.Supplier != before.Supplier || after.DisabledAt != "" {
				t.Errorf("refused change changed %s: %+v", c.username, after)
			}
		})
	}
	// Creating such a person is refused the same way.
	_, err := o.Accounts.CreateUser(ctx, admin, accounts.NewUser{Username: "mixed", Password: "long-enough-pass", Supplier: "acme",
		Roles: []accounts.Role{accounts.RoleAgent, accounts.RoleTrainer}})
	if e, ok := err.(*attest.Error); !ok || e.Code != attest.EINVALID || e.Fields["roles"] == "" {
		t.Errorf("create agent+trainer: %v, want EINVALID on roles", err)
	}
	// Another admin changes roles, journaled.
	if _, err := o.Accounts.UpdateUser(ctx, admin, "km1", accounts.UserUpdate{Roles: &[]accounts.Role{accounts.RoleKnowledgeManager, accounts.RoleTrainer}}); err != nil {
		t.Fatal(err)
	}
	if got := journaled(t, o, "user:km1"); !has(got, "user.roles") {
		t.Errorf("role change not journaled: %v", got)
	}
}

func roleStrings(rs []accounts.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

func TestWeakPassword(t *testing.T) {
	for _, c := range []struct {
		pw   string
		weak bool
	}{
		{"short-1", true},
		{"password", true},
		{"Password123", true},
		{"qwertyuiop", true},
		{"1234567890", true},
		{"Welcome2024", true},
		{"correct horse battery", false},
		{"a-new-long-password-42", false},
	} {
		if got := accounts.WeakPassword(c.pw) != ""; got != c.weak {
			t.Errorf("WeakPassword(%q) = %q, want weak=%v", c.pw, accounts.WeakPassword(c.pw), c.weak)
		}
	}
}

// Changing one's password needs the current one, refuses weak ones, and ends the other
// password-issued tokens while keeping the caller's own and their named tokens.
func TestChangePassword(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	mine, _, _ := o.Accounts.IssueToken(ctx, o.Users["alice"])
	other, _, _ := o.Accounts.IssueToken(ctx, o.Users["alice"])
	_, named, err := o.Accounts.CreateToken(ctx, o.User(t, "alice"), accounts.NewToken{Name: "my script"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := o.Accounts.UserByToken(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.ChangePassword(ctx, me, "not-my-password", "a-fresh-long-password"); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("wrong current: %v, want EINVALID", err)
	}
	if _, err := o.Accounts.ChangePassword(ctx, me, accountstest.Password, "password1"); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("weak new: %v, want EINVALID", err)
	}
	epoch, err := o.Accounts.ChangePassword(ctx, me, accountstest.Password, "a-fresh-long-password")
	if err != nil {
		t.Fatal(err)
	}
	if epoch <= me.SessionEpoch {
		t.Errorf("session epoch %d after the change, was %d: other sessions would survive", epoch, me.SessionEpoch)
	}
	if _, err := o.Accounts.UserByToken(ctx, mine); err != nil {
		t.Errorf("the caller's own token: %v", err)
	}
	if _, err := o.Accounts.UserByToken(ctx, other); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("another password token: %v, want EUNAUTH", err)
	}
	if _, err := o.Accounts.UserByToken(ctx, named); err != nil {
		t.Errorf("a named token: %v", err)
	}
	if _, err := o.Accounts.Authenticate(ctx, "alice", "a-fresh-long-password", "10.0.0.3"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// An admin's reset gives a temporary password that must be changed, and ends the old tokens.
func TestResetPassword(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	tok, _, _ := o.Accounts.IssueToken(ctx, o.Users["alice"])
	if _, err := o.Accounts.ResetPassword(ctx, o.Users["km1"], "alice"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("reset by a knowledge manager: %v", err)
	}
	temp, err := o.Accounts.ResetPassword(ctx, o.Users["admin"], "alice")
	if err != nil || accounts.WeakPassword(temp) != "" {
		t.Fatalf("reset: %q %v", temp, err)
	}
	if _, err := o.Accounts.UserByToken(ctx, tok); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("old token after the reset: %v", err)
	}
	u, err := o.Accounts.Authenticate(ctx, "alice", temp, "10.0.0.4")
	if err != nil || !u.MustChangePassword {
		t.Fatalf("sign-in with the temporary password: %v, must change %v", err, u != nil && u.MustChangePassword)
	}
	if _, err := o.Accounts.ChangePassword(ctx, u, temp, "alice-own-password-9"); err != nil {
		t.Fatal(err)
	}
	if o.User(t, "alice").MustChangePassword {
		t.Error("still must change after changing")
	}
	if got := journaled(t, o, "user:alice"); !has(got, "user.password_reset") || !has(got, "user.password_change") {
		t.Errorf("journal: %v", got)
	}
}

// A service account's tokens carry its scopes; a revoked token is refused at once, also when
// its answer was cached; the last use is recorded.
func TestServiceAccountTokens(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	if _, err := o.Accounts.CreateServiceAccount(ctx, admin, accounts.NewServiceAccount{Name: "Desk", Supplier: "acme", Scopes: []accounts.Scope{"root"}}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("unknown scope: %v", err)
	}
	if _, err := o.Accounts.CreateServiceAccount(ctx, admin, accounts.NewServiceAccount{Name: "Desk", Scopes: []accounts.Scope{accounts.ScopeKnowledgeRead}}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("no supplier: %v", err)
	}
	svc, err := o.Accounts.CreateServiceAccount(ctx, admin, accounts.NewServiceAccount{Name: "Acme ServiceDesk", Supplier: "acme",
		Scopes: []accounts.Scope{accounts.ScopeKnowledgeRead}})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Username != "svc-acme-servicedesk" || !svc.Service {
		t.Errorf("service account %q service=%v", svc.Username, svc.Service)
	}
	if _, _, err := o.Accounts.CreateToken(ctx, o.User(t, "km1"), accounts.NewToken{Name: "x", Username: svc.Username}); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("a knowledge manager makes a service token: %v", err)
	}
	if _, _, err := o.Accounts.CreateToken(ctx, admin, accounts.NewToken{Name: "x", Username: "alice"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("an admin makes a token for a person: %v", err)
	}
	tk, secret, err := o.Accounts.CreateToken(ctx, admin, accounts.NewToken{Name: "prod", Username: svc.Username, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := o.Accounts.UserByToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !u.HasScope(accounts.ScopeKnowledgeRead) || u.HasScope(accounts.ScopeUsageWrite) || u.HasScope("") {
		t.Errorf("scopes %v", u.Scopes)
	}
	if !o.User(t, "alice").HasScope(accounts.ScopeUsageWrite) {
		t.Error("a person's calls are limited by scopes")
	}
	list, err := o.Accounts.Tokens(ctx, admin, svc.Username)
	if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Fatalf("tokens: %+v %v, want one with its last use", list, err)
	}
	if _, err := o.Accounts.Tokens(ctx, o.User(t, "alice"), svc.Username); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("alice lists another's tokens: %v", err)
	}
	if err := o.Accounts.RevokeToken(ctx, o.User(t, "alice"), tk.ID); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("alice revokes another's token: %v", err)
	}
	if err := o.Accounts.RevokeToken(ctx, admin, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.UserByToken(ctx, secret); attest.ErrorCode(err) != attest.EUNAUTH {
		t.Errorf("revoked token: %v, want EUNAUTH", err)
	}
	if got := journaled(t, o, "user:"+svc.Username); !has(got, "service_account.create") {
		t.Errorf("journal: %v", got)
	}
}

// Removing personal data keeps the account, under a pseudonym, and journals which name it replaced.
func TestEraseUser(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	if _, err := o.Accounts.UpdateUser(ctx, admin, "bob", accounts.UserUpdate{Email: ptr("bob@acme.example")}); err != nil {
		t.Fatal(err)
	}
	u, err := o.Accounts.EraseUser(ctx, admin, "bob", "asked on 1 Dec")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != o.Users["bob"].ID || !strings.HasPrefix(u.Username, "former-") || u.Email != "" || u.DisplayName == "Bob" || u.Refusal(time.Now()) == "" {
		t.Errorf("erased: %+v", u)
	}
	if _, err := o.Accounts.UserByUsername(ctx, "bob"); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("the old username still finds the account: %v", err)
	}
	if got := journaled(t, o, "user:bob"); !has(got, "user.erase") {
		t.Errorf("journal: %v", got)
	}
	if _, err := o.Accounts.EraseUser(ctx, admin, "admin", ""); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("erase oneself: %v", err)
	}
}

func TestAccessReview(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	if _, err := o.Accounts.Authenticate(ctx, "alice", accountstest.Password, "10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accounts.AccessReview(ctx, o.Users["km1"], "", time.Hour, time.Now()); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("a knowledge manager: %v", err)
	}
	// With a one-hour period: half an hour on, nobody is unused; two hours on, bob (never
	// signed in, created just now) is.
	rev, err := o.Accounts.AccessReview(ctx, o.Users["auditor"], "", time.Hour, time.Now().Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	rev2, _ := o.Accounts.AccessReview(ctx, o.Users["auditor"], "", time.Hour, time.Now().Add(2*time.Hour))
	unused := func(r *accounts.AccessReview, name string) bool {
		for _, g := range r.Groups {
			for _, a := range g.Accounts {
				if a.Username == name {
					return a.Unused
				}
			}
		}
		t.Fatalf("%s not in the review", name)
		return false
	}
	if unused(rev, "alice") || unused(rev, "bob") {
		t.Error("flagged within the period")
	}
	if !unused(rev2, "bob") {
		t.Error("bob, never signed in, not flagged after the period")
	}
	q := accounts.QuarterOf(time.Now())
	if err := o.Accounts.CertifyAccessReview(ctx, o.Users["auditor"], "acme", q, ""); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("an auditor certifies: %v", err)
	}
	if err := o.Accounts.CertifyAccessReview(ctx, o.Users["admin"], "acme", q, "checked with Acme"); err != nil {
		t.Fatal(err)
	}
	if err := o.Accounts.CertifyAccessReview(ctx, o.Users["admin"], "acme", q, ""); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Errorf("certify twice: %v", err)
	}
	rev, _ = o.Accounts.AccessReview(ctx, o.Users["admin"], q, time.Hour, time.Now())
	for _, g := range rev.Groups {
		if (g.Supplier == "acme") != (g.CertifiedBy == "admin") {
			t.Errorf("group %q certified by %q", g.Supplier, g.CertifiedBy)
		}
	}
	if got := journaled(t, o, "access_review:"+q+":acme"); !has(got, "access_review.certify") {
		t.Errorf("journal: %v", got)
	}
}
