package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// FollowupStatus is where a follow-up of actionable feedback stands.
type FollowupStatus string

// A follow-up is open until a newer version of its article that changes its title or body is
// approved (resolved) or a knowledge manager dismisses it with a reason.
const (
	FollowupOpen      FollowupStatus = "open"
	FollowupResolved  FollowupStatus = "resolved"
	FollowupDismissed FollowupStatus = "dismissed"
)

// Label is the status's name for people.
func (s FollowupStatus) Label() string {
	switch s {
	case FollowupOpen:
		return "Open"
	case FollowupResolved:
		return "Resolved by a new version"
	case FollowupDismissed:
		return "Dismissed"
	}
	return string(s)
}

// Followup is work for the knowledge managers opened by "not helpful" with a comment or by
// "this is wrong".
type Followup struct {
	ID           int64
	ArticleID    int64
	ArticleTitle string
	// Version is the version the feedback was about.
	Version  int
	OpenedAt time.Time
	// OpenedBy is the username of who gave the feedback; Supplier their supplier's key.
	OpenedBy string
	Supplier string
	// SupplierName is the supplier's name, what pages show.
	SupplierName string
	Wrong        bool
	Comment      string
	Status       FollowupStatus
	ClosedAt     time.Time
	// ClosedBy is who dismissed it, or who approved the version that resolved it.
	ClosedBy string
	Reason   string
	// ResolvedVersion is the approved version that resolved it (0 unless resolved).
	ResolvedVersion int
}

// FollowupFilter narrows a follow-up list; nil fields do not filter.
type FollowupFilter struct {
	Status    *FollowupStatus
	ArticleID *int64
}

func followupObject(id int64) string { return "followup:" + strconv.FormatInt(id, 10) }

// openFollowup opens a follow-up for feedback f in tx, journals it and tells the article's
// watchers (except the person who gave the feedback).
func openFollowup(ctx context.Context, tx *sql.Tx, actor *accounts.User, a *Article, f *Feedback, at string) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO followups (feedback_id, article_id, opened_at) VALUES (?, ?, ?) RETURNING id`,
		f.ID, f.ArticleID, at).Scan(&f.FollowupID)
	if err != nil {
		return fmt.Errorf("kb: open follow-up: %w", err)
	}
	what := "not helpful"
	if f.Wrong {
		what = "wrong"
	}
	text := fmt.Sprintf("%s marked “%s” (version %d) as %s", actor.Name(), a.Title, f.Version, what)
	if f.Comment != "" {
		text += ": " + clipRunes(f.Comment, 200)
	}
	// The notice repeats the person's feedback: only watchers who see follow-ups (and read
	// the article) are told, never another supplier's agents.
	if err := sendWatchers(ctx, tx, notice{article: a, feedback: true, text: text,
		link: fmt.Sprintf("/articles/%d", f.ArticleID)}, actor.ID); err != nil {
		return err
	}
	return journal.Append(ctx, tx, actor.Username, "followup.open", followupObject(f.FollowupID), journal.Change{
		After: map[string]any{"status": FollowupOpen, "article": f.ArticleID, "version": f.Version, "feedback": f.ID,
			"wrong": f.Wrong, "comment": f.Comment}})
}

// changesFeedbackVersion is the SQL condition that version nv changes the title or the body
// of the version the feedback fb was about: only such a version answers the feedback.
const changesFeedbackVersion = `NOT EXISTS (SELECT 1 FROM versions fv WHERE fv.article_id = f.article_id AND fv.number = fb.version
		AND fv.title = nv.title AND fv.body = nv.body)`

// ResolveFollowupsTx resolves, in the approval's transaction tx, every open follow-up of
// article articleID about a version older than version, the version being approved by actor,
// provided that version changes the title or the body of the version the feedback was about:
// an approval that changes nothing the reader saw answers nobody. Each is journaled and its
// reporter told. The approval code calls it; follow-ups whose article got a newer approved
// version without it are resolved the same way, lazily, when follow-ups are next read.
func (s *Store) ResolveFollowupsTx(ctx context.Context, tx *sql.Tx, actor *accounts.User, articleID int64, version int) error {
	return resolveFollowupsTx(ctx, tx, actor, articleID, version)
}

// resolveFollowupsTx is ResolveFollowupsTx for code of this package that has no Store at hand.
func resolveFollowupsTx(ctx context.Context, tx *sql.Tx, actor *accounts.User, articleID int64, version int) error {
	rows, err := tx.QueryContext(ctx, `SELECT f.id FROM followups f JOIN feedback fb ON fb.id = f.feedback_id
		JOIN versions nv ON nv.article_id = f.article_id AND nv.number = ?
		WHERE f.article_id = ? AND f.status = 'open' AND fb.version < ? AND `+changesFeedbackVersion+` ORDER BY f.id`,
		version, articleID, version)
	if err != nil {
		return fmt.Errorf("kb: follow-ups of article %d: %w", articleID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("kb: follow-ups of article %d: %w", articleID, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kb: follow-ups of article %d: %w", articleID, err)
	}
	now := database.Now()
	for _, id := range ids {
		if err := resolveFollowup(ctx, tx, id, actor.ID, actor.Username, version, now); err != nil {
			return err
		}
	}
	return nil
}

func resolveFollowup(ctx context.Context, tx *sql.Tx, id, byID int64, by string, version int, at string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE followups SET status = 'resolved', closed_at = ?, closed_by = ?, resolved_version = ?
		WHERE id = ? AND status = 'open'`, at, usageNullID(byID), version, id); err != nil {
		return fmt.Errorf("kb: resolve follow-up %d: %w", id, err)
	}
	if err := journal.Append(ctx, tx, by, "followup.resolve", followupObject(id), journal.Change{
		Before: map[string]any{"status": FollowupOpen},
		After:  map[string]any{"status": FollowupResolved, "version": version}}); err != nil {
		return err
	}
	return tellReporter(ctx, tx, id, byID, func(title string) string {
		return fmt.Sprintf("Your feedback on “%s” was answered: version %d changed the article.", title, version)
	})
}

