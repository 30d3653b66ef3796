package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// Store keeps users, suppliers, the request-type catalogue and the usage agreement.
type Store struct {
	db *database.DB
	// cmdbAcceptances, when set, gives the CMDB agreement versions each account accepted,
	// for access reviews (the cmdb package keeps that agreement).
	cmdbAcceptances AcceptanceSource
	// SignIn are the sign-in throttle's limits (see SignInLimits); set them before the first
	// sign-in.
	SignIn SignInLimits
	gate   signInGate
	// TokenTTL is how long an API token lives.
	TokenTTL time.Duration

	// Every API call resolves its token: the statement is prepared once, and answers are
	// cached until anything in this store changes (roles, suppliers, the agreement…), which
	// bumps gen. Only this store writes what a User holds, so the cache is never stale.
	prepOnce   sync.Once
	byToken    *sql.Stmt
	byTokenErr error
	gen        atomic.Uint64
	cacheMu    sync.Mutex
	tokens     map[[32]byte]cachedToken
}

type cachedToken struct {
	user    User
	expires string
	gen     uint64
	loaded  time.Time // when it was read from the database
	used    time.Time // the last use recorded in the database
}

// tx runs fn in a write transaction and, once it is over, invalidates cached users.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.db.Tx(ctx, fn)
	s.gen.Add(1)
	return err
}

// Invalidate drops every cached token answer: another node committed a change (on
// PostgreSQL each node hears of every commit from the change notices).
func (s *Store) Invalidate() { s.gen.Add(1) }

// NewStore returns a Store over db, throttling sign-ins by DefaultSignInLimits; API tokens
// are valid for 24 hours.
func NewStore(db *database.DB) *Store {
	return &Store{db: db, SignIn: DefaultSignInLimits, TokenTTL: 24 * time.Hour}
}

var (
	keyRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)
)

// CanonicalUsername returns the form of a typed username that Attest stores and compares:
// without surrounding spaces or tabs, ASCII letters lower-cased. ok is false for anything that
// cannot be a username: usernames are ASCII lower-case letters, digits, '.', '_', '@' and '-',
// starting with a letter or digit, at most 64 characters. Nothing but ASCII is folded, so
// "KİM" or "Kim" with a Kelvin sign never becomes "kim".
func CanonicalUsername(s string) (name string, ok bool) {
	b := []byte(strings.Trim(s, " \t"))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	name = string(b)
	return name, usernameRE.MatchString(name)
}

// ValidKey reports whether s is a valid supplier or request-type key: lower-case letters,
// digits, '-' and '_', starting with a letter or digit, at most 64 characters.
func ValidKey(s string) bool { return keyRE.MatchString(s) }

func forbid(actor *User, roles ...Role) error {
	if !actor.Has(roles...) {
		return attest.Errorf(attest.EFORBIDDEN, "You do not have permission to do this.")
	}
	return nil
}

// NewUser is what creating a user takes.
type NewUser struct {
	Username    string
	DisplayName string
	Password    string
	Roles       []Role
	Supplier    string
	Email       string
}

