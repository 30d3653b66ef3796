package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// Severities are a finding's grades, after ISO audit practice: a major nonconformity, a minor
// one, an observation, an opportunity for improvement.
var Severities = []string{"major", "minor", "observation", "improvement"}

// FindingStatus is where a finding's remediation stands.
type FindingStatus string

// The finding statuses: open → resolved (by its owner) → closed (verified by an auditor), or
// back to open (reopened); risk_accepted until a date.
const (
	FindingOpen         FindingStatus = "open"
	FindingResolved     FindingStatus = "resolved"
	FindingClosed       FindingStatus = "closed"
	FindingRiskAccepted FindingStatus = "risk_accepted"
)

// Label is the status as people read it.
func (s FindingStatus) Label() string {
	switch s {
	case FindingRiskAccepted:
		return "risk accepted"
	case FindingClosed:
		return "verified and closed"
	default:
		return string(s)
	}
}

// Finding is a finding raised in an audit against a sampled item or a CMDB access flag, and
// its remediation.
type Finding struct {
	ID      int64
	AuditID int64
	Quarter string
	// ItemID, ArticleID, Version and Title name the sampled item; zero for a finding raised
	// from a CMDB access flag (Flag).
	ItemID    int64
	ArticleID int64
	Version   int
	Title     string
	// Flag is the CMDB access flag the finding was raised from; nil for an item's finding.
	Flag        *FlagRef
	Severity    string
	Description string
	RootCause   string
	Owner       string
	Due         string
	// Subject and SubjectRequestType name the person whose adherence it is about, if any.
	Subject            string
	SubjectRequestType string
	Status             FindingStatus
	ResolutionNote     string
	ResolutionVersion  int
	ResolvedBy         string
	ResolvedAt         time.Time
	VerifiedBy         string
	VerifiedAt         time.Time
	RiskAcceptedUntil  string
	AuditorNote        string
	CreatedBy          string
	CreatedAt          time.Time
}

// IsOverdue reports whether the finding is past its due date (or its accepted risk has
// lapsed) on day today (YYYY-MM-DD).
func (f Finding) IsOverdue(today string) bool {
	switch f.Status {
	case FindingOpen:
		return f.Due < today
	case FindingRiskAccepted:
		return f.RiskAcceptedUntil < today
	}
	return false
}

// NewFinding is what an auditor records.
type NewFinding struct {
	Item        int64
	Severity    string
	Description string
	RootCause   string
	// Owner is the username of who must remedy it.
	Owner string
	// Due is YYYY-MM-DD.
	Due string
	// Subject optionally names a person whose adherence the finding is about, for a request
	// type; with Suspend, their authority for it is suspended until they recertify.
	Subject            string
	SubjectRequestType string
	Suspend            bool
}

// RaiseFinding records a finding against a sampled item of an open audit. With a subject and
// Suspend, it then suspends the subject's authority for the request type (training).
// Errors: EFORBIDDEN (auditors only; nobody raises a finding about themselves), ENOTFOUND,
// ECONFLICT (signed off), EINVALID (item, severity, description, owner, due date, subject).
func (s *Store) RaiseFinding(ctx context.Context, actor *accounts.User, auditID int64, in NewFinding) (int64, error) {
	return s.raise(ctx, actor, auditID, in, nil)
}

