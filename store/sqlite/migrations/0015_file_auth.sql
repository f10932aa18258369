-- Whether an account's media files and its recordings' audio need its credentials, as
-- Twilio's Console settings say (HTTP authentication for media and for recordings).
-- Off, the default, they are served to anyone who has their URL, as Twilio serves them.
ALTER TABLE accounts ADD COLUMN media_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN recording_auth INTEGER NOT NULL DEFAULT 0;
