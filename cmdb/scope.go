package cmdb

import (
	"context"
	"slices"
	"time"

	"attest/accounts"
)

// scope is what one reader may see of the CMDB, for the length of one call. It is the one
// place that decides who sees a CI (DESIGN.md, "rules that live in one place"): reads, search,
// relations, article links and pages all ask sees, and the search's SQL filter takes its
// allowedTypes.
type scope struct {
	s     *Store
	actor *accounts.User
	// enterprise readers see every CI, restricted attributes included.
	enterprise bool
	// authorized memoizes, per request type, whether the agent's supplier fulfils it and the
	// agent holds fulfilment authority for it.
	authorized map[string]bool
	// gen is the journal generation the call's answers are cached under (0: not read yet).
	gen int64
}

// generation returns the journal generation, read once per call.
func (sc *scope) generation(ctx context.Context) (int64, error) {
	if sc.gen == 0 {
		g, err := sc.s.generation(ctx)
		if err != nil {
			return 0, err
		}
		sc.gen = g
	}
	return sc.gen, nil
}

// newScope returns the scope of actor. A nil actor, or one that is neither enterprise staff
// nor an agent, sees nothing (fail closed).
func (s *Store) newScope(actor *accounts.User) *scope {
	return &scope{s: s, actor: actor, enterprise: isEnterprise(actor), authorized: map[string]bool{}}
}

// holds reports whether the agent may work the request type: its supplier fulfils the type and
// the agent holds fulfilment authority for it, computed by training exactly as
// GET /api/v1/authority computes it.
func (sc *scope) holds(ctx context.Context, rt string) (bool, error) {
	if ok, done := sc.authorized[rt]; done {
		return ok, nil
	}
	ok := false
	if isAgent(sc.actor) && sc.actor.FulfilsType(rt) {
		gen, err := sc.generation(ctx)
		if err != nil {
			return false, err
		}
		now := sc.s.clock()
		k := authKey{sc.actor.ID, rt}
		var hit bool
		if ok, hit = sc.s.derived.get(k, gen, now); !hit {
			a, err := sc.s.training.Authority(ctx, sc.actor, sc.actor.Username, rt)
			if err != nil {
				return false, err
			}
			ok = a.Authorized
			until := now.Add(5 * time.Minute)
			for _, t := range []*time.Time{a.ExpiresAt, a.RecertifyBy} {
				if t != nil && t.Before(until) {
					until = *t
				}
			}
			sc.s.derived.put(k, authEntry{gen: gen, until: until, authorized: ok})
		}
	}
	sc.authorized[rt] = ok
	return ok, nil
}

// sees reports whether the reader may see a CI with this status and these request types:
// enterprise staff see every CI; an agent sees a CI that is not retired and is linked to a
// request type it holds (see holds); nobody else sees any.
func (sc *scope) sees(ctx context.Context, status string, requestTypes []string) (bool, error) {
	if sc.enterprise {
		return true, nil
	}
	if !isAgent(sc.actor) || status == StatusRetired {
		return false, nil
	}
	for _, rt := range requestTypes {
		ok, err := sc.holds(ctx, rt)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// seesAttribute reports whether the reader may see an attribute: restricted ones are for
// enterprise staff only.
func (sc *scope) seesAttribute(a Attribute) bool { return a.Shared || sc.enterprise }

// allowedTypes lists the request types whose CIs an agent may see (every type the supplier
// fulfils that the agent holds); nil with all true for enterprise staff.
func (sc *scope) allowedTypes(ctx context.Context) (types []string, all bool, err error) {
	if sc.enterprise {
		return nil, true, nil
	}
	if !isAgent(sc.actor) {
		return nil, false, nil
	}
	for _, rt := range sc.actor.Fulfils {
		ok, err := sc.holds(ctx, rt)
		if err != nil {
			return nil, false, err
		}
		if ok {
			types = append(types, rt)
		}
	}
	slices.Sort(types)
	return types, false, nil
}

// CanSee reports whether actor may see the CI key now (retired CIs only for enterprise
// staff). It answers false for an unknown key. Pages use it to show or hide links to CIs.
func (s *Store) CanSee(ctx context.Context, actor *accounts.User, key string) (bool, error) {
	h, err := s.head(ctx, key)
	if err != nil || h == nil {
		return false, err
	}
	return s.newScope(actor).sees(ctx, h.status, h.requestTypes)
}

// Cited returns the CIs among keys (those an article cites) that actor may see, for the
// article page: key, name and class only, nothing an agent would need a ticket for. An agent
// who has not accepted the current CMDB agreement gets none. Unknown keys are left out.
func (s *Store) Cited(ctx context.Context, actor *accounts.User, keys []string) ([]Hit, error) {
	sc := s.newScope(actor)
	if !sc.enterprise {
		if !isAgent(actor) || len(keys) == 0 {
			return nil, nil
		}
		ok, err := s.accepted(ctx, actor)
		if err != nil || !ok {
			return nil, err
		}
	}
	var out []Hit
	for _, k := range keys {
		h, err := s.head(ctx, k)
		if err != nil {
			return nil, err
		}
		if h == nil {
			continue
		}
		ok, err := sc.sees(ctx, h.status, h.requestTypes)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		hit := Hit{Key: k, Status: h.status}
		if err := s.db.Read.QueryRowContext(ctx, `SELECT name, class FROM cmdb_items WHERE id = ?`, h.id).Scan(&hit.Name, &hit.Class); err != nil {
			return nil, err
		}
		out = append(out, hit)
	}
	return out, nil
}
