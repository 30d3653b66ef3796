// Package accountstest builds the small organisation every store test starts from, on a real
// database: SQLite in a temporary directory, or PostgreSQL when the test run names a server
// (databasetest).
package accountstest

import (
	"context"
	"testing"

	"attest/accounts"
	"attest/database"
	"attest/database/databasetest"
)

// Org is a test organisation: two suppliers, three request types, one user per role.
//
//	suppliers:      acme (fulfils password-reset, software-install, vpn-access), globex (password-reset)
//	request types:  password-reset (low, certification), software-install (medium, certification),
//	                vpn-access (high, no certification)
//	users:          admin, km1, km2 (knowledge managers), trainer, auditor,
//	                alice and bob (agents at acme), gina (agent at globex)
type Org struct {
	DB       *database.DB
	Dir      string
	Accounts *accounts.Store
	Users    map[string]*accounts.User
}

// Password is every test user's password.
const Password = "test-password-1"

// NewOrg creates the organisation in a fresh database (databasetest.Open).
func NewOrg(t testing.TB) *Org {
	t.Helper()
	ctx := context.Background()
	db, dir := databasetest.Open(t)
	o := &Org{DB: db, Dir: dir, Accounts: accounts.NewStore(db), Users: map[string]*accounts.User{}}
	sys := accounts.System("test")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("build test organisation: %v", err)
		}
	}
	for _, sp := range [][2]string{{"acme", "Acme Outsourcing"}, {"globex", "Globex Services"}} {
		_, err := o.Accounts.CreateSupplier(ctx, sys, sp[0], sp[1])
		must(err)
	}
	for _, rt := range []accounts.RequestType{
		{Key: "password-reset", Name: "Password reset", Risk: accounts.RiskLow, RequiresCertification: true},
		{Key: "software-install", Name: "Software installation", Risk: accounts.RiskMedium, RequiresCertification: true},
		{Key: "vpn-access", Name: "VPN access", Risk: accounts.RiskHigh},
	} {
		_, err := o.Accounts.CreateRequestType(ctx, sys, rt)
		must(err)
	}
	_, err := o.Accounts.SetSupplierRequestTypes(ctx, sys, "acme", []string{"password-reset", "software-install", "vpn-access"})
	must(err)
	_, err = o.Accounts.SetSupplierRequestTypes(ctx, sys, "globex", []string{"password-reset"})
	must(err)
	for _, u := range []accounts.NewUser{
		{Username: "admin", Roles: []accounts.Role{accounts.RoleAdmin}},
		{Username: "km1", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
		{Username: "km2", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
		{Username: "trainer", Roles: []accounts.Role{accounts.RoleTrainer}},
		{Username: "auditor", Roles: []accounts.Role{accounts.RoleAuditor}},
		{Username: "alice", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"},
		{Username: "bob", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"},
		{Username: "gina", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "globex"},
	} {
		u.Password = Password
		created, err := o.Accounts.CreateUser(ctx, sys, u)
		must(err)
		o.Users[u.Username] = created
	}
	return o
}

// User reloads a user, so that derived fields (agreement state, what the supplier fulfils)
// are current, as they are for each request.
func (o *Org) User(t testing.TB, username string) *accounts.User {
	t.Helper()
	u, err := o.Accounts.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("load user %s: %v", username, err)
	}
	return u
}
