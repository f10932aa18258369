-- The bytes of media content each account stores, kept by triggers on media (inserts,
-- content fetched, deletes, the cascade from a deleted message): what the media quota
-- is checked against, and the metrics' total. A table of its own, not a column of
-- accounts, whose every change moves the auth generation.
CREATE TABLE media_usage (
    account_sid text   PRIMARY KEY,
    bytes       bigint NOT NULL DEFAULT 0
);

INSERT INTO media_usage (account_sid, bytes)
    SELECT account_sid, sum(octet_length(content)) FROM media WHERE content IS NOT NULL GROUP BY account_sid;

CREATE FUNCTION count_media_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account text;
    delta   bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        account := OLD.account_sid;
        delta := -coalesce(octet_length(OLD.content), 0);
    ELSIF TG_OP = 'INSERT' THEN
        account := NEW.account_sid;
        delta := coalesce(octet_length(NEW.content), 0);
    ELSE
        account := NEW.account_sid;
        delta := coalesce(octet_length(NEW.content), 0) - coalesce(octet_length(OLD.content), 0);
    END IF;
    IF delta <> 0 THEN
        INSERT INTO media_usage (account_sid, bytes) VALUES (account, delta)
            ON CONFLICT (account_sid) DO UPDATE SET bytes = media_usage.bytes + EXCLUDED.bytes;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER media_usage_counted AFTER INSERT OR UPDATE OF content OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION count_media_usage();