// raise records a finding against a sampled item (flag nil) or a CMDB access flag already
// checked by RaiseFlagFinding.
func (s *Store) raise(ctx context.Context, actor *accounts.User, auditID int64, in NewFinding, flag *FlagRef) (int64, error) {
	if err := forbid(actor, "Only auditors record findings.", accounts.RoleAuditor); err != nil {
		return 0, err
	}
	in.Description = strings.TrimSpace(in.Description)
	in.RootCause = strings.TrimSpace(in.RootCause)
	in.Owner = strings.TrimSpace(in.Owner)
	in.Subject = strings.TrimSpace(in.Subject)
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := auditStatus(ctx, tx, auditID); err != nil {
			return err
		}
		fields := map[string]string{}
		switch {
		case flag != nil && in.Item != 0:
			fields["item"] = "a finding raised from a CMDB access flag has no item"
		case flag != nil:
		case in.Item <= 0:
			fields["item"] = "required: the id of a sampled item of this audit"
		default:
			if err := itemInAudit(ctx, tx, auditID, in.Item); err != nil {
				if attest.ErrorCode(err) != attest.ENOTFOUND {
					return err
				}
				fields["item"] = "not a sampled item of this audit"
			}
		}
		if !slices.Contains(Severities, in.Severity) {
			fields["severity"] = "one of major, minor, observation, improvement"
		}
		switch n := utf8.RuneCountInString(in.Description); {
		case n == 0:
			fields["description"] = "required"
		case n > 4000:
			fields["description"] = "at most 4,000 characters"
		}
		if utf8.RuneCountInString(in.RootCause) > 4000 {
			fields["root_cause"] = "at most 4,000 characters"
		}
		var ownerID, subjectID int64
		if in.Owner == "" {
			fields["owner"] = "required: the username of who remedies it"
		} else if uid, err := userIDByName(ctx, tx, in.Owner, "owner"); err == nil {
			ownerID = uid
		} else if attest.ErrorCode(err) == attest.EINVALID {
			fields["owner"] = fmt.Sprintf("no user %q", in.Owner)
		} else {
			return err
		}
		if _, err := time.Parse(time.DateOnly, in.Due); err != nil {
			fields["due"] = "a date as YYYY-MM-DD"
		}
		if in.Subject != "" && in.Subject == actor.Username {
			return attest.Errorf(attest.EFORBIDDEN, "A finding about your own adherence must be raised by another auditor.")
		}
		if in.Subject != "" || in.SubjectRequestType != "" || in.Suspend {
			if uid, err := userIDByName(ctx, tx, in.Subject, "subject"); err == nil {
				subjectID = uid
			} else if attest.ErrorCode(err) == attest.EINVALID {
				fields["subject"] = fmt.Sprintf("no user %q", in.Subject)
			} else {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM request_types WHERE key = ?`, in.SubjectRequestType).Scan(&n); err != nil {
				return fmt.Errorf("find request type: %w", err)
			}
			if n == 0 {
				fields["subject_request_type"] = "the request type the person's adherence concerns"
			}
		}
		if len(fields) > 0 {
			return attest.FieldError(fields)
		}
		source, fl, flagAt := sourceItem, FlagRef{}, any(nil)
		if flag != nil {
			source, fl, flagAt = sourceFlag, *flag, database.Format(flag.At)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO audit_findings (audit_id, item_id, severity, description, root_cause, owner_id, due,
			subject_id, subject_request_type, created_by, created_at, source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_key,
			cmdb_ticket_ref, cmdb_at, cmdb_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			auditID, nullID(in.Item), in.Severity, in.Description, in.RootCause, ownerID, in.Due, nullID(subjectID), in.SubjectRequestType,
			actor.ID, database.Format(s.clock()), source, fl.Kind, fl.Supplier, fl.Username, fl.Key, fl.TicketRef, flagAt, fl.Detail).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert finding: %w", err)
		}
		if err := outbox.AboutPerson(ctx, tx, ownerID, outbox.FindingAssigned, outbox.Mail{
			Subject: fmt.Sprintf("Audit finding #%d is yours to remedy by %s", id, in.Due),
			Text:    fmt.Sprintf("%s recorded a %s finding for you to remedy by %s: %s", actor.Name(), in.Severity, in.Due, in.Description),
			Link:    "/findings"},
			map[string]any{"finding": id, "audit": auditID, "severity": in.Severity, "due": in.Due, "owner": in.Owner}); err != nil {
			return err
		}
		after := map[string]any{
			"audit": auditID, "item": in.Item, "severity": in.Severity, "description": in.Description, "root_cause": in.RootCause,
			"owner": in.Owner, "due": in.Due, "subject": in.Subject, "subject_request_type": in.SubjectRequestType}
		if flag != nil {
			delete(after, "item")
			after["source"] = sourceFlag
			after["flag"] = map[string]any{"kind": fl.Kind, "supplier": fl.Supplier, "username": fl.Username, "key": fl.Key,
				"ticket_ref": fl.TicketRef, "at": database.Format(fl.At), "detail": fl.Detail}
		}
		return journal.Append(ctx, tx, actor.Username, "finding.raise", findingObject(id), journal.Change{After: after})
	})
	if err != nil {
		return 0, fmt.Errorf("audit: raise finding in %d: %w", auditID, err)
	}
	if in.Suspend {
		// Training keeps suspensions in its own transaction; the subject was checked above.
		reason := fmt.Sprintf("Audit finding #%d: %s", id, in.Description)
		if utf8.RuneCountInString(reason) > 500 {
			reason = string([]rune(reason)[:500])
		}
		if err := s.training.Suspend(ctx, actor, in.Subject, in.SubjectRequestType, reason, id); err != nil {
			return id, fmt.Errorf("audit: finding %d recorded, suspension failed: %w", id, err)
		}
	}
	return id, nil
}

// findingQuery reads findings of both sources: a CMDB-flag finding has no item (LEFT JOIN).
const findingQuery = `SELECT f.id, f.audit_id, a.quarter, COALESCE(f.item_id, 0), COALESCE(i.article_id, 0), COALESCE(i.version, 0),
	COALESCE(i.title, ''), f.severity, f.description,
	f.root_cause, ou.username, f.due, COALESCE(su.username, ''), f.subject_request_type, f.status, f.resolution_note,
	COALESCE(f.resolution_version, 0), COALESCE(ru.username, ''), f.resolved_at, COALESCE(vu.username, ''), f.verified_at,
	COALESCE(f.risk_accepted_until, ''), f.auditor_note, cu.username, f.created_at,
	f.source, f.cmdb_flag_kind, f.cmdb_supplier, f.cmdb_username, f.cmdb_key, f.cmdb_ticket_ref, COALESCE(f.cmdb_at, ''), f.cmdb_detail
	FROM audit_findings f JOIN audits a ON a.id = f.audit_id LEFT JOIN audit_items i ON i.id = f.item_id
	JOIN users ou ON ou.id = f.owner_id JOIN users cu ON cu.id = f.created_by
	LEFT JOIN users su ON su.id = f.subject_id LEFT JOIN users ru ON ru.id = f.resolved_by
	LEFT JOIN users vu ON vu.id = f.verified_by`

func loadFindings(ctx context.Context, q queryer, where string, args ...any) ([]Finding, error) {
	rows, err := q.QueryContext(ctx, findingQuery+` WHERE `+where+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: findings: %w", err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var resolved, verified sql.NullString
		var created, source, flagAt string
		var flag FlagRef
		if err := rows.Scan(&f.ID, &f.AuditID, &f.Quarter, &f.ItemID, &f.ArticleID, &f.Version, &f.Title, &f.Severity,
			&f.Description, &f.RootCause, &f.Owner, &f.Due, &f.Subject, &f.SubjectRequestType, &f.Status, &f.ResolutionNote,
			&f.ResolutionVersion, &f.ResolvedBy, &resolved, &f.VerifiedBy, &verified, &f.RiskAcceptedUntil, &f.AuditorNote,
			&f.CreatedBy, &created, &source, &flag.Kind, &flag.Supplier, &flag.Username, &flag.Key, &flag.TicketRef, &flagAt,
			&flag.Detail); err != nil {
			return nil, fmt.Errorf("audit: findings: %w", err)
		}
		f.ResolvedAt, f.VerifiedAt, f.CreatedAt = parseNullTime(resolved), parseNullTime(verified), parseTime(created)
		if source == sourceFlag {
			flag.At = parseTime(flagAt)
			f.Flag = &flag
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Finding returns one finding. Errors: EFORBIDDEN (its owner, auditors and knowledge
// managers only), ENOTFOUND.
func (s *Store) Finding(ctx context.Context, actor *accounts.User, id int64) (*Finding, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	fs, err := loadFindings(ctx, s.db.Read, `f.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, attest.Errorf(attest.ENOTFOUND, "No finding %d.", id)
	}
	if fs[0].Owner != actor.Username && !actor.Has(accounts.RoleAuditor, accounts.RoleKnowledgeManager) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No finding %d.", id)
	}
	return &fs[0], nil
}

