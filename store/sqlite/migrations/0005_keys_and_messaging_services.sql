-- API keys, and Messaging Services with their sender pools.

-- API keys. The secret itself is never stored: secret_hash is SHA-256 over secret_salt
-- and the secret, compared in constant time. The secrets are long and random (about 190
-- bits), so a fast hash is enough: there is nothing to guess, and the hash only has to
-- keep a copy of the file from being a list of credentials.
CREATE TABLE api_keys (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    sid           TEXT    NOT NULL UNIQUE,
    account_sid   TEXT    NOT NULL REFERENCES accounts (sid),
    friendly_name TEXT    NOT NULL DEFAULT '',
    key_type      TEXT    NOT NULL, -- standard, main
    secret_salt   BLOB    NOT NULL,
    secret_hash   BLOB    NOT NULL,
    date_created  INTEGER NOT NULL,
    date_updated  INTEGER NOT NULL
);
CREATE INDEX api_keys_account_seq ON api_keys (account_sid, seq);

-- Messaging Services (Messaging v1). URLs that were never set are ''.
CREATE TABLE messaging_services (
    seq                           INTEGER PRIMARY KEY AUTOINCREMENT,
    sid                           TEXT    NOT NULL UNIQUE,
    account_sid                   TEXT    NOT NULL REFERENCES accounts (sid),
    friendly_name                 TEXT    NOT NULL,
    inbound_request_url           TEXT    NOT NULL DEFAULT '',
    inbound_method                TEXT    NOT NULL DEFAULT 'POST',
    fallback_url                  TEXT    NOT NULL DEFAULT '',
    fallback_method               TEXT    NOT NULL DEFAULT 'POST',
    status_callback               TEXT    NOT NULL DEFAULT '',
    sticky_sender                 INTEGER NOT NULL,
    mms_converter                 INTEGER NOT NULL,
    smart_encoding                INTEGER NOT NULL,
    scan_message_content          TEXT    NOT NULL,
    fallback_to_long_code         INTEGER NOT NULL,
    area_code_geomatch            INTEGER NOT NULL,
    synchronous_validation        INTEGER NOT NULL,
    validity_period               INTEGER NOT NULL,
    usecase                       TEXT    NOT NULL,
    use_inbound_webhook_on_number INTEGER NOT NULL,
    date_created                  INTEGER NOT NULL,
    date_updated                  INTEGER NOT NULL
);
CREATE INDEX messaging_services_account_seq ON messaging_services (account_sid, seq);

-- A service's pool of phone numbers. A number is in one pool at most (UNIQUE), and
-- leaves it when it is released (the cascade) or moved to another account (the store).
CREATE TABLE messaging_service_numbers (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    service_sid      TEXT    NOT NULL REFERENCES messaging_services (sid) ON DELETE CASCADE,
    phone_number_sid TEXT    NOT NULL UNIQUE REFERENCES incoming_phone_numbers (sid) ON DELETE CASCADE,
    account_sid      TEXT    NOT NULL,
    date_created     INTEGER NOT NULL,
    date_updated     INTEGER NOT NULL
);
CREATE INDEX messaging_service_numbers_service_seq ON messaging_service_numbers (service_sid, seq);

-- The pool's numbers with what the pool shows and sender selection needs of each.
CREATE VIEW messaging_service_numbers_full AS
    SELECT p.seq, p.service_sid, p.account_sid, p.phone_number_sid, n.phone_number, n.iso_country,
        n.cap_voice, n.cap_sms, n.cap_mms, n.cap_fax, p.date_created, p.date_updated
    FROM messaging_service_numbers p JOIN incoming_phone_numbers n ON n.sid = p.phone_number_sid;

-- A service's alphanumeric sender IDs (Switchboard allows one a service).
CREATE TABLE messaging_service_alpha_senders (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sid          TEXT    NOT NULL UNIQUE,
    service_sid  TEXT    NOT NULL REFERENCES messaging_services (sid) ON DELETE CASCADE,
    account_sid  TEXT    NOT NULL,
    alpha_sender TEXT    NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX messaging_service_alpha_senders_service_seq ON messaging_service_alpha_senders (service_sid, seq);

-- Sticky Sender: the pool number each recipient of a service gets its messages from.
CREATE TABLE sticky_senders (
    service_sid  TEXT    NOT NULL REFERENCES messaging_services (sid) ON DELETE CASCADE,
    recipient    TEXT    NOT NULL,
    sender       TEXT    NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (service_sid, recipient)
);
CREATE INDEX sticky_senders_sender ON sticky_senders (service_sid, sender);
