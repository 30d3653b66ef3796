-- (SQLite's 0023_version_citations.sql.) The configuration items each version cites ([[ci:KEY]]), recorded at save, so that a CI's
-- page finds the articles citing it by key. Versions saved before this migration are filled in
-- once at start (kb.FillCitations), up to the version noted here.
CREATE TABLE version_citations (
	ci_key     TEXT NOT NULL,
	version_id BIGINT NOT NULL REFERENCES versions(id),
	PRIMARY KEY (ci_key, version_id)
);
CREATE TABLE citations_backfill (upto BIGINT NOT NULL);
INSERT INTO citations_backfill (upto) SELECT COALESCE(MAX(id), 0) FROM versions;
