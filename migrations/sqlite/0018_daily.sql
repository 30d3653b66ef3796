-- Issue 18: what agents and knowledge managers use every day.

-- Favourites: an agent's starred articles.
CREATE TABLE favourites (
	user_id    INTEGER NOT NULL REFERENCES users(id),
	article_id INTEGER NOT NULL REFERENCES articles(id),
	at         TEXT NOT NULL,
	PRIMARY KEY (user_id, article_id)
);

-- The article that replaces a retired one, named by the knowledge manager who retired it.
CREATE TABLE article_replacements (
	article_id  INTEGER PRIMARY KEY REFERENCES articles(id),
	replaced_by INTEGER NOT NULL REFERENCES articles(id),
	CHECK (article_id <> replaced_by)
);

-- Views by person and time, for "recently viewed" and "opened next".
CREATE INDEX article_views_user ON article_views(user_id, at);
CREATE INDEX feedback_helpful ON feedback(article_id, helpful);

-- Article templates (KCS-style): which template a request type's new articles start from,
-- and which one each article was written from. Templates themselves are built in (kb).
CREATE TABLE request_type_templates (
	request_type_id INTEGER PRIMARY KEY REFERENCES request_types(id),
	template        TEXT NOT NULL
);
CREATE TABLE article_templates (
	article_id INTEGER PRIMARY KEY REFERENCES articles(id),
	template   TEXT NOT NULL
);
