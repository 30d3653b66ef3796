-- Usage and feedback: the evidence of what agents used, on which ticket, and what they found
-- wrong or missing. Append-only event records, not journal entries.

-- A ticket on which an agent used an article (committed before the API answers 201).
CREATE TABLE usage_events (
	id              INTEGER PRIMARY KEY,
	at              TEXT NOT NULL,
	user_id         INTEGER NOT NULL REFERENCES users(id),
	supplier_id     INTEGER REFERENCES suppliers(id),
	article_id      INTEGER NOT NULL REFERENCES articles(id),
	version         INTEGER NOT NULL,
	ticket_ref      TEXT NOT NULL,
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	outcome         TEXT NOT NULL CHECK (outcome IN ('resolved', 'not_resolved')),
	-- outdated: version was not the current approved one when it was used.
	outdated        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX usage_events_at ON usage_events(at);
CREATE INDEX usage_events_article ON usage_events(article_id, at);
CREATE INDEX usage_events_user ON usage_events(user_id, at);

-- Article reads (buffered, written in batches).
CREATE TABLE article_views (
	id          INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	user_id     INTEGER NOT NULL,
	supplier_id INTEGER,
	article_id  INTEGER NOT NULL,
	version     INTEGER NOT NULL
);
CREATE INDEX article_views_article ON article_views(article_id, at);

-- Searches (buffered). normalized is the query trimmed and lower-cased.
CREATE TABLE search_queries (
	id                INTEGER PRIMARY KEY,
	at                TEXT NOT NULL,
	user_id           INTEGER NOT NULL,
	supplier_id       INTEGER,
	query             TEXT NOT NULL,
	normalized        TEXT NOT NULL,
	results           INTEGER NOT NULL,
	opened_article_id INTEGER
);
CREATE INDEX search_queries_at ON search_queries(at);
CREATE INDEX search_queries_zero ON search_queries(results, normalized);

-- Helpful / not helpful, optionally "this is wrong" (committed before 201).
CREATE TABLE feedback (
	id          INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	supplier_id INTEGER REFERENCES suppliers(id),
	article_id  INTEGER NOT NULL REFERENCES articles(id),
	version     INTEGER NOT NULL,
	helpful     INTEGER NOT NULL,
	wrong       INTEGER NOT NULL DEFAULT 0,
	comment     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feedback_article ON feedback(article_id, at);

-- A follow-up opened by actionable feedback, open until a new version resolves it or a
-- knowledge manager dismisses it with a reason (state changes are journaled).
CREATE TABLE followups (
	id               INTEGER PRIMARY KEY,
	feedback_id      INTEGER NOT NULL REFERENCES feedback(id),
	article_id       INTEGER NOT NULL REFERENCES articles(id),
	opened_at        TEXT NOT NULL,
	status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
	closed_at        TEXT,
	closed_by        INTEGER REFERENCES users(id),
	reason           TEXT NOT NULL DEFAULT '',
	resolved_version INTEGER
);
CREATE INDEX followups_open ON followups(status, article_id);