// CreateUser adds a user. Only admins (or the command line) may.
// Errors: EFORBIDDEN, EINVALID (with fields), ECONFLICT for a taken username.
func (s *Store) CreateUser(ctx context.Context, actor *User, in NewUser) (*User, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	username, okName := CanonicalUsername(in.Username)
	in.Username = username
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Supplier = strings.TrimSpace(in.Supplier)
	fields := map[string]string{}
	switch {
	case in.Username == "":
		fields["username"] = "required"
	case !okName:
		fields["username"] = "ASCII letters (a-z), digits, '.', '_', '@' and '-' only, starting with a letter or digit, at most 64 characters"
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	if utf8.RuneCountInString(in.DisplayName) > 100 {
		fields["display_name"] = "at most 100 characters"
	}
	if why := WeakPassword(in.Password); why != "" {
		fields["password"] = why
	}
	in.Email = strings.TrimSpace(in.Email)
	if msg := checkEmail(in.Email); msg != "" {
		fields["email"] = msg
	}
	if len(in.Roles) == 0 {
		fields["roles"] = "at least one role is required"
	}
	roles := []Role{}
	for _, r := range in.Roles {
		if !r.Valid() {
			fields["roles"] = fmt.Sprintf("unknown role %q (one of agent, knowledge_manager, trainer, auditor, admin)", r)
			break
		}
		if !containsRole(roles, r) {
			roles = append(roles, r)
		}
	}
	if _, bad := fields["roles"]; !bad {
		for k, v := range checkDuties(roles, in.Supplier) {
			fields[k] = v
		}
	}
	var supplierID sql.NullInt64
	if in.Supplier != "" {
		id, err := s.supplierID(ctx, s.db.Read, in.Supplier)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			fields["supplier"] = fmt.Sprintf("unknown supplier %q", in.Supplier)
		}
		supplierID = sql.NullInt64{Int64: id, Valid: id != 0}
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM users WHERE lower(username) = lower(?))`, in.Username).Scan(&exists); err != nil {
			return fmt.Errorf("accounts: create user: %w", err)
		}
		if exists {
			return &attest.Error{Code: attest.ECONFLICT, Message: fmt.Sprintf("The username %q is taken.", in.Username),
				Fields: map[string]string{"username": "already taken"}}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, supplier_id, created_at, email)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.Username, in.DisplayName, hash, supplierID, database.Now(), in.Email).Scan(&id)
		if err != nil {
			return fmt.Errorf("accounts: create user: %w", err)
		}
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, id, r); err != nil {
				return fmt.Errorf("accounts: create user: %w", err)
			}
		}
		return journal.Append(ctx, tx, actor.Username, "user.create", "user:"+in.Username, journal.Change{After: map[string]any{
			"username": in.Username, "display_name": in.DisplayName, "roles": roles, "supplier": in.Supplier, "email": emailState(in.Email)}})
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// SetRoles replaces a user's roles (admins), under the rules of UpdateUser.
// Errors: EFORBIDDEN (also for one's own roles), ENOTFOUND, EINVALID.
func (s *Store) SetRoles(ctx context.Context, actor *User, username string, roles []Role) error {
	_, err := s.UpdateUser(ctx, actor, username, UserUpdate{Roles: &roles})
	return err
}

func containsRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// userQuery loads everything a request needs to know about its actor in one statement.
const userQuery = `SELECT u.id, u.username, u.display_name,
	(SELECT group_concat(role) FROM user_roles WHERE user_id = u.id),
	COALESCE(s.key, ''), COALESCE(s.id, 0), COALESCE(s.name, ''),
	COALESCE((SELECT group_concat(rt.key) FROM supplier_request_types srt JOIN request_types rt ON rt.id = srt.request_type_id WHERE srt.supplier_id = u.supplier_id), ''),
	COALESCE((SELECT MAX(version) FROM agreements), 0) > 0 AND NOT EXISTS (
		SELECT 1 FROM agreement_acceptances a WHERE a.user_id = u.id AND a.version = (SELECT MAX(version) FROM agreements)),
	u.email, COALESCE(u.disabled_at, ''), u.disabled_reason, COALESCE(u.end_date, ''), u.must_change_password,
	u.service, u.scopes, u.session_epoch, u.erased_at IS NOT NULL
	FROM users u LEFT JOIN suppliers s ON s.id = u.supplier_id`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var roles sql.NullString
	var fulfils, scopes string
	if err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &roles, &u.Supplier, &u.SupplierID, &u.SupplierName, &fulfils, &u.AgreementPending,
		&u.Email, &u.DisabledAt, &u.DisabledReason, &u.EndDate, &u.MustChangePassword, &u.Service, &scopes, &u.SessionEpoch, &u.Erased); err != nil {
		return nil, err
	}
	if scopes != "" && scopes != "[]" {
		if err := json.Unmarshal([]byte(scopes), &u.Scopes); err != nil {
			return nil, fmt.Errorf("scopes of %s: %w", u.Username, err)
		}
	}
	for _, r := range strings.Split(roles.String, ",") {
		if r != "" {
			u.Roles = append(u.Roles, Role(r))
		}
	}
	if fulfils != "" {
		u.Fulfils = strings.Split(fulfils, ",")
	}
	return &u, nil
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	u, err := scanUser(s.db.Read.QueryRowContext(ctx, userQuery+" WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No such user.")
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: load user: %w", err)
	}
	return u, nil
}

// UserByID returns the user with id. Errors: ENOTFOUND.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userWhere(ctx, "u.id = ?", id)
}

// UserByUsername returns the user named username (ASCII case-insensitive; see
// CanonicalUsername). Errors: ENOTFOUND.
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	name, ok := CanonicalUsername(username)
	if !ok {
		return nil, attest.Errorf(attest.ENOTFOUND, "No such user.")
	}
	return s.userWhere(ctx, "lower(u.username) = lower(?)", name)
}

// Users lists every user, by username.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.db.Read.QueryContext(ctx, userQuery+" ORDER BY u.username")
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Authenticate checks a username and password from a client address, for the sign-in form
// and the password-for-token call alike. The attempt is reserved in the throttle before the
// password is checked (see SignInLimits). Errors: EUNAUTH for a wrong username or password,
// ETHROTTLED (with RetryAfter).
func (s *Store) Authenticate(ctx context.Context, username, password, addr string) (*User, error) {
	wrong := attest.Errorf(attest.EUNAUTH, "Wrong username or password.")
	acct, ok := CanonicalUsername(username)
	if !ok {
		// Not a username by its spelling, which anyone may know: nothing to check or to hide.
		return nil, wrong
	}
	id, right, err := s.verifyThrottled(ctx, acct, addressKey(addr), password)
	if err != nil {
		return nil, err
	}
	if !right {
		return nil, wrong
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	// Only after the right password: a guesser learns nothing about the account.
	if why := u.Refusal(time.Now()); why != "" {
		return nil, attest.Errorf(attest.EUNAUTH, "%s", why)
	}
	// Not through s.tx: the last sign-in is not part of what a cached User holds.
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, database.Now(), id)
		return err
	}); err != nil {
		return nil, fmt.Errorf("accounts: record sign-in: %w", err)
	}
	return u, nil
}

// IssueToken creates an API token for u. Only its hash is stored.
func (s *Store) IssueToken(ctx context.Context, u *User) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, fmt.Errorf("accounts: token: %w", err)
	}
	token := hex.EncodeToString(raw)
	expires := time.Now().UTC().Add(s.TokenTTL).Truncate(time.Second)
	sum := sha256.Sum256([]byte(token))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			u.ID, sum[:], database.Now(), database.Format(expires))
		if err != nil {
			return fmt.Errorf("accounts: token: %w", err)
		}
		// Expired tokens are of no use to anyone: clear them as new ones are made.
		_, err = tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = ? AND expires_at < ?`, u.ID, database.Now())
		return err
	})
	return token, expires, err
}

