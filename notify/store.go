// Package notify delivers what the domain packages wrote into the outbox (package outbox):
// e-mail over SMTP and signed webhooks to supplier systems, with retries and back-off; it
// also keeps the webhook registrations and each person's e-mail settings, and sends the
// daily digests and the certification-expiry events.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// Store keeps webhooks, deliveries and settings.
type Store struct {
	db *database.DB
}

// NewStore returns the notification store over db.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// Delivery states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// Delivery is one outbox row as admins see it.
type Delivery struct {
	ID        string     `json:"id"`
	Event     string     `json:"event"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	NextAt    *time.Time `json:"next_at"`
	// Channel is email or webhook; To the address or URL (admin page only).
	Channel string    `json:"-"`
	To      string    `json:"-"`
	Created time.Time `json:"-"`
}

// WebhookInput is what an admin registers.
type WebhookInput struct {
	Supplier string   `json:"supplier"`
	URL      string   `json:"url"`
	Secret   string   `json:"secret"`
	Events   []string `json:"events"`
}

// MinSecret is the shortest webhook secret accepted, in characters.
const MinSecret = 16

func isAdmin(actor *accounts.User, what string) error {
	if !actor.Has(accounts.RoleAdmin) {
		return attest.Errorf(attest.EFORBIDDEN, "Only admins %s.", what)
	}
	return nil
}

// RegisterWebhook registers a supplier system's URL, secret and events (admins); journaled
// without the secret. Errors: EFORBIDDEN, EINVALID (supplier, url, secret, events).
func (s *Store) RegisterWebhook(ctx context.Context, actor *accounts.User, in WebhookInput) (int64, error) {
	if err := isAdmin(actor, "register webhooks"); err != nil {
		return 0, err
	}
	fields := map[string]string{}
	in.Supplier, in.URL = strings.TrimSpace(in.Supplier), strings.TrimSpace(in.URL)
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(in.URL) > 2000 {
		fields["url"] = "an http:// or https:// address of the receiving system, without user:password"
	}
	if utf8.RuneCountInString(in.Secret) < MinSecret || len(in.Secret) > 500 {
		fields["secret"] = fmt.Sprintf("at least %d characters, shared with the receiver only", MinSecret)
	}
	var events []string
	for _, e := range in.Events {
		if !slices.Contains(outbox.Events, e) {
			fields["events"] = "each one of " + strings.Join(outbox.Events, ", ")
			break
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if len(events) == 0 && fields["events"] == "" {
		fields["events"] = "at least one of " + strings.Join(outbox.Events, ", ")
	}
	var supplierID int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT id FROM suppliers WHERE key = ?`, in.Supplier).Scan(&supplierID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		fields["supplier"] = fmt.Sprintf("no supplier %q", in.Supplier)
	case err != nil:
		return 0, fmt.Errorf("notify: supplier %q: %w", in.Supplier, err)
	}
	if len(fields) > 0 {
		return 0, attest.FieldError(fields)
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (supplier_id, url, secret, events, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, supplierID, in.URL, in.Secret, strings.Join(events, ","), actor.ID, database.Now()).Scan(&id); err != nil {
			return fmt.Errorf("notify: register webhook: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "webhook.register", "webhook:"+strconv.FormatInt(id, 10),
			journal.Change{After: map[string]any{"supplier": in.Supplier, "url": in.URL, "events": events}})
	})
	return id, err
}

// Webhook is a registration as the admin page lists it (never the secret).
type Webhook struct {
	ID       int64
	Supplier string
	URL      string
	Events   []string
}

