-- Usernames are looked up as lower(username) = lower(?), which both engines index the same
-- way (COLLATE NOCASE is SQLite's alone); usernames are ASCII, so the two agree.
CREATE INDEX users_username_lower ON users(lower(username));
DROP INDEX users_username_nocase;
