package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"attest"
	"attest/database"
)

// SignInLimits are the rules of the sign-in throttle, shared by the sign-in form and the
// password-for-token call.
//
// Within Window an account may fail PerAccountAddress times from one address: after that,
// that address waits. Failures of an account from everywhere (PerAccount) and from one address
// across accounts (PerAddress) are counted too; past those limits only addresses the account
// has signed in from before (known addresses) may still try. So a stranger failing on purpose
// cannot lock a person out: the person's usual address is known, and their own
// account-and-address counter is not the stranger's.
//
// Every attempt is reserved in the database before its password is checked, so parallel
// requests cannot overrun a limit, and a restart forgets nothing. At most Checks password
// checks (about 19 MiB of memory each) run at once in the whole server; an attempt that finds
// no free slot within CheckWait is refused.
type SignInLimits struct {
	Window            time.Duration
	PerAccountAddress int
	PerAccount        int
	PerAddress        int
	Checks            int
	CheckWait         time.Duration
	// KnownFor is how long an address stays known after the last successful sign-in from it.
	KnownFor time.Duration
}

// DefaultSignInLimits: 5 failures per account and address, 50 per account and 20 per
// address within 15 minutes; 4 password checks at once, waiting up to 2 seconds for a slot;
// an address stays known for 180 days.
var DefaultSignInLimits = SignInLimits{
	Window:            15 * time.Minute,
	PerAccountAddress: 5,
	PerAccount:        50,
	PerAddress:        20,
	Checks:            4,
	CheckWait:         2 * time.Second,
	KnownFor:          180 * 24 * time.Hour,
}

// signInGate holds what the throttle keeps in memory: the server-wide slots for password
// checks, and the hooks tests replace.
type signInGate struct {
	once   sync.Once
	slots  chan struct{}
	now    func() time.Time
	verify func(encoded, pw string) bool
}

func (s *Store) clock() time.Time {
	if s.gate.now != nil {
		return s.gate.now()
	}
	return time.Now()
}

func (s *Store) checkPassword(encoded, pw string) bool {
	if s.gate.verify != nil {
		return s.gate.verify(encoded, pw)
	}
	return checkPassword(encoded, pw)
}

// addressKey is the throttle's key for a client address: an IPv4 address as is, an IPv6
// address by its /64 (one subscriber's network hands out addresses from a whole /64).
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(addr) > 64 {
			addr = addr[:64]
		}
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

func throttled(wait time.Duration) error {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	return &attest.Error{Code: attest.ETHROTTLED, RetryAfter: secs,
		Message: fmt.Sprintf("Too many failed sign-ins. Try again in %d seconds.", secs)}
}

