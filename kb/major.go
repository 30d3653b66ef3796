package kb

import (
	"context"
	"fmt"
	"time"

	"attest/database"
)

// MajorChange is a version approved as a major change of an article that covers a request
// type: what training asks people to recertify for.
type MajorChange struct {
	ArticleID int64
	Number    int
	Title     string
	// PreviousNumber is the approved version it replaced; 0 when it is the article's first.
	PreviousNumber int
	ApprovedAt     time.Time
	// Diff is the word-level change from the previous approved body to this one.
	Diff []Change
}

// LatestMajorApproval returns when a version approved as major, of an article covering the
// request type, last became approved; false when there was none.
func (s *Store) LatestMajorApproval(ctx context.Context, requestTypeKey string) (time.Time, bool, error) {
	return s.LatestMajorApprovalAt(ctx, requestTypeKey, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
}

// LatestMajorApprovalAt is LatestMajorApproval as it stood at the moment at.
func (s *Store) LatestMajorApprovalAt(ctx context.Context, requestTypeKey string, at time.Time) (time.Time, bool, error) {
	var last string
	err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(v.decided_at), '')
		FROM versions v
		JOIN article_request_types art ON art.article_id = v.article_id
		JOIN request_types rt ON rt.id = art.request_type_id
		WHERE rt.key = ? AND v.major = 1 AND v.status IN ('approved', 'superseded')
		  AND v.decided_at IS NOT NULL AND v.decided_at <= ?`, requestTypeKey, database.Format(at)).Scan(&last)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kb: latest major approval of %q: %w", requestTypeKey, err)
	}
	if last == "" {
		return time.Time{}, false, nil
	}
	t, err := database.Parse(last)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kb: latest major approval of %q: %w", requestTypeKey, err)
	}
	return t, true, nil
}

// MajorChanges lists the versions approved as major after since, of articles covering the
// request type, oldest first, each with its diff from the version it replaced.
func (s *Store) MajorChanges(ctx context.Context, requestTypeKey string, since time.Time) ([]MajorChange, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.article_id, v.number, v.title, v.body, v.decided_at,
		COALESCE((SELECT p.number FROM versions p WHERE p.article_id = v.article_id AND p.number < v.number
			AND p.status IN ('approved', 'superseded') ORDER BY p.number DESC LIMIT 1), 0),
		COALESCE((SELECT p.body FROM versions p WHERE p.article_id = v.article_id AND p.number < v.number
			AND p.status IN ('approved', 'superseded') ORDER BY p.number DESC LIMIT 1), '')
		FROM versions v
		JOIN article_request_types art ON art.article_id = v.article_id
		JOIN request_types rt ON rt.id = art.request_type_id
		WHERE rt.key = ? AND v.major = 1 AND v.status IN ('approved', 'superseded')
		  AND v.decided_at IS NOT NULL AND v.decided_at > ?
		ORDER BY v.decided_at, v.article_id`, requestTypeKey, database.Format(since))
	if err != nil {
		return nil, fmt.Errorf("kb: major changes of %q: %w", requestTypeKey, err)
	}
	defer rows.Close()
	var out []MajorChange
	for rows.Next() {
		var m MajorChange
		var body, at, prev string
		if err := rows.Scan(&m.ArticleID, &m.Number, &m.Title, &body, &at, &m.PreviousNumber, &prev); err != nil {
			return nil, fmt.Errorf("kb: major changes of %q: %w", requestTypeKey, err)
		}
		if m.ApprovedAt, err = database.Parse(at); err != nil {
			return nil, fmt.Errorf("kb: major changes of %q: %w", requestTypeKey, err)
		}
		m.Diff = Diff(prev, body)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ArticleTitle returns the title of an article's newest approved version, or of its newest
// version when none is approved; false when there is no such article.
func (s *Store) ArticleTitle(ctx context.Context, id int64) (string, bool, error) {
	var title string
	err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(
		(SELECT title FROM versions WHERE article_id = ? AND status = 'approved' ORDER BY number DESC LIMIT 1),
		(SELECT title FROM versions WHERE article_id = ? ORDER BY number DESC LIMIT 1), '')`, id, id).Scan(&title)
	if err != nil {
		return "", false, fmt.Errorf("kb: title of article %d: %w", id, err)
	}
	return title, title != "", nil
}
