-- Question kinds (issue 18, item 8): a question version says how it is answered — one choice
-- ("single"), every choice that applies ("multiple") or true/false ("true_false"). Versions
-- written before this migration have '' and are read by their number of right choices.
ALTER TABLE question_versions ADD COLUMN kind TEXT NOT NULL DEFAULT ''
	CHECK (kind IN ('', 'single', 'multiple', 'true_false'));
