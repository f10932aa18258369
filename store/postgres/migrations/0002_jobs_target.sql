-- The host a job sends a request to ('' for none): the outbox caps the requests under
-- way per host, and a claim shares its jobs out per host (ClaimJobs).
ALTER TABLE jobs ADD COLUMN target text NOT NULL DEFAULT '';
