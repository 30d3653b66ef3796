package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// Notice is a known blocker on a request type and its workaround, shown above every article
// and search hit of that type, to those who may read them, until its last day or until ended.
type Notice struct {
	ID          int64
	RequestType string
	// RequestTypeName is what people read for the request type.
	RequestTypeName string
	Title           string
	Body            string
	// HTML is the body rendered like an article's, once, at publication.
	HTML string
	// Until is the notice's last day (YYYY-MM-DD, UTC, included).
	Until     string
	CreatedBy string
	CreatedAt time.Time
}

// NoticeInput is what a knowledge manager publishes.
type NoticeInput struct {
	Title, Body string
	// Until is the last day the notice shows, YYYY-MM-DD; not before today.
	Until string
}

// The longest notice title and body, in characters.
const (
	MaxNoticeTitle = 200
	MaxNoticeBody  = 20000
)

func noticeObject(id int64) string { return "notice:" + strconv.FormatInt(id, 10) }

// today is the current UTC date as notices store it.
func today() string { return time.Now().UTC().Format(time.DateOnly) }

func requestTypeID(ctx context.Context, q querier, key string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM request_types WHERE key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, attest.Errorf(attest.ENOTFOUND, "No request type %q.", key)
	}
	return id, err
}

// PublishNotice publishes a notice on request type key (knowledge managers); journaled, and
// the watchers of the type's articles who may read them are notified.
// Errors: EFORBIDDEN, ENOTFOUND (request type), EINVALID (title, body, until).
func (s *Store) PublishNotice(ctx context.Context, actor *accounts.User, key string, in NoticeInput) (*Notice, error) {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers publish notices.")
	}
	rtID, err := requestTypeID(ctx, s.db.Read, key)
	if err != nil {
		return nil, err
	}
	n := &Notice{RequestType: key, Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body),
		Until: strings.TrimSpace(in.Until), CreatedBy: actor.Username, CreatedAt: time.Now().UTC()}
	fields := map[string]string{}
	switch {
	case n.Title == "":
		fields["title"] = "required"
	case !utf8.ValidString(n.Title) || utf8.RuneCountInString(n.Title) > MaxNoticeTitle:
		fields["title"] = fmt.Sprintf("at most %d characters of text", MaxNoticeTitle)
	}
	switch {
	case n.Body == "":
		fields["body"] = "required: the blocker and its workaround"
	case !utf8.ValidString(n.Body) || utf8.RuneCountInString(n.Body) > MaxNoticeBody:
		fields["body"] = fmt.Sprintf("at most %d characters of text", MaxNoticeBody)
	}
	if d, err := time.Parse(time.DateOnly, n.Until); err != nil {
		fields["until"] = "a date as YYYY-MM-DD"
	} else if n.Until = d.Format(time.DateOnly); n.Until < today() {
		fields["until"] = "must not be in the past"
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	rendered, err := Render(ctx, n.Body)
	if err != nil {
		return nil, err
	}
	n.HTML = rendered.HTML
	at := database.Format(n.CreatedAt)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO notices (request_type_id, title, body, html, until, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, rtID, n.Title, n.Body, n.HTML, n.Until, actor.ID, at).Scan(&n.ID); err != nil {
			return err
		}
		// The subscribers of a type: watchers of its articles, told under the read rule.
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT w.user_id FROM watchers w
			JOIN article_request_types art ON art.article_id = w.article_id AND art.request_type_id = ?
			WHERE w.user_id != ? ORDER BY w.user_id`, rtID, actor.ID)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := send(ctx, tx, notice{requestType: key, link: "/request-types/" + key,
			text: fmt.Sprintf("Known blocker on %s until %s: %s", key, n.Until, clipRunes(n.Title, 150))}, ids...); err != nil {
			return err
		}
		if err := hook(ctx, tx, outbox.NoticePublished, &Article{RequestTypes: []string{key}}, map[string]any{
			"notice": n.ID, "request_type": key, "title": n.Title, "body": n.Body, "until": n.Until,
			"link": "/request-types/" + key}); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "notice.publish", noticeObject(n.ID), journal.Change{
			After: map[string]any{"request_type": key, "title": n.Title, "body": n.Body, "until": n.Until}})
	})
	if err != nil {
		return nil, fmt.Errorf("kb: publish notice on %s: %w", key, err)
	}
	s.forgetNotices()
	return n, nil
}

// EndNotice ends notice id on request type key before its last day, with a reason (knowledge
// managers); journaled. Errors: EFORBIDDEN, ENOTFOUND, EINVALID (reason), ECONFLICT (already ended).
func (s *Store) EndNotice(ctx context.Context, actor *accounts.User, key string, id int64, reason string) error {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers end notices.")
	}
	reason = strings.TrimSpace(reason)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var ended sql.NullString
		var until string
		err := tx.QueryRowContext(ctx, `SELECT n.ended_at, n.until FROM notices n JOIN request_types rt ON rt.id = n.request_type_id
			WHERE n.id = ? AND rt.key = ?`, id, key).Scan(&ended, &until)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return attest.Errorf(attest.ENOTFOUND, "No notice %d on %q.", id, key)
		case err != nil:
			return err
		case reason == "":
			return attest.FieldError(map[string]string{"reason": "required: say why it ends (repaired, replaced…)"})
		case utf8.RuneCountInString(reason) > MaxFeedbackComment:
			return attest.FieldError(map[string]string{"reason": fmt.Sprintf("at most %d characters", MaxFeedbackComment)})
		case ended.Valid || until < today():
			return attest.Errorf(attest.ECONFLICT, "Notice %d has already ended.", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ?`,
			database.Now(), actor.ID, reason, id); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "notice.end", noticeObject(id), journal.Change{
			Before: map[string]any{"status": "active", "until": until}, After: map[string]any{"status": "ended", "reason": reason}})
	})
	if err != nil {
		return fmt.Errorf("kb: end notice %d: %w", id, err)
	}
	s.forgetNotices()
	return nil
}

