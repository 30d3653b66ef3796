package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"attest/accounts"
	"attest/database"
)

// Proposals counts the versions a supplier's agents submitted for review in a period and
// what became of them.
type Proposals struct {
	Submitted int `json:"submitted"`
	Approved  int `json:"approved"`
	Rejected  int `json:"rejected"`
	// MedianHoursToDecision is from submission to approval or rejection, over the decided
	// ones (nil when none was decided).
	MedianHoursToDecision *float64 `json:"median_hours_to_decision"`
}

// Row is one supplier's scorecard for a period. Shares are 0–1 and nil when there is nothing
// to take a share of.
type Row struct {
	Supplier string `json:"supplier"`
	Name     string `json:"name"`
	// Agents is the number of the supplier's agent accounts.
	Agents int `json:"agents"`
	// Tickets counts distinct tickets on which the supplier's agents recorded using an article.
	Tickets int `json:"tickets"`
	// ResolvedShare is the share of those tickets recorded as resolved.
	ResolvedShare *float64 `json:"resolved_share"`
	// LinkRate is tickets over tickets plus searches that opened no article (kb.LinkRate).
	LinkRate *float64 `json:"link_rate"`
	// OutdatedUses counts uses of a version that was no longer current.
	OutdatedUses int       `json:"outdated_uses"`
	Proposals    Proposals `json:"proposals"`
	// ApprovedContributions counts versions authored by the supplier's agents and approved in
	// the period; ContributionTarget is the target per quarter (nil when none is set) and
	// ContributionExpected that target prorated to the period's length.
	ApprovedContributions int      `json:"approved_contributions"`
	ContributionTarget    *int     `json:"contribution_target"`
	ContributionExpected  *float64 `json:"contribution_expected"`
	// FeedbackGiven counts ratings the supplier's people gave (failure flags not included).
	FeedbackGiven int `json:"feedback_given"`
	// CertificationCoverage is the share of (agent, request type needing certification that
	// the supplier fulfils) pairs authorized at the end of the period.
	CertificationCoverage *float64 `json:"certification_coverage"`
	// OpenFindings and OverdueFindings are the audit findings about the supplier (owned by or
	// about its people, or on its sampled items) open at the end of the period, and of those
	// the ones past their due date.
	OpenFindings    int `json:"open_findings"`
	OverdueFindings int `json:"overdue_findings"`
	// AuditScore is the mean item score of the supplier's items in audits signed off in the
	// period (nil when none).
	AuditScore *float64 `json:"audit_score"`
	// Previous is the same figures for the period of as many days just before (the trend).
	Previous *Row `json:"previous,omitempty"`
}

// IsBehind reports whether the supplier made fewer approved contributions than its target
// asks for the period.
func (r Row) IsBehind() bool {
	return r.ContributionExpected != nil && float64(r.ApprovedContributions) < *r.ContributionExpected
}

// quarterDays is the length of a quarter that targets are prorated by.
const quarterDays = 91

// Suppliers returns one scorecard row per supplier for period p, each with the previous
// period's figures: every supplier for knowledge managers, auditors and admins; an agent gets
// its own supplier's row only. Buffered searches are flushed first.
// Errors: EFORBIDDEN.
func (s *Store) Suppliers(ctx context.Context, actor *accounts.User, p Period) ([]Row, error) {
	sps, err := s.suppliers(ctx, actor)
	if err != nil {
		return nil, err
	}
	if err := s.kb.Flush(ctx); err != nil {
		return nil, err
	}
	out := []Row{}
	for _, sp := range sps {
		r, err := s.row(ctx, sp, p)
		if err != nil {
			return nil, err
		}
		if r.Previous, err = s.row(ctx, sp, p.Previous()); err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// row computes one supplier's figures for one period.
func (s *Store) row(ctx context.Context, sp supplierRef, p Period) (*Row, error) {
	r := &Row{Supplier: sp.key, Name: sp.name}
	from, to := p.bounds()
	end := s.end(p)
	db := s.db.Read
	var resolved, unlinked int
	var target sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM users u WHERE u.supplier_id = ?1 AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'agent')),
		(SELECT COUNT(DISTINCT ticket_ref) FROM usage_events WHERE supplier_id = ?1 AND at >= ?2 AND at < ?3),
		(SELECT COUNT(DISTINCT ticket_ref) FROM usage_events WHERE supplier_id = ?1 AND at >= ?2 AND at < ?3 AND outcome = 'resolved'),
		(SELECT COUNT(*) FROM usage_events WHERE supplier_id = ?1 AND at >= ?2 AND at < ?3 AND outdated = 1),
		(SELECT COUNT(*) FROM search_queries WHERE supplier_id = ?1 AND at >= ?2 AND at < ?3 AND opened_article_id IS NULL),
		(SELECT COUNT(*) FROM versions v JOIN users au ON au.id = v.author_id WHERE au.supplier_id = ?1 AND v.via_import = 0
			AND v.status IN ('approved', 'superseded') AND v.decided_at >= ?2 AND v.decided_at < ?3),
		(SELECT COUNT(*) FROM feedback fb WHERE fb.supplier_id = ?1 AND fb.at >= ?2 AND fb.at < ?3
			AND NOT EXISTS (SELECT 1 FROM followups f JOIN followup_failures ff ON ff.followup_id = f.id WHERE f.feedback_id = fb.id)),
		(SELECT per_quarter FROM contribution_targets WHERE supplier_id = ?1)`,
		sp.id, from, to).Scan(&r.Agents, &r.Tickets, &resolved, &r.OutdatedUses, &unlinked, &r.ApprovedContributions,
		&r.FeedbackGiven, &target)
	if err != nil {
		return nil, fmt.Errorf("scorecard: %s: %w", sp.key, err)
	}
	r.ResolvedShare = share(resolved, r.Tickets)
	r.LinkRate = share(r.Tickets, r.Tickets+unlinked)
	if target.Valid {
		t := int(target.Int64)
		e := round1(float64(t) * float64(p.Days()) / quarterDays)
		r.ContributionTarget, r.ContributionExpected = &t, &e
	}
	if err := s.proposals(ctx, sp, from, to, &r.Proposals); err != nil {
		return nil, err
	}
	if r.CertificationCoverage, err = s.coverage(ctx, sp, end); err != nil {
		return nil, err
	}
	endAt, endDay := database.Format(end), end.Format(time.DateOnly)
	err = db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(f.due < ?3), 0) FROM audit_findings f LEFT JOIN audit_items i ON i.id = f.item_id
		WHERE f.created_at < ?2 AND (f.status = 'open' OR f.resolved_at >= ?2) AND `+findingOf, sp.id, endAt, endDay, sp.key).
		Scan(&r.OpenFindings, &r.OverdueFindings)
	if err != nil {
		return nil, fmt.Errorf("scorecard: findings of %s: %w", sp.key, err)
	}
	var score sql.NullFloat64
	err = db.QueryRowContext(ctx, `SELECT AVG(sc) FROM (SELECT (SELECT score FROM audit_assessments WHERE item_id = i.id ORDER BY id DESC LIMIT 1) AS sc
		FROM audit_items i JOIN audits a ON a.id = i.audit_id
		WHERE a.status = 'signed_off' AND a.signed_off_at >= ?2 AND a.signed_off_at < ?3 AND `+itemOf+`) AS scored WHERE sc IS NOT NULL`,
		sp.id, from, to, sp.key).Scan(&score)
	if err != nil {
		return nil, fmt.Errorf("scorecard: audit score of %s: %w", sp.key, err)
	}
	if score.Valid {
		v := round1(score.Float64)
		r.AuditScore = &v
	}
	return r, nil
}

