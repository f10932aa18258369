-- The web inbox's Calls: calls in the change log (see *_inbox.sql), so that the event
-- stream tells of them as of messages.
--
-- One row per change of a call. A call's events and recordings are written only in the
-- transaction of a change of the call itself (its insert, or the version-guarded update of
-- store.CallChange; store.Writes refuses a call event without one), so the call's row
-- covers them: told that a call changed, a follower reads its timeline again. The one
-- change that leaves its call alone, deleting a recording, tells of its call by a trigger
-- of its own.
CREATE TRIGGER calls_created AFTER INSERT ON calls BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'call', new.sid, 'created');
END;
CREATE TRIGGER calls_updated AFTER UPDATE ON calls BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (new.account_sid, 'call', new.sid, 'updated');
END;
CREATE TRIGGER calls_deleted AFTER DELETE ON calls BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (old.account_sid, 'call', old.sid, 'deleted');
END;
CREATE TRIGGER recordings_deleted AFTER DELETE ON recordings BEGIN
    INSERT INTO changes (account_sid, kind, sid, op) VALUES (old.account_sid, 'call', old.call_sid, 'updated');
END;
