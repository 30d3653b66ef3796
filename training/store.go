// Package training certifies supplier staff: quizzes per request type, attempts scored on the
// server, certifications granted by trainers, and the fulfilment authority they confer, which
// lapses when the knowledge it rests on changes in a major way.
package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/kb"
)

// Store keeps quizzes, attempts and certifications.
type Store struct {
	db       *database.DB
	accounts *accounts.Store
	kb       *kb.Store

	mu  sync.RWMutex
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *database.DB, acc *accounts.Store, k *kb.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k, now: time.Now}
}

// SetClock replaces the store's clock: tests move time forward with it (expiry, time limits)
// and the demo seed backdates its history. nil restores the real clock.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

// clock returns the store's notion of now, in UTC.
func (s *Store) clock() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now().UTC()
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func forbid(actor *accounts.User, msg string, roles ...accounts.Role) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	if !actor.Has(roles...) {
		return attest.Errorf(attest.EFORBIDDEN, "%s", msg)
	}
	return nil
}

func requestTypeID(ctx context.Context, q queryer, key string) (id int64, name string, err error) {
	err = q.QueryRowContext(ctx, `SELECT id, name FROM request_types WHERE key = ?`, key).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", attest.FieldError(map[string]string{"request_type": fmt.Sprintf("unknown request type %q", key)})
	}
	if err != nil {
		return 0, "", fmt.Errorf("training: request type %q: %w", key, err)
	}
	return id, name, nil
}

func parseTime(s string) time.Time {
	t, _ := database.Parse(s)
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return database.Format(*t)
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
