-- Knowledge articles: immutable versions and their review, the search change log.

CREATE TABLE articles (
	id             INTEGER PRIMARY KEY,
	status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
	created_by     INTEGER NOT NULL REFERENCES users(id),
	created_at     TEXT NOT NULL,
	-- review_days overrides the request type's review interval when set.
	review_days    INTEGER CHECK (review_days IS NULL OR review_days > 0),
	-- next_review is set on each approval: approval time + review interval.
	next_review    TEXT,
	retired_at     TEXT,
	retired_by     INTEGER REFERENCES users(id),
	retired_reason TEXT,
	-- import_key names the file an article came from (attest import), for idempotent re-imports.
	import_key     TEXT UNIQUE
);

CREATE TABLE article_request_types (
	article_id      INTEGER NOT NULL REFERENCES articles(id),
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	PRIMARY KEY (article_id, request_type_id)
);
CREATE INDEX article_request_types_rt ON article_request_types(request_type_id);

CREATE TABLE article_tags (
	article_id INTEGER NOT NULL REFERENCES articles(id),
	tag        TEXT NOT NULL,
	PRIMARY KEY (article_id, tag)
);
CREATE INDEX article_tags_tag ON article_tags(tag);

CREATE TABLE versions (
	id          INTEGER PRIMARY KEY,
	article_id  INTEGER NOT NULL REFERENCES articles(id),
	number      INTEGER NOT NULL,
	-- base is the version this one was edited from (0 for an article's first).
	base        INTEGER NOT NULL,
	title       TEXT NOT NULL,
	body        TEXT NOT NULL,
	-- html is the body rendered and sanitized once, at save; never re-rendered on read.
	html        TEXT NOT NULL,
	-- plain is the body as plain text, for search and summaries.
	plain       TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	author_id   INTEGER NOT NULL REFERENCES users(id),
	created_at  TEXT NOT NULL,
	-- The lifecycle; the content above never changes (trigger below).
	status      TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'rejected', 'superseded', 'withdrawn')),
	submitted_at TEXT,
	decided_at  TEXT,
	decided_by  INTEGER REFERENCES users(id),
	comment     TEXT NOT NULL DEFAULT '',
	major       INTEGER NOT NULL DEFAULT 0,
	via_import  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (article_id, number)
);
CREATE INDEX versions_status ON versions(status, article_id);
CREATE INDEX versions_author ON versions(author_id);
CREATE TRIGGER versions_immutable BEFORE UPDATE OF article_id, number, base, title, body, html, plain, note, author_id, created_at ON versions
BEGIN SELECT RAISE(ABORT, 'a saved version is never modified; save a new version'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are never deleted'); END;

-- Each approval of a version; a request type may need two distinct approvers.
CREATE TABLE approvals (
	version_id  INTEGER NOT NULL REFERENCES versions(id),
	approver_id INTEGER NOT NULL REFERENCES users(id),
	comment     TEXT NOT NULL DEFAULT '',
	major       INTEGER NOT NULL DEFAULT 0,
	at          TEXT NOT NULL,
	PRIMARY KEY (version_id, approver_id)
);

-- People who follow an article and are told of its decisions.
CREATE TABLE watchers (
	article_id INTEGER NOT NULL REFERENCES articles(id),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (article_id, user_id)
);

-- In-app notices for a person (decisions on their proposals, recertification, reminders).
CREATE TABLE notifications (
	id       INTEGER PRIMARY KEY,
	user_id  INTEGER NOT NULL REFERENCES users(id),
	at       TEXT NOT NULL,
	text     TEXT NOT NULL,
	link     TEXT NOT NULL DEFAULT '',
	read_at  TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);

-- The search change log (invariant 7): one row per change that alters what is searchable,
-- written in the change's transaction. The indexer applies rows after its recorded position.
CREATE TABLE search_changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	article_id INTEGER NOT NULL,
	at         TEXT NOT NULL
);
