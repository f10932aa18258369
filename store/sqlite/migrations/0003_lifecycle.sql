-- The messaging lifecycle: prices, media, the durable job queue (simulated delivery,
-- webhooks, media fetches), the record of every webhook attempt, and opt-outs.

ALTER TABLE messages ADD COLUMN price TEXT;
-- How many Media resources the message has; kept in step by the store when media are
-- added or deleted, so that lists need no join.
ALTER TABLE messages ADD COLUMN num_media INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET num_media = json_array_length(media_urls);

-- Media of a message. content is NULL until fetched.
CREATE TABLE media (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sid          TEXT    NOT NULL UNIQUE,
    account_sid  TEXT    NOT NULL REFERENCES accounts (sid),
    message_sid  TEXT    NOT NULL REFERENCES messages (sid) ON DELETE CASCADE,
    url          TEXT    NOT NULL,
    content_type TEXT    NOT NULL DEFAULT '',
    content      BLOB,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX media_message_seq ON media (message_sid, seq);

-- Work to be done later, each row written in the same transaction as the change that
-- caused it, so that nothing is lost to a crash: a simulated delivery step, a webhook
-- request, a media fetch. A worker claims a row by setting lease_owner and lease_until,
-- does the work, and deletes the row in the transaction that records the result (or
-- reschedules it). A lease that runs out (its process died) makes the row claimable again.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    account_sid  TEXT    NOT NULL,
    resource_sid TEXT    NOT NULL,
    -- Jobs that share a non-empty queue run one at a time, in id order (a message's status
    -- callbacks arrive in the order its statuses changed).
    queue        TEXT    NOT NULL DEFAULT '',
    payload      TEXT    NOT NULL DEFAULT '{}',
    due_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    date_created INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (due_at);
CREATE INDEX jobs_queue ON jobs (queue, id) WHERE queue <> '';
CREATE INDEX jobs_resource ON jobs (resource_sid, kind);

-- Every webhook request Switchboard made, with what came back: how a developer sees what
-- their app answered.
CREATE TABLE webhook_deliveries (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    sid              TEXT    NOT NULL UNIQUE,
    account_sid      TEXT    NOT NULL REFERENCES accounts (sid),
    resource_sid     TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    request_params   TEXT    NOT NULL DEFAULT '{}',
    signature        TEXT    NOT NULL DEFAULT '',
    response_status  INTEGER,
    response_type    TEXT    NOT NULL DEFAULT '',
    response_body    TEXT    NOT NULL DEFAULT '',
    latency_ms       INTEGER NOT NULL DEFAULT 0,
    attempt          INTEGER NOT NULL,
    error_code       INTEGER,
    error_message    TEXT    NOT NULL DEFAULT '',
    date_created     INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_account_seq ON webhook_deliveries (account_sid, seq);
CREATE INDEX webhook_deliveries_resource_seq ON webhook_deliveries (account_sid, resource_sid, seq);

-- Recipients who texted STOP to one of an account's numbers: sending from that number to
-- them fails with 21610 until they text START.
CREATE TABLE opt_outs (
    account_sid  TEXT    NOT NULL REFERENCES accounts (sid),
    sender       TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (account_sid, sender, recipient)
);
