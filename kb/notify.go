package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"attest/accounts"
	"attest/database"
	"attest/outbox"
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

// notice is one notification about an article, with what a person must be able to read to
// receive it. Every notification is written through send, which applies the read rule
// (readsVersion, readsCurrent) to each recipient: nobody learns of an article, a proposal or
// another supplier's feedback that they may not read.
type notice struct {
	// article is the article as it stood when the notice was written.
	article *Article
	// version is the version the notice is about; nil: the article's current version.
	version *Version
	// requestType is what a notice that is about no article concerns (a known-blocker notice):
	// those who may read the type's articles receive it.
	requestType string
	// feedback marks a notice that repeats someone's feedback (a follow-up): only those who
	// see follow-ups receive it.
	feedback bool
	// review marks a request to review version: its e-mail is dropped if the version is
	// decided before it goes out.
	review     bool
	text, link string
}

// mayReadNotice reports whether u may read what n is about.
func mayReadNotice(u *accounts.User, n notice) bool {
	switch {
	case u == nil:
		return false
	case n.article == nil:
		return n.requestType != "" && ReadsType(u, n.requestType)
	case n.feedback && canSeeFollowups(u) != nil:
		return false
	case n.version != nil:
		return readsVersion(u, n.article, n.version)
	default:
		return readsCurrent(u, n.article)
	}
}

// send writes n for each of the users ids who may read it, once each.
func send(ctx context.Context, tx *sql.Tx, n notice, ids ...int64) error {
	users, err := recipients(ctx, tx, ids)
	if err != nil {
		return err
	}
	at := database.Now()
	for _, u := range users {
		if !mayReadNotice(u, n) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, at, text, link) VALUES (?, ?, ?, ?)`,
			u.ID, at, n.text, n.link); err != nil {
			return fmt.Errorf("kb: notify: %w", err)
		}
		// The same notice by e-mail, in the same transaction: a rolled-back change sends nothing.
		m := outbox.Mail{Subject: subject(n.text), Text: n.text, Link: n.link}
		if n.review && n.version != nil {
			m.WhileInReview = n.version.id
		}
		if err := outbox.Email(ctx, tx, u.ID, "notification", m); err != nil {
			return err
		}
	}
	return nil
}

// subject is an e-mail's subject line for a notice's text.
func subject(text string) string {
	const most = 100
	if r := []rune(text); len(r) > most {
		return string(r[:most-1]) + "…"
	}
	return text
}

// hook queues event about article a for each supplier's webhook that subscribes to it, when
// an agent of that supplier may read the article (ReadScope): a supplier's system learns
// nothing about articles for other suppliers. Written in the change's transaction.
func hook(ctx context.Context, tx *sql.Tx, event string, a *Article, data map[string]any) error {
	return outbox.Hook(ctx, tx, event, data, func(supplierID int64) (bool, error) {
		agent, err := supplierAgent(ctx, tx, supplierID)
		if err != nil {
			return false, err
		}
		return ReadScope(agent).Covers(a.RequestTypes), nil
	})
}

// supplierAgent is an agent of supplier id who has accepted the agreement: what the
// supplier's systems may read.
func supplierAgent(ctx context.Context, tx *sql.Tx, supplierID int64) (*accounts.User, error) {
	var fulfils string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rt.key, char(31)), '') FROM supplier_request_types srt
		JOIN request_types rt ON rt.id = srt.request_type_id WHERE srt.supplier_id = ?`, supplierID).Scan(&fulfils); err != nil {
		return nil, fmt.Errorf("kb: request types of supplier %d: %w", supplierID, err)
	}
	return &accounts.User{Roles: []accounts.Role{accounts.RoleAgent}, SupplierID: supplierID, Fulfils: splitSorted(fulfils)}, nil
}

// articleData is what a webhook carries about an article.
func articleData(a *Article, v *Version, link string) map[string]any {
	d := map[string]any{"article": a.ID, "title": a.Title, "request_types": a.RequestTypes, "link": link}
	if v != nil {
		d["version"] = v.Number
		d["title"] = v.Title
	}
	return d
}

// sendWatchers writes n for the article's watchers except the users except (the actor, and
// whoever was told already) who may read it.
func sendWatchers(ctx context.Context, tx *sql.Tx, n notice, except ...int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM watchers WHERE article_id = ? ORDER BY user_id`, n.article.ID)
	if err != nil {
		return fmt.Errorf("kb: watchers of %d: %w", n.article.ID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("kb: watchers of %d: %w", n.article.ID, err)
		}
		if !slices.Contains(except, id) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kb: watchers of %d: %w", n.article.ID, err)
	}
	return send(ctx, tx, n, ids...)
}

// recipients loads users ids as readers: their roles, what their supplier fulfils and whether
// they still have to accept the usage agreement, the inputs of the read rule. Unknown ids are
// left out.
func recipients(ctx context.Context, tx *sql.Tx, ids []int64) ([]*accounts.User, error) {
	out := make([]*accounts.User, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u := &accounts.User{ID: id}
		var roles, fulfils string
		err := tx.QueryRowContext(ctx, `SELECT u.username, COALESCE(u.supplier_id, 0),
			COALESCE((SELECT group_concat(role, char(31)) FROM user_roles WHERE user_id = u.id), ''),
			COALESCE((SELECT group_concat(rt.key, char(31)) FROM supplier_request_types srt JOIN request_types rt ON rt.id = srt.request_type_id
				WHERE srt.supplier_id = u.supplier_id), ''),
			COALESCE((SELECT MAX(version) FROM agreements), 0) > 0 AND NOT EXISTS (SELECT 1 FROM agreement_acceptances a
				WHERE a.user_id = u.id AND a.version = (SELECT MAX(version) FROM agreements))
			FROM users u WHERE u.id = ?`, id).Scan(&u.Username, &u.SupplierID, &roles, &fulfils, &u.AgreementPending)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("kb: load recipient %d: %w", id, err)
		}
		for _, r := range splitSorted(roles) {
			u.Roles = append(u.Roles, accounts.Role(r))
		}
		u.Fulfils = splitSorted(fulfils)
		out = append(out, u)
	}
	return out, nil
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
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, database.Now(), actor.ID); err != nil {
			return fmt.Errorf("kb: mark notifications read: %w", err)
		}
		return nil
	})
}
