package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/kb"
)

// Reasons an Authority gives (API.md, "Training and fulfilment authority").
const (
	ReasonCertified               = "certified"
	ReasonNotRequired             = "not_required"
	ReasonNotCertified            = "not_certified"
	ReasonExpired                 = "expired"
	ReasonRevoked                 = "revoked"
	ReasonRecertificationRequired = "recertification_required"
	ReasonSuspended               = "suspended"
	ReasonNotFulfilled            = "not_fulfilled_by_supplier"
)

// Authority answers whether a person may fulfil a request type, and why. It is derived, never
// stored: from what the person's supplier fulfils, suspensions, the newest certification and
// the latest major approval of the request type's knowledge (with its grace period).
type Authority struct {
	Username        string `json:"username"`
	RequestType     string `json:"request_type"`
	RequestTypeName string `json:"request_type_name"`
	Authorized      bool   `json:"authorized"`
	Reason          string `json:"reason"`
	// ExpiresAt is the expiry of the certification it rests on (null without one).
	ExpiresAt       *time.Time `json:"expires_at"`
	CertificationID int64      `json:"certification_id,omitempty"`
	// RecertifyBy is set while authority survives a major change in its grace period.
	RecertifyBy *time.Time `json:"recertify_by,omitempty"`
	// SuspensionReason says why, when Reason is suspended.
	SuspensionReason string `json:"suspension_reason,omitempty"`
	// At is the moment the answer is for.
	At time.Time `json:"at"`
}

// Label is the state as people read it.
func (a Authority) Label() string {
	switch a.Reason {
	case ReasonCertified:
		if a.RecertifyBy != nil {
			return "Certified — recertify by " + a.RecertifyBy.Format("2 Jan 2006")
		}
		return "Certified"
	case ReasonNotRequired:
		return "No certification needed"
	case ReasonNotCertified:
		return "Not certified"
	case ReasonExpired:
		return "Expired"
	case ReasonRevoked:
		return "Revoked"
	case ReasonRecertificationRequired:
		return "Recertification required"
	case ReasonSuspended:
		return "Suspended"
	case ReasonNotFulfilled:
		return "Not fulfilled by the supplier"
	}
	return a.Reason
}

// Suspension withdraws someone's authority for a request type until it is lifted or the person
// is certified again.
type Suspension struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	RequestType string     `json:"request_type"`
	Reason      string     `json:"reason"`
	FindingID   int64      `json:"finding_id,omitempty"`
	SuspendedBy string     `json:"suspended_by"`
	SuspendedAt time.Time  `json:"suspended_at"`
	LiftedAt    *time.Time `json:"lifted_at,omitempty"`
	LiftedBy    string     `json:"lifted_by,omitempty"`
	LiftReason  string     `json:"lift_reason,omitempty"`
}

// facts are what authority is derived from, for one person and request type.
type facts struct {
	username    string
	rt          accounts.RequestType
	fulfils     bool
	certs       []Certification // newest first
	suspensions []Suspension
	// major is the latest major approval as of the moment asked about (nil: none).
	major *time.Time
}

// derive computes authority at the moment at.
func derive(f facts, at time.Time) Authority {
	a := Authority{Username: f.username, RequestType: f.rt.Key, RequestTypeName: f.rt.Name, At: at}
	var cert *Certification
	for i := range f.certs {
		if !f.certs[i].CertifiedAt.After(at) {
			cert = &f.certs[i]
			break
		}
	}
	if !f.fulfils {
		a.Reason = ReasonNotFulfilled
		return a
	}
	for _, sp := range f.suspensions {
		active := !sp.SuspendedAt.After(at) && (sp.LiftedAt == nil || sp.LiftedAt.After(at)) &&
			(cert == nil || !cert.CertifiedAt.After(sp.SuspendedAt))
		if active {
			a.Reason, a.SuspensionReason = ReasonSuspended, sp.Reason
			return a
		}
	}
	if !f.rt.RequiresCertification {
		a.Authorized, a.Reason = true, ReasonNotRequired
		return a
	}
	if cert == nil {
		a.Reason = ReasonNotCertified
		return a
	}
	a.CertificationID = cert.ID
	if cert.RevokedAt != nil && !cert.RevokedAt.After(at) {
		a.Reason = ReasonRevoked
		return a
	}
	exp := cert.ExpiresAt
	a.ExpiresAt = &exp
	if !at.Before(cert.ExpiresAt) {
		a.Reason = ReasonExpired
		return a
	}
	if f.major != nil && f.major.After(cert.BasisAt) {
		by := f.major.AddDate(0, 0, f.rt.GraceDays)
		if !at.Before(by) {
			a.Reason = ReasonRecertificationRequired
			return a
		}
		a.RecertifyBy = &by
	}
	a.Authorized, a.Reason = true, ReasonCertified
	return a
}

