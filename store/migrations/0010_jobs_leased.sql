-- NextJobDue asks when the next job falls due: the earliest due_at among the jobs not
-- leased, which jobs_due gives in order, or the earliest end of a lease. With no index
-- on the leases, answering meant reading every job, and the outbox asks after every new
-- job: with thousands of jobs waiting (messages whose delivery steps are due later),
-- that read was a tenth of the CPU of creating a message. Few jobs are leased at a
-- time, so this index stays small.
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE lease_until IS NOT NULL;
