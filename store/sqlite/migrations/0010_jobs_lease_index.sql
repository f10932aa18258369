-- The outbox asks, whenever it wakes and finds nothing due, when the next job falls due.
-- Answered from jobs_due for jobs nobody holds, and from this index for the few held under
-- a lease, so that the question costs the same with a hundred thousand waiting jobs
-- (scheduled messages, a paused delivery) as with none (see NextJobDue).
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE lease_until IS NOT NULL;