// canSee reports whether actor may see user's authority and training history: the user, staff
// of the same supplier, trainers, auditors and admins.
func canSee(actor, user *accounts.User) bool {
	switch {
	case actor == nil:
		return false
	case actor.ID == user.ID, actor.Has(accounts.RoleTrainer, accounts.RoleAuditor, accounts.RoleAdmin):
		return true
	default:
		return actor.SupplierID != 0 && actor.SupplierID == user.SupplierID
	}
}

func (s *Store) facts(ctx context.Context, user *accounts.User, rtKey string, at time.Time) (facts, error) {
	rt, err := s.accounts.RequestType(ctx, rtKey)
	if err != nil {
		return facts{}, err
	}
	f := facts{username: user.Username, rt: *rt, fulfils: user.FulfilsType(rt.Key)}
	if f.certs, err = listCerts(ctx, s.db.Read, `c.user_id = ? AND c.request_type_id = ?`, user.ID, rt.ID); err != nil {
		return f, err
	}
	if f.suspensions, err = s.suspensions(ctx, `s.user_id = ? AND s.request_type_id = ?`, user.ID, rt.ID); err != nil {
		return f, err
	}
	m, ok, err := s.kb.LatestMajorApprovalAt(ctx, rt.Key, at)
	if err != nil {
		return f, err
	}
	if ok {
		f.major = &m
	}
	return f, nil
}

// Authority answers whether username may fulfil the request type now. Callers: the person,
// anyone of the same supplier, trainers, auditors, admins.
// Errors: EFORBIDDEN (anyone else, e.g. another supplier's staff), ENOTFOUND (unknown user or
// request type), EINVALID (either missing).
func (s *Store) Authority(ctx context.Context, actor *accounts.User, username, requestType string) (Authority, error) {
	fields := map[string]string{}
	if strings.TrimSpace(username) == "" {
		fields["username"] = "required"
	}
	if strings.TrimSpace(requestType) == "" {
		fields["request_type"] = "required"
	}
	if len(fields) > 0 {
		return Authority{}, attest.FieldError(fields)
	}
	u, err := s.accounts.UserByUsername(ctx, username)
	if err != nil {
		return Authority{}, err
	}
	if !canSee(actor, u) {
		return Authority{}, attest.Errorf(attest.EFORBIDDEN, "You may not see the authority of another supplier's staff.")
	}
	now := s.clock()
	f, err := s.facts(ctx, u, requestType, now)
	if err != nil {
		return Authority{}, err
	}
	return derive(f, now), nil
}

// AuthorityAt answers whether the user held authority for the request type at a past moment
// (adherence evidence for audits): certifications, revocations, suspensions and major
// approvals are taken as they stood then. What the supplier fulfils is taken as it is now.
// Errors: ENOTFOUND (unknown user or request type).
func (s *Store) AuthorityAt(ctx context.Context, userID int64, requestTypeKey string, at time.Time) (Authority, error) {
	u, err := s.accounts.UserByID(ctx, userID)
	if err != nil {
		return Authority{}, err
	}
	at = at.UTC()
	f, err := s.facts(ctx, u, requestTypeKey, at)
	if err != nil {
		return Authority{}, err
	}
	return derive(f, at), nil
}

// Suspend withdraws a person's authority for a request type (e.g. on an audit finding, named
// by findingID, 0 for none) until a trainer certifies them again or the suspension is lifted.
// Errors: EFORBIDDEN (auditors, trainers and admins only; nobody suspends themselves),
// EINVALID (no reason, unknown request type), ENOTFOUND (unknown user).
func (s *Store) Suspend(ctx context.Context, actor *accounts.User, username, requestType, reason string, findingID int64) error {
	if err := forbid(actor, "Only auditors, trainers and admins suspend authority.", accounts.RoleAuditor, accounts.RoleTrainer, accounts.RoleAdmin); err != nil {
		return err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return err
	}
	u, err := s.accounts.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	if u.ID == actor.ID {
		return attest.Errorf(attest.EFORBIDDEN, "Nobody suspends their own authority: another auditor, trainer or admin must.")
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		rtID, _, err := requestTypeID(ctx, tx, requestType)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO suspensions (user_id, request_type_id, reason, finding_id, suspended_by, suspended_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, rtID, reason, nullInt(findingID), actor.Username, database.Format(s.clock())).Scan(&id)
		if err != nil {
			return fmt.Errorf("training: suspend: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "authority.suspend", fmt.Sprintf("suspension:%d", id),
			journal.Change{After: map[string]any{"username": u.Username, "request_type": requestType, "reason": reason, "finding": findingID}})
	})
	if err != nil {
		return fmt.Errorf("training: suspend %s for %s: %w", username, requestType, err)
	}
	return nil
}

