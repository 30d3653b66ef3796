-- Notifications that leave Attest (issue 14): e-mail and signed webhooks through a
-- transactional outbox, per-person settings and daily digests.

-- What a person wants by e-mail: each notification at once (email) and/or a daily digest.
-- No row: e-mail on, digest off.
CREATE TABLE notify_settings (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	email   INTEGER NOT NULL DEFAULT 1 CHECK (email IN (0, 1)),
	digest  TEXT NOT NULL DEFAULT 'off' CHECK (digest IN ('off', 'daily'))
);

-- A supplier system's endpoint: events (comma-separated) are POSTed to url, signed with secret.
CREATE TABLE webhooks (
	id          INTEGER PRIMARY KEY,
	supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
	url         TEXT NOT NULL,
	secret      TEXT NOT NULL,
	events      TEXT NOT NULL,
	created_by  INTEGER NOT NULL REFERENCES users(id),
	created_at  TEXT NOT NULL
);

-- The outbox: one row per delivery (an e-mail to a person, a POST to a webhook), written in
-- the transaction of the change. uid is the delivery's stable id, the same on every attempt.
-- A worker claims a due pending row by moving next_at past a lease; it then marks it
-- delivered, or schedules the next try (1 min, doubling) until 24 h have passed: failed.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	uid          TEXT NOT NULL UNIQUE,
	channel      TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
	user_id      INTEGER REFERENCES users(id),
	webhook_id   INTEGER REFERENCES webhooks(id),
	event        TEXT NOT NULL,
	payload      TEXT NOT NULL,
	state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	next_at      TEXT NOT NULL,
	delivered_at TEXT,
	CHECK ((channel = 'email') = (user_id IS NOT NULL)),
	CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_webhook ON outbox(webhook_id, id);

-- One digest per person per day: the row is claimed before the e-mail is queued, so several
-- nodes or a restart send it once.
CREATE TABLE digests (
	user_id INTEGER NOT NULL REFERENCES users(id),
	day     TEXT NOT NULL,
	sent_at TEXT NOT NULL,
	PRIMARY KEY (user_id, day)
);

-- The certification.expiring event is sent once per certification: the row is claimed in the
-- transaction that queues it.
CREATE TABLE certification_expiry_events (
	certification_id INTEGER PRIMARY KEY REFERENCES certifications(id),
	at               TEXT NOT NULL
);
