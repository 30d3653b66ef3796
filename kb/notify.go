package kb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"attest/accounts"
	"attest/sqlite"
)

// Notification is an in-app notice for a person: a decision on their proposal, a change to
// an article they watch.
type Notification struct {
	ID   int64
	At   time.Time
	Text string
	// Link is the page the notice is about.
	Link string
	Read bool
}

// notify writes a notification for user id.
func notify(ctx context.Context, tx *sql.Tx, userID int64, text, link string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, at, text, link) VALUES (?, ?, ?, ?)`,
		userID, sqlite.Now(), text, link); err != nil {
		return fmt.Errorf("kb: notify: %w", err)
	}
	return nil
}

// notifyWatchers notifies the article's watchers except actor and skip (who was told already).
// Watchers who could not read the article now are left out; so are agents when public is
// false, as the notice concerns someone else's proposal.
func notifyWatchers(ctx context.Context, tx *sql.Tx, articleID, actorID, skip int64, public bool, text, link string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, at, text, link)
		SELECT w.user_id, ?, ?, ? FROM watchers w JOIN users u ON u.id = w.user_id
		WHERE w.article_id = ? AND w.user_id NOT IN (?, ?) AND (
			EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('knowledge_manager', 'auditor', 'admin', 'trainer'))
			OR (? AND (
				NOT EXISTS (SELECT 1 FROM article_request_types WHERE article_id = w.article_id)
				OR EXISTS (SELECT 1 FROM article_request_types art JOIN supplier_request_types srt ON srt.request_type_id = art.request_type_id
					WHERE art.article_id = w.article_id AND srt.supplier_id = u.supplier_id))))`,
		sqlite.Now(), text, link, articleID, actorID, skip, public)
	if err != nil {
		return fmt.Errorf("kb: notify watchers of %d: %w", articleID, err)
	}
	return nil
}

// Notifications returns actor's newest notifications, at most limit (1 to 100).
func (s *Store) Notifications(ctx context.Context, actor *accounts.User, limit int) ([]Notification, error) {
	limit = min(max(limit, 1), 100)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, at, text, link, read_at IS NOT NULL FROM notifications
		WHERE user_id = ? ORDER BY id DESC LIMIT ?`, actor.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("kb: notifications of %s: %w", actor.Username, err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var at string
		if err := rows.Scan(&n.ID, &at, &n.Text, &n.Link, &n.Read); err != nil {
			return nil, fmt.Errorf("kb: notifications of %s: %w", actor.Username, err)
		}
		n.At = parseTime(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts actor's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, actor *accounts.User) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, actor.ID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("kb: unread notifications of %s: %w", actor.Username, err)
	}
	return n, nil
}

// MarkNotificationsRead marks all of actor's notifications read.
func (s *Store) MarkNotificationsRead(ctx context.Context, actor *accounts.User) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, sqlite.Now(), actor.ID); err != nil {
			return fmt.Errorf("kb: mark notifications read: %w", err)
		}
		return nil
	})
}
