// Package demo seeds a believable organisation into an empty database, so that a newcomer who
// runs `attest serve --demo` sees every capability working: suppliers, a real service
// catalogue, one user per role, knowledge, usage, training and audits.
package demo

import (
	"context"
	"fmt"
	"io"

	"attest/accounts"
	"attest/audit"
	"attest/cmdb"
	"attest/database"
	"attest/kb"
	"attest/training"
)

// Deps are the stores the seed writes through: the same domain methods people use.
type Deps struct {
	DB       *database.DB
	Accounts *accounts.Store
	KB       *kb.Store
	Training *training.Store
	Audit    *audit.Store
	CMDB     *cmdb.Store // nil: no CMDB estate
}

// Login is a demo account printed at start.
type Login struct {
	Username, Password, Role string
}

// Password is every demo user's password.
const Password = "demo-password"

// Logins lists the demo accounts.
var Logins = []Login{
	{"admin", Password, "admin"},
	{"kim", Password, "knowledge manager"},
	{"kai", Password, "knowledge manager"},
	{"tara", Password, "trainer"},
	{"audrey", Password, "auditor"},
	{"alice", Password, "agent at Acme Outsourcing"},
	{"bob", Password, "agent at Acme Outsourcing"},
	{"gina", Password, "agent at Globex Services"},
	{"ivan", Password, "agent at Initech Support"},
}

// IsEmpty reports whether the database holds no users yet.
func IsEmpty(ctx context.Context, db *database.DB) (bool, error) {
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("demo: count users: %w", err)
	}
	return n == 0, nil
}

// Seed fills an empty database with the demo organisation, reporting progress to out.
func Seed(ctx context.Context, d Deps, out io.Writer) error {
	sys := accounts.System("demo")
	org, err := seedOrg(ctx, d, sys)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: organisation, catalogue and users created")
	for _, step := range seeders {
		if err := step.fn(ctx, d, org); err != nil {
			return fmt.Errorf("demo: %s: %w", step.name, err)
		}
		fmt.Fprintf(out, "demo: %s seeded\n", step.name)
	}
	if err := seedScorecard(ctx, d, org); err != nil {
		return fmt.Errorf("demo: scorecards: %w", err)
	}
	fmt.Fprintln(out, "demo: scorecards, automation candidates and a known-blocker notice seeded")
	if err := seedCMDB(ctx, d, org); err != nil {
		return fmt.Errorf("demo: CMDB: %w", err)
	}
	fmt.Fprintln(out, "demo: CMDB seeded")
	return nil
}

// Org is what later seeders need from the organisation seed.
type Org struct {
	Users map[string]*accounts.User
}

// seeders run after the organisation, in order; each capability appends its own in init.
var seeders []struct {
	name string
	fn   func(context.Context, Deps, *Org) error
}

func register(name string, fn func(context.Context, Deps, *Org) error) {
	seeders = append(seeders, struct {
		name string
		fn   func(context.Context, Deps, *Org) error
	}{name, fn})
}

func seedOrg(ctx context.Context, d Deps, sys *accounts.User) (*Org, error) {
	for _, sp := range []struct{ key, name string }{
		{"acme", "Acme Outsourcing"}, {"globex", "Globex Services"}, {"initech", "Initech Support"},
	} {
		if _, err := d.Accounts.CreateSupplier(ctx, sys, sp.key, sp.name); err != nil {
			return nil, err
		}
	}
	for _, rt := range []accounts.RequestType{
		{Key: "password-reset", Name: "Password reset", Risk: accounts.RiskLow, RequiresCertification: false, ReviewDays: 180},
		{Key: "mfa-reset", Name: "MFA reset", Risk: accounts.RiskHigh, RequiresCertification: true, ReviewDays: 90},
		{Key: "access-request", Name: "Access request", Risk: accounts.RiskMedium, RequiresCertification: true, ReviewDays: 180},
		{Key: "privileged-access", Name: "Privileged access", Risk: accounts.RiskHigh, RequiresCertification: true, ApprovalsRequired: 2, ReviewDays: 90},
		{Key: "software-install", Name: "Software installation", Risk: accounts.RiskMedium, RequiresCertification: true, ReviewDays: 180},
		{Key: "vpn-access", Name: "VPN access", Risk: accounts.RiskMedium, RequiresCertification: false, ReviewDays: 180},
		{Key: "mailbox-creation", Name: "Mailbox creation", Risk: accounts.RiskLow, RequiresCertification: false, ReviewDays: 365},
		{Key: "laptop-provisioning", Name: "Laptop provisioning", Risk: accounts.RiskMedium, RequiresCertification: true, ReviewDays: 180},
		{Key: "printer-setup", Name: "Printer setup", Risk: accounts.RiskLow, RequiresCertification: false, ReviewDays: 365},
	} {
		if _, err := d.Accounts.CreateRequestType(ctx, sys, rt); err != nil {
			return nil, err
		}
	}
	for sup, rts := range map[string][]string{
		"acme":    {"password-reset", "mfa-reset", "access-request", "privileged-access", "software-install", "vpn-access"},
		"globex":  {"password-reset", "mailbox-creation", "printer-setup", "laptop-provisioning"},
		"initech": {"password-reset", "mfa-reset", "vpn-access", "software-install", "laptop-provisioning"},
	} {
		if _, err := d.Accounts.SetSupplierRequestTypes(ctx, sys, sup, rts); err != nil {
			return nil, err
		}
	}
	org := &Org{Users: map[string]*accounts.User{}}
	for _, u := range []accounts.NewUser{
		{Username: "admin", DisplayName: "Ada Admin", Roles: []accounts.Role{accounts.RoleAdmin}},
		{Username: "kim", DisplayName: "Kim Keller", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
		{Username: "kai", DisplayName: "Kai Nakamura", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
		{Username: "tara", DisplayName: "Tara Trent", Roles: []accounts.Role{accounts.RoleTrainer}},
		{Username: "audrey", DisplayName: "Audrey Auditor", Roles: []accounts.Role{accounts.RoleAuditor}},
		{Username: "alice", DisplayName: "Alice Ahn", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"},
		{Username: "bob", DisplayName: "Bob Brown", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "acme"},
		{Username: "gina", DisplayName: "Gina Garcia", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "globex"},
		{Username: "ivan", DisplayName: "Ivan Ivanov", Roles: []accounts.Role{accounts.RoleAgent}, Supplier: "initech"},
	} {
		u.Password = Password
		created, err := d.Accounts.CreateUser(ctx, sys, u)
		if err != nil {
			return nil, err
		}
		org.Users[u.Username] = created
	}
	if _, err := d.Accounts.PublishAgreement(ctx, org.Users["admin"], "Use these procedures only for tickets assigned to you by the enterprise's service desk.\n\nDo not copy knowledge out of Attest or share it with anyone outside your supplier's service team.\n\nReport steps that are wrong or missing with the feedback buttons, so that they are fixed for everyone."); err != nil {
		return nil, err
	}
	// Most demo agents have accepted it; bob has not, so a newcomer sees the gate.
	for _, name := range []string{"alice", "gina", "ivan"} {
		if err := d.Accounts.AcceptAgreement(ctx, org.Users[name], 1); err != nil {
			return nil, err
		}
	}
	return org, nil
}
