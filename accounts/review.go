package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// ReviewedAccount is one account as an access review shows it.
type ReviewedAccount struct {
	User
	CreatedAt   time.Time
	LastLoginAt time.Time // zero: never signed in
	// Agreements lists the usage agreement versions the account accepted, oldest first;
	// CMDBAgreements the CMDB agreement's.
	Agreements     []int
	CMDBAgreements []int
	// Tokens is how many working tokens it has; TokenLastUsed the latest use of any token.
	Tokens        int
	TokenLastUsed time.Time
	// Unused is true when the account has been neither signed in to nor used through a token
	// for the review's period (counted from its creation when never used).
	Unused bool
}

// LastActive is the account's latest sign-in or token use, zero when neither.
func (a ReviewedAccount) LastActive() time.Time {
	if a.TokenLastUsed.After(a.LastLoginAt) {
		return a.TokenLastUsed
	}
	return a.LastLoginAt
}

// ReviewGroup is the accounts of one supplier ("" for enterprise staff) and whether their
// review is certified for the quarter.
type ReviewGroup struct {
	Supplier     string
	SupplierName string
	Accounts     []ReviewedAccount
	CertifiedBy  string
	CertifiedAt  time.Time
	Note         string
}

// AccessReview is every account, grouped by supplier, for a quarter's access review.
type AccessReview struct {
	Quarter     string
	UnusedAfter time.Duration
	Groups      []ReviewGroup
}

var quarterRE = regexp.MustCompile(`^\d{4}-Q[1-4]$`)

// AcceptanceSource gives, by user id, the versions of an agreement kept outside this package
// (the CMDB agreement) that each account accepted, oldest first.
type AcceptanceSource interface {
	AcceptedVersions(ctx context.Context) (map[int64][]int, error)
}

// SetCMDBAcceptances makes access reviews show which CMDB agreement versions each account
// accepted.
func (s *Store) SetCMDBAcceptances(src AcceptanceSource) { s.cmdbAcceptances = src }