// noticeCache remembers whether any notice is active, for a second, so that the article read
// path does not query notices on every read; publishing or ending one forgets it at once.
type noticeCache struct {
	mu     sync.Mutex
	active bool
	until  time.Time
}

func (s *Store) forgetNotices() {
	s.notices.mu.Lock()
	s.notices.until = time.Time{}
	s.notices.mu.Unlock()
}

func (s *Store) anyActiveNotice(ctx context.Context) (bool, error) {
	c := &s.notices
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Before(c.until) {
		return c.active, nil
	}
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE ended_at IS NULL AND until >= ?`, today()).Scan(&n); err != nil {
		return false, fmt.Errorf("kb: notices: %w", err)
	}
	c.active, c.until = n > 0, time.Now().Add(time.Second)
	return c.active, nil
}

const noticeColumns = `n.id, rt.key, rt.name, n.title, n.body, n.html, n.until, u.username, n.created_at`

func scanNotices(rows *sql.Rows) ([]Notice, error) {
	defer rows.Close()
	out := []Notice{}
	for rows.Next() {
		var n Notice
		var at string
		if err := rows.Scan(&n.ID, &n.RequestType, &n.RequestTypeName, &n.Title, &n.Body, &n.HTML, &n.Until, &n.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("kb: notices: %w", err)
		}
		n.CreatedAt = parseTime(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Notices returns the active notices of request type key, newest first, to those who may read
// the type's articles. Errors: ENOTFOUND (request type), EFORBIDDEN (an agent whose supplier
// does not fulfil the type).
func (s *Store) Notices(ctx context.Context, actor *accounts.User, key string) ([]Notice, error) {
	if _, err := requestTypeID(ctx, s.db.Read, key); err != nil {
		return nil, err
	}
	if !ReadsType(actor, key) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Your supplier does not fulfil %q.", key)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices n
		JOIN request_types rt ON rt.id = n.request_type_id JOIN users u ON u.id = n.created_by
		WHERE rt.key = ? AND n.ended_at IS NULL AND n.until >= ? ORDER BY n.id DESC`, key, today())
	if err != nil {
		return nil, fmt.Errorf("kb: notices of %s: %w", key, err)
	}
	return scanNotices(rows)
}

// ArticleNotices returns, per article id, the active notices of the request types it covers
// that actor may read: the banner above an article and above each search hit.
func (s *Store) ArticleNotices(ctx context.Context, actor *accounts.User, ids []int64) (map[int64][]Notice, error) {
	out := map[int64][]Notice{}
	if actor == nil || len(ids) == 0 {
		return out, nil
	}
	active, err := s.anyActiveNotice(ctx)
	if err != nil {
		return nil, err
	}
	if !active {
		return out, nil // the common case: no query per article read
	}
	args := []any{today()}
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = "?"
		args = append(args, id)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT art.article_id, `+noticeColumns+` FROM notices n
		JOIN request_types rt ON rt.id = n.request_type_id JOIN users u ON u.id = n.created_by
		JOIN article_request_types art ON art.request_type_id = n.request_type_id
		WHERE n.ended_at IS NULL AND n.until >= ? AND art.article_id IN (`+strings.Join(marks, ",")+`) ORDER BY n.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb: notices of articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Notice
		var id int64
		var at string
		if err := rows.Scan(&id, &n.ID, &n.RequestType, &n.RequestTypeName, &n.Title, &n.Body, &n.HTML, &n.Until, &n.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("kb: notices of articles: %w", err)
		}
		n.CreatedAt = parseTime(at)
		if ReadsType(actor, n.RequestType) {
			out[id] = append(out[id], n)
		}
	}
	return out, rows.Err()
}
