package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"attest/accounts"
	"attest/journal"
)

// FailureCause is why a ticket was not resolved, as the agent who recorded it saw it.
type FailureCause string

// The failure causes.
const (
	CauseSystemUnavailable FailureCause = "system_unavailable"
	CauseDataError         FailureCause = "data_error"
	CausePolicyViolation   FailureCause = "policy_violation"
	CauseKnowledgeWrong    FailureCause = "knowledge_wrong"
	CauseKnowledgeMissing  FailureCause = "knowledge_missing"
	CauseEscalated         FailureCause = "escalated"
	CauseOther             FailureCause = "other"
)

// FailureCauses lists the causes in the order forms offer them.
var FailureCauses = []FailureCause{CauseSystemUnavailable, CauseDataError, CausePolicyViolation, CauseKnowledgeWrong,
	CauseKnowledgeMissing, CauseEscalated, CauseOther}

// Valid reports whether c is one of the causes.
func (c FailureCause) Valid() bool {
	for _, k := range FailureCauses {
		if c == k {
			return true
		}
	}
	return false
}

// Label is the cause as people read it.
func (c FailureCause) Label() string {
	switch c {
	case CauseSystemUnavailable:
		return "system unavailable"
	case CauseDataError:
		return "data error"
	case CausePolicyViolation:
		return "policy violation"
	case CauseKnowledgeWrong:
		return "knowledge wrong"
	case CauseKnowledgeMissing:
		return "knowledge missing"
	}
	return string(c)
}

// checkFailureCause names the failure_cause field when it is unknown or given with an outcome
// other than not_resolved.
func checkFailureCause(in UsageInput, fields map[string]string) {
	if _, bad := fields["failure_cause"]; bad || in.FailureCause == "" {
		return
	}
	switch {
	case !in.FailureCause.Valid():
		names := make([]string, len(FailureCauses))
		for i, c := range FailureCauses {
			names[i] = string(c)
		}
		fields["failure_cause"] = "must be one of " + strings.Join(names, ", ")
	case in.Outcome.Valid() && in.Outcome != OutcomeNotResolved:
		fields["failure_cause"] = `only with outcome "not_resolved"`
	}
}

// recordWrongKnowledge records a ticket that failed because the article's steps are wrong, and
// in the same transaction opens a follow-up for the article's owner like a "this is wrong" flag
// (journaled, the watchers told), or adds the ticket to the follow-up already open from failures
// on that article.
func (s *Store) recordWrongKnowledge(ctx context.Context, actor *accounts.User, row *usageRow) (*Usage, error) {
	stmts, err := s.usageStmts(ctx)
	if err != nil {
		return nil, err
	}
	var u *Usage
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		st := tx.StmtContext(ctx, stmts.insert)
		defer st.Close()
		var err error
		if u, err = insertUsage(ctx, st, row); err != nil {
			return err
		}
		if err := settleFollowupsTx(ctx, tx); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT f.id FROM followups f WHERE f.article_id = ? AND f.status = 'open'
			AND EXISTS (SELECT 1 FROM followup_failures ff WHERE ff.followup_id = f.id) ORDER BY f.id DESC LIMIT 1`,
			row.articleID).Scan(&u.FollowupID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			a, err := loadArticle(ctx, tx, row.articleID)
			if err != nil {
				return err
			}
			f := &Feedback{ArticleID: row.articleID, Version: row.version, Wrong: true,
				Comment: fmt.Sprintf("Ticket %s was not resolved: the steps are wrong.", row.ticketRef)}
			if err := tx.QueryRowContext(ctx, `INSERT INTO feedback (at, user_id, supplier_id, article_id, version, helpful, wrong, comment)
				VALUES (?, ?, ?, ?, ?, 0, 1, ?) RETURNING id`, row.at, actor.ID, usageNullID(actor.SupplierID), row.articleID,
				row.version, f.Comment).Scan(&f.ID); err != nil {
				return err
			}
			if err := openFollowup(ctx, tx, actor, a, f, row.at); err != nil {
				return err
			}
			u.FollowupID = f.FollowupID
		case err != nil:
			return err
		default:
			if err := journal.Append(ctx, tx, actor.Username, "followup.failure", followupObject(u.FollowupID), journal.Change{
				After: map[string]any{"ticket": row.ticketRef, "cause": row.cause, "usage": u.ID, "version": row.version}}); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO followup_failures (followup_id, usage_id) VALUES (?, ?)`, u.FollowupID, u.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kb: record usage of article %d: %w", row.articleID, err)
	}
	return u, nil
}

// Failure is a ticket that was not resolved, behind a follow-up.
type Failure struct {
	UsageID   int64
	At        time.Time
	TicketRef string
	Supplier  string
	Agent     string
	Version   int
	Cause     FailureCause
}

