package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

const jobCols = "id, kind, account_sid, resource_sid, queue, target, payload, due_at, attempts, lease_owner, lease_until, date_created"

func scanJob(s rowScanner) (store.Job, error) {
	var (
		j                              store.Job
		payload                        string
		owner                          sql.NullString
		dueAt, leaseUntil, dateCreated sql.NullInt64
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
// is (see store.Job), in the slice.
func (db *DB) insertJobs(ctx context.Context, tx *sql.Tx, jobs []store.Job) error {
	for i, j := range jobs {
		payload := string(j.Payload)
		if payload == "" {
			payload = "{}"
		}
		if j.LeaseOwner == "" {
			if _, err := db.txExec(ctx, tx,
				`INSERT INTO jobs (kind, account_sid, resource_sid, queue, target, payload, due_at, ready_at, date_created)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				j.Kind, j.AccountSid, j.ResourceSid, j.Queue, j.Target, payload, timeArg(j.DueAt), timeArg(j.DueAt), timeArg(j.DateCreated)); err != nil {
				return fmt.Errorf("job %s for %s: %w", j.Kind, j.ResourceSid, err)
			}
			continue
		}
		// Held (o, its owner) unless an earlier job of its queue exists, which the index
		// jobs_queue answers (it holds the jobs with a queue: hence queue <> '', without
		// which the index may not be used, and the table is read); ready when its lease
		// ends, or, unheld, when it is due.
		var owner sql.NullString
		if err := db.txQueryRow(ctx, tx,
			`INSERT INTO jobs (kind, account_sid, resource_sid, queue, target, payload, due_at, date_created,
				lease_owner, lease_until, ready_at, attempts)
			SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, o, iif(o IS NULL, NULL, ?10), iif(o IS NULL, ?7, ?10), iif(o IS NULL, 0, 1)
			FROM (SELECT iif(?4 <> '' AND EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_queue WHERE queue = ?4 AND queue <> ''), NULL, ?9) AS o)
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

// ClaimJobs leases to c.Owner up to c.Limit ready jobs of c's kinds, capped per account
// and per target (see store.Claim), and returns them in the order they were written. A
// job waits while an earlier job of its queue exists, leased or not. Claiming is one
// write, so two workers, in one process or two, never claim the same job.
//
// An uncapped claim is one statement that takes the oldest ready jobs. A capped claim
// reads store.ClaimCandidates times as many of the oldest ready jobs, of accounts and
// targets with room, lets c.Choose share them out, and leases those, in the same write.
func (db *DB) ClaimJobs(ctx context.Context, c store.Claim) ([]store.Job, error) {
	if len(c.Leases) == 0 || c.Limit <= 0 {
		return nil, nil
	}
	// lease_until = CASE kind WHEN ? THEN ? ... END, with bound values only. The kinds
	// in a fixed order, so that the statement's text, and its prepared statement, stay
	// the same from one claim to the next.
	kinds := slices.Sorted(maps.Keys(c.Leases))
	var leaseExpr strings.Builder
	var leaseArgs []any
	leaseExpr.WriteString("CASE kind")
	for _, kind := range kinds {
		leaseExpr.WriteString(" WHEN ? THEN ?")
		leaseArgs = append(leaseArgs, kind, timeArg(c.Now.Add(c.Leases[kind])))
	}
	leaseExpr.WriteString(" END")
	lease := leaseExpr.String()
	// The lease's end is both lease_until and ready_at: a held job is ready again when
	// its lease runs out.
	update := `UPDATE jobs SET lease_owner = ?, lease_until = ` + lease + `, ready_at = ` + lease + `, attempts = attempts + 1 WHERE id IN `
	updateArgs := append(append([]any{c.Owner}, leaseArgs...), leaseArgs...)

	// Limits are written into the statements, not bound: SQLite plans a LIMIT with the
	// value bound to it, and so prepares the statement again whenever that value changes,
	// which for a runner claiming what it has room for was nearly every claim (in
	// BenchmarkClaimJobs, a job written, claimed and finished took 161 µs instead of 106).
	// There are as many statements as limits.
	var jobs []store.Job
	err := db.write(ctx, func(tx *sql.Tx) error {
		var rows *sql.Rows
		var err error
		if !c.Capped() {
			ready, readyArgs := readyJobs(kinds, c.Now, "j.id, j.ready_at", c.Limit)
			rows, err = db.txQuery(ctx, tx, update+"(SELECT id FROM ("+ready+")) RETURNING "+jobCols, append(updateArgs, readyArgs...)...)
		} else {
			var ids []int64
			if ids, err = db.claimCandidates(ctx, tx, c, kinds); err != nil || len(ids) == 0 {
				return err
			}
			var idList []byte
			if idList, err = json.Marshal(ids); err != nil {
				return err
			}
			rows, err = db.txQuery(ctx, tx, update+"(SELECT value FROM json_each(?)) RETURNING "+jobCols, append(updateArgs, string(idList))...)
		}
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
	// RETURNING gives the rows in an order SQLite does not promise.
	slices.SortFunc(jobs, func(a, b store.Job) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, nil
}

// readyJobs is the query, and its arguments, of limit ready jobs of kinds at now, oldest
// first, with the columns cols, that wait behind no earlier job of their queue (the queue test reads the index jobs_queue,
// which holds only jobs with a queue, hence its condition on p.queue). They are read kind
// by kind from the index jobs_kind_ready and merged, so that a claim reads its own kinds'
// ready jobs only. Read from jobs_ready, as one range over every kind, the steps' claims
// walked past the whole backlog of ready webhooks (another lane's) every time: under a
// burst of deliveries, claims were 40% of the server's CPU.
func readyJobs(kinds []string, now time.Time, cols string, limit int) (string, []any) {
	arms := make([]string, len(kinds))
	var args []any
	for i, kind := range kinds {
		arms[i] = `SELECT * FROM (SELECT ` + cols + ` FROM jobs j INDEXED BY jobs_kind_ready
			WHERE j.kind = ? AND j.ready_at <= ?
			AND (j.queue = '' OR NOT EXISTS (
				SELECT 1 FROM jobs p WHERE p.queue = j.queue AND p.queue <> '' AND p.id < j.id))
			ORDER BY j.ready_at, j.id LIMIT ` + strconv.Itoa(limit) + `)`
		args = append(args, kind, timeArg(now))
	}
	return strings.Join(arms, " UNION ALL ") + ` ORDER BY ready_at, id LIMIT ` + strconv.Itoa(limit), args
}

// claimCandidates reads the ready jobs of kinds (see readyJobs) of accounts and targets
// with room, oldest first, and returns those c chooses.
func (db *DB) claimCandidates(ctx context.Context, tx *sql.Tx, c store.Claim, kinds []string) ([]int64, error) {
	fullAccounts, fullTargets := c.Full()
	limit := store.ClaimCandidates * c.Limit
	var candidates []store.Candidate
	var err error
	if len(fullAccounts) == 0 && len(fullTargets) == 0 {
		query, args := readyJobs(kinds, c.Now, "j.id, j.account_sid, j.target, j.ready_at", limit)
		candidates, err = db.readCandidates(ctx, tx, query, args...)
	} else {
		candidates, err = db.candidatesByGroup(ctx, tx, c, kinds, fullAccounts, fullTargets, limit)
	}
	if err != nil {
		return nil, err
	}
	return c.Choose(candidates), nil
}

// readCandidates runs query, whose rows are id, account_sid, target, ready_at.
func (db *DB) readCandidates(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]store.Candidate, error) {
	rows, err := db.txQuery(ctx, tx, query, args...)
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

// candidatesByGroup reads the limit oldest ready jobs of kinds, but for those of the
// accounts and targets without room, group by group: it walks the (account, target)
// pairs that have jobs in the index jobs_group_ready, jumps over the full ones, reads up
// to limit ready jobs of each other one, and keeps the oldest limit of them. Read in
// one range (readyJobs) and filtered, the jobs of a full account were passed over one by
// one at every claim: an account whose app is slow, and whose callbacks pile up, made
// every claim, and so the whole store, slower the more it had waiting
// (BenchmarkCappedClaimBehindFullTenant). This costs a few index lookups per pair
// instead, whatever the full ones have waiting.
func (db *DB) candidatesByGroup(ctx context.Context, tx *sql.Tx, c store.Claim, kinds, fullAccounts, fullTargets []string, limit int) ([]store.Candidate, error) {
	kindList, err := json.Marshal(kinds)
	if err != nil {
		return nil, err
	}
	readGroup := `SELECT j.id, j.account_sid, j.target, j.ready_at FROM jobs j INDEXED BY jobs_group_ready
		WHERE j.account_sid = ? AND j.target = ? AND j.ready_at <= ? AND j.kind IN (SELECT value FROM json_each(?))
		AND (j.queue = '' OR NOT EXISTS (
			SELECT 1 FROM jobs p WHERE p.queue = j.queue AND p.queue <> '' AND p.id < j.id))
		ORDER BY j.ready_at, j.id LIMIT ` + strconv.Itoa(limit)
	const (
		firstGroup  = `SELECT account_sid, target FROM jobs INDEXED BY jobs_group_ready ORDER BY account_sid, target LIMIT 1`
		nextGroup   = `SELECT account_sid, target FROM jobs INDEXED BY jobs_group_ready WHERE (account_sid, target) > (?, ?) ORDER BY account_sid, target LIMIT 1`
		nextAccount = `SELECT account_sid, target FROM jobs INDEXED BY jobs_group_ready WHERE account_sid > ? ORDER BY account_sid, target LIMIT 1`
	)
	var candidates []store.Candidate
	var account, target string
	err = db.txQueryRow(ctx, tx, firstGroup).Scan(&account, &target)
	for err == nil {
		switch {
		case slices.Contains(fullAccounts, account):
			err = db.txQueryRow(ctx, tx, nextAccount, account).Scan(&account, &target)
			continue
		case !slices.Contains(fullTargets, target):
			group, err := db.readCandidates(ctx, tx, readGroup, account, target, timeArg(c.Now), string(kindList))
			if err != nil {
				return nil, err
			}
			candidates = store.OldestCandidates(append(candidates, group...), limit)
		}
		err = db.txQueryRow(ctx, tx, nextGroup, account, target).Scan(&account, &target)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return candidates, nil
}

// NextJobDue returns the earliest time after now at which a job becomes claimable: its
// due time when nobody holds it, the end of its lease when somebody does (its ready_at);
// the zero time when no job will become claimable after now. Jobs that are claimable
// already (or wait behind an earlier job of their queue) are not counted: the caller
// finds those by claiming, and a finished job signals JobsChanged.
//
// It reads the index jobs_ready from now on and stops at the first row, so the cost does
// not grow with the number of waiting jobs.
const nextJobDueQuery = `SELECT ready_at FROM jobs WHERE ready_at > ? ORDER BY ready_at LIMIT 1`

func (db *DB) NextJobDue(ctx context.Context, now time.Time) (time.Time, error) {
	var next sql.NullInt64
	err := db.queryRow(ctx, nextJobDueQuery, timeArg(now)).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.mustExec(ctx, tx, "DELETE FROM jobs WHERE id = ? AND lease_owner = ? AND attempts = ?",
			j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return db.applyWrites(ctx, tx, w)
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
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.mustExec(ctx, tx,
			`UPDATE jobs SET due_at = ?1, ready_at = ?1, lease_owner = NULL, lease_until = NULL
			WHERE id = ?2 AND lease_owner = ?3 AND attempts = ?4`,
			timeArg(dueAt), j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return db.applyWrites(ctx, tx, w)
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
	err := db.write(ctx, func(tx *sql.Tx) error {
		return db.mustExec(ctx, tx, "UPDATE jobs SET lease_until = max(lease_until, ?1), ready_at = max(ready_at, ?1) WHERE id = ?2 AND lease_owner = ?3 AND attempts = ?4",
			timeArg(until), j.ID, j.LeaseOwner, j.Attempts)
	})
	if err != nil {
		return fmt.Errorf("renew lease of job %d (%s): %w", j.ID, j.Kind, err)
	}
	return nil
}

// mustExec runs a statement that must change exactly one leased row.
func (db *DB) mustExec(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := db.txExec(ctx, tx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return store.ErrLeaseLost
	}
	return nil
}

// CountJobs returns how many jobs of kind ("" for all) are waiting or running.
func (db *DB) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := db.queryRow(ctx, "SELECT count(*) FROM jobs WHERE ? = '' OR kind = ?", kind, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// JobsChanged is signalled (without blocking; one pending signal at most) after a commit
// that added or rescheduled jobs, so that a worker in this process can look at once
// instead of at its next poll. Other processes are found by polling.
func (db *DB) JobsChanged() <-chan struct{} { return db.jobsSignal }

func (db *DB) jobsChanged(changed bool) {
	if !changed {
		return
	}
	select {
	case db.jobsSignal <- struct{}{}:
	default:
	}
}
