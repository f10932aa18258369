-- A capped claim that must pass over the jobs of accounts and targets without room reads
-- the others group by group (account, target), rather than every ready job in turn
-- (store/sqlite/jobs.go, claimCandidates).
CREATE INDEX jobs_group_ready ON jobs (account_sid, target, ready_at);
