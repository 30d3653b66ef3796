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
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// Scope names a kind of API call a service account may make.
type Scope string

// The scopes of API.md. A route names the one it needs in the handlers' route table.
const (
	ScopeKnowledgeRead Scope = "knowledge:read"
	ScopeAuthorityRead Scope = "authority:read"
	ScopeUsageWrite    Scope = "usage:write"
	ScopeCMDBRead      Scope = "cmdb:read"
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeKnowledgeRead, ScopeAuthorityRead, ScopeUsageWrite, ScopeCMDBRead}

// NewServiceAccount is what creating a service account takes.
type NewServiceAccount struct {
	Name     string
	Supplier string
	Scopes   []Scope
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// CreateServiceAccount adds an integration's account (admins): it works for one supplier as
// an agent would, has no password, and its tokens make only the calls within its scopes. Its
// username is derived from the supplier and the name.
// Errors: EFORBIDDEN, EINVALID (name, supplier, scopes).
func (s *Store) CreateServiceAccount(ctx context.Context, actor *User, in NewServiceAccount) (*User, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	in.Name, in.Supplier = strings.TrimSpace(in.Name), strings.TrimSpace(in.Supplier)
	fields := map[string]string{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		fields["name"] = "required, at most 100 characters"
	}
	var supplierID int64
	if in.Supplier == "" {
		fields["supplier"] = "required: a service account works for one supplier"
	} else {
		id, err := s.supplierID(ctx, s.db.Read, in.Supplier)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			fields["supplier"] = fmt.Sprintf("unknown supplier %q", in.Supplier)
		}
		supplierID = id
	}
	var scopes []Scope
	for _, sc := range in.Scopes {
		if !slices.Contains(Scopes, sc) {
			fields["scopes"] = fmt.Sprintf("unknown scope %q (one of knowledge:read, authority:read, usage:write, cmdb:read)", sc)
			break
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 && fields["scopes"] == "" {
		fields["scopes"] = "at least one scope is required"
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	slug := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(in.Name), "-"), "-")
	if rest, ok := strings.CutPrefix(slug, in.Supplier+"-"); ok { // "Acme ServiceDesk" at acme: svc-acme-servicedesk
		slug = rest
	}
	base := "svc-" + in.Supplier + "-" + slug
	if len(base) > 56 {
		base = base[:56]
	}
	base = strings.TrimRight(base, "-")
	hash, err := hashPassword(randomSecret()) // never told to anyone: no password sign-in
	if err != nil {
		return nil, err
	}
	scopesJSON, _ := json.Marshal(scopes)
	var id int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		username := base
		for n := 2; ; n++ {
			var taken bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM users WHERE lower(username) = lower(?))`, username).Scan(&taken); err != nil {
				return err
			}
			if !taken {
				break
			}
			username = fmt.Sprintf("%s-%d", base, n)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, supplier_id, created_at, service, scopes)
			VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id`, username, in.Name, hash, supplierID, database.Now(), string(scopesJSON)).Scan(&id)
		if err != nil {
			return fmt.Errorf("accounts: create service account: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, 'agent')`, id); err != nil {
			return fmt.Errorf("accounts: create service account: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "service_account.create", "user:"+username, journal.Change{After: map[string]any{
			"name": in.Name, "supplier": in.Supplier, "scopes": scopes}})
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// Token describes an API token; its secret is shown once, when it is made, and never kept.
type Token struct {
	ID         int64
	Name       string
	Username   string
	Kind       string // "named", or "password" for POST /api/v1/auth/token
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// NewToken is what creating a named token takes.
type NewToken struct {
	Name string
	// ExpiresAt is when it stops working; zero means 90 days from now.
	ExpiresAt time.Time
	// Username names a service account (admins only); "" means the actor's own token.
	Username string
}

// CreateToken makes a named API token and returns it with its secret, shown this once: a
// person's own, or (admins) one for a service account.
// Errors: EFORBIDDEN, ENOTFOUND (username), EINVALID (name, expires_at, username).
func (s *Store) CreateToken(ctx context.Context, actor *User, in NewToken) (*Token, string, error) {
	if actor == nil || actor.System {
		return nil, "", attest.Errorf(attest.EFORBIDDEN, "Sign in first.")
	}
	in.Name = strings.TrimSpace(in.Name)
	owner := actor
	if in.Username != "" && !strings.EqualFold(in.Username, actor.Username) {
		if !actor.Has(RoleAdmin) {
			return nil, "", attest.Errorf(attest.EFORBIDDEN, "Only admins make tokens for service accounts; leave username out for your own.")
		}
		u, err := s.UserByUsername(ctx, in.Username)
		if err != nil {
			return nil, "", err
		}
		if !u.Service {
			return nil, "", attest.FieldError(map[string]string{"username": "tokens are made for service accounts; a person makes their own"})
		}
		owner = u
	}
	fields := map[string]string{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		fields["name"] = "required, at most 100 characters"
	}
	now := time.Now().UTC()
	if in.ExpiresAt.IsZero() {
		in.ExpiresAt = now.AddDate(0, 0, 90)
	} else if !in.ExpiresAt.After(now) {
		fields["expires_at"] = "a future time"
	}
	if why := owner.Refusal(now); why != "" {
		fields["username"] = "the account is disabled or ended"
	}
	if len(fields) > 0 {
		return nil, "", attest.FieldError(fields)
	}
	secret := randomSecret()
	sum := sha256.Sum256([]byte(secret))
	t := &Token{Name: in.Name, Username: owner.Username, Kind: "named", CreatedAt: now.Truncate(time.Second), ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Second)}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, hash, created_at, expires_at, kind, name, created_by)
			VALUES (?, ?, ?, ?, 'named', ?, ?) RETURNING id`, owner.ID, sum[:], database.Format(t.CreatedAt), database.Format(t.ExpiresAt), t.Name, actor.ID).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("accounts: create token: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "token.create", fmt.Sprintf("token:%d", t.ID), journal.Change{After: map[string]any{
			"name": t.Name, "username": owner.Username, "expires_at": database.Format(t.ExpiresAt)}})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

func randomSecret() string {
	raw := make([]byte, 32)
	rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(raw)
}

// Tokens lists the working (unexpired, unrevoked) tokens of username, newest first: admins
// list anyone's ("" for everyone's), others only their own. Errors: EFORBIDDEN.
func (s *Store) Tokens(ctx context.Context, actor *User, username string) ([]Token, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Sign in first.")
	}
	if !actor.Has(RoleAdmin) {
		if username != "" && !strings.EqualFold(username, actor.Username) {
			return nil, attest.Errorf(attest.EFORBIDDEN, "You may list only your own tokens.")
		}
		username = actor.Username
	}
	q := `SELECT t.id, t.name, u.username, t.kind, t.created_at, t.expires_at, COALESCE(t.last_used_at, '')
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.revoked_at IS NULL AND t.expires_at > ?`
	args := []any{database.Now()}
	if username != "" {
		q += ` AND lower(u.username) = lower(?)`
		args = append(args, username)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY t.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("accounts: list tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created, expires, used string
		if err := rows.Scan(&t.ID, &t.Name, &t.Username, &t.Kind, &created, &expires, &used); err != nil {
			return nil, fmt.Errorf("accounts: list tokens: %w", err)
		}
		t.CreatedAt, _ = database.Parse(created)
		t.ExpiresAt, _ = database.Parse(expires)
		t.LastUsedAt, _ = database.Parse(used)
		if t.Name == "" && t.Kind == "password" {
			t.Name = "Password sign-in (API)"
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken ends a token at once (admins, or its owner). Errors: ENOTFOUND (unknown,
// already revoked or expired, or not the actor's).
func (s *Store) RevokeToken(ctx context.Context, actor *User, id int64) error {
	if actor == nil {
		return attest.Errorf(attest.EFORBIDDEN, "Sign in first.")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var owner int64
		var username, name string
		err := tx.QueryRowContext(ctx, `SELECT t.user_id, u.username, t.name FROM api_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.id = ? AND t.revoked_at IS NULL AND t.expires_at > ?`, id, database.Now()).Scan(&owner, &username, &name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != actor.ID && !actor.Has(RoleAdmin)) {
			return attest.Errorf(attest.ENOTFOUND, "No token %d.", id)
		}
		if err != nil {
			return fmt.Errorf("accounts: revoke token: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, database.Now(), id); err != nil {
			return fmt.Errorf("accounts: revoke token: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "token.revoke", fmt.Sprintf("token:%d", id),
			journal.Change{Before: map[string]any{"name": name, "username": username}, After: map[string]any{"revoked": true}})
	})
}

// revokeTokens revokes the tokens of user id (only those of kind, when kind is not ""),
// except the one with id keep, in tx.
func revokeTokens(ctx context.Context, tx *sql.Tx, userID int64, kind string, keep int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL
		AND (? = '' OR kind = ?) AND id != ?`, database.Now(), userID, kind, kind, keep)
	if err != nil {
		return fmt.Errorf("accounts: revoke tokens: %w", err)
	}
	return nil
}
