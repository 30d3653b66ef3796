package accounts

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	_ "embed"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// enterpriseRoles are the roles supplier staff never hold (separation of duties).
var enterpriseRoles = []Role{RoleAdmin, RoleKnowledgeManager, RoleTrainer, RoleAuditor}

// checkDuties is the separation-of-duties rule on roles: supplier staff (an agent, or anyone
// with a supplier) never hold an enterprise role, and an agent belongs to a supplier. It
// returns the field errors, empty when roles and supplier go together.
func checkDuties(roles []Role, supplier string) map[string]string {
	fields := map[string]string{}
	staff := supplier != "" || slices.Contains(roles, RoleAgent)
	for _, r := range enterpriseRoles {
		if staff && slices.Contains(roles, r) {
			fields["roles"] = fmt.Sprintf("supplier staff never hold an enterprise role (%s): an agent, or anyone with a supplier, has the agent role only", r.Label())
			return fields
		}
	}
	if slices.Contains(roles, RoleAgent) && supplier == "" {
		fields["supplier"] = "an agent must belong to a supplier"
	}
	return fields
}

// MinPassword is the shortest password accepted.
const MinPassword = 10

//go:embed common-passwords.txt
var commonPasswordsFile string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// WeakPassword says what is wrong with pw as a new password, "" when nothing: it must be
// 10 to 256 characters and not one of the common passwords attackers try first.
func WeakPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPassword:
		return fmt.Sprintf("at least %d characters", MinPassword)
	case n > 256:
		return "at most 256 characters"
	case commonPasswords[strings.ToLower(pw)]:
		return "this is one of the most common passwords; choose another"
	}
	return ""
}

// UserUpdate is a change to a user; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string
	Email       *string
	Roles       *[]Role
	Supplier    *string
	Disabled    *bool
	// Reason says why the account is disabled (required to disable).
	Reason string
	// EndDate is YYYY-MM-DD, or "" to clear it.
	EndDate *string
}

