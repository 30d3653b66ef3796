// Package outbox writes deliveries (an e-mail to a person, a POST to a supplier's webhook)
// into the outbox table, in the transaction of the change they tell of, so that a rolled-back
// change sends nothing and a committed one is never lost. It is the small writing half of
// notify: the domain packages (kb, training, audit) call it, and notify, which imports them,
// delivers what it wrote. It imports no domain package, so the imports stay one way:
// notify → kb, training, audit → outbox.
package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"attest/database"
)

// The webhook events (API.md).
const (
	ArticleApproved       = "article.approved"
	ArticleWithdrawn      = "article.withdrawn"
	ArticleRetired        = "article.retired"
	NoticePublished       = "notice.published"
	CertificationGranted  = "certification.granted"
	CertificationRevoked  = "certification.revoked"
	CertificationExpiring = "certification.expiring"
	FindingAssigned       = "finding.assigned"
)

// Events lists the webhook events, in the order API.md names them.
var Events = []string{ArticleApproved, ArticleWithdrawn, ArticleRetired, NoticePublished,
	CertificationGranted, CertificationRevoked, CertificationExpiring, FindingAssigned}

// email is on while the process has an SMTP server to send through (attest serve --smtp).
// Without one, no e-mail is queued: nothing would ever send it.
var email atomic.Bool

// SetEmail turns the queueing of e-mails on or off for this process.
func SetEmail(on bool) { email.Store(on) }

// EmailOn reports whether e-mails are queued.
func EmailOn() bool { return email.Load() }

// Mail is an e-mail about a notification: a subject, the text and the page it is about
// (a path such as /articles/7, made absolute with the base URL when sent).
type Mail struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	Link    string `json:"link"`
	// HTML, when set, is the body's HTML part (a digest's list); else the text is escaped.
	HTML string `json:"html,omitempty"`
	// WhileInReview, when set, is the id of a version in review the e-mail asks to review:
	// it waits ReviewGrace and is dropped if the version was decided by then.
	WhileInReview int64 `json:"while_in_review,omitempty"`
}

// ReviewGrace is how long an e-mail asking for a review waits before it is sent, so that a
// version decided at once (a colleague at the next desk) is not e-mailed about.
const ReviewGrace = 10 * time.Second

// NewID returns a new delivery id: stable for the delivery, the same on every attempt.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "dlv_" + hex.EncodeToString(b[:])
}

// Email queues m for user id when e-mail is on and the person has an address and wants each
// notification by e-mail (notify_settings; no row: yes). The caller has applied the read rule.
func Email(ctx context.Context, tx *sql.Tx, userID int64, event string, m Mail) error {
	if !EmailOn() {
		return nil
	}
	var want bool
	err := tx.QueryRowContext(ctx, `SELECT u.email != '' AND u.disabled_at IS NULL AND COALESCE(s.email, 1) = 1
		FROM users u LEFT JOIN notify_settings s ON s.user_id = u.id WHERE u.id = ?`, userID).Scan(&want)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("outbox: e-mail settings of %d: %w", userID, err)
	}
	if !want {
		return nil
	}
	return QueueEmail(ctx, tx, userID, event, m)
}

// QueueEmail queues m for user id without asking their settings (a digest they asked for).
func QueueEmail(ctx context.Context, tx *sql.Tx, userID int64, event string, m Mail) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	now := time.Now()
	next := now
	if m.WhileInReview != 0 {
		next = now.Add(ReviewGrace)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (uid, channel, user_id, event, payload, created_at, next_at)
		VALUES (?, 'email', ?, ?, ?, ?, ?)`, NewID(), userID, event, string(raw), database.Format(now), database.Format(next)); err != nil {
		return fmt.Errorf("outbox: queue e-mail: %w", err)
	}
	return nil
}

// Body is what a webhook POST carries.
type Body struct {
	ID    string          `json:"id"`
	Event string          `json:"event"`
	At    string          `json:"at"`
	Data  json.RawMessage `json:"data"`
}

// Hook queues event with data for every webhook subscribed to it whose supplier may read what
// it is about: mayRead answers for a supplier's id with the read rule of the caller's domain.
func Hook(ctx context.Context, tx *sql.Tx, event string, data any, mayRead func(supplierID int64) (bool, error)) error {
	if !slices.Contains(Events, event) {
		return fmt.Errorf("outbox: unknown event %q", event)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, supplier_id, events FROM webhooks ORDER BY id`)
	if err != nil {
		return fmt.Errorf("outbox: webhooks: %w", err)
	}
	type hook struct{ id, supplier int64 }
	var hooks []hook
	for rows.Next() {
		var h hook
		var events string
		if err := rows.Scan(&h.id, &h.supplier, &events); err != nil {
			rows.Close()
			return fmt.Errorf("outbox: webhooks: %w", err)
		}
		if slices.Contains(strings.Split(events, ","), event) {
			hooks = append(hooks, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("outbox: webhooks: %w", err)
	}
	if len(hooks) == 0 {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, h := range hooks {
		ok, err := mayRead(h.supplier)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		b := Body{ID: NewID(), Event: event, At: now.Format(time.RFC3339), Data: raw}
		body, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (uid, channel, webhook_id, event, payload, created_at, next_at)
			VALUES (?, 'webhook', ?, ?, ?, ?, ?)`, b.ID, h.id, event, string(body), database.Format(now), database.Format(now)); err != nil {
			return fmt.Errorf("outbox: queue %s: %w", event, err)
		}
	}
	return nil
}

// Backoff is how long a delivery waits after its attempts-th failed attempt: 1 min, doubling.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	if attempts > 20 {
		attempts = 20
	}
	return time.Minute << (attempts - 1)
}

// GiveUpAfter is how long a delivery is retried before it is marked failed.
const GiveUpAfter = 24 * time.Hour

// AboutPerson queues an event about one person (a certification, a finding they own): an
// e-mail to them (Email's rules), and the event for the webhooks of their own supplier only;
// enterprise staff belong to no supplier, so no webhook hears of them.
func AboutPerson(ctx context.Context, tx *sql.Tx, userID int64, event string, m Mail, data any) error {
	if err := Email(ctx, tx, userID, event, m); err != nil {
		return err
	}
	var supplier sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT supplier_id FROM users WHERE id = ?`, userID).Scan(&supplier); err != nil {
		return fmt.Errorf("outbox: supplier of %d: %w", userID, err)
	}
	if !supplier.Valid {
		return nil
	}
	return Hook(ctx, tx, event, data, func(id int64) (bool, error) { return id == supplier.Int64, nil })
}
