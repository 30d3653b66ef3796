-- Quarterly knowledge audits: the campaign and its frozen population snapshot, the seeded
-- sample, assessments (every one kept: a re-assessment adds a row), evidence with an effective
-- date and a content hash, findings with owners, due dates and remediation.

CREATE TABLE audits (
	id             INTEGER PRIMARY KEY,
	quarter        TEXT NOT NULL,
	status         TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'fieldwork', 'review', 'signed_off')),
	seed           INTEGER NOT NULL,
	-- sample_size as requested; the sample holds min(sample_size, population) items.
	sample_size    INTEGER NOT NULL CHECK (sample_size >= 1),
	population     INTEGER NOT NULL,
	-- scope: JSON arrays of supplier and request-type keys ([] = no restriction).
	suppliers      TEXT NOT NULL DEFAULT '[]',
	request_types  TEXT NOT NULL DEFAULT '[]',
	-- criteria: JSON array of {"key","label","weight"} in the order the checklist shows them.
	criteria       TEXT NOT NULL,
	-- algorithm names and describes how the sample was drawn (shown on the audit).
	algorithm      TEXT NOT NULL,
	-- weighting: "use" when strata were weighted by use in the 90 days before created_at, else "size".
	weighting      TEXT NOT NULL CHECK (weighting IN ('use', 'size')),
	created_by     INTEGER NOT NULL REFERENCES users(id),
	created_at     TEXT NOT NULL,
	-- previous: the audit this one was started from (same scope and criteria, findings carried).
	previous       INTEGER REFERENCES audits(id),
	signed_off_by  INTEGER REFERENCES users(id),
	signed_off_at  TEXT
);
CREATE INDEX audits_quarter ON audits(quarter);

-- The population at creation: every current approved version of an active article in scope.
CREATE TABLE audit_population (
	audit_id     INTEGER NOT NULL REFERENCES audits(id),
	article_id   INTEGER NOT NULL REFERENCES articles(id),
	version      INTEGER NOT NULL,
	-- stratum: "<request type>" or "<supplier>/<request type>" ("" request type: covers none).
	stratum      TEXT NOT NULL,
	supplier     TEXT NOT NULL DEFAULT '',
	request_type TEXT NOT NULL DEFAULT '',
	-- uses: recorded uses in the 90 days before creation (by the stratum's supplier, if any).
	uses         INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (audit_id, article_id)
);
CREATE TRIGGER audit_population_immutable BEFORE UPDATE ON audit_population
BEGIN SELECT RAISE(ABORT, 'an audit population is a snapshot and never changes'); END;
CREATE TRIGGER audit_population_no_delete BEFORE DELETE ON audit_population
BEGIN SELECT RAISE(ABORT, 'an audit population is a snapshot and never changes'); END;

-- The sampled items, in draw order.
CREATE TABLE audit_items (
	id           INTEGER PRIMARY KEY,
	audit_id     INTEGER NOT NULL REFERENCES audits(id),
	position     INTEGER NOT NULL,
	article_id   INTEGER NOT NULL REFERENCES articles(id),
	version      INTEGER NOT NULL,
	stratum      TEXT NOT NULL,
	supplier     TEXT NOT NULL DEFAULT '',
	request_type TEXT NOT NULL DEFAULT '',
	-- title of the version (versions never change, so this is a copy for listing only).
	title        TEXT NOT NULL DEFAULT '',
	UNIQUE (audit_id, article_id)
);
CREATE INDEX audit_items_audit ON audit_items(audit_id, position);
CREATE TRIGGER audit_items_immutable BEFORE UPDATE ON audit_items
BEGIN SELECT RAISE(ABORT, 'a drawn sample never changes'); END;
CREATE TRIGGER audit_items_no_delete BEFORE DELETE ON audit_items
BEGIN SELECT RAISE(ABORT, 'a drawn sample never changes'); END;

-- Assessments: the newest row of an item is its assessment; older rows are its history.
CREATE TABLE audit_assessments (
	id          INTEGER PRIMARY KEY,
	item_id     INTEGER NOT NULL REFERENCES audit_items(id),
	assessed_by INTEGER NOT NULL REFERENCES users(id),
	assessed_at TEXT NOT NULL,
	-- checks: JSON object criterion key → met.
	checks      TEXT NOT NULL,
	score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
	notes       TEXT NOT NULL DEFAULT '',
	-- adherence: the adherence evidence as computed when the item was assessed (JSON).
	adherence   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_assessments_item ON audit_assessments(item_id, id);
CREATE TRIGGER audit_assessments_immutable BEFORE UPDATE ON audit_assessments
BEGIN SELECT RAISE(ABORT, 'assessments are kept as written; assess again to replace'); END;
CREATE TRIGGER audit_assessments_no_delete BEFORE DELETE ON audit_assessments
BEGIN SELECT RAISE(ABORT, 'assessments are kept as written; assess again to replace'); END;

-- Evidence attached to an item: a note, a link or pasted text, with the date it speaks for
-- and the SHA-256 of its content. Never changed or removed.
CREATE TABLE audit_evidence (
	id             INTEGER PRIMARY KEY,
	item_id        INTEGER NOT NULL REFERENCES audit_items(id),
	kind           TEXT NOT NULL CHECK (kind IN ('note', 'link', 'text')),
	content        TEXT NOT NULL,
	effective_date TEXT NOT NULL,
	sha256         TEXT NOT NULL,
	added_by       INTEGER NOT NULL REFERENCES users(id),
	added_at       TEXT NOT NULL
);
CREATE INDEX audit_evidence_item ON audit_evidence(item_id);
CREATE TRIGGER audit_evidence_immutable BEFORE UPDATE ON audit_evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never changed'); END;
CREATE TRIGGER audit_evidence_no_delete BEFORE DELETE ON audit_evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never removed'); END;

-- Findings and their remediation. The finding's content is fixed when raised; status and the
-- remediation columns follow its life: open → resolved → closed (verified), or back to open
-- (reopened); risk_accepted until a date.
CREATE TABLE audit_findings (
	id                   INTEGER PRIMARY KEY,
	audit_id             INTEGER NOT NULL REFERENCES audits(id),
	item_id              INTEGER NOT NULL REFERENCES audit_items(id),
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
	created_at           TEXT NOT NULL
);
CREATE INDEX audit_findings_audit ON audit_findings(audit_id);
CREATE INDEX audit_findings_owner ON audit_findings(owner_id, status);
CREATE TRIGGER audit_findings_content_immutable BEFORE UPDATE OF audit_id, item_id, severity, description, root_cause, owner_id, due, subject_id, subject_request_type, created_by, created_at ON audit_findings
BEGIN SELECT RAISE(ABORT, 'a finding, once raised, is not rewritten'); END;

-- Open findings of a previous audit carried into an audit started from it.
CREATE TABLE audit_carried (
	audit_id   INTEGER NOT NULL REFERENCES audits(id),
	finding_id INTEGER NOT NULL REFERENCES audit_findings(id),
	PRIMARY KEY (audit_id, finding_id)
);
