-- Attachments (issue 15): images and files referenced from article versions and audit
-- evidence. The bytes live in the database, content-addressed by SHA-256: one source of truth,
-- carried by `attest backup` (SQLite's online backup) with everything else.

CREATE TABLE attachments (
	sha256       TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	-- content_type is what the content was recognised as (never what the upload claimed).
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL CHECK (size > 0),
	data         BLOB NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE TRIGGER attachments_immutable BEFORE UPDATE ON attachments
BEGIN SELECT RAISE(ABORT, 'an attachment is never changed: its name is its content'); END;

-- Each upload: who sent which content under which name. The uploader may read their own upload
-- before any version references it.
CREATE TABLE attachment_uploads (
	id          INTEGER PRIMARY KEY,
	sha256      TEXT NOT NULL REFERENCES attachments(sha256),
	name        TEXT NOT NULL,
	uploaded_by INTEGER NOT NULL REFERENCES users(id),
	uploaded_at TEXT NOT NULL
);
CREATE INDEX attachment_uploads_sha ON attachment_uploads(sha256, uploaded_by);

-- The attachments a version's Markdown references, recorded when the version is saved: the
-- version and its attachments are immutable together.
CREATE TABLE version_attachments (
	version_id INTEGER NOT NULL REFERENCES versions(id),
	sha256     TEXT NOT NULL REFERENCES attachments(sha256),
	name       TEXT NOT NULL,
	PRIMARY KEY (version_id, sha256, name)
);
CREATE INDEX version_attachments_sha ON version_attachments(sha256);
CREATE TRIGGER version_attachments_immutable BEFORE UPDATE ON version_attachments
BEGIN SELECT RAISE(ABORT, 'a version''s attachments never change'); END;
CREATE TRIGGER version_attachments_no_delete BEFORE DELETE ON version_attachments
BEGIN SELECT RAISE(ABORT, 'a version''s attachments never change'); END;

-- The attachments audit evidence references; frozen with the evidence (and its hash).
CREATE TABLE evidence_attachments (
	evidence_id INTEGER NOT NULL REFERENCES audit_evidence(id),
	sha256      TEXT NOT NULL REFERENCES attachments(sha256),
	name        TEXT NOT NULL,
	PRIMARY KEY (evidence_id, sha256, name)
);
CREATE INDEX evidence_attachments_sha ON evidence_attachments(sha256);
CREATE TRIGGER evidence_attachments_immutable BEFORE UPDATE ON evidence_attachments
BEGIN SELECT RAISE(ABORT, 'evidence attachments never change'); END;
CREATE TRIGGER evidence_attachments_no_delete BEFORE DELETE ON evidence_attachments
BEGIN SELECT RAISE(ABORT, 'evidence attachments never change'); END;

-- An attachment that a version or evidence references is never removed.
CREATE TRIGGER attachments_keep_referenced BEFORE DELETE ON attachments
WHEN EXISTS (SELECT 1 FROM version_attachments WHERE sha256 = OLD.sha256)
  OR EXISTS (SELECT 1 FROM evidence_attachments WHERE sha256 = OLD.sha256)
BEGIN SELECT RAISE(ABORT, 'a referenced attachment is never removed'); END;
