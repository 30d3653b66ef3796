// Package accounts holds the people who use Attest and what they may do: users and their
// roles, suppliers, the request-type catalogue and which supplier fulfils what, sign-in and
// API tokens, and the usage agreement agents accept before they see any knowledge.
package accounts

import (
	"slices"
	"strings"
	"time"
)

// Role is what a user does in Attest. A user may hold several.
type Role string

// The roles of DESIGN.md.
const (
	RoleAdmin            Role = "admin"
	RoleKnowledgeManager Role = "knowledge_manager"
	RoleTrainer          Role = "trainer"
	RoleAuditor          Role = "auditor"
	RoleAgent            Role = "agent"
)

// Roles lists every role, in the order pages show them.
var Roles = []Role{RoleAgent, RoleKnowledgeManager, RoleTrainer, RoleAuditor, RoleAdmin}

// Label is the role's name as people read it.
func (r Role) Label() string {
	switch r {
	case RoleKnowledgeManager:
		return "Knowledge manager"
	default:
		s := string(r)
		if s == "" {
			return ""
		}
		return strings.ToUpper(s[:1]) + s[1:]
	}
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is a person signed in to Attest, as the domain packages see the actor of a call.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Roles       []Role
	// Supplier is the key of the supplier an agent works for ("" for enterprise staff).
	Supplier     string
	SupplierID   int64
	SupplierName string
	// Fulfils lists the request-type keys the user's supplier fulfils.
	Fulfils []string
	// AgreementPending is true when a usage agreement is published whose current version
	// this user has not accepted.
	AgreementPending bool
	// System marks the command-line actor, which is trusted with every role.
	System bool

	// Email is where notifications go ("" for none).
	Email string
	// DisabledAt is set (RFC 3339) while an admin has disabled the account; DisabledReason says why.
	DisabledAt     string
	DisabledReason string
	// EndDate (YYYY-MM-DD, "" for none) is the last day the account works.
	EndDate string
	// MustChangePassword is true while the password is a temporary one an admin issued.
	MustChangePassword bool
	// Service marks a service account (an integration); its calls are limited to Scopes.
	Service bool
	Scopes  []Scope
	// SessionEpoch is stored in a browser session at sign-in: a session carrying an older one
	// has ended (the password changed, or the account was disabled).
	SessionEpoch int64
	// Erased is true once the person's personal data was removed; the account stays, under a
	// pseudonym, so that its journal and evidence remain attributable.
	Erased bool
	// TokenID is the API token the current request came with (0 for a browser session).
	TokenID int64
}

// Refusal says why u may not sign in or call anything at time now, "" when u may: disabled by
// an admin, or past the end date. The end date is checked on every authentication, so an
// account ends by itself without a background job.
func (u *User) Refusal(now time.Time) string {
	switch {
	case u == nil || u.System:
		return ""
	case u.DisabledAt != "":
		return "This account is disabled. Ask your administrator."
	case u.EndDate != "" && u.EndDate < now.UTC().Format(time.DateOnly):
		return "This account ended on " + u.EndDate + ". Ask your administrator."
	}
	return ""
}

// HasScope reports whether u may make a call that needs scope: people may make every call
// their roles allow; a service account only those within its scopes.
func (u *User) HasScope(scope Scope) bool {
	if u == nil || !u.Service {
		return true
	}
	return scope != "" && slices.Contains(u.Scopes, scope)
}

// IsSupplierStaff reports whether u works for a supplier: an agent, or anyone with a supplier.
func (u *User) IsSupplierStaff() bool {
	return u != nil && (u.Supplier != "" || slices.Contains(u.Roles, RoleAgent))
}

// Has reports whether u holds any of the roles.
func (u *User) Has(roles ...Role) bool {
	if u == nil {
		return false
	}
	if u.System {
		return true
	}
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// IsAgent reports whether u is supplier staff. An agent who also holds an enterprise role
// reads as that role.
func (u *User) IsAgent() bool {
	return u != nil && !u.System && u.Has(RoleAgent) &&
		!u.Has(RoleKnowledgeManager, RoleAuditor, RoleAdmin, RoleTrainer)
}

// NeedsAgreement reports whether u holds the agent role (alone or with other roles) and has
// not accepted the current usage agreement: until then u sees no knowledge.
//
// A service account does not accept agreements: the admin who created it answers for it.
func (u *User) NeedsAgreement() bool {
	return u != nil && !u.System && !u.Service && u.Has(RoleAgent) && u.AgreementPending
}

// FulfilsType reports whether u's supplier fulfils the request type.
func (u *User) FulfilsType(key string) bool { return slices.Contains(u.Fulfils, key) }

// Name is how pages and the journal name the user.
func (u *User) Name() string {
	if u == nil {
		return ""
	}
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// System returns the trusted actor for command-line tools run on the server itself.
func System(name string) *User {
	return &User{Username: name, DisplayName: name, System: true}
}
