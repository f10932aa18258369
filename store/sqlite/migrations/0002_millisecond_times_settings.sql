-- Times become INTEGER Unix milliseconds, UTC (a zero Go time stays NULL). Nanoseconds in
-- an int64 end in April 2262: a SendAt or a date filter past it wrapped into the past.
-- Milliseconds reach ±292 million years, so every year 0001-9999 fits with room to spare.
--
-- Only values that can only be nanoseconds are converted: |v| >= 10^15. As nanoseconds
-- that is any time after 12 January 1970 (or before 20 December 1969); as milliseconds it
-- would be past the year 33,000, which no stored time can be. So this file changes
-- nothing when run again, or on a database whose times are milliseconds already, and it
-- stays correct wherever other migrations are numbered around it.
--
-- The division rounds down (towards the past) for times before 1970 too; SQLite's `/`
-- alone would round those towards zero. Nanoseconds and milliseconds both count from the
-- Unix epoch, so nothing else changes.
--
-- messages.filter_date is a VIRTUAL generated column over date_sent and date_created:
-- SQLite computes it from the new values on read, and the UPDATE below rewrites the
-- entries of the index on it (messages_account_date) as it changes the columns it
-- derives from. store/sqlite/times_test.go checks both after migrating a database written by
-- 0001.

UPDATE accounts SET
    date_created = CASE WHEN abs(date_created) >= 1000000000000000
        THEN (date_created - ((date_created % 1000000) + 1000000) % 1000000) / 1000000 ELSE date_created END,
    date_updated = CASE WHEN abs(date_updated) >= 1000000000000000
        THEN (date_updated - ((date_updated % 1000000) + 1000000) % 1000000) / 1000000 ELSE date_updated END;

UPDATE messages SET
    date_created = CASE WHEN abs(date_created) >= 1000000000000000
        THEN (date_created - ((date_created % 1000000) + 1000000) % 1000000) / 1000000 ELSE date_created END,
    date_updated = CASE WHEN abs(date_updated) >= 1000000000000000
        THEN (date_updated - ((date_updated % 1000000) + 1000000) % 1000000) / 1000000 ELSE date_updated END,
    date_sent    = CASE WHEN abs(date_sent) >= 1000000000000000
        THEN (date_sent - ((date_sent % 1000000) + 1000000) % 1000000) / 1000000 ELSE date_sent END,
    send_at      = CASE WHEN abs(send_at) >= 1000000000000000
        THEN (send_at - ((send_at % 1000000) + 1000000) % 1000000) / 1000000 ELSE send_at END;

-- Values the server keeps for itself, such as the key that seals page tokens. Kept in the
-- database so that every process serving the same file, and every restart, shares them.
CREATE TABLE IF NOT EXISTS settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
