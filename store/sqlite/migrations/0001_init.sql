-- Times are INTEGER unix nanoseconds, UTC; a zero Go time is NULL.
-- seq is AUTOINCREMENT so that a deleted row's seq is never handed out again: a client
-- holding a page cursor must not land on a different row later.

CREATE TABLE accounts (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    sid           TEXT    NOT NULL UNIQUE,
    parent_sid    TEXT    REFERENCES accounts (sid),
    friendly_name TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    auth_token    TEXT    NOT NULL,
    date_created  INTEGER NOT NULL,
    date_updated  INTEGER NOT NULL
);

-- Serves a main account's subaccount list newest first, and FirstMainAccount
-- (parent_sid IS NULL ORDER BY seq).
CREATE INDEX accounts_parent_seq ON accounts (parent_sid, seq);

CREATE TABLE messages (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    sid                   TEXT    NOT NULL UNIQUE,
    account_sid           TEXT    NOT NULL REFERENCES accounts (sid),
    to_number             TEXT    NOT NULL,
    from_number           TEXT    NOT NULL DEFAULT '',
    messaging_service_sid TEXT    NOT NULL DEFAULT '',
    body                  TEXT    NOT NULL DEFAULT '',
    media_urls            TEXT    NOT NULL DEFAULT '[]',
    status                TEXT    NOT NULL,
    direction             TEXT    NOT NULL,
    num_segments          INTEGER NOT NULL DEFAULT 0,
    status_callback       TEXT    NOT NULL DEFAULT '',
    send_at               INTEGER,
    error_code            INTEGER,
    error_message         TEXT    NOT NULL DEFAULT '',
    date_created          INTEGER NOT NULL,
    date_updated          INTEGER NOT NULL,
    date_sent             INTEGER,
    -- The date the list filters on: a message not sent yet is matched on its creation.
    -- Generated, so no write path can forget to keep it in step with date_sent.
    filter_date           INTEGER GENERATED ALWAYS AS (coalesce(date_sent, date_created)) VIRTUAL
);

-- Keyset lists: equality on the leading columns, then seq both bounds the page and
-- gives the order, so no sort and no skipping however deep the page is.
CREATE INDEX messages_account_seq      ON messages (account_sid, seq);
CREATE INDEX messages_account_to_seq   ON messages (account_sid, to_number, seq);
CREATE INDEX messages_account_from_seq ON messages (account_sid, from_number, seq);
-- A narrow date window (a day) is cheaper found by range than by walking seq; the list
-- query names this index for such windows only (see narrowDateWindow).
CREATE INDEX messages_account_date     ON messages (account_sid, filter_date);
