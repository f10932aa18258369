-- A capped claim that must pass over the jobs of accounts and targets without room reads
-- the others group by group (account, target), rather than every ready job in turn
-- (store/postgres/jobs.go, candidatesByGroup), as SQLite's migration 0018.
CREATE INDEX jobs_group_ready ON jobs (account_sid, target, ready_at, id);