// reserve records a pending attempt of account from addr when the limits allow one, in one
// write transaction, and returns its id. Write transactions are serialised (SQLite: one
// writer, BEGIN IMMEDIATE; PostgreSQL: database.DB.Tx's advisory lock, on every node), so
// parallel attempts count each other. Errors: ETHROTTLED.
func (s *Store) reserve(ctx context.Context, account, addr string) (int64, error) {
	lim := s.SignIn
	now := s.clock()
	cut := database.Format(now.Add(-lim.Window))
	var id int64
	var refused time.Duration
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Expired attempts are of no use to anyone: clear them as new ones are made.
		if _, err := tx.ExecContext(ctx, `DELETE FROM signin_attempts WHERE at < ?`, cut); err != nil {
			return err
		}
		// wait counts the attempts matching where and, when they reach limit, says how long
		// until enough of them fall out of the window.
		wait := func(limit int, where string, args ...any) (time.Duration, error) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_attempts WHERE `+where, args...).Scan(&n); err != nil {
				return 0, err
			}
			if n < limit {
				return 0, nil
			}
			var at string
			err := tx.QueryRowContext(ctx, `SELECT at FROM signin_attempts WHERE `+where+` ORDER BY at LIMIT 1 OFFSET ?`,
				append(args, n-limit)...).Scan(&at)
			if err != nil {
				return 0, err
			}
			t, err := database.Parse(at)
			if err != nil {
				return 0, err
			}
			return max(t.Add(lim.Window).Sub(now), time.Second), nil
		}
		w, err := wait(lim.PerAccountAddress, `account = ? AND addr = ?`, account, addr)
		if err != nil || w > 0 {
			refused = w
			return err
		}
		wAcct, err := wait(lim.PerAccount, `account = ?`, account)
		if err != nil {
			return err
		}
		wAddr, err := wait(lim.PerAddress, `addr = ?`, addr)
		if err != nil {
			return err
		}
		if w := max(wAcct, wAddr); w > 0 {
			var known bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM signin_known_addresses k JOIN users u ON u.id = k.user_id
				WHERE lower(u.username) = lower(?) AND k.addr = ? AND k.last_at >= ?)`,
				account, addr, database.Format(now.Add(-lim.KnownFor))).Scan(&known)
			if err != nil || !known {
				refused = w
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO signin_attempts (account, addr, at, outcome) VALUES (?, ?, ?, 'pending') RETURNING id`,
			account, addr, database.Format(now)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("accounts: reserve sign-in: %w", err)
	}
	if refused > 0 {
		return 0, throttled(refused)
	}
	return id, nil
}

// settle records the outcome of a reserved attempt. A failure stays counted; a success
// forgets the attempt and the earlier failures of the account from that address, and makes
// the address known for the user. A cancelled attempt (no password checked) is forgotten.
func (s *Store) settle(ctx context.Context, id int64, outcome string, userID int64, account, addr string) error {
	// The outcome is recorded even when the client has gone: the password was checked.
	ctx = context.WithoutCancel(ctx)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		switch outcome {
		case "failed":
			_, err := tx.ExecContext(ctx, `UPDATE signin_attempts SET outcome = 'failed' WHERE id = ?`, id)
			return err
		case "cancelled":
			_, err := tx.ExecContext(ctx, `DELETE FROM signin_attempts WHERE id = ?`, id)
			return err
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `DELETE FROM signin_attempts WHERE id = ? OR (account = ? AND addr = ?)`, id, account, addr); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signin_known_addresses (user_id, addr, last_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, addr) DO UPDATE SET last_at = excluded.last_at`, userID, addr, database.Format(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM signin_known_addresses WHERE user_id = ? AND last_at < ?`,
			userID, database.Format(now.Add(-s.SignIn.KnownFor)))
		return err
	})
	if err != nil {
		return fmt.Errorf("accounts: record sign-in: %w", err)
	}
	return nil
}

// verifyThrottled checks password against the stored hash of account, under the throttle:
// the attempt is reserved before the check and at most SignInLimits.Checks run at once. It
// returns the user's id when the password is right; an unknown account takes as long as a
// wrong password. The attempt is settled (failed, succeeded or, when no check ran, given back).
// Errors: ETHROTTLED (with RetryAfter).
func (s *Store) verifyThrottled(ctx context.Context, account, addr, password string) (id int64, right bool, err error) {
	attempt, err := s.reserve(ctx, account, addr)
	if err != nil {
		return 0, false, err
	}
	release, busy := s.acquireCheck(ctx)
	if busy != nil {
		// No password was checked: the attempt is given back.
		if err := s.settle(ctx, attempt, "cancelled", 0, account, addr); err != nil {
			return 0, false, err
		}
		return 0, false, busy
	}
	var hash string
	err = s.db.Read.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE lower(username) = lower(?)`, account).Scan(&id, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		release()
		return 0, false, fmt.Errorf("accounts: check password: %w", err)
	}
	if err != nil {
		hash = dummyHash // a wrong username takes as long as a wrong password
	}
	right = s.checkPassword(hash, password) && id != 0
	release()
	outcome := "failed"
	if right {
		outcome = "succeeded"
	}
	if err := s.settle(ctx, attempt, outcome, id, account, addr); err != nil {
		return 0, false, err
	}
	return id, right, nil
}

// acquireCheck takes one of the server-wide password-check slots, waiting up to CheckWait.
// Errors: ETHROTTLED.
func (s *Store) acquireCheck(ctx context.Context) (release func(), err error) {
	s.gate.once.Do(func() { s.gate.slots = make(chan struct{}, max(s.SignIn.Checks, 1)) })
	release = func() { <-s.gate.slots }
	select {
	case s.gate.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(s.SignIn.CheckWait)
	defer t.Stop()
	select {
	case s.gate.slots <- struct{}{}:
		return release, nil
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, &attest.Error{Code: attest.ETHROTTLED, RetryAfter: 1,
		Message: "Too many sign-ins at once. Try again in a moment."}
}
