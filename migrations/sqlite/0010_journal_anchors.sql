-- Journal anchors: the journal's head (its newest entry's id and hash) recorded outside the
-- journal table, so that `attest journal verify` can show entries cut from its end, or a chain
-- rewritten and re-hashed forward, which the chain alone cannot.

-- An audit's sign-off records the head, its own sign-off entry included.
ALTER TABLE audits ADD COLUMN journal_head_id INTEGER;
ALTER TABLE audits ADD COLUMN journal_head_hash TEXT;

-- Every export of an audit's report (CSV or the printable page) records the head at that moment,
-- which the exported report shows. Exports are kept as written.
CREATE TABLE audit_exports (
	id           INTEGER PRIMARY KEY,
	audit_id     INTEGER NOT NULL REFERENCES audits(id),
	format       TEXT NOT NULL CHECK (format IN ('csv', 'html')),
	exported_by  INTEGER NOT NULL REFERENCES users(id),
	exported_at  TEXT NOT NULL,
	journal_id   INTEGER NOT NULL,
	journal_hash TEXT NOT NULL
);
CREATE INDEX audit_exports_audit ON audit_exports(audit_id, id);
CREATE TRIGGER audit_exports_immutable BEFORE UPDATE ON audit_exports
BEGIN SELECT RAISE(ABORT, 'report exports are kept as written'); END;
CREATE TRIGGER audit_exports_no_delete BEFORE DELETE ON audit_exports
BEGIN SELECT RAISE(ABORT, 'report exports are kept as written'); END;
