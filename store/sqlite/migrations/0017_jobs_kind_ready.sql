-- A claim reads the ready jobs of its own kinds, kind by kind (store/sqlite/jobs.go,
-- ClaimJobs), rather than every ready job in one range past the other lane's backlog.
CREATE INDEX jobs_kind_ready ON jobs (kind, ready_at);
