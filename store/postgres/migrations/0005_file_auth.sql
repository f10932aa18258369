-- SQLite's migration 0015: whether an account's media files and its recordings' audio
-- need its credentials (off, the default: served to anyone who has their URL).
ALTER TABLE accounts ADD COLUMN media_auth boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN recording_auth boolean NOT NULL DEFAULT false;
