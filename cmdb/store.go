// Package cmdb holds the enterprise's configuration items (CIs) as copied from its CMDB, with an
// immutable version history, and the strict terms on which supplier agents see them: scope by
// fulfilment and authority, a separate CMDB agreement, purpose binding to a ticket, a daily
// quota, and an access log written before any answer.
package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/kb"
	"attest/training"
)

// Error codes of the CMDB that a caller may see besides attest's own.
const (
	// EAGREEMENT: the agent has not accepted the current CMDB agreement, or none is published (403).
	EAGREEMENT = attest.ECMDBAGREEMENT
	// EQUOTA: the agent's daily lookups are used up (429, with Retry-After).
	EQUOTA = attest.EQUOTA
)

// DefaultQuota is the number of lookups an agent may make per UTC day when its supplier has no
// quota of its own.
const DefaultQuota = 200

// MaxAgentHits bounds the hits of one search for an agent.
const MaxAgentHits = 20

// Store keeps configuration items, the CMDB agreement, quotas and the access log.
type Store struct {
	db       *database.DB
	accounts *accounts.Store
	kb       *kb.Store
	training *training.Store

	// log group-commits access-log records (access.go).
	log accessCommit
	// derived caches authority and agreement answers by journal generation (cache.go).
	derived derivedCache
	reads   reads

	mu  sync.RWMutex
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *database.DB, acc *accounts.Store, k *kb.Store, tr *training.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k, training: tr, now: time.Now}
}

// SetClock replaces the store's clock (tests cross a UTC midnight with it); nil restores it.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

func (s *Store) clock() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now().UTC()
}

// isEnterprise reports whether u holds a role that sees the whole CMDB (admin, knowledge
// manager, auditor) without ticket, agreement or quota.
func isEnterprise(u *accounts.User) bool {
	return u != nil && (u.System || u.Has(accounts.RoleAdmin, accounts.RoleKnowledgeManager, accounts.RoleAuditor))
}

// isAgent reports whether u reads the CMDB under the agents' terms.
func isAgent(u *accounts.User) bool {
	return u != nil && !isEnterprise(u) && u.Has(accounts.RoleAgent)
}

func forbid(actor *accounts.User, msg string, roles ...accounts.Role) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	if !actor.Has(roles...) {
		return attest.Errorf(attest.EFORBIDDEN, "%s", msg)
	}
	return nil
}

type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func parseTime(s string) time.Time {
	t, _ := database.Parse(s)
	return t
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if attest.ErrorCode(err) != attest.EINTERNAL {
		return err
	}
	return fmt.Errorf("cmdb: %s: %w", what, err)
}
