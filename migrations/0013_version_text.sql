-- text is a version's body as plain text, produced by kb at save beside html (Markdown becomes
-- text once): what search indexes and shows in snippets. It differs from plain, written by
-- earlier releases, in that raw HTML shows as the text it is ("net user <username>") instead of
-- vanishing. Rows saved before this migration have NULL until kb fills them, once, at start
-- (kb.Store.FillText); until then kb derives it when asked. Once set it never changes, like the
-- rest of a version's content.
ALTER TABLE versions ADD COLUMN text TEXT;
CREATE TRIGGER versions_text_once BEFORE UPDATE OF text ON versions WHEN OLD.text IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a saved version is never modified; save a new version'); END;
-- Finds the rows still to fill at once, and is empty once they are.
CREATE INDEX versions_text_missing ON versions(id) WHERE text IS NULL;