// FindingQueue is what the findings page shows a person.
type FindingQueue struct {
	// Mine are the open, resolved or risk-accepted findings the person owns.
	Mine []Finding
	// Overdue are every overdue finding; filled for auditors and knowledge managers.
	Overdue []Finding
	// Open are every finding not yet closed; filled for auditors and knowledge managers.
	Open []Finding
	// Today is the day overdue is judged on (YYYY-MM-DD).
	Today string
}

// Findings returns the caller's queue and, for auditors and knowledge managers, every
// finding not closed and the overdue ones.
func (s *Store) Findings(ctx context.Context, actor *accounts.User) (*FindingQueue, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	if actor.IsAgent() {
		if err := accounts.RequireAgreement(actor); err != nil {
			return nil, err
		}
	}
	q := &FindingQueue{Today: s.clock().Format(time.DateOnly)}
	var err error
	if q.Mine, err = loadFindings(ctx, s.db.Read, `f.owner_id = ? AND f.status != 'closed'`, actor.ID); err != nil {
		return nil, err
	}
	if actor.Has(accounts.RoleAuditor, accounts.RoleKnowledgeManager) {
		if q.Open, err = loadFindings(ctx, s.db.Read, `f.status != 'closed'`); err != nil {
			return nil, err
		}
		for _, f := range q.Open {
			if f.IsOverdue(q.Today) {
				q.Overdue = append(q.Overdue, f)
			}
		}
	}
	return q, nil
}

