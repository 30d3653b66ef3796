package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// RecertificationWindow is how long before expiry a certification may be renewed from its old
// expiry date: passing and being certified within it extends rather than restarts.
const RecertificationWindow = 30 * 24 * time.Hour

// Certification grants a person fulfilment authority for a request type, from a passed
// attempt, until it expires or is revoked.
type Certification struct {
	ID              int64  `json:"id"`
	Username        string `json:"username"`
	UserName        string `json:"user_name"`
	Supplier        string `json:"supplier"`
	RequestType     string `json:"request_type"`
	RequestTypeName string `json:"request_type_name"`
	AttemptID       int64  `json:"attempt_id"`
	// BasisAt is when the attempt it rests on ended: a major approval after it calls for
	// recertification.
	BasisAt     time.Time `json:"basis_at"`
	CertifiedBy string    `json:"certified_by"`
	CertifiedAt time.Time `json:"certified_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	// Renews is the certification this one extended within its recertification window.
	Renews       int64      `json:"renews,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`

	userID int64
}

const certCols = `c.id, u.id, u.username, u.display_name, COALESCE(sp.key, ''), rt.key, rt.name, c.attempt_id, c.basis_at,
	cb.username, c.certified_at, c.expires_at, COALESCE(c.renews, 0), c.revoked_at, COALESCE(rb.username, ''), c.revoke_reason`

const certFrom = ` FROM certifications c JOIN users u ON u.id = c.user_id LEFT JOIN suppliers sp ON sp.id = u.supplier_id
	JOIN request_types rt ON rt.id = c.request_type_id JOIN users cb ON cb.id = c.certified_by
	LEFT JOIN users rb ON rb.id = c.revoked_by`

func scanCert(row interface{ Scan(...any) error }) (*Certification, error) {
	var c Certification
	var basis, at, exp string
	var revoked sql.NullString
	if err := row.Scan(&c.ID, &c.userID, &c.Username, &c.UserName, &c.Supplier, &c.RequestType, &c.RequestTypeName, &c.AttemptID,
		&basis, &c.CertifiedBy, &at, &exp, &c.Renews, &revoked, &c.RevokedBy, &c.RevokeReason); err != nil {
		return nil, err
	}
	c.BasisAt, c.CertifiedAt, c.ExpiresAt, c.RevokedAt = parseTime(basis), parseTime(at), parseTime(exp), parseNullTime(revoked)
	return &c, nil
}

