-- A finding may be raised from a CMDB access flag instead of a sampled item (SQLite's
-- 0020_cmdb_findings.sql, which has to rebuild the table; PostgreSQL alters it).
ALTER TABLE audit_findings ALTER COLUMN item_id DROP NOT NULL;
ALTER TABLE audit_findings
	ADD COLUMN source          TEXT NOT NULL DEFAULT 'item' CHECK (source IN ('item', 'cmdb_flag')),
	ADD COLUMN cmdb_flag_kind  TEXT NOT NULL DEFAULT '',
	ADD COLUMN cmdb_supplier   TEXT NOT NULL DEFAULT '',
	ADD COLUMN cmdb_username   TEXT NOT NULL DEFAULT '',
	ADD COLUMN cmdb_key        TEXT NOT NULL DEFAULT '',
	ADD COLUMN cmdb_ticket_ref TEXT NOT NULL DEFAULT '',
	ADD COLUMN cmdb_at         TEXT,
	ADD COLUMN cmdb_detail     TEXT NOT NULL DEFAULT '',
	ADD CHECK ((source = 'item' AND item_id IS NOT NULL AND cmdb_flag_kind = '')
		OR (source = 'cmdb_flag' AND item_id IS NULL AND cmdb_flag_kind != '' AND cmdb_supplier != '' AND cmdb_username != '' AND cmdb_at IS NOT NULL));
CREATE INDEX audit_findings_cmdb ON audit_findings(cmdb_supplier, source);
DROP TRIGGER audit_findings_content_immutable ON audit_findings;
CREATE TRIGGER audit_findings_content_immutable BEFORE UPDATE OF audit_id, item_id, severity, description, root_cause, owner_id, due,
	subject_id, subject_request_type, created_by, created_at, source, cmdb_flag_kind, cmdb_supplier, cmdb_username, cmdb_key,
	cmdb_ticket_ref, cmdb_at, cmdb_detail ON audit_findings
	FOR EACH ROW EXECUTE FUNCTION attest_refuse('a finding, once raised, is not rewritten');
