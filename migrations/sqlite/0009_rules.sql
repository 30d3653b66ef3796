-- One rule, one place (issue 13): what a version needs and what a ticket recorded.

-- The approvals a version needs, fixed when it is submitted for review (the most any of its
-- article's request types asked for then). An approval needs the larger of this and what the
-- request types ask for at that moment, so reclassifying a version in review never lowers it.
-- NULL for versions submitted before this column existed: they follow the request types.
ALTER TABLE versions ADD COLUMN approvals_required INTEGER;

-- A repeated usage post (same agent, ticket, article and version) answers with the first
-- record; this finds it.
CREATE INDEX usage_events_ticket ON usage_events(user_id, ticket_ref, article_id, version);