// itemOf says audit item i is the supplier's (?1 its id, ?4 its key): drawn for the supplier,
// or, in an audit not scoped by supplier, a version its agent wrote.
const itemOf = `(i.supplier = ?4 OR (i.supplier = '' AND EXISTS (SELECT 1 FROM versions v JOIN users au ON au.id = v.author_id
	WHERE v.article_id = i.article_id AND v.number = i.version AND au.supplier_id = ?1)))`

// findingOf says finding f (on item i, none for a CMDB-flag finding) is about the supplier:
// owned by or about one of its people, on one of its items, or raised from a CMDB access flag
// on its lookups.
const findingOf = `(EXISTS (SELECT 1 FROM users fu WHERE fu.id IN (f.owner_id, f.subject_id) AND fu.supplier_id = ?1) OR f.cmdb_supplier = ?4 OR ` + itemOf + `)`

// proposals counts the versions the supplier's agents submitted in [from, to) and their fate.
func (s *Store) proposals(ctx context.Context, sp supplierRef, from, to string, out *Proposals) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.status, v.submitted_at, COALESCE(v.decided_at, '') FROM versions v
		JOIN users au ON au.id = v.author_id
		WHERE au.supplier_id = ? AND v.via_import = 0 AND v.submitted_at >= ? AND v.submitted_at < ?`, sp.id, from, to)
	if err != nil {
		return fmt.Errorf("scorecard: proposals of %s: %w", sp.key, err)
	}
	defer rows.Close()
	var hours []float64
	for rows.Next() {
		var st, sub, dec string
		if err := rows.Scan(&st, &sub, &dec); err != nil {
			return fmt.Errorf("scorecard: proposals of %s: %w", sp.key, err)
		}
		out.Submitted++
		decided := true
		switch st {
		case "approved", "superseded":
			out.Approved++
		case "rejected":
			out.Rejected++
		default:
			decided = false
		}
		if decided && dec != "" {
			a, _ := database.Parse(sub)
			b, _ := database.Parse(dec)
			hours = append(hours, b.Sub(a).Hours())
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scorecard: proposals of %s: %w", sp.key, err)
	}
	out.MedianHoursToDecision = median(hours)
	return nil
}

// coveragePair is an agent and a request type needing certification its supplier fulfils.
type coveragePair struct {
	userID   int64
	username string
	rt       string
}

func (s *Store) coveragePairs(ctx context.Context, supplierID int64) ([]coveragePair, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.username, rt.key FROM users u
		JOIN supplier_request_types srt ON srt.supplier_id = u.supplier_id
		JOIN request_types rt ON rt.id = srt.request_type_id AND rt.requires_certification = 1
		WHERE u.supplier_id = ? AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'agent')
		ORDER BY u.username, rt.key`, supplierID)
	if err != nil {
		return nil, fmt.Errorf("scorecard: certification pairs: %w", err)
	}
	defer rows.Close()
	var out []coveragePair
	for rows.Next() {
		var c coveragePair
		if err := rows.Scan(&c.userID, &c.username, &c.rt); err != nil {
			return nil, fmt.Errorf("scorecard: certification pairs: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// coverage is the share of the supplier's pairs authorized at moment at (nil without pairs).
func (s *Store) coverage(ctx context.Context, sp supplierRef, at time.Time) (*float64, error) {
	pairs, err := s.coveragePairs(ctx, sp.id)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range pairs {
		a, err := s.training.AuthorityAt(ctx, c.userID, c.rt, at)
		if err != nil {
			return nil, fmt.Errorf("scorecard: authority of %s for %s: %w", c.username, c.rt, err)
		}
		if a.Authorized {
			n++
		}
	}
	return share(n, len(pairs)), nil
}
