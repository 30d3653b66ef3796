package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Export is one export of an audit's report, with the journal head at that moment.
type Export struct {
	ID          int64
	Format      string
	ExportedBy  string
	ExportedAt  time.Time
	JournalHead journal.Anchor
}

// ExportFormats are the forms a report is exported in.
var ExportFormats = []string{"csv", "html"}

// anchorSignOff records, in the sign-off's transaction and after its journal entry, the
// journal head in the audit's own record.
func anchorSignOff(ctx context.Context, tx *sql.Tx, id int64) error {
	h, ok, err := journal.Head(ctx, tx)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("audit: sign off %d: the journal is empty after its own entry", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audits SET journal_head_id = ?, journal_head_hash = ? WHERE id = ?`, h.ID, h.Hash, id); err != nil {
		return fmt.Errorf("audit: anchor sign-off of %d: %w", id, err)
	}
	return nil
}

// Export returns the audit for its report and records the export, with the journal head at
// that moment, which the report shows. Errors: as Get; EINVALID (unknown format).
func (s *Store) Export(ctx context.Context, actor *accounts.User, id int64, format string) (*Audit, error) {
	if format != "csv" && format != "html" {
		return nil, attest.Errorf(attest.EINVALID, "A report is exported as csv or html.")
	}
	a, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var ex Export
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		h, ok, err := journal.Head(ctx, tx)
		if err != nil || !ok {
			// An audit's creation is journaled, so the journal is never empty here.
			return fmt.Errorf("journal head: ok=%v: %w", ok, err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO audit_exports (audit_id, format, exported_by, exported_at, journal_id, journal_hash)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, id, format, actor.ID, database.Format(now), h.ID, h.Hash).Scan(&ex.ID)
		if err != nil {
			return fmt.Errorf("record export: %w", err)
		}
		ex.Format, ex.ExportedBy, ex.ExportedAt, ex.JournalHead = format, actor.Username, now, h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: export %d: %w", id, err)
	}
	a.Exports = append(a.Exports, ex)
	a.ThisExport = &a.Exports[len(a.Exports)-1]
	return a, nil
}

// loadAnchors fills the audit's sign-off anchor and its exports.
func loadAnchors(ctx context.Context, q queryer, a *Audit) error {
	var hid sql.NullInt64
	var hhash sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT journal_head_id, journal_head_hash FROM audits WHERE id = ?`, a.ID).Scan(&hid, &hhash); err != nil {
		return fmt.Errorf("audit: anchors of %d: %w", a.ID, err)
	}
	if hid.Valid {
		a.JournalHead = &journal.Anchor{ID: hid.Int64, Hash: hhash.String, Source: fmt.Sprintf("the sign-off of audit %d", a.ID)}
	}
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.format, u.username, e.exported_at, e.journal_id, e.journal_hash
		FROM audit_exports e JOIN users u ON u.id = e.exported_by WHERE e.audit_id = ? ORDER BY e.id`, a.ID)
	if err != nil {
		return fmt.Errorf("audit: exports of %d: %w", a.ID, err)
	}
	defer rows.Close()
	a.Exports = nil
	for rows.Next() {
		var e Export
		var at string
		if err := rows.Scan(&e.ID, &e.Format, &e.ExportedBy, &at, &e.JournalHead.ID, &e.JournalHead.Hash); err != nil {
			return fmt.Errorf("audit: exports of %d: %w", a.ID, err)
		}
		e.ExportedAt = parseTime(at)
		e.JournalHead.Source = fmt.Sprintf("the %s export %d of audit %d", e.Format, e.ID, a.ID)
		a.Exports = append(a.Exports, e)
	}
	return rows.Err()
}

// JournalAnchors returns every journal head recorded by an audit: each sign-off and each
// report export, for `attest journal verify`. It is not a user's read: the command line
// reads the whole database.
func (s *Store) JournalAnchors(ctx context.Context) ([]journal.Anchor, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT 'the sign-off of audit ' || id, journal_head_id, journal_head_hash FROM audits
		WHERE journal_head_id IS NOT NULL
		UNION ALL SELECT 'the ' || format || ' export ' || id || ' of audit ' || audit_id, journal_id, journal_hash FROM audit_exports`)
	if err != nil {
		return nil, fmt.Errorf("audit: journal anchors: %w", err)
	}
	defer rows.Close()
	var out []journal.Anchor
	for rows.Next() {
		var a journal.Anchor
		if err := rows.Scan(&a.Source, &a.ID, &a.Hash); err != nil {
			return nil, fmt.Errorf("audit: journal anchors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