// LiftSuspension ends a suspension before recertification, with a reason.
// Errors: EFORBIDDEN (auditors, trainers and admins only; nobody lifts a suspension of their
// own authority), EINVALID (no reason), ENOTFOUND, ECONFLICT (lifted already).
func (s *Store) LiftSuspension(ctx context.Context, actor *accounts.User, suspensionID int64, reason string) error {
	if err := forbid(actor, "Only auditors, trainers and admins lift suspensions.", accounts.RoleAuditor, accounts.RoleTrainer, accounts.RoleAdmin); err != nil {
		return err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var lifted sql.NullString
		var userID int64
		err := tx.QueryRowContext(ctx, `SELECT lifted_at, user_id FROM suspensions WHERE id = ?`, suspensionID).Scan(&lifted, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No suspension %d.", suspensionID)
		}
		if err != nil {
			return fmt.Errorf("training: lift: %w", err)
		}
		if userID == actor.ID {
			return attest.Errorf(attest.EFORBIDDEN, "Nobody lifts a suspension of their own authority: another auditor, trainer or admin must.")
		}
		if lifted.Valid {
			return attest.Errorf(attest.ECONFLICT, "This suspension was lifted already.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE suspensions SET lifted_at = ?, lifted_by = ?, lift_reason = ? WHERE id = ?`,
			database.Format(s.clock()), actor.Username, reason, suspensionID); err != nil {
			return fmt.Errorf("training: lift: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "authority.lift", fmt.Sprintf("suspension:%d", suspensionID),
			journal.Change{Before: map[string]any{"lifted": false}, After: map[string]any{"lifted": true, "reason": reason}})
	})
	if err != nil {
		return fmt.Errorf("training: lift suspension %d: %w", suspensionID, err)
	}
	return nil
}

func (s *Store) suspensions(ctx context.Context, where string, args ...any) ([]Suspension, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.id, u.username, rt.key, s.reason, COALESCE(s.finding_id, 0), s.suspended_by,
		s.suspended_at, s.lifted_at, COALESCE(s.lifted_by, ''), s.lift_reason
		FROM suspensions s JOIN users u ON u.id = s.user_id JOIN request_types rt ON rt.id = s.request_type_id
		WHERE `+where+` ORDER BY s.suspended_at DESC, s.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("training: suspensions: %w", err)
	}
	defer rows.Close()
	out := []Suspension{}
	for rows.Next() {
		var sp Suspension
		var at string
		var lifted sql.NullString
		if err := rows.Scan(&sp.ID, &sp.Username, &sp.RequestType, &sp.Reason, &sp.FindingID, &sp.SuspendedBy, &at, &lifted,
			&sp.LiftedBy, &sp.LiftReason); err != nil {
			return nil, fmt.Errorf("training: suspensions: %w", err)
		}
		sp.SuspendedAt, sp.LiftedAt = parseTime(at), parseNullTime(lifted)
		out = append(out, sp)
	}
	return out, rows.Err()
}

// Reminder days: the app reminds people of an expiry 60, 30 and 7 days before it.
var ReminderDays = []int{60, 30, 7}

// Reminder returns the reminder due for an authority at the moment it was computed ("" when
// none): the certification expires within 60, 30 or 7 days.
func Reminder(a Authority) string {
	if !a.Authorized || a.ExpiresAt == nil {
		return ""
	}
	left := a.ExpiresAt.Sub(a.At)
	days := int(left.Hours() / 24)
	for i := len(ReminderDays) - 1; i >= 0; i-- {
		if left <= time.Duration(ReminderDays[i])*24*time.Hour {
			return fmt.Sprintf("Your %s certification expires in %d days (on %s). Pass the quiz again and ask a trainer to recertify you; within %d days of expiry the new certification runs on from the old expiry date.",
				a.RequestTypeName, days, a.ExpiresAt.Format("2 Jan 2006"), int(RecertificationWindow.Hours()/24))
		}
	}
	return ""
}

// Row is one request type of a person's authority overview.
type Row struct {
	Authority
	RequiresCertification bool
	// QuizID is a quiz for the request type (0 when there is none).
	QuizID    int64
	QuizTitle string
	// Reminder is set within 60 days of expiry.
	Reminder string
	// Changes are the major knowledge changes since the certification's basis, when they call
	// for recertification (now or at the end of the grace period).
	Changes []kb.MajorChange
}

