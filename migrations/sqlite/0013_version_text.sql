-- text is a version's body as plain text, produced by kb at save beside html (Markdown becomes
-- text once): what search indexes and shows in snippets. It differs from plain, written by
-- earlier releases, in that raw HTML shows as the text it is ("net user <username>") instead of
-- vanishing.
ALTER TABLE versions ADD COLUMN text TEXT;
-- rerendered_html is set only for a version saved before this migration whose html lost such
-- text: its body rendered again, once, by this release; pages show it instead of html. NULL when
-- html is as this release renders it.
ALTER TABLE versions ADD COLUMN rerendered_html TEXT;
-- Rows saved before this migration have a NULL text until kb fills text (and rerendered_html),
-- once, at start (kb.Store.FillText); until then kb derives the text when asked. Once text is
-- set neither column changes again, like the rest of a version's content.
CREATE TRIGGER versions_text_once BEFORE UPDATE OF text, rerendered_html ON versions WHEN OLD.text IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a saved version is never modified; save a new version'); END;
-- Finds the rows still to fill at once, and is empty once they are.
CREATE INDEX versions_text_missing ON versions(id) WHERE text IS NULL;
