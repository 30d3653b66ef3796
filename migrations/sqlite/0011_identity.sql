-- People over their whole life (issue 17): e-mail, disabling with a reason, an end date,
-- temporary passwords, erasure under a pseudonym, service accounts with scopes; named,
-- revocable API tokens with their last use; quarterly access-review certifications;
-- retirement that needs a second knowledge manager; audits that need a reviewer.

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
-- disabled_at is set while the account is disabled (by an admin); end_date (YYYY-MM-DD) is
-- the last day the account works: after it, every authentication refuses it by itself.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN end_date TEXT;
-- must_change_password: the password is a temporary one an admin issued.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- session_epoch is stored in each browser session at sign-in; bumping it ends every session
-- that carries an older one, on every node (a password change, disabling).
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
ALTER TABLE users ADD COLUMN erased_at TEXT;
-- A service account is an integration, not a person: it has no password and signs in only
-- with tokens, limited to its scopes (a JSON array).
ALTER TABLE users ADD COLUMN service INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';

-- kind: 'password' for the 24-hour tokens of POST /api/v1/auth/token, 'named' for the
-- tokens people and admins create and manage.
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'password';
ALTER TABLE api_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN created_by INTEGER REFERENCES users(id);
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;

-- An admin's certification that a supplier's accounts (supplier '' = enterprise staff) were
-- reviewed for a quarter.
CREATE TABLE access_reviews (
	supplier     TEXT NOT NULL,
	quarter      TEXT NOT NULL,
	certified_by INTEGER NOT NULL REFERENCES users(id),
	certified_at TEXT NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (supplier, quarter)
);

-- A retirement requested by one knowledge manager and confirmed by another. The article is
-- out of use from the request on (articles.status = 'retired'); a pending request
-- (confirmed_at NULL) may be confirmed by a different knowledge manager, or cancelled, which
-- puts the article back in use. Articles retired before this table existed have no row and
-- count as confirmed.
CREATE TABLE article_retirements (
	article_id   INTEGER PRIMARY KEY REFERENCES articles(id),
	requested_by INTEGER NOT NULL REFERENCES users(id),
	requested_at TEXT NOT NULL,
	reason       TEXT NOT NULL,
	confirmed_by INTEGER REFERENCES users(id),
	confirmed_at TEXT
);

-- An audit that needs a reviewer is signed off by an auditor who assessed none of its items.
ALTER TABLE audits ADD COLUMN needs_reviewer INTEGER NOT NULL DEFAULT 0;