// Webhooks lists the registered webhooks (admins).
func (s *Store) Webhooks(ctx context.Context, actor *accounts.User) ([]Webhook, error) {
	if err := isAdmin(actor, "see webhooks"); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT w.id, sp.key, w.url, w.events FROM webhooks w JOIN suppliers sp ON sp.id = w.supplier_id ORDER BY w.id`)
	if err != nil {
		return nil, fmt.Errorf("notify: webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var h Webhook
		var ev string
		if err := rows.Scan(&h.ID, &h.Supplier, &h.URL, &ev); err != nil {
			return nil, fmt.Errorf("notify: webhooks: %w", err)
		}
		h.Events = strings.Split(ev, ",")
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s *Store) webhookExists(ctx context.Context, id int64) error {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("notify: webhook %d: %w", id, err)
	}
	if n == 0 {
		return attest.Errorf(attest.ENOTFOUND, "No webhook %d.", id)
	}
	return nil
}

const deliveryCols = `o.uid, o.event, o.state, o.attempts, o.last_error, o.next_at, o.channel,
	COALESCE(u.email, w.url, ''), o.created_at`

const deliveryFrom = ` FROM outbox o LEFT JOIN users u ON u.id = o.user_id LEFT JOIN webhooks w ON w.id = o.webhook_id`

func scanDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var next, created string
		if err := rows.Scan(&d.ID, &d.Event, &d.Status, &d.Attempts, &d.LastError, &next, &d.Channel, &d.To, &created); err != nil {
			return nil, fmt.Errorf("notify: deliveries: %w", err)
		}
		if d.Status == Pending {
			t, _ := database.Parse(next)
			d.NextAt = &t
		}
		d.Created, _ = database.Parse(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// WebhookDeliveries lists webhook id's deliveries, newest first (admins).
// Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) WebhookDeliveries(ctx context.Context, actor *accounts.User, id int64, limit, offset int) ([]Delivery, error) {
	if err := isAdmin(actor, "see deliveries"); err != nil {
		return nil, err
	}
	if err := s.webhookExists(ctx, id); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 500)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE o.webhook_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?`,
		id, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries of webhook %d: %w", id, err)
	}
	return scanDeliveries(rows)
}

// Deliveries lists every delivery, newest first, at most limit (admins): the admin page.
func (s *Store) Deliveries(ctx context.Context, actor *accounts.User, limit, offset int) ([]Delivery, error) {
	if err := isAdmin(actor, "see deliveries"); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 500)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+deliveryCols+deliveryFrom+` ORDER BY o.id DESC LIMIT ? OFFSET ?`, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// Retry makes delivery uid due now, with its same id (admins); webhookID, when not 0, must be
// the delivery's webhook. A delivered one is sent again only when asked: receivers drop the
// repeat by its id. Journaled. Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) Retry(ctx context.Context, actor *accounts.User, webhookID int64, uid string) error {
	if err := isAdmin(actor, "retry deliveries"); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var state string
		var hook sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT state, webhook_id FROM outbox WHERE uid = ?`, uid).Scan(&state, &hook)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && webhookID != 0 && hook.Int64 != webhookID) {
			return attest.Errorf(attest.ENOTFOUND, "No delivery %q.", uid)
		}
		if err != nil {
			return fmt.Errorf("notify: retry %s: %w", uid, err)
		}
		// A new 24 h of retries from now.
		now := database.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', next_at = ?, created_at = ?, attempts = 0 WHERE uid = ?`,
			now, now, uid); err != nil {
			return fmt.Errorf("notify: retry %s: %w", uid, err)
		}
		return journal.Append(ctx, tx, actor.Username, "delivery.retry", "delivery:"+uid,
			journal.Change{Before: map[string]any{"state": state}, After: map[string]any{"state": Pending}})
	})
}

// Settings is what a person receives by e-mail.
type Settings struct {
	// Email: each notification by e-mail at once.
	Email bool `json:"email"`
	// Digest: "off" or "daily".
	Digest string `json:"digest"`
	// Address is where e-mail goes ("" : none set; an admin sets it).
	Address string `json:"address"`
}

// SettingsOf returns actor's settings.
func (s *Store) SettingsOf(ctx context.Context, actor *accounts.User) (Settings, error) {
	st := Settings{Email: true, Digest: "off"}
	err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(s.email, 1), COALESCE(s.digest, 'off'), u.email FROM users u
		LEFT JOIN notify_settings s ON s.user_id = u.id WHERE u.id = ?`, actor.ID).Scan(&st.Email, &st.Digest, &st.Address)
	if err != nil {
		return st, fmt.Errorf("notify: settings of %s: %w", actor.Username, err)
	}
	return st, nil
}

// SetSettings sets actor's own settings; journaled. Errors: EINVALID (digest).
func (s *Store) SetSettings(ctx context.Context, actor *accounts.User, in Settings) error {
	if in.Digest != "off" && in.Digest != "daily" {
		return attest.FieldError(map[string]string{"digest": "off or daily"})
	}
	if actor.ID == 0 {
		return attest.Errorf(attest.EFORBIDDEN, "Only people have notification settings.")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_settings (user_id, email, digest) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, digest = excluded.digest`, actor.ID, in.Email, in.Digest); err != nil {
			return fmt.Errorf("notify: settings of %s: %w", actor.Username, err)
		}
		return journal.Append(ctx, tx, actor.Username, "notify.settings", "user:"+actor.Username,
			journal.Change{After: map[string]any{"email": in.Email, "digest": in.Digest}})
	})
}
