-- Knowledge, continued: the editor's autosave and the indexes the review queue needs.

-- What a person typed in the editor and has not saved as a version yet. It is not a version:
-- it is never reviewed, read by anyone else or counted, and saving a version clears it.
-- article_id is 0 for an article not created yet.
CREATE TABLE drafts_autosave (
	user_id    INTEGER NOT NULL REFERENCES users(id),
	article_id INTEGER NOT NULL,
	base       INTEGER NOT NULL DEFAULT 0,
	title      TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	saved_at   TEXT NOT NULL,
	PRIMARY KEY (user_id, article_id)
);

-- Overdue articles for the review queue.
CREATE INDEX articles_next_review ON articles(next_review) WHERE status = 'active';
-- A person's watched articles.
CREATE INDEX watchers_user ON watchers(user_id);
-- Approved versions per article, for the read path (one row per active article).
CREATE INDEX versions_approved ON versions(article_id) WHERE status = 'approved';
