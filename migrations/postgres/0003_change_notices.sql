-- Every node follows the change logs; a NOTIFY at commit wakes them at once (each also polls,
-- so a missed notice costs at most a poll interval). attest_search: the search change log
-- moved (the node's index catches up). attest_journal: a state change was committed (the
-- node drops what it cached about people and tokens).
CREATE FUNCTION attest_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify(TG_ARGV[0], '');
	RETURN NULL;
END $$;
CREATE TRIGGER search_changes_notify AFTER INSERT ON search_changes FOR EACH STATEMENT EXECUTE FUNCTION attest_notify('attest_search');
CREATE TRIGGER journal_notify AFTER INSERT ON journal FOR EACH STATEMENT EXECUTE FUNCTION attest_notify('attest_journal');