// Remedy is a change to a finding's remediation.
type Remedy struct {
	// Note says what was done or why (required to reopen or accept a risk; to resolve without
	// a version).
	Note string
	// Version is the article version that fixes it (resolve only; 0 for none).
	Version int
	// Until is the last day a risk is accepted (accept only), YYYY-MM-DD.
	Until string
}

// Resolve marks an open finding resolved by its owner, with a new version of the article
// or a note. Remediation goes on after the audit is signed off: due dates lie after it.
// Errors: ENOTFOUND, EFORBIDDEN (the owner only), ECONFLICT (not open), EINVALID (neither a
// note nor a version; the version is not an approved version after the sampled one).
func (s *Store) Resolve(ctx context.Context, actor *accounts.User, id int64, r Remedy) error {
	return s.remedy(ctx, actor, id, "finding.resolve", func(tx *sql.Tx, f *Finding) error {
		if f.Owner != actor.Username {
			return attest.Errorf(attest.EFORBIDDEN, "Only the finding's owner, %s, resolves it.", f.Owner)
		}
		if f.Status != FindingOpen {
			return attest.Errorf(attest.ECONFLICT, "This finding is %s, not open.", f.Status.Label())
		}
		r.Note = strings.TrimSpace(r.Note)
		if r.Note == "" && r.Version == 0 {
			return attest.FieldError(map[string]string{"note": "say what was done, or name the new version that fixes it"})
		}
		if utf8.RuneCountInString(r.Note) > 4000 {
			return attest.FieldError(map[string]string{"note": "at most 4,000 characters"})
		}
		if r.Version != 0 && f.Flag != nil {
			return attest.FieldError(map[string]string{"version": "a finding from a CMDB access flag is resolved with a note, not an article version"})
		}
		if r.Version != 0 {
			var st string
			err := tx.QueryRowContext(ctx, `SELECT status FROM versions WHERE article_id = ? AND number = ?`, f.ArticleID, r.Version).Scan(&st)
			if errors.Is(err, sql.ErrNoRows) || r.Version <= f.Version || (st != "approved" && st != "superseded" && st != "in_review") {
				return attest.FieldError(map[string]string{"version": fmt.Sprintf("a version of article %d after version %d, approved or in review", f.ArticleID, f.Version)})
			}
			if err != nil {
				return fmt.Errorf("find version: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE audit_findings SET status = 'resolved', resolution_note = ?, resolution_version = ?,
			resolved_by = ?, resolved_at = ? WHERE id = ?`, r.Note, nullID(int64(r.Version)), actor.ID, database.Format(s.clock()), id)
		return err
	}, r)
}

// Verify closes a resolved finding after an auditor has re-tested it.
// Errors: EFORBIDDEN (auditors only; not its owner, resolver or subject), ENOTFOUND, ECONFLICT (not resolved).
func (s *Store) Verify(ctx context.Context, actor *accounts.User, id int64, note string) error {
	if err := forbid(actor, "Only auditors verify findings.", accounts.RoleAuditor); err != nil {
		return err
	}
	return s.remedy(ctx, actor, id, "finding.verify", func(tx *sql.Tx, f *Finding) error {
		if err := ownFinding(actor, f, "verify"); err != nil {
			return err
		}
		if f.Status != FindingResolved {
			return attest.Errorf(attest.ECONFLICT, "Only a resolved finding can be verified; this one is %s.", f.Status.Label())
		}
		_, err := tx.ExecContext(ctx, `UPDATE audit_findings SET status = 'closed', verified_by = ?, verified_at = ?, auditor_note = ? WHERE id = ?`,
			actor.ID, database.Format(s.clock()), strings.TrimSpace(note), id)
		return err
	}, Remedy{Note: note})
}

// Reopen sends a resolved, closed or risk-accepted finding back to its owner, with a reason.
// Errors: EFORBIDDEN (auditors only), ENOTFOUND, ECONFLICT (open already), EINVALID (no reason).
func (s *Store) Reopen(ctx context.Context, actor *accounts.User, id int64, reason string) error {
	if err := forbid(actor, "Only auditors reopen findings.", accounts.RoleAuditor); err != nil {
		return err
	}
	return s.remedy(ctx, actor, id, "finding.reopen", func(tx *sql.Tx, f *Finding) error {
		if f.Status == FindingOpen {
			return attest.Errorf(attest.ECONFLICT, "This finding is open already.")
		}
		if strings.TrimSpace(reason) == "" {
			return attest.FieldError(map[string]string{"note": "say why it is reopened"})
		}
		_, err := tx.ExecContext(ctx, `UPDATE audit_findings SET status = 'open', verified_by = NULL, verified_at = NULL,
			risk_accepted_until = NULL, auditor_note = ? WHERE id = ?`, strings.TrimSpace(reason), id)
		return err
	}, Remedy{Note: reason})
}

// AcceptRisk accepts an open finding's risk until a date, with a reason; it is overdue again
// after that day. Errors: EFORBIDDEN (auditors and knowledge managers only; never its owner or
// subject: separation of duties), ENOTFOUND, ECONFLICT (not open), EINVALID (no reason; until not
// a future date).
func (s *Store) AcceptRisk(ctx context.Context, actor *accounts.User, id int64, r Remedy) error {
	if err := forbid(actor, "Only auditors and knowledge managers accept a finding's risk.", accounts.RoleAuditor, accounts.RoleKnowledgeManager); err != nil {
		return err
	}
	return s.remedy(ctx, actor, id, "finding.accept_risk", func(tx *sql.Tx, f *Finding) error {
		if err := ownFinding(actor, f, "accept the risk of"); err != nil {
			return err
		}
		if f.Status != FindingOpen {
			return attest.Errorf(attest.ECONFLICT, "Only an open finding's risk can be accepted; this one is %s.", f.Status.Label())
		}
		// Separation of duties: who must remedy a finding does not decide its risk is acceptable.
		if f.Owner == actor.Username {
			return attest.Errorf(attest.EFORBIDDEN, "You own this finding: someone else decides whether its risk is acceptable.")
		}
		fields := map[string]string{}
		if strings.TrimSpace(r.Note) == "" {
			fields["note"] = "say why the risk is acceptable"
		}
		if d, err := time.Parse(time.DateOnly, r.Until); err != nil || !d.After(s.clock()) {
			fields["until"] = "a future date as YYYY-MM-DD"
		}
		if len(fields) > 0 {
			return attest.FieldError(fields)
		}
		_, err := tx.ExecContext(ctx, `UPDATE audit_findings SET status = 'risk_accepted', risk_accepted_until = ?, auditor_note = ? WHERE id = ?`,
			r.Until, strings.TrimSpace(r.Note), id)
		return err
	}, r)
}

// remedy loads finding id in a write transaction, applies change and journals it.
func (s *Store) remedy(ctx context.Context, actor *accounts.User, id int64, action string, change func(*sql.Tx, *Finding) error, r Remedy) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		fs, err := loadFindings(ctx, tx, `f.id = ?`, id)
		if err != nil {
			return err
		}
		if len(fs) == 0 || (fs[0].Owner != actor.Username && !actor.Has(accounts.RoleAuditor, accounts.RoleKnowledgeManager)) {
			return attest.Errorf(attest.ENOTFOUND, "No finding %d.", id)
		}
		f := fs[0]
		if err := change(tx, &f); err != nil {
			return err
		}
		after := map[string]any{"note": strings.TrimSpace(r.Note)}
		if r.Version != 0 {
			after["version"] = r.Version
		}
		if r.Until != "" {
			after["until"] = r.Until
		}
		return journal.Append(ctx, tx, actor.Username, action, findingObject(id),
			journal.Change{Before: map[string]any{"status": f.Status}, After: after})
	})
	if err != nil {
		return fmt.Errorf("audit: %s %d: %w", action, id, err)
	}
	return nil
}

// ownFinding refuses an auditor's or knowledge manager's decision on a finding that is their
// own: one they must remedy (owner), whose remedy they gave (resolver), or that is about their
// own adherence (subject). Nobody signs off their own work.
func ownFinding(actor *accounts.User, f *Finding, what string) error {
	switch actor.Username {
	case f.Owner:
		return attest.Errorf(attest.EFORBIDDEN, "You own finding %d: another auditor must %s it.", f.ID, what)
	case f.ResolvedBy:
		return attest.Errorf(attest.EFORBIDDEN, "You resolved finding %d: another auditor must %s it.", f.ID, what)
	case f.Subject:
		return attest.Errorf(attest.EFORBIDDEN, "Finding %d is about your own adherence: another auditor must %s it.", f.ID, what)
	}
	return nil
}
