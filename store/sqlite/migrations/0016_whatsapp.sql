-- WhatsApp and Content templates: the template a message was sent with, which numbers
-- are WhatsApp senders, each user's session with each sender, each account's Sandbox
-- settings, and the Content templates with their WhatsApp approvals.

ALTER TABLE messages ADD COLUMN content_sid TEXT NOT NULL DEFAULT '';

ALTER TABLE incoming_phone_numbers ADD COLUMN whatsapp INTEGER NOT NULL DEFAULT 0;

-- The pool's view shows whether each number is a WhatsApp sender.
DROP VIEW messaging_service_numbers_full;
CREATE VIEW messaging_service_numbers_full AS
    SELECT p.seq, p.service_sid, p.account_sid, p.phone_number_sid, n.phone_number, n.iso_country,
        n.cap_voice, n.cap_sms, n.cap_mms, n.cap_fax, p.date_created, p.date_updated, n.whatsapp
    FROM messaging_service_numbers p JOIN incoming_phone_numbers n ON n.sid = p.phone_number_sid;

-- A WhatsApp user's session with one of an account's senders: the user's latest message
-- (the 24-hour window) and, on the Sandbox, the user's join (NULL: not a member).
CREATE TABLE whatsapp_sessions (
    account_sid  TEXT    NOT NULL REFERENCES accounts (sid),
    sender       TEXT    NOT NULL,
    user_address TEXT    NOT NULL,
    last_inbound INTEGER,
    joined_at    INTEGER,
    PRIMARY KEY (account_sid, sender, user_address)
) WITHOUT ROWID;
CREATE INDEX whatsapp_sessions_joined ON whatsapp_sessions (account_sid, sender, joined_at);

-- An account's Sandbox settings; no row until the account sets them.
CREATE TABLE whatsapp_sandboxes (
    account_sid     TEXT    PRIMARY KEY REFERENCES accounts (sid),
    inbound_url     TEXT    NOT NULL DEFAULT '',
    inbound_method  TEXT    NOT NULL DEFAULT '',
    status_callback TEXT    NOT NULL DEFAULT '',
    date_created    INTEGER NOT NULL,
    date_updated    INTEGER NOT NULL
) WITHOUT ROWID;

-- Content templates. variables and types are JSON objects, kept as given; the approval
-- columns are '' until the template is submitted to WhatsApp.
CREATE TABLE contents (
    seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
    sid                       TEXT    NOT NULL UNIQUE,
    account_sid               TEXT    NOT NULL REFERENCES accounts (sid),
    friendly_name             TEXT    NOT NULL DEFAULT '',
    language                  TEXT    NOT NULL,
    variables                 TEXT    NOT NULL DEFAULT '{}',
    types                     TEXT    NOT NULL,
    approval_name             TEXT    NOT NULL DEFAULT '',
    approval_category         TEXT    NOT NULL DEFAULT '',
    approval_content_type     TEXT    NOT NULL DEFAULT '',
    approval_status           TEXT    NOT NULL DEFAULT '',
    approval_rejection_reason TEXT    NOT NULL DEFAULT '',
    date_created              INTEGER NOT NULL,
    date_updated              INTEGER NOT NULL
);
CREATE INDEX contents_account_seq ON contents (account_sid, seq);
