-- People, suppliers, the request-type catalogue, sessions, API tokens, the usage agreement
-- and the journal.

CREATE TABLE suppliers (
	id         INTEGER PRIMARY KEY,
	key        TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE request_types (
	id                     INTEGER PRIMARY KEY,
	key                    TEXT NOT NULL UNIQUE,
	name                   TEXT NOT NULL,
	risk                   TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
	requires_certification INTEGER NOT NULL DEFAULT 0,
	approvals_required     INTEGER NOT NULL DEFAULT 1 CHECK (approvals_required IN (1, 2)),
	review_days            INTEGER NOT NULL DEFAULT 180 CHECK (review_days > 0),
	grace_days             INTEGER NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
	created_at             TEXT NOT NULL
);

CREATE TABLE supplier_request_types (
	supplier_id     INTEGER NOT NULL REFERENCES suppliers(id),
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	PRIMARY KEY (supplier_id, request_type_id)
);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	supplier_id   INTEGER REFERENCES suppliers(id),
	created_at    TEXT NOT NULL
);

CREATE TABLE user_roles (
	user_id INTEGER NOT NULL REFERENCES users(id),
	role    TEXT NOT NULL CHECK (role IN ('admin', 'knowledge_manager', 'trainer', 'auditor', 'agent')),
	PRIMARY KEY (user_id, role)
);

CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	hash       BLOB NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE agreements (
	version      INTEGER PRIMARY KEY,
	text         TEXT NOT NULL,
	published_by INTEGER REFERENCES users(id),
	published_at TEXT NOT NULL
);

CREATE TABLE agreement_acceptances (
	user_id     INTEGER NOT NULL REFERENCES users(id),
	version     INTEGER NOT NULL REFERENCES agreements(version),
	accepted_at TEXT NOT NULL,
	PRIMARY KEY (user_id, version)
);

-- scs's sqlite3store.
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

-- The append-only, hash-chained record of every state change (DESIGN.md, "The journal").
CREATE TABLE journal (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	object    TEXT NOT NULL,
	detail    BLOB NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX journal_at ON journal(at);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
