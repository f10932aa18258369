package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/switchboard-dev/switchboard/store"
)

const jobCols = "id, kind, account_sid, resource_sid, queue, target, payload, due_at, attempts, lease_owner, lease_until, date_created"

func scanJob(s rowScanner) (store.Job, error) {
	var (
		j                              store.Job
		payload                        string
		owner                          pgtype.Text
		dueAt, leaseUntil, dateCreated pgtype.Int8
	)
	if err := s.Scan(&j.ID, &j.Kind, &j.AccountSid, &j.ResourceSid, &j.Queue, &j.Target, &payload, &dueAt, &j.Attempts,
		&owner, &leaseUntil, &dateCreated); err != nil {
		return store.Job{}, err
	}
	j.Payload = []byte(payload)
	j.LeaseOwner = owner.String
	j.DueAt, j.LeaseUntil, j.DateCreated = timeValue(dueAt), timeValue(leaseUntil), timeValue(dateCreated)
	return j, nil
}

// insertJobs writes jobs, and sets the ID of each one asked to be held, and whether it
// is (see store.Job), in the slice. Every write that may write jobs takes the change
// log's lock (DB.write), so that job ids, like seqs, are handed out in commit order: a
// job of a queue can never commit after a later one of the same queue has been claimed,
// and an earlier job of a held job's queue cannot commit unseen while the held one looks
// for it.
func insertJobs(ctx context.Context, q querier, jobs []store.Job) error {
	for i, j := range jobs {
		payload := string(j.Payload)
		if payload == "" {
			payload = "{}"
		}
		if j.LeaseOwner == "" {
			if _, err := q.Exec(ctx,
				`INSERT INTO jobs (kind, account_sid, resource_sid, queue, target, payload, due_at, ready_at, date_created)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
				j.Kind, j.AccountSid, j.ResourceSid, j.Queue, j.Target, payload, timeArg(j.DueAt), timeArg(j.DateCreated)); err != nil {
				return fmt.Errorf("job %s for %s: %w", j.Kind, j.ResourceSid, err)
			}
			continue
		}
		// Held (o, its owner) unless an earlier job of its queue exists; ready when its
		// lease ends, or, unheld, when it is due.
		var owner pgtype.Text
		if err := q.QueryRow(ctx,
			`INSERT INTO jobs (kind, account_sid, resource_sid, queue, target, payload, due_at, date_created,
				lease_owner, lease_until, ready_at, attempts)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, o, CASE WHEN o IS NULL THEN NULL ELSE $10::bigint END,
				CASE WHEN o IS NULL THEN $7::bigint ELSE $10::bigint END, CASE WHEN o IS NULL THEN 0 ELSE 1 END
			FROM (SELECT CASE WHEN $4::text <> '' AND EXISTS (SELECT 1 FROM jobs WHERE queue = $4::text AND queue <> '')
				THEN NULL ELSE $9::text END AS o) AS held
			RETURNING id, lease_owner`,
			j.Kind, j.AccountSid, j.ResourceSid, j.Queue, j.Target, payload, timeArg(j.DueAt), timeArg(j.DateCreated),
			j.LeaseOwner, timeArg(j.LeaseUntil)).Scan(&jobs[i].ID, &owner); err != nil {
			return fmt.Errorf("job %s for %s: %w", j.Kind, j.ResourceSid, err)
		}
		if owner.Valid {
			jobs[i].Attempts = 1
		} else {
			jobs[i].LeaseOwner, jobs[i].LeaseUntil = "", time.Time{}
		}
	}
	return nil
}

// readyJobs are the jobs of the kinds claimed (the parameter named kinds) that are ready
// at now (due and not held, or whose lease ran out: ready_at) and wait behind no earlier
// job of their queue. The look for an earlier job says that p.queue is not empty, which
// j.queue's being so implies but the planner cannot see, so that it may read the partial
// index jobs_queue:
// without it, a table the planner has no statistics of yet (new, or grown fast) was read
// once per candidate, and a claim among 5,000 ready jobs took seconds.
func readyJobs(kinds, now string) string {
	return `FROM jobs j
		WHERE j.ready_at <= ` + now + ` AND j.kind = ANY(` + kinds + `::text[])
		AND (j.queue = '' OR NOT EXISTS (SELECT 1 FROM jobs p WHERE p.queue = j.queue AND p.queue <> '' AND p.id < j.id))`
}

// leaseJobs leases the rows of the CTE claimable (id, kind): the lease's end is both
// lease_until and ready_at. Arguments: $1 owner, $2 the kinds claimed and $3 their lease
// ends. The claimed rows' columns (jobCols) follow its RETURNING.
const leaseJobs = `, leased AS (
		SELECT c.id, l.until
		FROM claimable c JOIN unnest($2::text[], $3::bigint[]) AS l (kind, until) ON l.kind = c.kind
	)
	UPDATE jobs SET lease_owner = $1, attempts = attempts + 1, lease_until = leased.until, ready_at = leased.until
	FROM leased WHERE jobs.id = leased.id
	RETURNING `

// claimOldest is an uncapped claim, one statement: the oldest ready jobs ($5: the
// limit), skipping those another claim has locked (FOR UPDATE SKIP LOCKED, so that two
// claims at once neither wait for each other nor take the same job: a row the other
// committed a lease on meanwhile is checked again as it is now, and left), leased.
var claimOldest = `WITH claimable AS (
		SELECT j.id, j.kind ` + readyJobs("$2", "$4") + `
		ORDER BY j.ready_at, j.id
		LIMIT $5
		FOR UPDATE SKIP LOCKED
	)` + leaseJobs

// claimCandidates reads, for a capped claim with room everywhere, the oldest ready jobs
// (of the kinds $1, at now $2), up to $3, locking them as claimOldest does. A claim with
// accounts or targets that have no room reads by group instead (candidatesByGroup).
var claimCandidates = `SELECT j.id, j.account_sid, j.target, j.ready_at ` + readyJobs("$1", "$2") + `
		ORDER BY j.ready_at, j.id
		LIMIT $3
		FOR UPDATE SKIP LOCKED`

// claimChosen leases the jobs chosen ($4) among a capped claim's candidates.
const claimChosen = `WITH claimable AS (
		SELECT j.id, j.kind FROM jobs j WHERE j.id = ANY($4::bigint[])
	)` + leaseJobs

// ClaimJobs leases to c.Owner up to c.Limit ready jobs of c's kinds, capped per account
// and per target (see store.Claim), and returns them in the order they were written. A
// job waits while an earlier job of its queue exists, leased or not. An uncapped claim
// is one statement (claimOldest); a capped one reads and locks store.ClaimCandidates
// times as many candidates (claimCandidates), lets c.Choose share them out and leases
// those (claimChosen), in one transaction. Either way two workers, in one process or two,
// never claim the same job.
func (db *DB) ClaimJobs(ctx context.Context, c store.Claim) ([]store.Job, error) {
	if len(c.Leases) == 0 || c.Limit <= 0 {
		return nil, nil
	}
	kinds := make([]string, 0, len(c.Leases))
	until := make([]int64, 0, len(c.Leases))
	for kind, lease := range c.Leases {
		kinds = append(kinds, kind)
		until = append(until, c.Now.Add(lease).UnixMilli())
	}
	var jobs []store.Job
	if !c.Capped() {
		wctx, err := writing(ctx) // a claim, like any write, is not interrupted
		if err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
		if jobs, err = collect(wctx, db, scanJob, claimOldest+prefixed("jobs.", jobCols),
			c.Owner, kinds, until, timeArg(c.Now), c.Limit); err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
	} else {
		fullAccounts, fullTargets := c.Full()
		err := db.write(ctx, false, func(q querier) error {
			var candidates []store.Candidate
			var err error
			if len(fullAccounts) == 0 && len(fullTargets) == 0 {
				candidates, err = readCandidates(ctx, q, claimCandidates, kinds, timeArg(c.Now), store.ClaimCandidates*c.Limit)
			} else {
				candidates, err = candidatesByGroup(ctx, q, c, kinds, fullAccounts, fullTargets, store.ClaimCandidates*c.Limit)
			}
			if err != nil {
				return err
			}
			ids := c.Choose(candidates)
			if len(ids) == 0 {
				return nil
			}
			rows, err := q.Query(ctx, claimChosen+prefixed("jobs.", jobCols), c.Owner, kinds, until, ids)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				j, err := scanJob(rows)
				if err != nil {
					return err
				}
				jobs = append(jobs, j)
			}
			return rows.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
	}
	// RETURNING gives the rows in no promised order.
	slices.SortFunc(jobs, func(a, b store.Job) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, nil
}

// readCandidates runs query, whose rows are id, account_sid, target, ready_at.
func readCandidates(ctx context.Context, q querier, query string, args ...any) ([]store.Candidate, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []store.Candidate
	for rows.Next() {
		var f store.Candidate
		var readyAt int64
		if err := rows.Scan(&f.ID, &f.AccountSid, &f.Target, &readyAt); err != nil {
			return nil, err
		}
		f.ReadyAt = time.UnixMilli(readyAt).UTC()
		found = append(found, f)
	}
	return found, rows.Err()
}

// The statements of candidatesByGroup: the first (account, target) pair with jobs, the
// next pair, the first pair of the next account (all read from the index
// jobs_group_ready), and the ready jobs of one pair ($1, $2) of the kinds $4 at now $3,
// up to $5, locked as claimCandidates locks them.
const (
	firstGroup     = `SELECT account_sid, target FROM jobs ORDER BY account_sid, target LIMIT 1`
	nextGroup      = `SELECT account_sid, target FROM jobs WHERE (account_sid, target) > ($1, $2) ORDER BY account_sid, target LIMIT 1`
	nextAccount    = `SELECT account_sid, target FROM jobs WHERE account_sid > $1 ORDER BY account_sid, target LIMIT 1`
	groupReadyJobs = `SELECT j.id, j.account_sid, j.target, j.ready_at FROM jobs j
		WHERE j.account_sid = $1 AND j.target = $2 AND j.ready_at <= $3 AND j.kind = ANY($4::text[])
		AND (j.queue = '' OR NOT EXISTS (SELECT 1 FROM jobs p WHERE p.queue = j.queue AND p.queue <> '' AND p.id < j.id))
		ORDER BY j.ready_at, j.id
		LIMIT $5
		FOR UPDATE SKIP LOCKED`
)

// candidatesByGroup reads the limit oldest ready jobs of kinds, but for those of the
// accounts and targets without room, group by group: it walks the (account, target)
// pairs that have jobs, jumps over the full ones, reads up to limit ready jobs of each
// other one, and keeps the oldest limit of them. Read in one range (claimCandidates)
// and filtered, the jobs of a full account were passed over one by one at every claim:
// an account whose app is slow, and whose callbacks pile up, made every claim, and so
// the whole store, slower the more it had waiting. This costs a few index lookups per
// pair instead, whatever the full ones have waiting.
func candidatesByGroup(ctx context.Context, q querier, c store.Claim, kinds, fullAccounts, fullTargets []string, limit int) ([]store.Candidate, error) {
	var candidates []store.Candidate
	var account, target string
	err := q.QueryRow(ctx, firstGroup).Scan(&account, &target)
	for err == nil {
		switch {
		case slices.Contains(fullAccounts, account):
			err = q.QueryRow(ctx, nextAccount, account).Scan(&account, &target)
			continue
		case !slices.Contains(fullTargets, target):
			group, err := readCandidates(ctx, q, groupReadyJobs, account, target, timeArg(c.Now), kinds, limit)
			if err != nil {
				return nil, err
			}
			candidates = store.OldestCandidates(append(candidates, group...), limit)
		}
		err = q.QueryRow(ctx, nextGroup, account, target).Scan(&account, &target)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	return candidates, nil
}

// NextJobDue returns the earliest time after now at which a job becomes claimable: its
// due time when nobody holds it, the end of its lease when somebody does (its ready_at);
// the zero time when no job will become claimable after now. Jobs that are claimable
// already (or wait behind an earlier job of their queue) are not counted. It reads the
// index jobs_ready from now on and stops at the first row, so the cost does not grow with
// the number of waiting jobs.
func (db *DB) NextJobDue(ctx context.Context, now time.Time) (time.Time, error) {
	var next pgtype.Int8
	err := db.queryRow(ctx, "SELECT min(ready_at) FROM jobs WHERE ready_at > $1", timeArg(now)).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next job due: %w", err)
	}
	return timeValue(next), nil
}

// A claim is identified by the job, its owner and its attempt count (which every claim
// increments), so a worker whose lease ran out and was claimed again, even by its own
// process, can no longer finish, retry or renew the job.

// FinishJob deletes a job leased by the caller and applies w, in one transaction.
// ErrLeaseLost (and nothing written) when the lease is no longer the caller's.
func (db *DB) FinishJob(ctx context.Context, j store.Job, w store.Writes) error {
	err := db.write(ctx, !w.Empty(), func(q querier) error {
		if err := mustChangeOne(ctx, q, "DELETE FROM jobs WHERE id = $1 AND lease_owner = $2 AND attempts = $3",
			j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return db.applyWrites(ctx, q, w)
	})
	if err != nil {
		return fmt.Errorf("finish job %d (%s): %w", j.ID, j.Kind, err)
	}
	db.jobsChanged(w.Schedules())
	return nil
}

// RetryJob releases a job leased by the caller to run again at dueAt, and applies w, in
// one transaction. ErrLeaseLost (and nothing written) when the lease is no longer the
// caller's.
func (db *DB) RetryJob(ctx context.Context, j store.Job, dueAt time.Time, w store.Writes) error {
	err := db.write(ctx, !w.Empty(), func(q querier) error {
		if err := mustChangeOne(ctx, q,
			`UPDATE jobs SET due_at = $1, ready_at = $1, lease_owner = NULL, lease_until = NULL
			WHERE id = $2 AND lease_owner = $3 AND attempts = $4`,
			timeArg(dueAt), j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return db.applyWrites(ctx, q, w)
	})
	if err != nil {
		return fmt.Errorf("retry job %d (%s): %w", j.ID, j.Kind, err)
	}
	db.jobsChanged(true)
	return nil
}

// RenewLease extends the lease of a job the caller still holds to until, so that work
// that takes longer than a lease (a slow webhook) is not taken over while it is alive;
// ErrLeaseLost when the caller no longer holds it.
func (db *DB) RenewLease(ctx context.Context, j store.Job, until time.Time) error {
	tag, err := db.writeExec(ctx, "UPDATE jobs SET lease_until = GREATEST(lease_until, $1), ready_at = GREATEST(ready_at, $1) WHERE id = $2 AND lease_owner = $3 AND attempts = $4",
		timeArg(until), j.ID, j.LeaseOwner, j.Attempts)
	if err == nil && tag.RowsAffected() != 1 {
		err = store.ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("renew lease of job %d (%s): %w", j.ID, j.Kind, err)
	}
	return nil
}

// mustChangeOne runs a statement that must change exactly one leased row.
func mustChangeOne(ctx context.Context, q querier, query string, args ...any) error {
	tag, err := q.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return store.ErrLeaseLost
	}
	return nil
}

// CountJobs returns how many jobs of kind ("" for all) are waiting or running.
func (db *DB) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT count(*) FROM jobs WHERE $1 = '' OR kind = $1", kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}
