-- Training: quizzes with versioned questions, attempts that record exactly what they showed,
-- certifications granted by trainers, and suspensions. Fulfilment authority is not stored: it
-- is derived from these tables and the latest major approval (training/authority.go).

CREATE TABLE quizzes (
	id              INTEGER PRIMARY KEY,
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	title           TEXT NOT NULL,
	pass_percent    INTEGER NOT NULL CHECK (pass_percent BETWEEN 0 AND 100),
	validity_days   INTEGER NOT NULL CHECK (validity_days > 0),
	-- draw_count questions per attempt; 0 draws the whole bank.
	draw_count      INTEGER NOT NULL DEFAULT 0 CHECK (draw_count >= 0),
	-- time_limit_minutes 0: no time limit.
	time_limit_minutes INTEGER NOT NULL DEFAULT 0 CHECK (time_limit_minutes >= 0),
	-- max_attempts 0: no attempt limit; otherwise at most max_attempts per cooldown_hours
	-- (or in all, since the last certification, when cooldown_hours is 0).
	max_attempts    INTEGER NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),
	cooldown_hours  INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_hours >= 0),
	-- show_answers: after submitting, the agent sees which questions were wrong and why.
	show_answers    INTEGER NOT NULL DEFAULT 0,
	revision        INTEGER NOT NULL DEFAULT 1,
	created_by      INTEGER NOT NULL REFERENCES users(id),
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX quizzes_rt ON quizzes(request_type_id);

-- A question's identity in a quiz's bank across edits; its content lives in versions.
CREATE TABLE questions (
	id         INTEGER PRIMARY KEY,
	quiz_id    INTEGER NOT NULL REFERENCES quizzes(id),
	position   INTEGER NOT NULL,
	-- removed_at: taken out of the bank by an edit (kept for the attempts that showed it).
	removed_at TEXT
);
CREATE INDEX questions_quiz ON questions(quiz_id);

-- Immutable versions of a question. An attempt names the version it showed.
CREATE TABLE question_versions (
	id          INTEGER PRIMARY KEY,
	question_id INTEGER NOT NULL REFERENCES questions(id),
	number      INTEGER NOT NULL,
	text        TEXT NOT NULL,
	explanation TEXT NOT NULL DEFAULT '',
	article_id  INTEGER REFERENCES articles(id),
	heading     TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	UNIQUE (question_id, number)
);
CREATE TRIGGER question_versions_immutable BEFORE UPDATE ON question_versions
BEGIN SELECT RAISE(ABORT, 'a question version is never modified; save a new version'); END;
CREATE TRIGGER question_versions_no_delete BEFORE DELETE ON question_versions
BEGIN SELECT RAISE(ABORT, 'question versions are never deleted'); END;

CREATE TABLE choices (
	id                  INTEGER PRIMARY KEY,
	question_version_id INTEGER NOT NULL REFERENCES question_versions(id),
	position            INTEGER NOT NULL,
	text                TEXT NOT NULL,
	correct             INTEGER NOT NULL
);
CREATE INDEX choices_qv ON choices(question_version_id);
CREATE TRIGGER choices_immutable BEFORE UPDATE ON choices
BEGIN SELECT RAISE(ABORT, 'choices are never modified'); END;
CREATE TRIGGER choices_no_delete BEFORE DELETE ON choices
BEGIN SELECT RAISE(ABORT, 'choices are never deleted'); END;

-- An attempt: started, then submitted once (or run out of time, which reads as failed).
CREATE TABLE attempts (
	id            INTEGER PRIMARY KEY,
	quiz_id       INTEGER NOT NULL REFERENCES quizzes(id),
	user_id       INTEGER NOT NULL REFERENCES users(id),
	started_at    TEXT NOT NULL,
	-- deadline: started_at + the quiz's time limit when it has one.
	deadline      TEXT,
	-- pass_percent as it was when the attempt started (an edit never changes an attempt).
	pass_percent  INTEGER NOT NULL,
	validity_days INTEGER NOT NULL,
	recertification INTEGER NOT NULL DEFAULT 0,
	submitted_at  TEXT,
	score_percent INTEGER,
	passed        INTEGER,
	-- The trainer's decision on a passed attempt: NULL (waiting), 'certified' or 'declined'.
	decision        TEXT CHECK (decision IS NULL OR decision IN ('certified', 'declined')),
	decision_reason TEXT NOT NULL DEFAULT '',
	decided_by      INTEGER REFERENCES users(id),
	decided_at      TEXT
);
CREATE INDEX attempts_user ON attempts(user_id, quiz_id);
CREATE INDEX attempts_queue ON attempts(passed, decision);

-- The questions an attempt showed: the exact version, the choice order, and the answer.
CREATE TABLE attempt_questions (
	attempt_id          INTEGER NOT NULL REFERENCES attempts(id),
	position            INTEGER NOT NULL,
	question_version_id INTEGER NOT NULL REFERENCES question_versions(id),
	-- choice_order: JSON array of the choice ids in the order shown.
	choice_order        TEXT NOT NULL,
	-- answer: JSON array of the chosen choice ids, set at submission.
	answer              TEXT,
	correct             INTEGER,
	PRIMARY KEY (attempt_id, position),
	UNIQUE (attempt_id, question_version_id)
);

-- A certification: fulfilment authority for a request type, granted by a trainer on a passed
-- attempt, until expires_at or revocation.
CREATE TABLE certifications (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users(id),
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	attempt_id      INTEGER NOT NULL UNIQUE REFERENCES attempts(id),
	-- basis_at: when the attempt it rests on ended; a major approval after it requires
	-- recertification.
	basis_at        TEXT NOT NULL,
	certified_by    INTEGER NOT NULL REFERENCES users(id),
	certified_at    TEXT NOT NULL,
	expires_at      TEXT NOT NULL,
	-- renews: the certification this one extended (recertification window).
	renews          INTEGER REFERENCES certifications(id),
	revoked_at      TEXT,
	revoked_by      INTEGER REFERENCES users(id),
	revoke_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX certifications_user ON certifications(user_id, request_type_id, certified_at);

-- A suspension of someone's authority for a request type (e.g. an audit finding). It holds
-- until lifted or until a certification granted after it.
CREATE TABLE suspensions (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users(id),
	request_type_id INTEGER NOT NULL REFERENCES request_types(id),
	reason          TEXT NOT NULL,
	finding_id      INTEGER,
	suspended_by    TEXT NOT NULL,
	suspended_at    TEXT NOT NULL,
	lifted_at       TEXT,
	lifted_by       TEXT,
	lift_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX suspensions_user ON suspensions(user_id, request_type_id);