// Overview is a person's authority for every request type, and their history.
type Overview struct {
	Username     string
	Name         string
	SupplierName string
	Rows         []Row
	Attempts     []Result
	Certs        []Certification
	Suspensions  []Suspension
}

// Overview returns a person's authority per request type their supplier fulfils, with
// reminders and what changed, and their whole history of attempts, certifications (with
// revocations) and suspensions. Callers as for Authority. Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) Overview(ctx context.Context, actor *accounts.User, username string) (*Overview, error) {
	u, err := s.accounts.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, u) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "You may not see the authority of another supplier's staff.")
	}
	o := &Overview{Username: u.Username, Name: u.Name(), SupplierName: u.SupplierName}
	rts, err := s.accounts.RequestTypes(ctx)
	if err != nil {
		return nil, err
	}
	quizzes, err := s.quizzesByType(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	for _, rt := range rts {
		if !u.FulfilsType(rt.Key) {
			continue
		}
		f, err := s.facts(ctx, u, rt.Key, now)
		if err != nil {
			return nil, err
		}
		row := Row{Authority: derive(f, now), RequiresCertification: rt.RequiresCertification}
		if z, ok := quizzes[rt.Key]; ok {
			row.QuizID, row.QuizTitle = z.ID, z.Title
		}
		row.Reminder = Reminder(row.Authority)
		if row.Reason == ReasonRecertificationRequired || row.RecertifyBy != nil {
			var basis time.Time
			if len(f.certs) > 0 {
				basis = f.certs[0].BasisAt
			}
			if row.Changes, err = s.kb.MajorChanges(ctx, rt.Key, basis); err != nil {
				return nil, err
			}
		}
		o.Rows = append(o.Rows, row)
	}
	if o.Attempts, err = s.attempts(ctx, u.ID); err != nil {
		return nil, err
	}
	if o.Certs, err = listCerts(ctx, s.db.Read, `c.user_id = ?`, u.ID); err != nil {
		return nil, err
	}
	if o.Suspensions, err = s.suspensions(ctx, `s.user_id = ?`, u.ID); err != nil {
		return nil, err
	}
	return o, nil
}

// quizzesByType returns the first quiz of each request type.
func (s *Store) quizzesByType(ctx context.Context) (map[string]Quiz, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+quizCols+` FROM quizzes q JOIN request_types rt ON rt.id = q.request_type_id ORDER BY q.id`)
	if err != nil {
		return nil, fmt.Errorf("training: quizzes: %w", err)
	}
	defer rows.Close()
	out := map[string]Quiz{}
	for rows.Next() {
		z, err := scanQuiz(rows)
		if err != nil {
			return nil, fmt.Errorf("training: quizzes: %w", err)
		}
		if _, ok := out[z.RequestType]; !ok {
			out[z.RequestType] = *z
		}
	}
	return out, rows.Err()
}

// Matrix is staff × request types with each one's authority, for trainers, auditors, admins
// and supplier staff (who see only their own supplier).
type Matrix struct {
	RequestTypes []accounts.RequestType
	Staff        []MatrixRow
	// Expiring are certified authorities that expire within 30 days.
	Expiring []Authority
	// Awaiting are authorities a major change put into recertification (or will, at the end
	// of the grace period).
	Awaiting []Authority
}

// MatrixRow is one person of the matrix.
type MatrixRow struct {
	Username     string
	Name         string
	SupplierName string
	// Cells has one Authority per Matrix.RequestTypes entry.
	Cells []Authority
}

// staffAuthority derives the authority of every agent visible to the actor (their own
// supplier's, for supplier staff) for the given request types at now.
func (s *Store) staffAuthority(ctx context.Context, actor *accounts.User, rts []accounts.RequestType, now time.Time) ([]MatrixRow, error) {
	staff := !actor.IsAgent()
	majors := map[string]*time.Time{}
	for _, rt := range rts {
		t, ok, err := s.kb.LatestMajorApproval(ctx, rt.Key)
		if err != nil {
			return nil, err
		}
		if ok {
			majors[rt.Key] = &t
		}
	}
	users, err := s.accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	certs, err := listCerts(ctx, s.db.Read, `1 = 1`)
	if err != nil {
		return nil, err
	}
	susps, err := s.suspensions(ctx, `1 = 1`)
	if err != nil {
		return nil, err
	}
	var out []MatrixRow
	for _, u := range users {
		if !slices.Contains(u.Roles, accounts.RoleAgent) || u.SupplierID == 0 {
			continue
		}
		if !staff && u.SupplierID != actor.SupplierID {
			continue
		}
		row := MatrixRow{Username: u.Username, Name: u.Name(), SupplierName: u.SupplierName}
		for _, rt := range rts {
			f := facts{username: u.Username, rt: rt, fulfils: u.FulfilsType(rt.Key), major: majors[rt.Key]}
			for _, c := range certs {
				if c.userID == u.ID && c.RequestType == rt.Key {
					f.certs = append(f.certs, c)
				}
			}
			for _, sp := range susps {
				if sp.Username == u.Username && sp.RequestType == rt.Key {
					f.suspensions = append(f.suspensions, sp)
				}
			}
			row.Cells = append(row.Cells, derive(f, now))
		}
		out = append(out, row)
	}
	return out, nil
}