// tellReporter tells who gave the feedback of follow-up id what became of it (unless they
// closed it themselves), through send and so under the read rule.
func tellReporter(ctx context.Context, tx *sql.Tx, id, closerID int64, text func(title string) string) error {
	var articleID, reporter int64
	if err := tx.QueryRowContext(ctx, `SELECT f.article_id, fb.user_id FROM followups f JOIN feedback fb ON fb.id = f.feedback_id
		WHERE f.id = ?`, id).Scan(&articleID, &reporter); err != nil {
		return fmt.Errorf("kb: reporter of follow-up %d: %w", id, err)
	}
	if reporter == closerID {
		return nil
	}
	a, err := loadArticle(ctx, tx, articleID)
	if err != nil {
		return err
	}
	return send(ctx, tx, notice{article: a, text: text(a.Title), link: fmt.Sprintf("/articles/%d", articleID)}, reporter)
}

// settledQuery finds open follow-ups that a newer version, approved after they were opened
// and changing what the feedback was about, has resolved, with that version and its approver.
const settledQuery = `SELECT f.id, v.number, COALESCE(v.decided_by, 0), COALESCE(u.username, 'attest'), v.decided_at
	FROM followups f
	JOIN feedback fb ON fb.id = f.feedback_id
	JOIN versions v ON v.id = (SELECT nv.id FROM versions nv WHERE nv.article_id = f.article_id AND nv.number > fb.version
		AND nv.status IN ('approved', 'superseded') AND nv.decided_at > f.opened_at AND ` + changesFeedbackVersion + `
		ORDER BY nv.number LIMIT 1)
	LEFT JOIN users u ON u.id = v.decided_by
	WHERE f.status = 'open'`

// settleFollowups resolves the open follow-ups that a newer approved version has resolved
// (the state is derived from the versions; writing it down journals the change). It writes
// only when there is something to write.
func (s *Store) settleFollowups(ctx context.Context) error {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+settledQuery+`) AS settled`).Scan(&n); err != nil {
		return fmt.Errorf("kb: settle follow-ups: %w", err)
	}
	if n == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return settleFollowupsTx(ctx, tx) })
}

func settleFollowupsTx(ctx context.Context, tx *sql.Tx) error {
	type settled struct {
		id, byID int64
		version  int
		by, at   string
	}
	rows, err := tx.QueryContext(ctx, settledQuery)
	if err != nil {
		return fmt.Errorf("kb: settle follow-ups: %w", err)
	}
	var todo []settled
	for rows.Next() {
		var st settled
		if err := rows.Scan(&st.id, &st.version, &st.byID, &st.by, &st.at); err != nil {
			rows.Close()
			return fmt.Errorf("kb: settle follow-ups: %w", err)
		}
		todo = append(todo, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kb: settle follow-ups: %w", err)
	}
	for _, st := range todo {
		if err := resolveFollowup(ctx, tx, st.id, st.byID, st.by, st.version, st.at); err != nil {
			return err
		}
	}
	return nil
}

func canSeeFollowups(actor *accounts.User) error {
	if !actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers and auditors see follow-ups.")
	}
	return nil
}

