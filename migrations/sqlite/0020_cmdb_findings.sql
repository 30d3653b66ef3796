-- Findings raised from a CMDB access flag (issue 11, "Oversight"): such a finding has no sampled
-- item, so audit_findings.item_id becomes nullable, and the finding records what it came from.
-- source: 'item' (a sampled article, item_id set) or 'cmdb_flag' (item_id NULL; the flag is named
-- by its kind, the supplier, the agent, the CI key and ticket where the flag has them, and the
-- time of the flagged lookup; for unusual volume the time of the day's last lookup).
-- cmdb_detail keeps what the flag said when the finding was raised.
--
-- SQLite cannot drop NOT NULL in place, so the table is rebuilt. Migrations run in a
-- transaction with foreign keys on, where PRAGMA foreign_keys cannot change; instead the
-- foreign keys are deferred to the commit: dropping the old table orphans audit_carried's rows
-- for a moment, and inserting the same ids into the new table (same name, so audit_carried's
-- REFERENCES audit_findings(id) still applies) makes them whole again before the commit checks.
-- The PRAGMA switches itself off at the commit.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE audit_findings_before_0020 AS SELECT * FROM audit_findings;

DROP TABLE audit_findings;

CREATE TABLE audit_findings (
	id                   INTEGER PRIMARY KEY,
	audit_id             INTEGER NOT NULL REFERENCES audits(id),
	item_id              INTEGER REFERENCES audit_items(id),
	severity             TEXT NOT NULL CHECK (severity IN ('major', 'minor', 'observation', 'improvement')),
	description          TEXT NOT NULL,
	root_cause           TEXT NOT NULL DEFAULT '',
	owner_id             INTEGER NOT NULL REFERENCES users(id),
	due                  TEXT NOT NULL,
	-- subject: the person whose adherence the finding is about, and for which request type.
	subject_id           INTEGER REFERENCES users(id),
	subject_request_type TEXT NOT NULL DEFAULT '',
	status               TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'closed', 'risk_accepted')),
	resolution_note      TEXT NOT NULL DEFAULT '',
	resolution_version   INTEGER,
	resolved_by          INTEGER REFERENCES users(id),
	resolved_at          TEXT,
	verified_by          INTEGER REFERENCES users(id),
	verified_at          TEXT,
	-- auditor_note: the auditor's latest remark (verification, reopening, risk acceptance).
	auditor_note         TEXT NOT NULL DEFAULT '',
	risk_accepted_until  TEXT,
	created_by           INTEGER NOT NULL REFERENCES users(id),
	created_at           TEXT NOT NULL,
	source               TEXT NOT NULL DEFAULT 'item' CHECK (source IN ('item', 'cmdb_flag')),
	cmdb_flag_kind       TEXT NOT NULL DEFAULT '',
	cmdb_supplier        TEXT NOT NULL DEFAULT '',
	cmdb_username        TEXT NOT NULL DEFAULT '',
	cmdb_key             TEXT NOT NULL DEFAULT '',
	cmdb_ticket_ref      TEXT NOT NULL DEFAULT '',
	cmdb_at              TEXT,
	cmdb_detail          TEXT NOT NULL DEFAULT '',
	CHECK ((source = 'item' AND item_id IS NOT NULL AND cmdb_flag_kind = '')
		OR (source = 'cmdb_flag' AND item_id IS NULL AND cmdb_flag_kind != '' AND cmdb_supplier != '' AND cmdb_username != '' AND cmdb_at IS NOT NULL))
);

INSERT INTO audit_findings (id, audit_id, item_id, severity, description, root_cause, owner_id, due, subject_id,
	subject_request_type, status, resolution_note, resolution_version, resolved_by, resolved_at, verified_by, verified_at,
	auditor_note, risk_accepted_until, created_by, created_at, source)
SELECT id, audit_id, item_id, severity, description, root_cause, owner_id, due, subject_id,
	subject_request_type, status, resolution_note, resolution_version, resolved_by, resolved_at, verified_by, verified_at,
	auditor_note, risk_accepted_until, created_by, created_at, 'item'
FROM audit_findings_before_0020;

DROP TABLE audit_findings_before_0020;

CREATE INDEX audit_findings_audit ON audit_findings(audit_id);
CREATE INDEX audit_findings_owner ON audit_findings(owner_id, status);
CREATE INDEX audit_findings_cmdb ON audit_findings(cmdb_supplier, source);
CREATE TRIGGER audit_findings_content_immutable BEFORE UPDATE OF audit_id, item_id, severity, description, root_cause, owner_id, due,
	subject_id, subject_request_type, created_by, created_at, source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_key,
	cmdb_ticket_ref, cmdb_at, cmdb_detail ON audit_findings
BEGIN SELECT RAISE(ABORT, 'a finding, once raised, is not rewritten'); END;
