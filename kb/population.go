package kb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"attest/database"
)

// The read-only queries below serve the quarterly audit (package audit), which checks the
// auditor's role itself: they read every article regardless of the caller, so only a caller
// that has checked permission may use them.

// AuditVersion is the current approved version of an active article, as an audit's
// population sees it.
type AuditVersion struct {
	ArticleID int64
	Number    int
	Title     string
	// RequestTypes are the keys the article covers, sorted; empty when it covers none.
	RequestTypes []string
}

// AuditPopulation returns the current approved version of every active article, ordered by
// article id.
func (s *Store) AuditPopulation(ctx context.Context) ([]AuditVersion, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, v.number, v.title,
		COALESCE((SELECT group_concat(rt.key, char(31)) FROM article_request_types art
			JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = a.id), '')
		FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
		WHERE a.status = 'active' ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("kb: audit population: %w", err)
	}
	defer rows.Close()
	var out []AuditVersion
	for rows.Next() {
		var v AuditVersion
		var rts string
		if err := rows.Scan(&v.ArticleID, &v.Number, &v.Title, &rts); err != nil {
			return nil, fmt.Errorf("kb: audit population: %w", err)
		}
		if rts != "" {
			v.RequestTypes = strings.Split(rts, sep)
			sort.Strings(v.RequestTypes)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: audit population: %w", err)
	}
	return out, nil
}

// AuditUse is how often an article was used on tickets by one supplier's staff.
type AuditUse struct {
	ArticleID int64
	// Supplier is the key of the user's supplier ("" for staff without one).
	Supplier string
	Count    int
}

// AuditUses counts ticket usage per article and supplier recorded in [from, to).
func (s *Store) AuditUses(ctx context.Context, from, to time.Time) ([]AuditUse, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.article_id, COALESCE(sp.key, ''), COUNT(*)
		FROM usage_events u LEFT JOIN suppliers sp ON sp.id = u.supplier_id
		WHERE u.at >= ? AND u.at < ? GROUP BY u.article_id, sp.key ORDER BY u.article_id, sp.key`,
		database.Format(from), database.Format(to))
	if err != nil {
		return nil, fmt.Errorf("kb: audit uses: %w", err)
	}
	defer rows.Close()
	var out []AuditUse
	for rows.Next() {
		var u AuditUse
		if err := rows.Scan(&u.ArticleID, &u.Supplier, &u.Count); err != nil {
			return nil, fmt.Errorf("kb: audit uses: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: audit uses: %w", err)
	}
	return out, nil
}

// AuditUsageEvent is one recorded use of an article on a ticket.
type AuditUsageEvent struct {
	At          time.Time
	UserID      int64
	Username    string
	Supplier    string
	RequestType string
	Version     int
	TicketRef   string
	// Outdated is true when the version used was not the current approved one.
	Outdated bool
}

// AuditUsageEvents lists the uses of article id recorded in [from, to), oldest first.
func (s *Store) AuditUsageEvents(ctx context.Context, id int64, from, to time.Time) ([]AuditUsageEvent, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.at, u.user_id, us.username, COALESCE(sp.key, ''),
		rt.key, u.version, u.ticket_ref, u.outdated
		FROM usage_events u JOIN users us ON us.id = u.user_id
		LEFT JOIN suppliers sp ON sp.id = u.supplier_id
		JOIN request_types rt ON rt.id = u.request_type_id
		WHERE u.article_id = ? AND u.at >= ? AND u.at < ? ORDER BY u.at, u.id`,
		id, database.Format(from), database.Format(to))
	if err != nil {
		return nil, fmt.Errorf("kb: audit usage of %d: %w", id, err)
	}
	defer rows.Close()
	var out []AuditUsageEvent
	for rows.Next() {
		var e AuditUsageEvent
		var at string
		if err := rows.Scan(&at, &e.UserID, &e.Username, &e.Supplier, &e.RequestType, &e.Version, &e.TicketRef, &e.Outdated); err != nil {
			return nil, fmt.Errorf("kb: audit usage of %d: %w", id, err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: audit usage of %d: %w", id, err)
	}
	return out, nil
}

// AuditFollowup is a feedback follow-up still open on an article.
type AuditFollowup struct {
	ID       int64
	OpenedAt time.Time
	// Comment is the feedback's comment that opened it.
	Comment string
}

// AuditOpenFollowups lists the open feedback follow-ups of article id, oldest first.
func (s *Store) AuditOpenFollowups(ctx context.Context, id int64) ([]AuditFollowup, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT f.id, f.opened_at, COALESCE(fb.comment, '')
		FROM followups f LEFT JOIN feedback fb ON fb.id = f.feedback_id
		WHERE f.article_id = ? AND f.status = 'open' ORDER BY f.opened_at, f.id`, id)
	if err != nil {
		return nil, fmt.Errorf("kb: audit follow-ups of %d: %w", id, err)
	}
	defer rows.Close()
	var out []AuditFollowup
	for rows.Next() {
		var f AuditFollowup
		var at string
		if err := rows.Scan(&f.ID, &at, &f.Comment); err != nil {
			return nil, fmt.Errorf("kb: audit follow-ups of %d: %w", id, err)
		}
		f.OpenedAt = parseTime(at)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: audit follow-ups of %d: %w", id, err)
	}
	return out, nil
}

// AuditNextReview returns when article id's current version is due for review (zero when
// it has no review date). Errors: ENOTFOUND.
func (s *Store) AuditNextReview(ctx context.Context, id int64) (time.Time, error) {
	var next string
	err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(next_review, '') FROM articles WHERE id = ?`, id).Scan(&next)
	if err == sql.ErrNoRows {
		return time.Time{}, notFound(id)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("kb: next review of %d: %w", id, err)
	}
	if next == "" {
		return time.Time{}, nil
	}
	return parseTime(next), nil
}

// AuditVersionPeople returns the ids of the users who wrote or approved version n of
// article id: its author, whoever decided it and every approver.
func (s *Store) AuditVersionPeople(ctx context.Context, id int64, n int) ([]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.author_id FROM versions v WHERE v.article_id = ? AND v.number = ?
		UNION SELECT v.decided_by FROM versions v WHERE v.article_id = ? AND v.number = ? AND v.decided_by IS NOT NULL
		UNION SELECT ap.approver_id FROM approvals ap JOIN versions v ON v.id = ap.version_id WHERE v.article_id = ? AND v.number = ?`,
		id, n, id, n, id, n)
	if err != nil {
		return nil, fmt.Errorf("kb: people of %d v%d: %w", id, n, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return nil, fmt.Errorf("kb: people of %d v%d: %w", id, n, err)
		}
		out = append(out, uid)
	}
	return out, rows.Err()
}
