package cmdb

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
)

// Access is one record of the access log.
type Access struct {
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	Supplier  string    `json:"supplier"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Query     string    `json:"query,omitempty"`
	TicketRef string    `json:"ticket_ref"`
	Outcome   string    `json:"outcome"`
	Version   int       `json:"version"`
}

// AccessFilter narrows the access log. Since and Until are inclusive UTC days (Until to its end).
type AccessFilter struct {
	Username *string
	Supplier *string
	Outcome  *string
	Since    *time.Time
	Until    *time.Time
	Limit    int
	Offset   int
}

func (f AccessFilter) where(p string) (string, []any, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Username != nil && *f.Username != "" {
		conds, args = append(conds, p+"username = ?"), append(args, *f.Username)
	}
	if f.Supplier != nil && *f.Supplier != "" {
		conds, args = append(conds, p+"supplier = ?"), append(args, *f.Supplier)
	}
	if f.Outcome != nil && *f.Outcome != "" {
		if !slices.Contains(Outcomes, *f.Outcome) {
			return "", nil, attest.FieldError(map[string]string{"outcome": "one of " + strings.Join(Outcomes, ", ")})
		}
		conds, args = append(conds, p+"outcome = ?"), append(args, *f.Outcome)
	}
	if f.Since != nil {
		conds, args = append(conds, p+"at >= ?"), append(args, f.Since.UTC().Format(time.DateOnly))
	}
	if f.Until != nil {
		conds, args = append(conds, p+"at < ?"), append(args, f.Until.UTC().AddDate(0, 0, 1).Format(time.DateOnly))
	}
	return strings.Join(conds, " AND "), args, nil
}

// canOversee: auditors and admins read the access log.
func canOversee(actor *accounts.User) error {
	return forbid(actor, "Only auditors and admins read the CMDB access log.", accounts.RoleAuditor, accounts.RoleAdmin)
}

// AccessLog lists the access log, newest first, and the number of matching records.
// Auditors and admins only. A Limit of 0 means every record (CSV export).
// Errors: EFORBIDDEN, EINVALID (outcome).
func (s *Store) AccessLog(ctx context.Context, actor *accounts.User, f AccessFilter) ([]Access, int, error) {
	if err := canOversee(actor); err != nil {
		return nil, 0, err
	}
	where, args, err := f.where("")
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cmdb_access WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cmdb: access log: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt64 // all of them (both engines take it; only SQLite takes -1)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT at, username, supplier, kind, key, query, ticket_ref, outcome, version
		FROM cmdb_access WHERE `+where+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("cmdb: access log: %w", err)
	}
	defer rows.Close()
	out := []Access{}
	for rows.Next() {
		var a Access
		var at string
		if err := rows.Scan(&at, &a.Username, &a.Supplier, &a.Kind, &a.Key, &a.Query, &a.TicketRef, &a.Outcome, &a.Version); err != nil {
			return nil, 0, fmt.Errorf("cmdb: access log: %w", err)
		}
		a.At = parseTime(at)
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// Flag kinds: what an auditor would want to look at.
const (
	FlagNoUsage       = "no_usage"       // a CI shown on a ticket with no recorded usage of its request types
	FlagRefused       = "refused"        // not found, agreement required or invalid
	FlagQuota         = "quota_exceeded" // a lookup past the daily quota
	FlagUnusualVolume = "unusual_volume" // an agent's lookups on one day far above the usual
)

// Flag is one thing in the access log worth a look.
type Flag struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	Supplier  string    `json:"supplier"`
	Key       string    `json:"key,omitempty"`
	TicketRef string    `json:"ticket_ref,omitempty"`
	Detail    string    `json:"detail"`
}

// maxFlags bounds each kind of flag.
const maxFlags = 200

