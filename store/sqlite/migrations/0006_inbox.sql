-- The web inbox: a log of changes that every process sees, and replays of webhooks.

-- Every insert, update and delete of the resources the inbox shows, in commit order,
-- written by triggers so that no write path (in this process or another one sharing the
-- file) can forget it. The inbox's event stream reads it after the last seq it sent; old
-- rows are trimmed (TrimChanges), and a client that fell further behind reloads.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_sid TEXT    NOT NULL,
    kind        TEXT    NOT NULL, -- message, webhook-delivery, incoming-phone-number
    sid         TEXT    NOT NULL,
    op          TEXT    NOT NULL  -- created, updated, deleted
);

CREATE TRIGGER messages_created AFTER INSERT ON messages BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'message', new.sid, 'created');
END;
CREATE TRIGGER messages_updated AFTER UPDATE ON messages BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'message', new.sid, 'updated');
END;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (old.account_sid, 'message', old.sid, 'deleted');
END;
-- Fetched media content shows in the message's bubble.
CREATE TRIGGER media_updated AFTER UPDATE ON media BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'message', new.message_sid, 'updated');
END;
CREATE TRIGGER webhook_deliveries_created AFTER INSERT ON webhook_deliveries BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'webhook-delivery', new.sid, 'created');
END;
CREATE TRIGGER incoming_phone_numbers_created AFTER INSERT ON incoming_phone_numbers BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'incoming-phone-number', new.sid, 'created');
END;
CREATE TRIGGER incoming_phone_numbers_updated AFTER UPDATE ON incoming_phone_numbers BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'incoming-phone-number', new.sid, 'updated');
END;
CREATE TRIGGER incoming_phone_numbers_deleted AFTER DELETE ON incoming_phone_numbers BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (old.account_sid, 'incoming-phone-number', old.sid, 'deleted');
END;

-- A delivery made by replaying another one names it.
ALTER TABLE webhook_deliveries ADD COLUMN replay_of TEXT NOT NULL DEFAULT '';
