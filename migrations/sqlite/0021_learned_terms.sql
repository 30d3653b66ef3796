-- Vocabulary learned from agents (issue 19): a search whose agent then opened an article and
-- recorded it on a ticket teaches that the query's words describe that article, for that
-- agent's supplier only. Derived from usage_events and search_queries by the learner; a
-- knowledge manager's removal is journaled.

-- One agent's contribution of one word to one article, for its supplier: an agent counts once
-- per (term, article), however often it teaches it (flood resistance); its weight decays from
-- last_at.
CREATE TABLE learned_terms (
	supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
	article_id  INTEGER NOT NULL REFERENCES articles(id),
	-- term is the word as the search index analyses it; word is how an agent typed it last.
	term        TEXT NOT NULL,
	word        TEXT NOT NULL,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	first_at    TEXT NOT NULL,
	last_at     TEXT NOT NULL,
	PRIMARY KEY (supplier_id, article_id, term, user_id)
);
CREATE INDEX learned_terms_article ON learned_terms(article_id, term);
CREATE INDEX learned_terms_last ON learned_terms(last_at);

-- The searches that led to a recorded use (normalised query), for "related searches".
CREATE TABLE learned_queries (
	supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
	article_id  INTEGER NOT NULL REFERENCES articles(id),
	query       TEXT NOT NULL,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	last_at     TEXT NOT NULL,
	PRIMARY KEY (supplier_id, article_id, query, user_id)
);
CREATE INDEX learned_queries_last ON learned_queries(last_at);

-- How far the learner got in usage_events, and generations that change whenever what was
-- learned changes (generation: learning or removal; removals: removal only), so that every node
-- reloads its in-memory copy (at once after a removal, at most every so often after learning).
CREATE TABLE learn_progress (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	usage_id   INTEGER NOT NULL,
	generation INTEGER NOT NULL,
	removals   INTEGER NOT NULL
);
INSERT INTO learn_progress (id, usage_id, generation, removals) VALUES (1, 0, 0, 0);

-- The learner looks up the searches of the agent that recorded a use, around its time.
CREATE INDEX search_queries_user_at ON search_queries(user_id, at);
CREATE INDEX article_views_user_article ON article_views(user_id, article_id, at);
