package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"attest"
)

// Filter narrows the journal for people reading it: who, which action, which object, when.
// Empty fields do not filter.
type Filter struct {
	// Actor is a username, matched exactly.
	Actor string
	// Action is an action ("quiz.create") or an area ("quiz", every action of it).
	Action string
	// Object is an object ("audit:3") or a kind of object ("audit", every audit).
	Object string
	// From and To are days (YYYY-MM-DD, UTC), both included.
	From, To string
}

// ParseFilter checks a filter typed by a person. Errors: EINVALID naming "from" or "to".
func ParseFilter(actor, action, object, from, to string) (Filter, error) {
	f := Filter{Actor: strings.TrimSpace(actor), Action: strings.TrimSpace(action), Object: strings.TrimSpace(object),
		From: strings.TrimSpace(from), To: strings.TrimSpace(to)}
	bad := map[string]string{}
	for name, v := range map[string]string{"from": f.From, "to": f.To} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			bad[name] = "a date as YYYY-MM-DD"
		}
	}
	if len(bad) == 0 && f.From != "" && f.To != "" && f.To < f.From {
		bad["to"] = "must not be before the from date"
	}
	if len(bad) > 0 {
		return Filter{}, attest.FieldError(bad)
	}
	return f, nil
}

// Active reports whether the filter narrows anything.
func (f Filter) Active() bool { return f != Filter{} }

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		conds, args = append(conds, "(action = ? OR action LIKE ? ESCAPE '\\')"), append(args, f.Action, likePrefix(f.Action, "."))
	}
	if f.Object != "" {
		conds, args = append(conds, "(object = ? OR object LIKE ? ESCAPE '\\')"), append(args, f.Object, likePrefix(f.Object, ":"))
	}
	if f.From != "" {
		conds, args = append(conds, "at >= ?"), append(args, f.From)
	}
	if f.To != "" {
		// Entries are stored as RFC 3339 in UTC: the next day's date sorts after every time of To.
		d, _ := time.Parse(time.DateOnly, f.To)
		conds, args = append(conds, "at < ?"), append(args, d.AddDate(0, 0, 1).Format(time.DateOnly))
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

func likePrefix(s, sep string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + sep + "%"
}

// Find returns up to limit entries matching f, newest first, older than the entry beforeID
// (0: from the newest). more reports whether older matching entries remain.
func Find(ctx context.Context, db *sql.DB, f Filter, beforeID int64, limit int) (entries []Entry, more bool, err error) {
	where, args := f.where()
	if beforeID > 0 {
		where += " AND id < ?"
		args = append(args, beforeID)
	}
	rows, err := db.QueryContext(ctx, `SELECT id, at, actor, action, object, detail, prev_hash, hash
		FROM journal WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("journal: find: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, false, fmt.Errorf("journal: find: %w", err)
		}
		e.Detail = json.RawMessage(detail)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("journal: find: %w", err)
	}
	if len(entries) > limit {
		return entries[:limit], true, nil
	}
	return entries, false, nil
}

// Vocabulary is what the journal's filters offer: the people and the actions that appear.
type Vocabulary struct {
	Actors  []string
	Actions []string
}

// Words returns the distinct actors and actions of the journal, sorted.
func Words(ctx context.Context, db *sql.DB) (Vocabulary, error) {
	var v Vocabulary
	for _, q := range []struct {
		sql string
		out *[]string
	}{{`SELECT DISTINCT actor FROM journal ORDER BY actor`, &v.Actors}, {`SELECT DISTINCT action FROM journal ORDER BY action`, &v.Actions}} {
		rows, err := db.QueryContext(ctx, q.sql)
		if err != nil {
			return v, fmt.Errorf("journal: words: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return v, fmt.Errorf("journal: words: %w", err)
			}
			*q.out = append(*q.out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return v, fmt.Errorf("journal: words: %w", err)
		}
	}
	return v, nil
}

// actionLabels name the actions people see most; others are named by ActionLabel's rule.
var actionLabels = map[string]string{
	"quiz.create":                  "Quiz written",
	"quiz.update":                  "Quiz edited",
	"attempt.start":                "Quiz attempt started",
	"attempt.submit":               "Quiz attempt submitted",
	"certification.grant":          "Certification granted",
	"certification.revoke":         "Certification revoked",
	"certification.decline":        "Certification declined",
	"access_review.certify":        "Access review certified",
	"audit.create":                 "Audit started",
	"audit.assess":                 "Article assessed",
	"audit.evidence":               "Evidence attached",
	"audit.sign_off":               "Audit signed off",
	"audit.needs_reviewer":         "Audit set to need a reviewer",
	"audit.status":                 "Audit status changed",
	"finding.raise":                "Finding recorded",
	"finding.resolve":              "Finding resolved",
	"finding.verify":               "Finding verified",
	"finding.reopen":               "Finding reopened",
	"finding.accept_risk":          "Finding's risk accepted",
	"article.create":               "Article written",
	"article.approve":              "Article approved",
	"article.classify":             "Article classified",
	"article.retire":               "Article retired",
	"article.retire_request":       "Retirement requested",
	"article.retire_cancel":        "Retirement cancelled",
	"article.unlearn":              "Learned search word removed",
	"version.save":                 "Version saved",
	"version.submit":               "Version submitted for review",
	"version.approve":              "Version approved",
	"version.reject":               "Version rejected",
	"attachment.upload":            "File uploaded",
	"import":                       "Articles imported",
	"followup.open":                "Follow-up opened",
	"followup.resolve":             "Follow-up resolved",
	"followup.dismiss":             "Follow-up dismissed",
	"followup.failure":             "Failure reported",
	"notice.publish":               "Notice published",
	"notice.end":                   "Notice ended",
	"authority.suspend":            "Authority suspended",
	"authority.lift":               "Suspension lifted",
	"automation.propose":           "Automation proposed",
	"agreement.accept":             "Usage agreement accepted",
	"agreement.publish":            "Usage agreement published",
	"supplier.create":              "Supplier added",
	"supplier.request_types":       "Supplier's request types set",
	"supplier.contribution_target": "Supplier's contribution target set",
	"request_type.create":          "Request type added",
	"service_account.create":       "Service account added",
	"token.create":                 "API token created",
	"token.revoke":                 "API token revoked",
	"user.create":                  "User added",
	"user.update":                  "User edited",
	"user.roles":                   "User's roles changed",
	"user.disable":                 "User disabled",
	"user.enable":                  "User enabled",
	"user.erase":                   "User erased",
	"user.password_change":         "Password changed",
	"user.password_reset":          "Password reset",
}

// ActionLabel names an action for people: a known action's label, else its words
// ("feedback.resolve" reads "Feedback: resolve").
func ActionLabel(action string) string {
	if l, ok := actionLabels[action]; ok {
		return l
	}
	area, verb, ok := strings.Cut(action, ".")
	words := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "_", " "), "-", " ") }
	area = words(area)
	if area != "" {
		area = strings.ToUpper(area[:1]) + area[1:]
	}
	if !ok {
		return area
	}
	return area + ": " + words(verb)
}

// ObjectLabel names an entry's object for people: "audit:3" reads "Audit #3", "user:alice"
// reads "User alice".
func ObjectLabel(object string) string {
	kind, id, ok := strings.Cut(object, ":")
	if !ok {
		return object
	}
	kind = strings.ReplaceAll(strings.ReplaceAll(kind, "_", " "), "-", " ")
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	if id != "" && strings.Trim(id, "0123456789") == "" {
		return kind + " #" + id
	}
	return kind + " " + id
}