// FollowupFailures returns the failed tickets behind follow-up id (none when it came from
// feedback alone), for knowledge managers and auditors. Errors: EFORBIDDEN.
func (s *Store) FollowupFailures(ctx context.Context, actor *accounts.User, id int64) ([]Failure, error) {
	if err := canSeeFollowups(actor); err != nil {
		return nil, err
	}
	return s.failures(ctx, `ff.followup_id = ?`, id)
}

// FailuresOf returns the failed tickets behind each of the follow-ups ids that came from
// failures, by follow-up id (knowledge managers and auditors). Errors: EFORBIDDEN.
func (s *Store) FailuresOf(ctx context.Context, actor *accounts.User, ids []int64) (map[int64][]Failure, error) {
	if err := canSeeFollowups(actor); err != nil {
		return nil, err
	}
	out := map[int64][]Failure{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT followup_id, usage_id FROM followup_failures WHERE followup_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb: failures of follow-ups: %w", err)
	}
	byUsage := map[int64]int64{}
	for rows.Next() {
		var f, u int64
		if err := rows.Scan(&f, &u); err != nil {
			rows.Close()
			return nil, fmt.Errorf("kb: failures of follow-ups: %w", err)
		}
		byUsage[u] = f
	}
	rows.Close()
	if len(byUsage) == 0 {
		return out, nil
	}
	fs, err := s.failures(ctx, `ff.followup_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		out[byUsage[f.UsageID]] = append(out[byUsage[f.UsageID]], f)
	}
	return out, nil
}

// VersionOrigin is a follow-up from failures that a version resolved: where the change came from.
type VersionOrigin struct {
	FollowupID int64
	Failures   []Failure
}

// VersionOrigins returns the follow-ups from failed tickets that version n of article id
// resolved, with those tickets, so that a change of steps traces back to the failures that
// prompted it (knowledge managers and auditors; others get none). Follow-ups a newer approval
// resolved are settled first.
func (s *Store) VersionOrigins(ctx context.Context, actor *accounts.User, id int64, n int) ([]VersionOrigin, error) {
	if canSeeFollowups(actor) != nil {
		return nil, nil
	}
	if err := s.settleFollowups(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM followups WHERE article_id = ? AND resolved_version = ?
		AND EXISTS (SELECT 1 FROM followup_failures ff WHERE ff.followup_id = followups.id) ORDER BY id`, id, n)
	if err != nil {
		return nil, fmt.Errorf("kb: origins of %d/%d: %w", id, n, err)
	}
	var out []VersionOrigin
	for rows.Next() {
		var o VersionOrigin
		if err := rows.Scan(&o.FollowupID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("kb: origins of %d/%d: %w", id, n, err)
		}
		out = append(out, o)
	}
	rows.Close()
	for i := range out {
		if out[i].Failures, err = s.failures(ctx, `ff.followup_id = ?`, out[i].FollowupID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) failures(ctx context.Context, where string, args ...any) ([]Failure, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.at, u.ticket_ref, COALESCE(sp.key, ''), us.username, u.version,
		COALESCE(u.failure_cause, '') FROM followup_failures ff JOIN usage_events u ON u.id = ff.usage_id
		JOIN users us ON us.id = u.user_id LEFT JOIN suppliers sp ON sp.id = u.supplier_id
		WHERE `+where+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb: failures: %w", err)
	}
	defer rows.Close()
	out := []Failure{}
	for rows.Next() {
		var f Failure
		var at string
		if err := rows.Scan(&f.UsageID, &at, &f.TicketRef, &f.Supplier, &f.Agent, &f.Version, &f.Cause); err != nil {
			return nil, fmt.Errorf("kb: failures: %w", err)
		}
		f.At = parseTime(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// MissingKnowledge counts, per request type, the tickets not resolved for want of knowledge in
// the period: each is a gap of that request type (the gap report shows them).
type MissingKnowledge struct {
	RequestType string `json:"request_type"`
	Count       int    `json:"count"`
}

func (s *Store) missingKnowledge(ctx context.Context, f ReportFilter) ([]MissingKnowledge, error) {
	w := eventWhere(f, "u", true, true)
	w.add("u.failure_cause = 'knowledge_missing'")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rt.key, COUNT(*) FROM usage_events u JOIN request_types rt ON rt.id = u.request_type_id
		WHERE `+w.sql()+` GROUP BY rt.key ORDER BY COUNT(*) DESC, rt.key`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("kb: missing knowledge: %w", err)
	}
	defer rows.Close()
	out := []MissingKnowledge{}
	for rows.Next() {
		var m MissingKnowledge
		if err := rows.Scan(&m.RequestType, &m.Count); err != nil {
			return nil, fmt.Errorf("kb: missing knowledge: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReadsType reports whether u may read the articles of request type key (the article read
// rule, for things attached to a request type such as notices): enterprise staff always, an
// agent when its supplier fulfils the type. A nil user reads nothing.
func ReadsType(u *accounts.User, key string) bool {
	if u == nil {
		return false
	}
	return readsAll(u) || covers(u, &Article{RequestTypes: []string{key}})
}
