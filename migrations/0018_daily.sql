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