// Flags lists what the access log shows that an auditor would want to look at, for the
// filter's people, suppliers and period: lookups on tickets with no recorded usage of the CI's
// request types (by the agent's supplier), refusals, quota hits, and days when an agent looked
// up far more than usual (at least 20 lookups and three times the mean of agent-days in the
// period). Auditors and admins only. Errors: EFORBIDDEN.
func (s *Store) Flags(ctx context.Context, actor *accounts.User, f AccessFilter) ([]Flag, error) {
	if err := canOversee(actor); err != nil {
		return nil, err
	}
	f.Outcome = nil
	where, args, err := f.where("a.")
	if err != nil {
		return nil, err
	}
	var out []Flag
	add := func(kind, q string, args []any, detail func(a Access) string) error {
		rows, err := s.db.Read.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("cmdb: flags: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a Access
			var at string
			if err := rows.Scan(&at, &a.Username, &a.Supplier, &a.Key, &a.TicketRef, &a.Outcome, &a.Query); err != nil {
				return fmt.Errorf("cmdb: flags: %w", err)
			}
			a.At = parseTime(at)
			out = append(out, Flag{Kind: kind, At: a.At, Username: a.Username, Supplier: a.Supplier, Key: a.Key, TicketRef: a.TicketRef, Detail: detail(a)})
		}
		return rows.Err()
	}
	err = add(FlagNoUsage, `SELECT a.at, a.username, a.supplier, a.key, a.ticket_ref, a.outcome, a.query FROM cmdb_access a
		JOIN cmdb_items i ON i.key = a.key
		WHERE `+where+` AND a.kind = 'item' AND a.outcome = 'shown' AND NOT EXISTS (
			SELECT 1 FROM usage_events u JOIN suppliers sp ON sp.id = u.supplier_id
			WHERE u.ticket_ref = a.ticket_ref AND sp.key = a.supplier
			AND u.request_type_id IN (SELECT request_type_id FROM cmdb_item_types WHERE item_id = i.id))
		ORDER BY a.at DESC LIMIT ?`, append(slices.Clone(args), maxFlags), func(a Access) string {
		return fmt.Sprintf("%s was shown on ticket %s, which has no recorded use of an article for its request types.", a.Key, a.TicketRef)
	})
	if err != nil {
		return nil, err
	}
	err = add(FlagRefused, `SELECT a.at, a.username, a.supplier, a.key, a.ticket_ref, a.outcome, a.query FROM cmdb_access a
		WHERE `+where+` AND a.outcome IN ('not_found', 'agreement_required', 'invalid') ORDER BY a.at DESC LIMIT ?`,
		append(slices.Clone(args), maxFlags), func(a Access) string {
			what := a.Key
			if what == "" {
				what = fmt.Sprintf("search %q", a.Query)
			}
			return fmt.Sprintf("Refused (%s): %s.", strings.ReplaceAll(a.Outcome, "_", " "), what)
		})
	if err != nil {
		return nil, err
	}
	err = add(FlagQuota, `SELECT a.at, a.username, a.supplier, a.key, a.ticket_ref, a.outcome, a.query FROM cmdb_access a
		WHERE `+where+` AND a.outcome = 'quota_exceeded' ORDER BY a.at DESC LIMIT ?`, append(slices.Clone(args), maxFlags),
		func(a Access) string { return "A lookup past the daily quota." })
	if err != nil {
		return nil, err
	}
	err = add(FlagUnusualVolume, `WITH days AS (SELECT a.username, a.supplier, substr(a.at, 1, 10) AS day, COUNT(*) AS n, MAX(a.at) AS last
			FROM cmdb_access a WHERE `+where+` GROUP BY a.username, a.supplier, day)
		SELECT last, username, supplier, '', day, '', CAST(n AS TEXT) FROM days
		WHERE n >= 20 AND n >= 3 * (SELECT AVG(n) FROM days) ORDER BY n DESC LIMIT ?`, append(slices.Clone(args), maxFlags),
		func(a Access) string {
			return fmt.Sprintf("%s lookups on %s, far above the usual for the period.", a.Query, a.TicketRef)
		})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Kind == FlagUnusualVolume {
			out[i].TicketRef = ""
		}
	}
	return out, nil
}

// AuditSection is the CMDB-access part of a quarterly audit: the flags of the audit's suppliers
// (every supplier when it has none) for its period.
type AuditSection struct {
	Suppliers []string
	From, To  time.Time // To is exclusive
	Flags     []Flag
}

// AuditFlags returns the CMDB-access section of an audit over suppliers and [from, to).
// Auditors and admins only. Errors: EFORBIDDEN.
func (s *Store) AuditFlags(ctx context.Context, actor *accounts.User, suppliers []string, from, to time.Time) (*AuditSection, error) {
	sec := &AuditSection{Suppliers: suppliers, From: from, To: to}
	until := to.AddDate(0, 0, -1)
	f := AccessFilter{Since: &from, Until: &until}
	if len(suppliers) == 0 {
		flags, err := s.Flags(ctx, actor, f)
		sec.Flags = flags
		return sec, err
	}
	for _, sp := range suppliers {
		f.Supplier = &sp
		flags, err := s.Flags(ctx, actor, f)
		if err != nil {
			return nil, err
		}
		sec.Flags = append(sec.Flags, flags...)
	}
	return sec, nil
}

// AuditFlagDetail finds one flag of the audit section over suppliers and [from, to), named by
// its kind, supplier, agent, CI key, ticket and time, and returns its detail, so that a finding
// can be raised from it (audit.AccessFlags). An unusual-volume flag is named by its day: its
// time is the day's last lookup, which moves while the day goes on. Auditors and admins only.
// Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) AuditFlagDetail(ctx context.Context, actor *accounts.User, suppliers []string, from, to time.Time,
	kind, supplier, username, key, ticketRef string, at time.Time) (string, error) {
	sec, err := s.AuditFlags(ctx, actor, suppliers, from, to)
	if err != nil {
		return "", err
	}
	at = at.UTC()
	for _, f := range sec.Flags {
		if f.Kind != kind || f.Supplier != supplier || f.Username != username || f.Key != key || f.TicketRef != ticketRef {
			continue
		}
		same := f.At.UTC().Equal(at)
		if kind == FlagUnusualVolume {
			same = f.At.UTC().Format(time.DateOnly) == at.Format(time.DateOnly)
		}
		if same {
			return f.Detail, nil
		}
	}
	return "", attest.Errorf(attest.ENOTFOUND, "No such CMDB access flag.")
}
