-- ready_at is when a job can next be claimed: its due time while nobody holds it, the
-- end of its lease while somebody does. A claim then reads only jobs it can take, from
-- one index, however many are running: before, every claim walked past the jobs under
-- way (due, but leased), which under a burst of deliveries was most of the due ones.
ALTER TABLE jobs ADD COLUMN ready_at INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET ready_at = max(due_at, coalesce(lease_until, 0));
DROP INDEX jobs_due;
DROP INDEX jobs_lease;
CREATE INDEX jobs_ready ON jobs (ready_at);
