-- Usage, continued: the indexes the recorder and the gap report need.

-- A click on a search result marks the searcher's latest matching search as opened.
CREATE INDEX search_queries_user ON search_queries(user_id, normalized, id);
-- Per-supplier figures (outdated usage, link rate) over a period.
CREATE INDEX usage_events_supplier ON usage_events(supplier_id, at);
CREATE INDEX search_queries_supplier ON search_queries(supplier_id, at);
-- Views over a period (dashboard: top articles).
CREATE INDEX article_views_at ON article_views(at);
-- Feedback over a period and follow-ups per article.
CREATE INDEX feedback_at ON feedback(at);
CREATE INDEX followups_article ON followups(article_id, status);
