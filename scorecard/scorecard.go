// Package scorecard turns what Attest records into the decisions of the monthly governance
// meeting: a scorecard per supplier (use of the knowledge, contributions, training, audits)
// with its trend, and request types ranked by how much automating them would pay.
package scorecard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/kb"
	"attest/training"
)

// Store computes scorecards and automation candidates and keeps contribution targets and
// automation proposals.
type Store struct {
	db       *database.DB
	accounts *accounts.Store
	kb       *kb.Store
	training *training.Store
	// now is the clock.
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *database.DB, acc *accounts.Store, k *kb.Store, tr *training.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k, training: tr, now: time.Now}
}

// DefaultDays is the period a scorecard covers when no start is given: a month.
const DefaultDays = 30

// Period is a range of whole UTC days, Until included.
type Period struct {
	Since, Until time.Time
}

// Days is the number of days in the period.
func (p Period) Days() int { return int(p.Until.Sub(p.Since).Hours()/24) + 1 }

// Previous is the period of as many days just before p: the baseline of a trend.
func (p Period) Previous() Period {
	return Period{Since: p.Since.AddDate(0, 0, -p.Days()), Until: p.Since.AddDate(0, 0, -1)}
}

// String is the period as people read it.
func (p Period) String() string {
	return p.Since.Format("2 Jan 2006") + " – " + p.Until.Format("2 Jan 2006")
}

// bounds returns the stored-time range [from, to) of the period.
func (p Period) bounds() (string, string) {
	return database.Format(p.Since), database.Format(p.Until.AddDate(0, 0, 1))
}

// ParsePeriod reads since and until (YYYY-MM-DD, "" for the default: the DefaultDays days up
// to today). Errors: EINVALID naming since or until.
func (s *Store) ParsePeriod(since, until string) (Period, error) {
	fields := map[string]string{}
	day := func(name, v string) time.Time {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil {
			fields[name] = "a date as YYYY-MM-DD"
		}
		return t
	}
	p := Period{Until: s.now().UTC().Truncate(24 * time.Hour)}
	if strings.TrimSpace(until) != "" {
		p.Until = day("until", until)
	}
	p.Since = p.Until.AddDate(0, 0, -(DefaultDays - 1))
	if strings.TrimSpace(since) != "" {
		p.Since = day("since", since)
	}
	if len(fields) == 0 && p.Until.Before(p.Since) {
		fields["until"] = "must not be before since"
	}
	if len(fields) == 0 && p.Days() > 100*366 {
		fields["since"] = "at most a century before until"
	}
	if len(fields) > 0 {
		return p, attest.FieldError(fields)
	}
	return p, nil
}

// end is the moment the period's state figures are taken at: the end of its last day, or now
// when that is still to come.
func (s *Store) end(p Period) time.Time {
	end := p.Until.AddDate(0, 0, 1)
	if now := s.now().UTC(); now.Before(end) {
		return now
	}
	return end
}

// share is n/of, nil when of is 0 (no basis for a share).
func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func canReadAll(actor *accounts.User) bool {
	return actor != nil && actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor, accounts.RoleAdmin)
}

// supplierRef is a supplier's id, key and name.
type supplierRef struct {
	id        int64
	key, name string
}

// suppliers returns the suppliers actor may see a scorecard of: all of them for knowledge
// managers, auditors and admins; an agent's own. Errors: EFORBIDDEN.
func (s *Store) suppliers(ctx context.Context, actor *accounts.User) ([]supplierRef, error) {
	q, args := `SELECT id, key, name FROM suppliers ORDER BY key`, []any{}
	switch {
	case canReadAll(actor):
	case actor != nil && actor.IsAgent() && actor.SupplierID != 0:
		q, args = `SELECT id, key, name FROM suppliers WHERE id = ?`, []any{actor.SupplierID}
	default:
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers, auditors, administrators and a supplier's own agents read scorecards.")
	}
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("scorecard: suppliers: %w", err)
	}
	defer rows.Close()
	var out []supplierRef
	for rows.Next() {
		var r supplierRef
		if err := rows.Scan(&r.id, &r.key, &r.name); err != nil {
			return nil, fmt.Errorf("scorecard: suppliers: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetContributionTarget sets how many approved contributions supplier key is expected to make
// per quarter (admins); journaled. Errors: EFORBIDDEN, ENOTFOUND, EINVALID (per_quarter).
func (s *Store) SetContributionTarget(ctx context.Context, actor *accounts.User, key string, perQuarter int) error {
	if actor == nil || !actor.Has(accounts.RoleAdmin) {
		return attest.Errorf(attest.EFORBIDDEN, "Only administrators set contribution targets.")
	}
	var id int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT id FROM suppliers WHERE key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return attest.Errorf(attest.ENOTFOUND, "No supplier %q.", key)
	} else if err != nil {
		return fmt.Errorf("scorecard: supplier %s: %w", key, err)
	}
	if perQuarter < 0 || perQuarter > 10000 {
		return attest.FieldError(map[string]string{"per_quarter": "a whole number from 0 to 10000"})
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var before sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT per_quarter FROM contribution_targets WHERE supplier_id = ?`, id).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contribution_targets (supplier_id, per_quarter, set_by, set_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (supplier_id) DO UPDATE SET per_quarter = excluded.per_quarter, set_by = excluded.set_by, set_at = excluded.set_at`,
			id, perQuarter, actor.ID, database.Now()); err != nil {
			return err
		}
		var b any
		if before.Valid {
			b = map[string]any{"per_quarter": before.Int64}
		}
		return journal.Append(ctx, tx, actor.Username, "supplier.contribution_target", "supplier:"+key, journal.Change{
			Before: b, After: map[string]any{"per_quarter": perQuarter}})
	})
	if err != nil {
		return fmt.Errorf("scorecard: contribution target of %s: %w", key, err)
	}
	return nil
}

// median returns the median of vs (nil for none).
func median(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	slices.Sort(vs)
	m := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	m = round1(m)
	return &m
}