// UpdateUser changes a person (admins): display name, e-mail, roles, supplier, disabled (with
// a reason) and end date. Disabling ends every session and token of the person at once.
// Every change is journaled in the same transaction. Separation of duties: nobody changes
// their own roles or disables themselves (EFORBIDDEN), and supplier staff never hold an
// enterprise role (EINVALID on roles).
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (with fields), ECONFLICT (erased).
func (s *Store) UpdateUser(ctx context.Context, actor *User, username string, in UserUpdate) (*User, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if u.Erased {
		return nil, attest.Errorf(attest.ECONFLICT, "This account's personal data was removed; it can no longer change.")
	}
	self := u.ID == actor.ID
	roles, supplier := u.Roles, u.Supplier
	if in.Roles != nil {
		roles = []Role{}
		for _, r := range *in.Roles {
			if !r.Valid() {
				return nil, attest.FieldError(map[string]string{"roles": fmt.Sprintf("unknown role %q (one of agent, knowledge_manager, trainer, auditor, admin)", r)})
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		if self && !sameRoles(roles, u.Roles) {
			return nil, attest.Errorf(attest.EFORBIDDEN, "Nobody changes their own roles: ask another admin.")
		}
	}
	if in.Disabled != nil && *in.Disabled && self {
		return nil, attest.Errorf(attest.EFORBIDDEN, "You cannot disable your own account: ask another admin.")
	}
	fields := map[string]string{}
	if in.Roles != nil && len(roles) == 0 {
		fields["roles"] = "at least one role is required"
	}
	var supplierID sql.NullInt64
	if in.Supplier != nil {
		supplier = strings.TrimSpace(*in.Supplier)
		if supplier != "" {
			id, err := s.supplierID(ctx, s.db.Read, supplier)
			if err != nil {
				return nil, err
			}
			if id == 0 {
				fields["supplier"] = fmt.Sprintf("unknown supplier %q", supplier)
			}
			supplierID = sql.NullInt64{Int64: id, Valid: id != 0}
		}
	}
	if len(fields) == 0 {
		for k, v := range checkDuties(roles, supplier) {
			fields[k] = v
		}
	}
	var display, email string
	if in.DisplayName != nil {
		display = strings.TrimSpace(*in.DisplayName)
		if display == "" || utf8.RuneCountInString(display) > 100 {
			fields["display_name"] = "required, at most 100 characters"
		}
	}
	if in.Email != nil {
		email = strings.TrimSpace(*in.Email)
		if msg := checkEmail(email); msg != "" {
			fields["email"] = msg
		}
	}
	reason := strings.TrimSpace(in.Reason)
	if in.Disabled != nil && *in.Disabled && u.DisabledAt == "" && reason == "" {
		fields["reason"] = "say why the account is disabled"
	}
	if utf8.RuneCountInString(reason) > 500 {
		fields["reason"] = "at most 500 characters"
	}
	var endDate string
	if in.EndDate != nil {
		endDate = strings.TrimSpace(*in.EndDate)
		if _, err := time.Parse(time.DateOnly, endDate); endDate != "" && err != nil {
			fields["end_date"] = "a date as YYYY-MM-DD, or null for none"
		}
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	object := "user:" + u.Username
	err = s.tx(ctx, func(tx *sql.Tx) error {
		exec := func(q string, args ...any) error {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("accounts: update user %s: %w", u.Username, err)
			}
			return nil
		}
		before, after := map[string]any{}, map[string]any{}
		if in.DisplayName != nil && display != u.DisplayName {
			before["display_name"], after["display_name"] = u.DisplayName, display
			if err := exec(`UPDATE users SET display_name = ? WHERE id = ?`, display, u.ID); err != nil {
				return err
			}
		}
		if in.Email != nil && email != u.Email {
			// The journal is never rewritten, so it records that the address changed, not the
			// address: removing personal data later must not leave it there.
			before["email"], after["email"] = emailState(u.Email), emailState(email)
			if err := exec(`UPDATE users SET email = ? WHERE id = ?`, email, u.ID); err != nil {
				return err
			}
		}
		if in.Supplier != nil && supplier != u.Supplier {
			before["supplier"], after["supplier"] = u.Supplier, supplier
			if err := exec(`UPDATE users SET supplier_id = ? WHERE id = ?`, supplierID, u.ID); err != nil {
				return err
			}
		}
		if in.EndDate != nil && endDate != u.EndDate {
			before["end_date"], after["end_date"] = u.EndDate, endDate
			if err := exec(`UPDATE users SET end_date = NULLIF(?, '') WHERE id = ?`, endDate, u.ID); err != nil {
				return err
			}
		}
		if len(after) > 0 {
			if err := journal.Append(ctx, tx, actor.Username, "user.update", object, journal.Change{Before: before, After: after}); err != nil {
				return err
			}
		}
		if in.Roles != nil && !sameRoles(roles, u.Roles) {
			if err := exec(`DELETE FROM user_roles WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
			for _, r := range roles {
				if err := exec(`INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, u.ID, r); err != nil {
					return err
				}
			}
			if err := journal.Append(ctx, tx, actor.Username, "user.roles", object, journal.Change{Before: u.Roles, After: roles}); err != nil {
				return err
			}
		}
		if in.Disabled != nil {
			switch {
			case *in.Disabled && u.DisabledAt == "":
				// Sessions carry the epoch they began in; tokens are revoked outright, so that
				// enabling the account again does not bring them back.
				if err := exec(`UPDATE users SET disabled_at = ?, disabled_reason = ?, session_epoch = session_epoch + 1 WHERE id = ?`,
					database.Now(), reason, u.ID); err != nil {
					return err
				}
				if err := revokeTokens(ctx, tx, u.ID, "", 0); err != nil {
					return err
				}
				if err := journal.Append(ctx, tx, actor.Username, "user.disable", object,
					journal.Change{Before: map[string]any{"disabled": false}, After: map[string]any{"disabled": true, "reason": reason}}); err != nil {
					return err
				}
			case !*in.Disabled && u.DisabledAt != "":
				if err := exec(`UPDATE users SET disabled_at = NULL, disabled_reason = '' WHERE id = ?`, u.ID); err != nil {
					return err
				}
				if err := journal.Append(ctx, tx, actor.Username, "user.enable", object,
					journal.Change{Before: map[string]any{"disabled": true, "reason": u.DisabledReason}, After: map[string]any{"disabled": false, "reason": reason}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

func sameRoles(a, b []Role) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			return false
		}
	}
	return true
}

func checkEmail(email string) string {
	if email == "" {
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || utf8.RuneCountInString(email) > 254 {
		return "an e-mail address such as name@example.com"
	}
	return ""
}

// ChangePassword changes the actor's own password; the current one is required. The new one
// ends every other browser session and every password-issued token of the person except the
// one this call came with (named tokens stay: they are managed on their own), and clears a
// temporary password. It returns the new session epoch, for the caller's own session.
// Errors: EFORBIDDEN (service accounts), EINVALID (current wrong, new weak or unchanged),
// ETHROTTLED (too many wrong current passwords).
func (s *Store) ChangePassword(ctx context.Context, actor *User, current, next string) (int64, error) {
	if actor == nil || actor.System || actor.Service {
		return 0, attest.Errorf(attest.EFORBIDDEN, "Only people have passwords.")
	}
	// Wrong current passwords count against the account like failed sign-ins: a session or
	// token left open is no way to guess the password.
	// The pseudo-address keeps these attempts apart from the person's sign-ins from their
	// usual addresses, which a stolen session must not be able to lock.
	_, right, err := s.verifyThrottled(ctx, strings.ToLower(actor.Username), "password-change", current)
	if err != nil {
		return 0, err
	}
	if !right {
		return 0, attest.FieldError(map[string]string{"current": "this is not your current password"})
	}
	if why := WeakPassword(next); why != "" {
		return 0, attest.FieldError(map[string]string{"new": why})
	}
	if next == current {
		return 0, attest.FieldError(map[string]string{"new": "choose a password different from the current one"})
	}
	newHash, err := hashPassword(next)
	if err != nil {
		return 0, err
	}
	var epoch int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = 0, session_epoch = session_epoch + 1
			WHERE id = ? RETURNING session_epoch`, newHash, actor.ID).Scan(&epoch); err != nil {
			return fmt.Errorf("accounts: change password: %w", err)
		}
		if err := revokeTokens(ctx, tx, actor.ID, "password", actor.TokenID); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "user.password_change", "user:"+actor.Username,
			journal.Change{After: map[string]any{"other_sessions_ended": true}})
	})
	return epoch, err
}

// ResetPassword gives a person a temporary password (admins), returned once: they must
// change it at their next sign-in, and every session and password-issued token of theirs
// ends now. Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (service account, erased).
func (s *Store) ResetPassword(ctx context.Context, actor *User, username string) (string, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return "", err
	}
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return "", err
	}
	if u.Service || u.Erased {
		return "", attest.Errorf(attest.ECONFLICT, "%s has no password to reset.", u.Username)
	}
	temp := temporaryPassword()
	hash, err := hashPassword(temp)
	if err != nil {
		return "", err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = 1, session_epoch = session_epoch + 1 WHERE id = ?`,
			hash, u.ID); err != nil {
			return fmt.Errorf("accounts: reset password: %w", err)
		}
		if err := revokeTokens(ctx, tx, u.ID, "password", 0); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "user.password_reset", "user:"+u.Username,
			journal.Change{After: map[string]any{"must_change_password": true}})
	})
	return temp, err
}

// temporaryPassword is 20 random letters and digits in groups of five, easy to read out.
func temporaryPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// EraseUser removes a person's personal data on request (admins): the name, e-mail and
// password go, the account is disabled, and the username becomes the pseudonym
// "former-<id>". Everything the person did stays attributed to that account; the journal,
// which is never rewritten, records which username the pseudonym replaced.
// Errors: EFORBIDDEN (own account too), ENOTFOUND, ECONFLICT (erased already).
func (s *Store) EraseUser(ctx context.Context, actor *User, username, reason string) (*User, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	switch {
	case u.ID == actor.ID:
		return nil, attest.Errorf(attest.EFORBIDDEN, "You cannot remove your own personal data: ask another admin.")
	case u.Erased:
		return nil, attest.Errorf(attest.ECONFLICT, "This account's personal data was removed already.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "personal data removed on request"
	}
	hash, err := hashPassword(randomSecret())
	if err != nil {
		return nil, err
	}
	pseudonym := fmt.Sprintf("former-%d", u.ID)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET username = ?, display_name = ?, email = '', password_hash = ?,
			disabled_at = COALESCE(disabled_at, ?), disabled_reason = ?, erased_at = ?, session_epoch = session_epoch + 1,
			must_change_password = 0 WHERE id = ?`,
			pseudonym, fmt.Sprintf("Former user %d", u.ID), hash, database.Now(), reason, database.Now(), u.ID); err != nil {
			return fmt.Errorf("accounts: erase user: %w", err)
		}
		if err := revokeTokens(ctx, tx, u.ID, "", 0); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "user.erase", "user:"+u.Username,
			journal.Change{After: map[string]any{"pseudonym": pseudonym, "reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

func emailState(e string) string {
	if e == "" {
		return "none"
	}
	return "set"
}