func listCerts(ctx context.Context, q queryer, where string, args ...any) ([]Certification, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+certCols+certFrom+` WHERE `+where+` ORDER BY c.certified_at DESC, c.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("training: certifications: %w", err)
	}
	defer rows.Close()
	out := []Certification{}
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, fmt.Errorf("training: certifications: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// latestCertification returns the user's newest certification for the request type, nil when
// there is none.
func (s *Store) latestCertification(ctx context.Context, q queryer, userID int64, rtKey string) (*Certification, error) {
	cs, err := listCerts(ctx, q, `c.user_id = ? AND rt.key = ?`, userID, rtKey)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

// Certify certifies a person for a request type on their newest passed attempt that waits for
// a decision and ended after the latest major approval of an article for that type.
// Errors: EFORBIDDEN (trainers only; nobody certifies themselves), EINVALID (unknown user or
// request type, or no such pass).
func (s *Store) Certify(ctx context.Context, actor *accounts.User, username, requestType string) (*Certification, error) {
	if err := forbid(actor, "Only trainers certify.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if strings.TrimSpace(username) == "" {
		fields["username"] = "required"
	}
	if strings.TrimSpace(requestType) == "" {
		fields["request_type"] = "required"
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	u, err := s.accounts.UserByUsername(ctx, username)
	if attest.ErrorCode(err) == attest.ENOTFOUND {
		return nil, attest.FieldError(map[string]string{"username": fmt.Sprintf("no user %q", username)})
	}
	if err != nil {
		return nil, err
	}
	var out *Certification
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := requestTypeID(ctx, tx, requestType); err != nil {
			return err
		}
		pending, err := s.pendingPasses(ctx, tx, `a.user_id = ? AND rt.key = ?`, u.ID, requestType)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return &attest.Error{Code: attest.EINVALID,
				Message: fmt.Sprintf("%s has no passed %s quiz since the latest major change of its knowledge that waits for certification.", u.Name(), requestType),
				Fields:  map[string]string{"username": "has not passed a quiz for this request type since its latest major change"}}
		}
		out, err = s.certify(ctx, tx, actor, &pending[0])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("training: certify %s for %s: %w", username, requestType, err)
	}
	return out, nil
}

// CertifyAttempt certifies the person who passed the attempt, from the trainer's queue.
// Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (not passed, decided already, or overtaken by a
// major knowledge change or a later certification).
func (s *Store) CertifyAttempt(ctx context.Context, actor *accounts.User, attemptID int64) (*Certification, error) {
	if err := forbid(actor, "Only trainers certify.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	var out *Certification
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.certifiable(ctx, tx, attemptID)
		if err != nil {
			return err
		}
		out, err = s.certify(ctx, tx, actor, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("training: certify attempt %d: %w", attemptID, err)
	}
	return out, nil
}

// certifiable loads a passed attempt waiting for a decision. Errors: ENOTFOUND, ECONFLICT.
func (s *Store) certifiable(ctx context.Context, tx *sql.Tx, attemptID int64) (*resultRow, error) {
	r, err := s.scanResult(tx.QueryRowContext(ctx, `SELECT `+resultCols+resultFrom+` WHERE a.id = ?`, attemptID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
	}
	if err != nil {
		return nil, fmt.Errorf("training: attempt %d: %w", attemptID, err)
	}
	switch {
	case r.Status != StatusSubmitted || !r.Passed:
		return nil, attest.Errorf(attest.ECONFLICT, "Only a passed attempt leads to certification.")
	case r.Decision != "":
		return nil, attest.Errorf(attest.ECONFLICT, "This attempt was %s already.", r.Decision)
	}
	pending, err := s.pendingPasses(ctx, tx, `a.id = ?`, attemptID)
	if err != nil {
		return nil, err
	}
	if len(pending) == 0 {
		return nil, attest.Errorf(attest.ECONFLICT, "This pass is older than the latest major change of the knowledge (or a later certification); %s must pass the quiz again.", r.UserName)
	}
	return &pending[0], nil
}

// pendingPasses lists passed attempts waiting for a decision, newest first, that still count:
// they ended after the latest major approval for their request type and after the basis of
// the person's newest certification for it.
func (s *Store) pendingPasses(ctx context.Context, q queryer, where string, args ...any) ([]resultRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+resultCols+resultFrom+` WHERE a.passed = 1 AND a.decision IS NULL AND a.submitted_at IS NOT NULL AND `+where+`
		ORDER BY a.submitted_at DESC, a.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("training: passes: %w", err)
	}
	var all []resultRow
	for rows.Next() {
		r, err := s.scanResult(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("training: passes: %w", err)
		}
		all = append(all, *r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("training: passes: %w", err)
	}
	majors := map[string]*time.Time{}
	var out []resultRow
	for _, r := range all {
		m, ok := majors[r.RequestType]
		if !ok {
			t, has, err := s.kb.LatestMajorApproval(ctx, r.RequestType)
			if err != nil {
				return nil, err
			}
			if has {
				m = &t
			}
			majors[r.RequestType] = m
		}
		if m != nil && !r.EndedAt.After(*m) {
			continue
		}
		last, err := s.latestCertification(ctx, q, r.userID, r.RequestType)
		if err != nil {
			return nil, err
		}
		if last != nil && !r.EndedAt.After(last.BasisAt) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// certify writes the certification for a pending pass. Within the recertification window of a
// valid certification the new one runs from the old expiry date; otherwise from now.
func (s *Store) certify(ctx context.Context, tx *sql.Tx, actor *accounts.User, r *resultRow) (*Certification, error) {
	if r.userID == actor.ID {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Nobody certifies themselves.")
	}
	var validity int
	var rtID int64
	if err := tx.QueryRowContext(ctx, `SELECT a.validity_days, z.request_type_id FROM attempts a JOIN quizzes z ON z.id = a.quiz_id WHERE a.id = ?`,
		r.AttemptID).Scan(&validity, &rtID); err != nil {
		return nil, fmt.Errorf("training: certify: %w", err)
	}
	now := s.clock()
	from, renews := now, int64(0)
	prev, err := s.latestCertification(ctx, tx, r.userID, r.RequestType)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.RevokedAt == nil && now.Before(prev.ExpiresAt) && !prev.ExpiresAt.After(now.Add(RecertificationWindow)) {
		from, renews = prev.ExpiresAt, prev.ID
	}
	expires := from.AddDate(0, 0, validity)
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO certifications (user_id, request_type_id, attempt_id, basis_at, certified_by, certified_at, expires_at, renews)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.userID, rtID, r.AttemptID, database.Format(*r.EndedAt), actor.ID, database.Format(now),
		database.Format(expires), nullInt(renews)).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("training: certify: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE attempts SET decision = 'certified', decided_by = ?, decided_at = ? WHERE id = ?`,
		actor.ID, database.Format(now), r.AttemptID); err != nil {
		return nil, fmt.Errorf("training: certify: %w", err)
	}
	c, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certCols+certFrom+` WHERE c.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("training: certify: %w", err)
	}
	if err := journal.Append(ctx, tx, actor.Username, "certification.grant", fmt.Sprintf("certification:%d", id),
		journal.Change{After: map[string]any{"username": c.Username, "request_type": c.RequestType, "attempt": c.AttemptID,
			"expires_at": c.ExpiresAt, "renews": renews}}); err != nil {
		return nil, err
	}
	if err := outbox.AboutPerson(ctx, tx, r.userID, outbox.CertificationGranted, outbox.Mail{
		Subject: fmt.Sprintf("You are certified for %s", c.RequestType),
		Text:    fmt.Sprintf("%s certified you for %s until %s.", actor.Name(), c.RequestType, c.ExpiresAt.Format(time.DateOnly)),
		Link:    "/authority"}, certData(c)); err != nil {
		return nil, err
	}
	return c, nil
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", attest.FieldError(map[string]string{"reason": "required"})
	case n > 1000:
		return "", attest.FieldError(map[string]string{"reason": "at most 1000 characters"})
	}
	return reason, nil
}

// Decline refuses certification on a passed attempt, with a reason the agent sees.
// Errors: EFORBIDDEN (trainers only; nobody decides on their own pass), EINVALID (no reason),
// ENOTFOUND, ECONFLICT (not passed or decided).
func (s *Store) Decline(ctx context.Context, actor *accounts.User, attemptID int64, reason string) error {
	if err := forbid(actor, "Only trainers decline certification.", accounts.RoleTrainer); err != nil {
		return err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.scanResult(tx.QueryRowContext(ctx, `SELECT `+resultCols+resultFrom+` WHERE a.id = ?`, attemptID))
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
		}
		if err != nil {
			return fmt.Errorf("training: attempt: %w", err)
		}
		if r.userID == actor.ID {
			return attest.Errorf(attest.EFORBIDDEN, "Nobody decides on their own certification: another trainer decides on your pass.")
		}
		if r.Status != StatusSubmitted || !r.Passed || r.Decision != "" {
			return attest.Errorf(attest.ECONFLICT, "Only a passed attempt waiting for a decision can be declined.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET decision = 'declined', decision_reason = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			reason, actor.ID, database.Format(s.clock()), attemptID); err != nil {
			return fmt.Errorf("training: decline: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "certification.decline", fmt.Sprintf("attempt:%d", attemptID),
			journal.Change{After: map[string]any{"username": r.Username, "request_type": r.RequestType, "reason": reason}})
	})
	if err != nil {
		return fmt.Errorf("training: decline attempt %d: %w", attemptID, err)
	}
	return nil
}

// Revoke ends a certification before its expiry, with a reason.
// Errors: EFORBIDDEN (trainers only; nobody revokes their own), EINVALID (no reason), ENOTFOUND, ECONFLICT (revoked already).
func (s *Store) Revoke(ctx context.Context, actor *accounts.User, certificationID int64, reason string) (*Certification, error) {
	if err := forbid(actor, "Only trainers revoke certifications.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var out *Certification
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certCols+certFrom+` WHERE c.id = ?`, certificationID))
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No certification %d.", certificationID)
		}
		if err != nil {
			return fmt.Errorf("training: certification: %w", err)
		}
		if c.Username == actor.Username {
			return attest.Errorf(attest.EFORBIDDEN, "Nobody revokes their own certification: ask another trainer.")
		}
		if c.RevokedAt != nil {
			return attest.Errorf(attest.ECONFLICT, "This certification was revoked already.")
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `UPDATE certifications SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?`,
			database.Format(now), actor.ID, reason, certificationID); err != nil {
			return fmt.Errorf("training: revoke: %w", err)
		}
		c.RevokedAt, c.RevokedBy, c.RevokeReason = &now, actor.Username, reason
		out = c
		data := certData(c)
		data["reason"] = reason
		if err := outbox.AboutPerson(ctx, tx, c.userID, outbox.CertificationRevoked, outbox.Mail{
			Subject: fmt.Sprintf("Your certification for %s was revoked", c.RequestType),
			Text:    fmt.Sprintf("%s revoked your certification for %s: %s", actor.Name(), c.RequestType, reason),
			Link:    "/authority"}, data); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "certification.revoke", fmt.Sprintf("certification:%d", certificationID),
			journal.Change{Before: map[string]any{"revoked": false}, After: map[string]any{"revoked": true, "reason": reason,
				"username": c.Username, "request_type": c.RequestType}})
	})
	if err != nil {
		return nil, fmt.Errorf("training: revoke certification %d: %w", certificationID, err)
	}
	return out, nil
}

// Queue lists the passed attempts waiting for a trainer's decision, oldest first.
// Errors: EFORBIDDEN.
func (s *Store) Queue(ctx context.Context, actor *accounts.User) ([]Result, error) {
	if err := forbid(actor, "Only trainers see the certification queue.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	rows, err := s.pendingPasses(ctx, s.db.Read, `1 = 1`)
	if err != nil {
		return nil, err
	}
	out := []Result{}
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i].Result)
	}
	return out, nil
}

// certData is what a webhook carries about a certification.
func certData(c *Certification) map[string]any {
	return map[string]any{"certification": c.ID, "username": c.Username, "request_type": c.RequestType,
		"expires_at": c.ExpiresAt.UTC().Format(time.RFC3339)}
}
