-- CMDB: configuration items copied from the enterprise's CMDB, with immutable versions; the
-- CMDB agreement; per-supplier quotas; the access log of every agent lookup.

-- The current state of each CI. Its history is in cmdb_versions; the rows below mirror the
-- current version so that reads and searches need no JSON.
CREATE TABLE cmdb_items (
	id          INTEGER PRIMARY KEY,
	key         TEXT NOT NULL UNIQUE,
	version     INTEGER NOT NULL,
	class       TEXT NOT NULL,
	name        TEXT NOT NULL,
	status      TEXT NOT NULL,
	environment TEXT NOT NULL,
	owner       TEXT NOT NULL,
	-- hash of the current version's content: a sync with the same hash changes nothing.
	hash        TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX cmdb_items_name ON cmdb_items(name COLLATE NOCASE);

-- Every version of a CI as synced (content is the canonical JSON of the whole CI); never
-- updated or deleted.
CREATE TABLE cmdb_versions (
	item_id    INTEGER NOT NULL REFERENCES cmdb_items(id),
	number     INTEGER NOT NULL,
	content    TEXT NOT NULL,
	hash       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	PRIMARY KEY (item_id, number)
) WITHOUT ROWID;
CREATE TRIGGER cmdb_versions_immutable BEFORE UPDATE ON cmdb_versions
BEGIN SELECT RAISE(ABORT, 'CMDB versions are immutable'); END;
CREATE TRIGGER cmdb_versions_kept BEFORE DELETE ON cmdb_versions
BEGIN SELECT RAISE(ABORT, 'CMDB versions are kept'); END;

CREATE TABLE cmdb_attributes (
	item_id INTEGER NOT NULL REFERENCES cmdb_items(id),
	name    TEXT NOT NULL,
	value   TEXT NOT NULL,
	shared  INTEGER NOT NULL,
	PRIMARY KEY (item_id, name)
) WITHOUT ROWID;

CREATE TABLE cmdb_item_types (
	item_id         INTEGER NOT NULL REFERENCES cmdb_items(id),
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	PRIMARY KEY (item_id, request_type_id)
) WITHOUT ROWID;
CREATE INDEX cmdb_item_types_rt ON cmdb_item_types(request_type_id, item_id);

CREATE TABLE cmdb_relations (
	item_id INTEGER NOT NULL REFERENCES cmdb_items(id),
	type    TEXT NOT NULL,
	to_id   INTEGER NOT NULL REFERENCES cmdb_items(id),
	PRIMARY KEY (item_id, type, to_id)
) WITHOUT ROWID;
CREATE INDEX cmdb_relations_to ON cmdb_relations(to_id);

-- Search terms of the current version: lower-cased words of the key, the name and shared
-- attribute values (never restricted ones), matched by prefix through the primary key.
CREATE TABLE cmdb_terms (
	term    TEXT NOT NULL,
	item_id INTEGER NOT NULL REFERENCES cmdb_items(id),
	PRIMARY KEY (term, item_id)
) WITHOUT ROWID;
CREATE INDEX cmdb_terms_item ON cmdb_terms(item_id);

-- The CMDB agreement, versioned like the usage agreement but separate from it.
CREATE TABLE cmdb_agreements (
	version      INTEGER PRIMARY KEY,
	text         TEXT NOT NULL,
	published_by TEXT NOT NULL,
	published_at TEXT NOT NULL
);
CREATE TABLE cmdb_agreement_acceptances (
	user_id     INTEGER NOT NULL REFERENCES users(id),
	version     INTEGER NOT NULL REFERENCES cmdb_agreements(version),
	accepted_at TEXT NOT NULL,
	PRIMARY KEY (user_id, version)
);

-- Lookups per agent per UTC day; suppliers without a row have the default quota.
CREATE TABLE cmdb_quotas (
	supplier_id INTEGER PRIMARY KEY REFERENCES suppliers(id),
	per_day     INTEGER NOT NULL CHECK (per_day >= 0)
);
CREATE TABLE cmdb_quota_use (
	user_id INTEGER NOT NULL REFERENCES users(id),
	day     TEXT NOT NULL,
	used    INTEGER NOT NULL,
	PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

-- Every agent call, shown or refused, written before the answer. Append-only evidence.
CREATE TABLE cmdb_access (
	id          INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	username    TEXT NOT NULL,
	supplier    TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('item', 'search')),
	key         TEXT NOT NULL,
	version     INTEGER NOT NULL,
	query       TEXT NOT NULL,
	ticket_ref  TEXT NOT NULL,
	outcome     TEXT NOT NULL CHECK (outcome IN ('shown', 'not_found', 'agreement_required', 'quota_exceeded', 'invalid'))
);
CREATE INDEX cmdb_access_at ON cmdb_access(at);
CREATE INDEX cmdb_access_user ON cmdb_access(username, at);
CREATE INDEX cmdb_access_supplier ON cmdb_access(supplier, at);

-- The access log's "no recorded usage on the ticket" flag looks usage up by ticket.
CREATE INDEX cmdb_usage_events_ticket ON usage_events(ticket_ref, supplier_id);
