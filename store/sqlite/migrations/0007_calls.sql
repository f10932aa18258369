-- Voice: calls, the timeline of each call, and recordings.
-- Times are stored like every other time (see timeArg); '' stands for "not set".

-- settings and state are JSON owned by internal/voice: what the API asked for (Url,
-- StatusCallback, TimeLimit...) and the TwiML interpreter's state (the document, the verb
-- it is at, the keys gathered...), so that a restart resumes a call where it was.
-- version goes up by one with every change: a change applies only to the version it was
-- computed from (see store.CallChange), so that two writers never overwrite each other.
CREATE TABLE calls (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    sid              TEXT    NOT NULL UNIQUE,
    account_sid      TEXT    NOT NULL REFERENCES accounts (sid),
    parent_call_sid  TEXT    NOT NULL DEFAULT '',
    to_number        TEXT    NOT NULL,
    from_number      TEXT    NOT NULL,
    phone_number_sid TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    direction        TEXT    NOT NULL,
    forwarded_from   TEXT    NOT NULL DEFAULT '',
    caller_name      TEXT    NOT NULL DEFAULT '',
    start_time       INTEGER,
    end_time         INTEGER,
    duration         INTEGER NOT NULL DEFAULT 0,
    price            TEXT,
    settings         TEXT    NOT NULL DEFAULT '{}',
    state            TEXT    NOT NULL DEFAULT '{}',
    version          INTEGER NOT NULL DEFAULT 1,
    date_created     INTEGER NOT NULL,
    date_updated     INTEGER NOT NULL
);

-- Keyset lists (see messages_account_seq): one index per equality filter, seq last.
CREATE INDEX calls_account_seq        ON calls (account_sid, seq);
CREATE INDEX calls_account_to_seq     ON calls (account_sid, to_number, seq);
CREATE INDEX calls_account_from_seq   ON calls (account_sid, from_number, seq);
CREATE INDEX calls_account_parent_seq ON calls (account_sid, parent_call_sid, seq);
CREATE INDEX calls_account_status_seq ON calls (account_sid, status, seq);
-- Narrow StartTime / EndTime windows are found by range (see narrowDateWindow).
CREATE INDEX calls_account_start      ON calls (account_sid, start_time);
CREATE INDEX calls_account_end        ON calls (account_sid, end_time);

-- What happened on a call, in order: the transcript GET .../Calls/{Sid}/Events reads.
CREATE TABLE call_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    call_sid     TEXT    NOT NULL REFERENCES calls (sid) ON DELETE CASCADE,
    account_sid  TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    data         TEXT    NOT NULL DEFAULT '{}',
    elapsed_ms   INTEGER NOT NULL,
    date_created INTEGER NOT NULL
);
CREATE INDEX call_events_call_seq ON call_events (call_sid, seq);

-- Recordings outlive their call (as on Twilio), so call_sid is no foreign key. The audio
-- is not stored: it is made on request from the duration.
CREATE TABLE recordings (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sid          TEXT    NOT NULL UNIQUE,
    account_sid  TEXT    NOT NULL REFERENCES accounts (sid),
    call_sid     TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    channels     INTEGER NOT NULL DEFAULT 1,
    duration     INTEGER NOT NULL DEFAULT 0,
    price        TEXT,
    start_time   INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX recordings_account_seq      ON recordings (account_sid, seq);
CREATE INDEX recordings_account_call_seq ON recordings (account_sid, call_sid, seq);
CREATE INDEX recordings_account_date     ON recordings (account_sid, date_created);
