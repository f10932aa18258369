-- The bytes of media content each account stores, kept by triggers on media (inserts,
-- content fetched, deletes, the cascade from a deleted message): what the media quota
-- is checked against, and the metrics' total. A table of its own, not a column of
-- accounts, whose every change moves the auth generation.
CREATE TABLE media_usage (
    account_sid TEXT    PRIMARY KEY,
    bytes       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO media_usage (account_sid, bytes)
    SELECT account_sid, sum(length(content)) FROM media WHERE content IS NOT NULL GROUP BY account_sid;

CREATE TRIGGER media_usage_inserted AFTER INSERT ON media WHEN new.content IS NOT NULL BEGIN
    INSERT INTO media_usage (account_sid, bytes) VALUES (new.account_sid, length(new.content))
        ON CONFLICT (account_sid) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER media_usage_updated AFTER UPDATE OF content ON media BEGIN
    INSERT INTO media_usage (account_sid, bytes)
        VALUES (new.account_sid, coalesce(length(new.content), 0) - coalesce(length(old.content), 0))
        ON CONFLICT (account_sid) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER media_usage_deleted AFTER DELETE ON media WHEN old.content IS NOT NULL BEGIN
    UPDATE media_usage SET bytes = bytes - length(old.content) WHERE account_sid = old.account_sid;
END;