// UserByToken returns the user an unexpired, unrevoked API token belongs to, with TokenID
// set. A disabled account, or one past its end date, is refused although its token is valid.
// Its last use is recorded at most once a minute per token. Errors: EUNAUTH.
func (s *Store) UserByToken(ctx context.Context, token string) (*User, error) {
	s.prepOnce.Do(func() {
		s.byToken, s.byTokenErr = s.db.Read.Prepare(userQuery + ` JOIN api_tokens t ON t.user_id = u.id
		WHERE t.hash = ? AND t.expires_at > ? AND t.revoked_at IS NULL`)
	})
	if s.byTokenErr != nil {
		return nil, fmt.Errorf("accounts: token user: %w", s.byTokenErr)
	}
	sum := sha256.Sum256([]byte(token))
	now := time.Now()
	nows := database.Format(now)
	gen := s.gen.Load()
	s.cacheMu.Lock()
	c, ok := s.tokens[sum]
	s.cacheMu.Unlock()
	// A cached answer holds until anything in this store changes (gen) and at most
	// tokenCacheAge, so that a change made by another node is seen within that time.
	if !ok || c.gen != gen || c.expires <= nows || now.Sub(c.loaded) > tokenCacheAge {
		var expires, lastUsed string
		u, err := scanUser(s.byToken.QueryRowContext(ctx, sum[:], nows))
		if err == nil {
			err = s.db.Read.QueryRowContext(ctx, `SELECT id, expires_at, COALESCE(last_used_at, '') FROM api_tokens WHERE hash = ?`,
				sum[:]).Scan(&u.TokenID, &expires, &lastUsed)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil, attest.Errorf(attest.EUNAUTH, "The token is unknown, expired or revoked.")
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: token user: %w", err)
		}
		used, _ := database.Parse(lastUsed) // never used: the zero time
		c = cachedToken{user: *u, expires: expires, gen: gen, loaded: now, used: used}
	}
	if why := c.user.Refusal(now); why != "" {
		return nil, attest.Errorf(attest.EUNAUTH, "%s", why)
	}
	if now.Sub(c.used) >= time.Minute {
		// Not through s.tx: the last use is not part of what a cached User holds.
		if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, nows, c.user.TokenID)
			return err
		}); err != nil {
			return nil, fmt.Errorf("accounts: token use: %w", err)
		}
		c.used = now
	}
	s.cacheMu.Lock()
	if s.tokens == nil || len(s.tokens) > 10000 {
		s.tokens = map[[32]byte]cachedToken{}
	}
	s.tokens[sum] = c
	s.cacheMu.Unlock()
	u := c.user
	return &u, nil
}

// tokenCacheAge bounds how long a token's answer is reused without asking the database.
const tokenCacheAge = 5 * time.Second