// Followups lists follow-ups, open ones first and then newest first (knowledge managers and
// auditors). Follow-ups resolved by a newer approved version are settled first.
// Errors: EFORBIDDEN.
func (s *Store) Followups(ctx context.Context, actor *accounts.User, f FollowupFilter) ([]Followup, error) {
	if err := canSeeFollowups(actor); err != nil {
		return nil, err
	}
	if err := s.settleFollowups(ctx); err != nil {
		return nil, err
	}
	q := `SELECT f.id, f.article_id,
		COALESCE((SELECT title FROM versions WHERE article_id = f.article_id AND status = 'approved' ORDER BY number DESC LIMIT 1),
			(SELECT title FROM versions WHERE article_id = f.article_id ORDER BY number DESC LIMIT 1), ''),
		fb.version, f.opened_at, ou.username, COALESCE(sp.key, ''), COALESCE(sp.name, ''), fb.wrong, fb.comment, f.status,
		COALESCE(f.closed_at, ''), COALESCE(cu.username, ''), f.reason, COALESCE(f.resolved_version, 0)
		FROM followups f
		JOIN feedback fb ON fb.id = f.feedback_id
		JOIN users ou ON ou.id = fb.user_id
		LEFT JOIN suppliers sp ON sp.id = fb.supplier_id
		LEFT JOIN users cu ON cu.id = f.closed_by
		WHERE 1 = 1`
	var args []any
	if f.Status != nil {
		q += ` AND f.status = ?`
		args = append(args, *f.Status)
	}
	if f.ArticleID != nil {
		q += ` AND f.article_id = ?`
		args = append(args, *f.ArticleID)
	}
	q += ` ORDER BY f.status = 'open' DESC, f.id DESC LIMIT 500`
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("kb: follow-ups: %w", err)
	}
	defer rows.Close()
	out := []Followup{}
	for rows.Next() {
		var fu Followup
		var opened, closed string
		if err := rows.Scan(&fu.ID, &fu.ArticleID, &fu.ArticleTitle, &fu.Version, &opened, &fu.OpenedBy, &fu.Supplier, &fu.SupplierName,
			&fu.Wrong, &fu.Comment, &fu.Status, &closed, &fu.ClosedBy, &fu.Reason, &fu.ResolvedVersion); err != nil {
			return nil, fmt.Errorf("kb: follow-ups: %w", err)
		}
		fu.OpenedAt, fu.ClosedAt = parseTime(opened), parseTime(closed)
		out = append(out, fu)
	}
	return out, rows.Err()
}

// DismissFollowup closes an open follow-up with a reason (knowledge managers); journaled.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (reason), ECONFLICT (not open: already resolved by a
// newer version or dismissed).
func (s *Store) DismissFollowup(ctx context.Context, actor *accounts.User, id int64, reason string) error {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers dismiss follow-ups.")
	}
	reason = strings.TrimSpace(reason)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := settleFollowupsTx(ctx, tx); err != nil {
			return err
		}
		var st FollowupStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM followups WHERE id = ?`, id).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No follow-up %d.", id)
		}
		if err != nil {
			return err
		}
		switch {
		case reason == "":
			return attest.FieldError(map[string]string{"reason": "required: say why no change is needed"})
		case utf8.RuneCountInString(reason) > MaxFeedbackComment:
			return attest.FieldError(map[string]string{"reason": fmt.Sprintf("at most %d characters", MaxFeedbackComment)})
		case st != FollowupOpen:
			return attest.Errorf(attest.ECONFLICT, "Follow-up %d is already %s.", id, st)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE followups SET status = 'dismissed', closed_at = ?, closed_by = ?, reason = ? WHERE id = ?`,
			database.Now(), actor.ID, reason, id); err != nil {
			return err
		}
		if err := journal.Append(ctx, tx, actor.Username, "followup.dismiss", followupObject(id), journal.Change{
			Before: map[string]any{"status": FollowupOpen},
			After:  map[string]any{"status": FollowupDismissed, "reason": reason}}); err != nil {
			return err
		}
		return tellReporter(ctx, tx, id, actor.ID, func(title string) string {
			return fmt.Sprintf("%s closed your feedback on “%s” without changing the article: %s", actor.Name(), title, reason)
		})
	})
	if err != nil {
		return fmt.Errorf("kb: dismiss follow-up %d: %w", id, err)
	}
	return nil
}

// OpenFollowups returns how many follow-ups are open, for a knowledge manager's home page.
func (s *Store) OpenFollowups(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM followups f JOIN feedback fb ON fb.id = f.feedback_id
		WHERE f.status = 'open' AND NOT EXISTS (SELECT 1 FROM versions nv WHERE nv.article_id = f.article_id
			AND nv.number > fb.version AND nv.status IN ('approved', 'superseded') AND nv.decided_at > f.opened_at
			AND `+changesFeedbackVersion+`)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("kb: open follow-ups: %w", err)
	}
	return n, nil
}
