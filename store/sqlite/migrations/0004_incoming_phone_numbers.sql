-- Phone numbers bought by accounts. A number belongs to one account at a time, so
-- phone_number is UNIQUE across all accounts: buying an owned number fails on the
-- constraint, and releasing (deleting the row) puts it back on sale. The unique index
-- also serves lookups by number (routing, sender checks) and ranges of numbers (which
-- numbers of a country are owned, for searches of the pool).
-- URL and SID settings that were never set are ''.

CREATE TABLE incoming_phone_numbers (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    sid                    TEXT    NOT NULL UNIQUE,
    account_sid            TEXT    NOT NULL REFERENCES accounts (sid),
    phone_number           TEXT    NOT NULL UNIQUE,
    friendly_name          TEXT    NOT NULL DEFAULT '',
    iso_country            TEXT    NOT NULL,
    number_type            TEXT    NOT NULL,
    address_requirements   TEXT    NOT NULL DEFAULT 'none',
    cap_voice              INTEGER NOT NULL DEFAULT 0,
    cap_sms                INTEGER NOT NULL DEFAULT 0,
    cap_mms                INTEGER NOT NULL DEFAULT 0,
    cap_fax                INTEGER NOT NULL DEFAULT 0,
    origin                 TEXT    NOT NULL DEFAULT 'twilio',
    api_version            TEXT    NOT NULL DEFAULT '2010-04-01',
    sms_url                TEXT    NOT NULL DEFAULT '',
    sms_method             TEXT    NOT NULL DEFAULT 'POST',
    sms_fallback_url       TEXT    NOT NULL DEFAULT '',
    sms_fallback_method    TEXT    NOT NULL DEFAULT 'POST',
    sms_application_sid    TEXT    NOT NULL DEFAULT '',
    status_callback        TEXT    NOT NULL DEFAULT '',
    status_callback_method TEXT    NOT NULL DEFAULT 'POST',
    voice_url              TEXT    NOT NULL DEFAULT '',
    voice_method           TEXT    NOT NULL DEFAULT 'POST',
    voice_fallback_url     TEXT    NOT NULL DEFAULT '',
    voice_fallback_method  TEXT    NOT NULL DEFAULT 'POST',
    voice_application_sid  TEXT    NOT NULL DEFAULT '',
    voice_caller_id_lookup INTEGER NOT NULL DEFAULT 0,
    voice_receive_mode     TEXT    NOT NULL DEFAULT 'voice',
    trunk_sid              TEXT    NOT NULL DEFAULT '',
    identity_sid           TEXT    NOT NULL DEFAULT '',
    address_sid            TEXT    NOT NULL DEFAULT '',
    emergency_status       TEXT    NOT NULL DEFAULT 'Inactive',
    emergency_address_sid  TEXT    NOT NULL DEFAULT '',
    bundle_sid             TEXT    NOT NULL DEFAULT '',
    date_created           INTEGER NOT NULL,
    date_updated           INTEGER NOT NULL
);

-- Keyset lists of an account's numbers, newest first (see messages_account_seq).
CREATE INDEX incoming_phone_numbers_account_seq ON incoming_phone_numbers (account_sid, seq);