// Holder is one person's authority for a request type, for the request type's page.
type Holder struct {
	Authority
	Name         string
	SupplierName string
}

// Holders lists the authority of every agent whose supplier fulfils the request type — only
// the actor's own supplier's staff when the actor is supplier staff — authorized first.
// Errors: ENOTFOUND (unknown request type).
func (s *Store) Holders(ctx context.Context, actor *accounts.User, requestTypeKey string) ([]Holder, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	rt, err := s.accounts.RequestType(ctx, requestTypeKey)
	if err != nil {
		return nil, err
	}
	rows, err := s.staffAuthority(ctx, actor, []accounts.RequestType{*rt}, s.clock())
	if err != nil {
		return nil, err
	}
	out := []Holder{}
	for _, r := range rows {
		if a := r.Cells[0]; a.Reason != ReasonNotFulfilled {
			out = append(out, Holder{Authority: a, Name: r.Name, SupplierName: r.SupplierName})
		}
	}
	slices.SortStableFunc(out, func(a, b Holder) int {
		switch {
		case a.Authorized == b.Authorized:
			return 0
		case a.Authorized:
			return -1
		default:
			return 1
		}
	})
	return out, nil
}

// Matrix computes the authority matrix: every agent (of the actor's supplier only, for supplier
// staff) × every certifiable request type. Errors: EFORBIDDEN.
func (s *Store) Matrix(ctx context.Context, actor *accounts.User) (*Matrix, error) {
	if err := forbid(actor, "You may not see the authority matrix.", accounts.RoleTrainer, accounts.RoleAuditor, accounts.RoleAdmin, accounts.RoleAgent); err != nil {
		return nil, err
	}
	rts, err := s.accounts.RequestTypes(ctx)
	if err != nil {
		return nil, err
	}
	m := &Matrix{}
	for _, rt := range rts {
		if rt.RequiresCertification {
			m.RequestTypes = append(m.RequestTypes, rt)
		}
	}
	now := s.clock()
	if m.Staff, err = s.staffAuthority(ctx, actor, m.RequestTypes, now); err != nil {
		return nil, err
	}
	for _, row := range m.Staff {
		for _, a := range row.Cells {
			if a.Authorized && a.ExpiresAt != nil && a.ExpiresAt.Sub(now) <= 30*24*time.Hour {
				m.Expiring = append(m.Expiring, a)
			}
			if a.Reason == ReasonRecertificationRequired || a.RecertifyBy != nil {
				m.Awaiting = append(m.Awaiting, a)
			}
		}
	}
	slices.SortFunc(m.Expiring, func(a, b Authority) int { return a.ExpiresAt.Compare(*b.ExpiresAt) })
	return m, nil
}

// Hint is what the article and request-type pages tell a person about their own authority for
// a request type: the state, the quiz that leads to it, and any reminder due.
type Hint struct {
	Authority
	QuizID    int64
	QuizTitle string
	Reminder  string
}

// Hint returns actor's own authority for the request type, with the quiz to take.
// Render it with views.AuthorityHint. Errors: ENOTFOUND (unknown request type).
func (s *Store) Hint(ctx context.Context, actor *accounts.User, requestTypeKey string) (Hint, error) {
	if actor == nil {
		return Hint{}, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	a, err := s.Authority(ctx, actor, actor.Username, requestTypeKey)
	if err != nil {
		return Hint{}, err
	}
	h := Hint{Authority: a, Reminder: Reminder(a)}
	qs, err := s.quizzesByType(ctx)
	if err != nil {
		return Hint{}, err
	}
	if z, ok := qs[requestTypeKey]; ok {
		h.QuizID, h.QuizTitle = z.ID, z.Title
	}
	return h, nil
}
