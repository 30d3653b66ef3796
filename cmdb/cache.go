package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Every lookup needs the agent's authority for the CI's request types and whether it accepted
// the CMDB agreement; deriving them takes a dozen queries. Both follow only from state changes,
// and every state change writes a journal entry in its own transaction (DESIGN.md), so the
// newest journal id is an exact generation: answers are cached until it moves, and an
// authority no longer than the moment its certification expires or its grace period ends.
// Access-log records are not journal entries, so lookups do not invalidate the cache.

type authKey struct {
	userID int64
	rt     string
}

type authEntry struct {
	gen        int64
	until      time.Time
	authorized bool
}

// derivedCache holds authority per (user, request type) and, under the empty request type,
// whether the user accepted the current CMDB agreement.
type derivedCache struct {
	mu sync.Mutex
	m  map[authKey]authEntry
}

// maxCached bounds each map; past it the cache starts over.
const maxCached = 100_000

// reads are the lookup path's prepared queries, prepared once per store.
type reads struct {
	once                                 sync.Once
	err                                  error
	gen, accepted, head, attrs, relation *sql.Stmt
}

func (s *Store) prepared() (*reads, error) {
	r := &s.reads
	ctx := context.Background() // statements outlive the call that prepares them
	r.once.Do(func() {
		prep := func(q string) *sql.Stmt {
			if r.err != nil {
				return nil
			}
			st, err := s.db.Read.PrepareContext(ctx, q)
			if err != nil {
				r.err = fmt.Errorf("cmdb: prepare: %w", err)
			}
			return st
		}
		r.gen = prep(`SELECT COALESCE(MAX(id), 0) FROM journal`)
		// A service account accepts no agreement (its admin answers for it), but none published
		// still means no access.
		r.accepted = prep(`SELECT EXISTS(SELECT 1 FROM cmdb_agreements) AND (? = 1 OR EXISTS(SELECT 1 FROM cmdb_agreement_acceptances
			WHERE user_id = ? AND version = (SELECT MAX(version) FROM cmdb_agreements)))`)
		r.head = prep(`SELECT i.id, i.version, i.status, ` + fmt.Sprintf(typesOf, "i.id") + `, i.class, i.name, i.environment, i.owner, i.updated_at
			FROM cmdb_items i WHERE i.key = ?`)
		r.attrs = prep(`SELECT name, value, shared FROM cmdb_attributes WHERE item_id = ? ORDER BY name`)
		r.relation = prep(`SELECT r.type, t.key, t.name, t.status, ` + fmt.Sprintf(typesOf, "t.id") + `
			FROM cmdb_relations r JOIN cmdb_items t ON t.id = r.to_id WHERE r.item_id = ? ORDER BY r.type, t.key`)
	})
	if r.err != nil {
		return nil, r.err
	}
	return r, nil
}

func (s *Store) generation(ctx context.Context) (int64, error) {
	r, err := s.prepared()
	if err != nil {
		return 0, err
	}
	var gen int64
	if err := r.gen.QueryRowContext(ctx).Scan(&gen); err != nil {
		return 0, fmt.Errorf("cmdb: journal generation: %w", err)
	}
	return gen, nil
}

func (c *derivedCache) get(k authKey, gen int64, now time.Time) (bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || e.gen != gen || !now.Before(e.until) {
		return false, false
	}
	return e.authorized, true
}

func (c *derivedCache) put(k authKey, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[authKey]authEntry{}
	}
	c.m[k] = e
}
