-- Sign-in throttle (issue 13): attempts and known addresses live in the database, so a
-- restart does not forget them and every reservation is made in one write transaction.

-- One row per password check reserved in the throttle window: a failure, or a check still
-- running (outcome 'pending', counted as a failure until it succeeds). Successful sign-ins
-- delete their row. account is the canonical username as typed (known or not), addr the
-- client address key (an IPv4 address or an IPv6 /64). Rows older than the window are deleted
-- as new attempts are reserved.
CREATE TABLE signin_attempts (
	id      INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	addr    TEXT NOT NULL,
	at      TEXT NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'failed'))
);
CREATE INDEX signin_attempts_account ON signin_attempts(account, at);
CREATE INDEX signin_attempts_pair ON signin_attempts(account, addr, at);
CREATE INDEX signin_attempts_addr ON signin_attempts(addr, at);
CREATE INDEX signin_attempts_at ON signin_attempts(at);

-- Addresses a person has signed in from with the right password: from there the slower
-- per-account and per-address limits do not apply, so strangers failing on purpose cannot
-- lock that person out. Unused entries expire.
CREATE TABLE signin_known_addresses (
	user_id INTEGER NOT NULL REFERENCES users(id),
	addr    TEXT NOT NULL,
	last_at TEXT NOT NULL,
	PRIMARY KEY (user_id, addr)
) WITHOUT ROWID;

-- Usernames are compared case-insensitively in ASCII only (NOCASE folds A-Z and nothing
-- else): this index serves those lookups without scanning every user.
CREATE INDEX users_username_nocase ON users(username COLLATE NOCASE);
