package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// Agreement is a published version of the usage agreement.
type Agreement struct {
	Version     int
	Text        string
	PublishedAt time.Time
	// Accepted tells whether the user who asked has accepted this version.
	Accepted bool
}

// PublishAgreement publishes a new version of the usage agreement; every agent must accept it
// before seeing knowledge again. Errors: EFORBIDDEN, EINVALID.
func (s *Store) PublishAgreement(ctx context.Context, actor *User, text string) (int, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return 0, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return 0, attest.FieldError(map[string]string{"text": "required"})
	case utf8.RuneCountInString(text) > 100_000:
		return 0, attest.FieldError(map[string]string{"text": "at most 100,000 characters"})
	}
	var version int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM agreements`).Scan(&version); err != nil {
			return fmt.Errorf("accounts: publish agreement: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agreements (version, text, published_by, published_at) VALUES (?, ?, ?, ?)`,
			version, text, nullID(actor.ID), database.Now()); err != nil {
			return fmt.Errorf("accounts: publish agreement: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "agreement.publish", fmt.Sprintf("agreement:%d", version),
			journal.Change{After: map[string]any{"version": version, "text": text}})
	})
	return version, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CurrentAgreement returns the newest agreement and whether actor accepted it.
// Errors: ENOTFOUND when none is published.
func (s *Store) CurrentAgreement(ctx context.Context, actor *User) (*Agreement, error) {
	var a Agreement
	var at string
	err := s.db.Read.QueryRowContext(ctx, `SELECT version, text, published_at,
		EXISTS(SELECT 1 FROM agreement_acceptances WHERE user_id = ? AND version = agreements.version)
		FROM agreements ORDER BY version DESC LIMIT 1`, actor.ID).Scan(&a.Version, &a.Text, &at, &a.Accepted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No usage agreement is published.")
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: agreement: %w", err)
	}
	a.PublishedAt, _ = database.Parse(at)
	return &a, nil
}

// AcceptAgreement records that actor accepted version, which must be the current one.
// Errors: ENOTFOUND when none is published, EINVALID for another version.
func (s *Store) AcceptAgreement(ctx context.Context, actor *User, version int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM agreements`).Scan(&current); err != nil {
			return fmt.Errorf("accounts: accept agreement: %w", err)
		}
		switch {
		case current == 0:
			return attest.Errorf(attest.ENOTFOUND, "No usage agreement is published.")
		case version != current:
			return attest.FieldError(map[string]string{"version": fmt.Sprintf("the current version is %d", current)})
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO agreement_acceptances (user_id, version, accepted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			actor.ID, version, database.Now())
		if err != nil {
			return fmt.Errorf("accounts: accept agreement: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // accepted before: nothing changes
		}
		return journal.Append(ctx, tx, actor.Username, "agreement.accept", fmt.Sprintf("agreement:%d", version), nil)
	})
}

// RequireAgreement returns EAGREEMENT when actor holds the agent role and has not accepted the
// current usage agreement. Every call that shows knowledge to an agent checks it. The agreement
// binds supplier staff, so an agent who also holds an enterprise role accepts it too.
func RequireAgreement(actor *User) error {
	if actor.NeedsAgreement() {
		return attest.Errorf(attest.EAGREEMENT, "Accept the current usage agreement before you read knowledge.")
	}
	return nil
}