// QuarterOf returns t's quarter as YYYY-Qn.
func QuarterOf(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// AccessReview lists every account with its roles, supplier, last sign-in, accepted agreement
// versions and token use, flagging those unused for unusedAfter, and the quarter's
// certifications (admins and auditors). quarter "" means the current one.
// Errors: EFORBIDDEN, EINVALID (quarter).
func (s *Store) AccessReview(ctx context.Context, actor *User, quarter string, unusedAfter time.Duration, now time.Time) (*AccessReview, error) {
	if err := forbid(actor, RoleAdmin, RoleAuditor); err != nil {
		return nil, err
	}
	if quarter == "" {
		quarter = QuarterOf(now)
	}
	if !quarterRE.MatchString(quarter) {
		return nil, attest.FieldError(map[string]string{"quarter": "a quarter as YYYY-Qn"})
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.created_at, COALESCE(u.last_login_at, ''),
		COALESCE((SELECT group_concat(version) FROM (SELECT version FROM agreement_acceptances WHERE user_id = u.id ORDER BY version) AS accepted), ''),
		(SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > ?),
		COALESCE((SELECT MAX(last_used_at) FROM api_tokens t WHERE t.user_id = u.id), '')
		FROM users u`, database.Now())
	if err != nil {
		return nil, fmt.Errorf("accounts: access review: %w", err)
	}
	defer rows.Close()
	extra := map[int64]ReviewedAccount{}
	for rows.Next() {
		var id int64
		var created, login, agreements, used string
		var a ReviewedAccount
		if err := rows.Scan(&id, &created, &login, &agreements, &a.Tokens, &used); err != nil {
			return nil, fmt.Errorf("accounts: access review: %w", err)
		}
		a.CreatedAt, _ = database.Parse(created)
		a.LastLoginAt, _ = database.Parse(login)
		a.TokenLastUsed, _ = database.Parse(used)
		for _, v := range strings.Split(agreements, ",") {
			var n int
			if _, err := fmt.Sscan(v, &n); err == nil {
				a.Agreements = append(a.Agreements, n)
			}
		}
		extra[id] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var cmdbAccepted map[int64][]int
	if s.cmdbAcceptances != nil {
		if cmdbAccepted, err = s.cmdbAcceptances.AcceptedVersions(ctx); err != nil {
			return nil, err
		}
	}
	out := &AccessReview{Quarter: quarter, UnusedAfter: unusedAfter}
	groups := map[string]int{}
	group := func(key, name string) *ReviewGroup {
		i, ok := groups[key]
		if !ok {
			i = len(out.Groups)
			groups[key] = i
			out.Groups = append(out.Groups, ReviewGroup{Supplier: key, SupplierName: name})
		}
		return &out.Groups[i]
	}
	group("", "Enterprise staff")
	sps, err := s.Suppliers(ctx)
	if err != nil {
		return nil, err
	}
	for _, sp := range sps {
		group(sp.Key, sp.Name)
	}
	for _, u := range users {
		a := extra[u.ID]
		a.User = *u
		a.CMDBAgreements = cmdbAccepted[u.ID]
		last := a.LastActive()
		if last.IsZero() {
			last = a.CreatedAt
		}
		a.Unused = !u.Erased && now.Sub(last) > unusedAfter
		g := group(u.Supplier, u.SupplierName)
		g.Accounts = append(g.Accounts, a)
	}
	crows, err := s.db.Read.QueryContext(ctx, `SELECT r.supplier, u.username, r.certified_at, r.note
		FROM access_reviews r JOIN users u ON u.id = r.certified_by WHERE r.quarter = ?`, quarter)
	if err != nil {
		return nil, fmt.Errorf("accounts: access review: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var sup, by, at, note string
		if err := crows.Scan(&sup, &by, &at, &note); err != nil {
			return nil, fmt.Errorf("accounts: access review: %w", err)
		}
		if i, ok := groups[sup]; ok {
			out.Groups[i].CertifiedBy, out.Groups[i].Note = by, note
			out.Groups[i].CertifiedAt, _ = database.Parse(at)
		}
	}
	return out, crows.Err()
}

// CertifyAccessReview records that an admin reviewed the accounts of supplier ("" for
// enterprise staff) for quarter, journaled. Errors: EFORBIDDEN, EINVALID (supplier, quarter,
// note), ECONFLICT (certified already).
func (s *Store) CertifyAccessReview(ctx context.Context, actor *User, supplier, quarter, note string) error {
	if err := forbid(actor, RoleAdmin); err != nil {
		return err
	}
	supplier, quarter, note = strings.TrimSpace(supplier), strings.TrimSpace(quarter), strings.TrimSpace(note)
	fields := map[string]string{}
	if !quarterRE.MatchString(quarter) {
		fields["quarter"] = "a quarter as YYYY-Qn"
	}
	if supplier != "" {
		id, err := s.supplierID(ctx, s.db.Read, supplier)
		if err != nil {
			return err
		}
		if id == 0 {
			fields["supplier"] = fmt.Sprintf("unknown supplier %q", supplier)
		}
	}
	if utf8.RuneCountInString(note) > 1000 {
		fields["note"] = "at most 1000 characters"
	}
	if len(fields) > 0 {
		return attest.FieldError(fields)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var by string
		err := tx.QueryRowContext(ctx, `SELECT u.username FROM access_reviews r JOIN users u ON u.id = r.certified_by
			WHERE r.supplier = ? AND r.quarter = ?`, supplier, quarter).Scan(&by)
		if err == nil {
			return attest.Errorf(attest.ECONFLICT, "This review is certified already, by %s.", by)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("accounts: certify review: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_reviews (supplier, quarter, certified_by, certified_at, note) VALUES (?, ?, ?, ?, ?)`,
			supplier, quarter, actor.ID, database.Now(), note); err != nil {
			return fmt.Errorf("accounts: certify review: %w", err)
		}
		object := "access_review:" + quarter
		if supplier != "" {
			object += ":" + supplier
		}
		return journal.Append(ctx, tx, actor.Username, "access_review.certify", object,
			journal.Change{After: map[string]any{"supplier": supplier, "quarter": quarter, "note": note}})
	})
}
