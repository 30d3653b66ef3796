-- Scorecards, automation candidates, knowledge from failures, known-blocker notices.

-- Why a ticket was not resolved (only with outcome not_resolved; NULL otherwise or unknown).
ALTER TABLE usage_events ADD COLUMN failure_cause TEXT CHECK (failure_cause IS NULL OR failure_cause IN
	('system_unavailable', 'data_error', 'policy_violation', 'knowledge_wrong', 'knowledge_missing', 'escalated', 'other'));
CREATE INDEX usage_events_type ON usage_events(request_type_id, at);

-- The failed tickets behind a follow-up opened by "knowledge wrong" (one follow-up gathers the
-- failures on its article while it is open).
CREATE TABLE followup_failures (
	followup_id INTEGER NOT NULL REFERENCES followups(id),
	usage_id    INTEGER NOT NULL REFERENCES usage_events(id),
	PRIMARY KEY (followup_id, usage_id)
);
CREATE INDEX followup_failures_usage ON followup_failures(usage_id);

-- Approved contributions a supplier is expected to make per quarter (set by an admin).
CREATE TABLE contribution_targets (
	supplier_id INTEGER PRIMARY KEY REFERENCES suppliers(id),
	per_quarter INTEGER NOT NULL CHECK (per_quarter >= 0),
	set_by      INTEGER REFERENCES users(id),
	set_at      TEXT NOT NULL
);

-- A request type a knowledge manager proposed for automation, with why.
CREATE TABLE automation_proposals (
	request_type_id INTEGER PRIMARY KEY REFERENCES request_types(id),
	note            TEXT NOT NULL,
	proposed_by     INTEGER NOT NULL REFERENCES users(id),
	proposed_at     TEXT NOT NULL
);

-- A known blocker and its workaround on a request type, shown until `until` (a date, included)
-- or until ended. title/body/html never change; ending sets the ended_* columns.
CREATE TABLE notices (
	id              INTEGER PRIMARY KEY,
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	title           TEXT NOT NULL,
	body            TEXT NOT NULL,
	html            TEXT NOT NULL,
	until           TEXT NOT NULL,
	created_by      INTEGER NOT NULL REFERENCES users(id),
	created_at      TEXT NOT NULL,
	ended_at        TEXT,
	ended_by        INTEGER REFERENCES users(id),
	end_reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_active ON notices(request_type_id, until) WHERE ended_at IS NULL;
