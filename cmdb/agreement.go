package cmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Agreement is a published version of the CMDB agreement: the terms on which agents may look
// configuration items up. It is separate from the knowledge usage agreement.
type Agreement struct {
	Version     int
	Text        string
	PublishedAt time.Time
	// Accepted tells whether the user who asked accepted this version.
	Accepted bool
}

// PublishAgreement publishes a new version of the CMDB agreement; every agent must accept it
// before looking anything up again. Errors: EFORBIDDEN, EINVALID.
func (s *Store) PublishAgreement(ctx context.Context, actor *accounts.User, text string) (int, error) {
	if err := forbid(actor, "Only admins publish the CMDB agreement.", accounts.RoleAdmin); err != nil {
		return 0, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return 0, attest.FieldError(map[string]string{"text": "required"})
	case utf8.RuneCountInString(text) > 100_000:
		return 0, attest.FieldError(map[string]string{"text": "at most 100,000 characters"})
	}
	var version int
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM cmdb_agreements`).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cmdb_agreements (version, text, published_by, published_at) VALUES (?, ?, ?, ?)`,
			version, text, actor.Username, database.Format(s.clock())); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "cmdb_agreement.publish", fmt.Sprintf("cmdb_agreement:%d", version),
			journal.Change{After: map[string]any{"version": version, "text": text}})
	})
	return version, wrap("publish agreement", err)
}

// CurrentAgreement returns the newest CMDB agreement and whether actor accepted it.
// Errors: EUNAUTH, ENOTFOUND when none is published.
func (s *Store) CurrentAgreement(ctx context.Context, actor *accounts.User) (*Agreement, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	var a Agreement
	var at string
	err := s.db.Read.QueryRowContext(ctx, `SELECT version, text, published_at,
		EXISTS(SELECT 1 FROM cmdb_agreement_acceptances WHERE user_id = ? AND version = cmdb_agreements.version)
		FROM cmdb_agreements ORDER BY version DESC LIMIT 1`, actor.ID).Scan(&a.Version, &a.Text, &at, &a.Accepted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No CMDB agreement is published.")
	}
	if err != nil {
		return nil, fmt.Errorf("cmdb: agreement: %w", err)
	}
	a.PublishedAt = parseTime(at)
	return &a, nil
}

// AcceptAgreement records that actor accepted version, which must be the current one.
// Errors: EUNAUTH, ENOTFOUND when none is published, EINVALID for another version.
func (s *Store) AcceptAgreement(ctx context.Context, actor *accounts.User, version int) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cmdb_agreements`).Scan(&current); err != nil {
			return err
		}
		switch {
		case current == 0:
			return attest.Errorf(attest.ENOTFOUND, "No CMDB agreement is published.")
		case version != current:
			return attest.FieldError(map[string]string{"version": fmt.Sprintf("the current version is %d", current)})
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO cmdb_agreement_acceptances (user_id, version, accepted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			actor.ID, version, database.Format(s.clock()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return journal.Append(ctx, tx, actor.Username, "cmdb_agreement.accept", fmt.Sprintf("cmdb_agreement:%d", version), nil)
	})
	return wrap("accept agreement", err)
}

// accepted reports whether an agreement is published and actor accepted its current version.
// Publishing and accepting are journaled, so the answer is cached by journal generation.
func (s *Store) accepted(ctx context.Context, actor *accounts.User) (bool, error) {
	return s.newScope(actor).accepted(ctx)
}

// accepted is Store.accepted within a call, sharing the call's journal generation.
func (sc *scope) accepted(ctx context.Context) (bool, error) {
	s, actor := sc.s, sc.actor
	gen, err := sc.generation(ctx)
	if err != nil {
		return false, err
	}
	now := s.clock()
	k := authKey{userID: actor.ID}
	if ok, hit := s.derived.get(k, gen, now); hit {
		return ok, nil
	}
	r, err := s.prepared()
	if err != nil {
		return false, err
	}
	var ok bool
	if err := r.accepted.QueryRowContext(ctx, actor.Service, actor.ID).Scan(&ok); err != nil {
		return false, fmt.Errorf("cmdb: agreement: %w", err)
	}
	s.derived.put(k, authEntry{gen: gen, until: now.Add(time.Hour), authorized: ok})
	return ok, nil
}

// SetQuota sets the lookups per agent per UTC day for a supplier's agents. Admins only.
// Errors: EFORBIDDEN, ENOTFOUND (unknown supplier), EINVALID.
func (s *Store) SetQuota(ctx context.Context, actor *accounts.User, supplier string, perDay int) error {
	if err := forbid(actor, "Only admins set CMDB quotas.", accounts.RoleAdmin); err != nil {
		return err
	}
	if perDay < 0 || perDay > 1_000_000 {
		return attest.FieldError(map[string]string{"per_day": "a whole number from 0 to 1,000,000"})
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var before sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT s.id, q.per_day FROM suppliers s LEFT JOIN cmdb_quotas q ON q.supplier_id = s.id WHERE s.key = ?`, supplier).Scan(&id, &before)
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No supplier %q.", supplier)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cmdb_quotas (supplier_id, per_day) VALUES (?, ?)
			ON CONFLICT (supplier_id) DO UPDATE SET per_day = excluded.per_day`, id, perDay); err != nil {
			return err
		}
		old := int64(DefaultQuota)
		if before.Valid {
			old = before.Int64
		}
		return journal.Append(ctx, tx, actor.Username, "cmdb_quota.set", "supplier:"+supplier,
			journal.Change{Before: map[string]any{"per_day": old}, After: map[string]any{"per_day": perDay}})
	})
	return wrap("set quota", err)
}

// Quota is a supplier's CMDB quota.
type Quota struct {
	Supplier     string
	SupplierName string
	PerDay       int
	// Default is true when the supplier has no quota of its own.
	Default bool
}

// Quotas lists every supplier's quota. Admins only. Errors: EFORBIDDEN.
func (s *Store) Quotas(ctx context.Context, actor *accounts.User) ([]Quota, error) {
	if err := forbid(actor, "Only admins see CMDB quotas.", accounts.RoleAdmin); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.key, s.name, q.per_day FROM suppliers s LEFT JOIN cmdb_quotas q ON q.supplier_id = s.id ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("cmdb: quotas: %w", err)
	}
	defer rows.Close()
	var out []Quota
	for rows.Next() {
		var q Quota
		var n sql.NullInt64
		if err := rows.Scan(&q.Supplier, &q.SupplierName, &n); err != nil {
			return nil, fmt.Errorf("cmdb: quotas: %w", err)
		}
		q.PerDay, q.Default = int(n.Int64), !n.Valid
		if q.Default {
			q.PerDay = DefaultQuota
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// AcceptedVersions returns, by user id, the CMDB agreement versions each person accepted,
// oldest first (for access reviews: accounts.AcceptanceSource).
func (s *Store) AcceptedVersions(ctx context.Context) (map[int64][]int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT user_id, version FROM cmdb_agreement_acceptances ORDER BY user_id, version`)
	if err != nil {
		return nil, fmt.Errorf("cmdb: agreement acceptances: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int{}
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("cmdb: agreement acceptances: %w", err)
		}
		out[id] = append(out[id], v)
	}
	return out, rows.Err()
}
