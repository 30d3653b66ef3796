package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"attest"
	"attest/accounts"
	"attest/journal"
)

// SetNeedsReviewer marks an open audit as needing a reviewer, or not (auditors): its sign-off
// must then come from an auditor who assessed none of its items, so that the auditor who did
// the fieldwork is never the only one to sign it off. Journaled.
// Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (signed off).
func (s *Store) SetNeedsReviewer(ctx context.Context, actor *accounts.User, id int64, needs bool) error {
	if err := forbid(actor, "Only auditors decide whether an audit needs a reviewer.", accounts.RoleAuditor); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := auditStatus(ctx, tx, id); err != nil {
			return err
		}
		var before bool
		if err := tx.QueryRowContext(ctx, `SELECT needs_reviewer FROM audits WHERE id = ?`, id).Scan(&before); err != nil {
			return err
		}
		if before == needs {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audits SET needs_reviewer = ? WHERE id = ?`, needs, id); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "audit.needs_reviewer", auditObject(id),
			journal.Change{Before: map[string]any{"needs_reviewer": before}, After: map[string]any{"needs_reviewer": needs}})
	})
	if err != nil {
		return fmt.Errorf("audit: needs reviewer %d: %w", id, err)
	}
	return nil
}

// NeedsReviewer reports whether audit id needs a reviewer to sign it off. Errors: ENOTFOUND.
func (s *Store) NeedsReviewer(ctx context.Context, id int64) (bool, error) {
	var needs bool
	err := s.db.Read.QueryRowContext(ctx, `SELECT needs_reviewer FROM audits WHERE id = ?`, id).Scan(&needs)
	if errors.Is(err, sql.ErrNoRows) {
		return false, attest.Errorf(attest.ENOTFOUND, "No audit %d.", id)
	}
	return needs, err
}

// checkSignOff is the separation-of-duties rule of Close: where the audit needs a reviewer,
// an auditor who assessed any of its items (did the fieldwork) cannot sign it off alone.
func checkSignOff(ctx context.Context, tx *sql.Tx, actor *accounts.User, id int64) error {
	var needs, didFieldwork bool
	err := tx.QueryRowContext(ctx, `SELECT a.needs_reviewer, EXISTS (SELECT 1 FROM audit_assessments s JOIN audit_items i ON i.id = s.item_id
		WHERE i.audit_id = a.id AND s.assessed_by = ?) FROM audits a WHERE a.id = ?`, actor.ID, id).Scan(&needs, &didFieldwork)
	if err != nil {
		return fmt.Errorf("check sign-off: %w", err)
	}
	if needs && didFieldwork {
		return attest.Errorf(attest.EFORBIDDEN, "This audit needs a reviewer: an auditor who assessed none of its items signs it off, not the one who did the fieldwork.")
	}
	return nil
}
