-- Verify v2: Verify Services and the verifications sent through them.

-- Verify Services. extra is the JSON of the settings kept but not simulated (push,
-- totp, whatsapp, passkeys); text settings never set are ''.
CREATE TABLE verify_services (
    seq                               INTEGER PRIMARY KEY AUTOINCREMENT,
    sid                               TEXT    NOT NULL UNIQUE,
    account_sid                       TEXT    NOT NULL REFERENCES accounts (sid),
    friendly_name                     TEXT    NOT NULL,
    code_length                       INTEGER NOT NULL,
    lookup_enabled                    INTEGER NOT NULL,
    skip_sms_to_landlines             INTEGER NOT NULL,
    dtmf_input_required               INTEGER NOT NULL,
    tts_name                          TEXT    NOT NULL DEFAULT '',
    psd2_enabled                      INTEGER NOT NULL,
    do_not_share_warning_enabled      INTEGER NOT NULL,
    custom_code_enabled               INTEGER NOT NULL,
    default_template_sid              TEXT    NOT NULL DEFAULT '',
    verify_event_subscription_enabled INTEGER NOT NULL,
    extra                             TEXT    NOT NULL DEFAULT '{}',
    date_created                      INTEGER NOT NULL,
    date_updated                      INTEGER NOT NULL
);
CREATE INDEX verify_services_account_seq ON verify_services (account_sid, seq);

-- Verifications. code is kept in the clear: this is a simulator, whose tests read the
-- code back. sends is the JSON array of the times the code was sent ({sid, channel,
-- time in Unix milliseconds}), oldest first. A verification goes with its service.
CREATE TABLE verifications (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sid          TEXT    NOT NULL UNIQUE,
    service_sid  TEXT    NOT NULL REFERENCES verify_services (sid) ON DELETE CASCADE,
    account_sid  TEXT    NOT NULL,
    to_number    TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    code         TEXT    NOT NULL,
    custom_code  INTEGER NOT NULL,
    locale       TEXT    NOT NULL DEFAULT '',
    amount       TEXT    NOT NULL DEFAULT '',
    payee        TEXT    NOT NULL DEFAULT '',
    with_lookup  INTEGER NOT NULL,
    sends        TEXT    NOT NULL DEFAULT '[]',
    checks       INTEGER NOT NULL DEFAULT 0,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    date_expires INTEGER NOT NULL
);
-- The newest verification of a service to a number (a start, a check by To), and the
-- lists of the simulator endpoint: by account, by account and number.
CREATE INDEX verifications_service_to_seq ON verifications (service_sid, to_number, seq);
CREATE INDEX verifications_account_seq ON verifications (account_sid, seq);
CREATE INDEX verifications_account_to_seq ON verifications (account_sid, to_number, seq);
