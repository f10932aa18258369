// Package outbox runs the durable jobs that the store keeps: simulated delivery steps,
// webhook requests, media fetches. Each job row was written in the same transaction as
// the change that caused it; a Runner claims due rows with a lease (so that two
// processes over one database never run the same job), hands each to the handler of its
// kind, and finishes or reschedules it in the transaction that records the result. A
// process that dies mid-job leaves a lease that runs out, and the job runs again.
//
// The package knows nothing of messages or HTTP: handlers, registered by kind, do.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/store"
)

// Store is what the runner needs from persistence.
type Store interface {
	ClaimJobs(ctx context.Context, c store.Claim) ([]store.Job, error)
	NextJobDue(ctx context.Context, now time.Time) (time.Time, error)
	FinishJob(ctx context.Context, j store.Job, w store.Writes) error
	RetryJob(ctx context.Context, j store.Job, dueAt time.Time, w store.Writes) error
	RenewLease(ctx context.Context, j store.Job, until time.Time) error
	JobsChanged() <-chan struct{}
}

// Outcome is what a handler made of a job. Writes are applied in the transaction that
// finishes or reschedules the job.
type Outcome struct {
	Writes store.Writes
	// Retry asks for the job to run again later (after a backoff), unless it has used all
	// its attempts; Writes are applied either way.
	Retry bool
}

// Handler does one job. An error means the job could not be done for a reason of
// Switchboard's own (the database, say): it is retried like Outcome.Retry, with no
// writes. A handler must return before its context ends (the lease).
type Handler func(ctx context.Context, job store.Job) (Outcome, error)

// Lane is the pool of workers a kind's jobs run in. Jobs of one lane never wait for a
// worker of the other: a slow app, which holds a request worker for up to the webhook
// timeout, cannot delay a delivery step or a call's progress.
type Lane int

const (
	// Steps: the simulated networks' own work (a delivery's next status, a call's next
	// verb, news between calls): the store and the CPU, done in milliseconds.
	Steps Lane = iota
	// Requests: requests to apps (webhooks, TwiML documents, media), which may take the
	// webhook timeout. Capped per account and per target host (Job.Target).
	Requests
)

func (l Lane) String() string {
	if l == Requests {
		return "requests"
	}
	return "steps"
}

// Kind is how to run the jobs of one kind.
type Kind struct {
	Handle Handler
	// Lease is how long a claimed job is reserved at a time (default 5 s). The runner
	// renews it while the handler runs, so it bounds not the work but the wait before a
	// job whose process died runs again elsewhere.
	Lease time.Duration
	// Lane is the pool its jobs run in (Steps unless set).
	Lane Lane
}

// Config tunes a Runner; zero values take the defaults.
type Config struct {
	Store  Store
	Kinds  map[string]Kind // by job kind
	Logger *slog.Logger
	// Workers is how many jobs of the Steps lane run at once (default DefaultWorkers).
	Workers int
	// RequestWorkers is how many jobs of the Requests lane run at once (default
	// DefaultRequestWorkers); of them, one account holds at most RequestsPerAccount
	// (default DefaultRequestsPerAccount) and one target host at most RequestsPerTarget
	// (default DefaultRequestsPerTarget), in this process.
	RequestWorkers     int
	RequestsPerAccount int
	RequestsPerTarget  int
	// MaxAttempts bounds how often a job runs (default 5).
	MaxAttempts int
	// Backoff is the wait before the first retry; each later one doubles, up to
	// MaxBackoff (defaults 1 s and 5 min).
	Backoff, MaxBackoff time.Duration
	// PollInterval is how often the runner looks for jobs that other processes wrote
	// (default 250 ms); jobs this process writes wake it at once.
	PollInterval time.Duration
	// Observe, when set, is told how each job ended: "done", "retry", "gave-up" or
	// "lost" (its lease ran out first).
	Observe func(kind, result string)
	// Clock is the simulator's time (default clock.Real{}): jobs fall due, are leased
	// and retried by it. A clock that can jump (Moved) wakes the runner when it does, to
	// run what fell due in the span it skipped.
	Clock clock.Clock
}

// mover is a clock that tells when it jumps (clock.Sim).
type mover interface {
	Moved() <-chan struct{}
}

// Defaults of Config.
const (
	DefaultWorkers            = 64
	DefaultRequestWorkers     = 64
	DefaultRequestsPerAccount = 32
	DefaultRequestsPerTarget  = 32
)

// Runner runs jobs until its context ends.
type Runner struct {
	cfg    Config
	owner  string
	log    *slog.Logger
	lanes  []*lane
	laneOf map[string]*lane // by job kind
	// handing counts the goroutines that hand held jobs to workers, which Run waits for.
	handing sync.WaitGroup
}

// lane is one pool of workers and what it claims.
type lane struct {
	name    Lane
	leases  map[string]time.Duration // its kinds, for ClaimJobs
	workers int
	// perAccount and perTarget cap the jobs one account, one target, holds at once
	// (0: no cap).
	perAccount, perTarget int

	mu        sync.Mutex
	busy      int
	byAccount map[string]int // jobs under way, of accounts with any
	byTarget  map[string]int // of targets with any
	// caughtUp: the lane's last claim took every job it could, so no ready job of the
	// lane waits in the store for a worker, and a job written held may go first.
	caughtUp bool
	// freed is signalled when a worker finishes, wake when the store has new jobs, so
	// that the lane claims again.
	freed, wake chan struct{}
	jobs        chan store.Job // to the lane's workers
}

// New returns a runner for cfg.
func New(cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.RequestWorkers <= 0 {
		cfg.RequestWorkers = DefaultRequestWorkers
	}
	if cfg.RequestsPerAccount <= 0 {
		cfg.RequestsPerAccount = DefaultRequestsPerAccount
	}
	if cfg.RequestsPerTarget <= 0 {
		cfg.RequestsPerTarget = DefaultRequestsPerTarget
	}
	for name, k := range cfg.Kinds {
		if k.Lease <= 0 {
			k.Lease = 5 * time.Second
			cfg.Kinds[name] = k
		}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string, string) {}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	r := &Runner{cfg: cfg, owner: "runner-" + hex.EncodeToString(b[:]), log: log, laneOf: map[string]*lane{}}
	steps := newLane(Steps, cfg.Workers, 0, 0)
	requests := newLane(Requests, cfg.RequestWorkers, cfg.RequestsPerAccount, cfg.RequestsPerTarget)
	for name, k := range cfg.Kinds {
		l := steps
		if k.Lane == Requests {
			l = requests
		}
		l.leases[name] = k.Lease
		r.laneOf[name] = l
	}
	for _, l := range []*lane{steps, requests} {
		if len(l.leases) > 0 {
			r.lanes = append(r.lanes, l)
		}
	}
	return r
}

func newLane(name Lane, workers, perAccount, perTarget int) *lane {
	return &lane{name: name, leases: map[string]time.Duration{}, workers: workers, perAccount: perAccount, perTarget: perTarget,
		byAccount: map[string]int{}, byTarget: map[string]int{}, freed: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		jobs: make(chan store.Job)}
}

// Running is how many jobs of lane l run now, for the metrics.
func (r *Runner) Running(l Lane) int {
	for _, ln := range r.lanes {
		if ln.name == l {
			ln.mu.Lock()
			defer ln.mu.Unlock()
			return ln.busy
		}
	}
	return 0
}

// AtCap is how many accounts, and how many target hosts, hold as many request jobs as
// they may at once now (their further jobs wait), for the metrics.
func (r *Runner) AtCap() (accounts, targets int) {
	for _, l := range r.lanes {
		l.mu.Lock()
		for _, n := range l.byAccount {
			if l.perAccount > 0 && n >= l.perAccount {
				accounts++
			}
		}
		for _, n := range l.byTarget {
			if l.perTarget > 0 && n >= l.perTarget {
				targets++
			}
		}
		l.mu.Unlock()
	}
	return accounts, targets
}

// Run claims and runs jobs until ctx ends, then waits for the jobs under way (their
// handlers see ctx end too) and returns.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, l := range r.lanes {
		wg.Go(func() { r.runLane(ctx, l) })
	}
	// One signal from the store wakes every lane.
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.cfg.Store.JobsChanged():
				for _, l := range r.lanes {
					signal(l.wake)
				}
			}
		}
	})
	wg.Wait()
	r.handing.Wait()
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// runLane claims the lane's jobs and runs them on its workers until ctx ends.
func (r *Runner) runLane(ctx context.Context, l *lane) {
	var wg sync.WaitGroup
	// The workers live as long as the runner. A goroutine of its own per job grew a new
	// stack, to the depth SQLite's calls take, for every job: 5% of the CPU of a burst of
	// deliveries.
	for range l.workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-l.jobs:
					r.runJob(ctx, job)
					l.done(job)
					signal(l.freed)
				}
			}
		})
	}
	defer wg.Wait()
	var lastClaim time.Time
	for ctx.Err() == nil {
		claimed, free := 0, l.free()
		if free > 0 {
			if wait := claimWait(free, l.workers, time.Since(lastClaim)); wait > 0 {
				sleep(ctx, wait)
				free = l.free()
			}
			lastClaim = time.Now()
			claimedJobs, err := r.claim(ctx, l, free)
			if err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "claim jobs", slog.String("lane", l.name.String()), slog.Any("error", err))
			}
			claimed = len(claimedJobs)
			for _, job := range claimedJobs {
				// Never blocks for long: the lane counted the job as busy, so a worker
				// is, or is about to be, waiting for this one.
				r.hand(ctx, l, job)
			}
			l.setCaughtUp(err == nil && claimed < free)
			if claimed == free {
				continue // there may be more due right now
			}
		}
		r.wait(ctx, l, claimed == 0)
	}
}

// claimEvery is the least time between two claims of a busy lane.
const claimEvery = time.Millisecond

// claimWait is how long a lane with free of its workers idle waits before it claims,
// since its last claim: a busy lane claims at most once every claimEvery, so that the
// workers that finished meanwhile are claimed for together (each claim is a write, and
// one claim per finished job was most of the store's work under load); an idle lane
// claims at once.
func claimWait(free, workers int, sinceLast time.Duration) time.Duration {
	if free == workers {
		return 0
	}
	return max(0, claimEvery-sinceLast)
}

// pollWait is how long an idle lane waits at most for a signal: poll, or until next, the
// time the next job falls due (zero when none will), if that comes sooner.
func pollWait(poll time.Duration, next, now time.Time) time.Duration {
	if next.After(now) {
		return min(poll, next.Sub(now))
	}
	return poll
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// hand gives a job the lane counts as under way to one of its workers; or, when the
// runner stops first, back to the store, to run at once in whichever process is next.
func (r *Runner) hand(ctx context.Context, l *lane, job store.Job) {
	select {
	case l.jobs <- job:
	case <-ctx.Done():
		r.giveBack(ctx, job)
		l.done(job)
	}
}

func (r *Runner) giveBack(ctx context.Context, job store.Job) {
	r.finish(context.WithoutCancel(ctx), job, func(ctx context.Context) error {
		return r.cfg.Store.RetryJob(ctx, job, r.cfg.Clock.Now(), store.Writes{})
	}, "retry")
}

func (l *lane) setCaughtUp(v bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.caughtUp = v
}

// free is how many of the lane's workers have no job.
func (l *lane) free() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.workers - l.busy
}

// claim leases up to limit of the lane's due jobs, within its caps, and counts them as
// under way.
func (r *Runner) claim(ctx context.Context, l *lane, limit int) ([]store.Job, error) {
	c := store.Claim{Owner: r.owner, Now: r.cfg.Clock.Now(), Leases: l.leases, Limit: limit,
		PerAccount: l.perAccount, PerTarget: l.perTarget}
	l.mu.Lock()
	if c.Capped() {
		c.AccountRoom, c.TargetRoom = room(l.byAccount, l.perAccount), room(l.byTarget, l.perTarget)
	}
	l.mu.Unlock()
	jobs, err := r.cfg.Store.ClaimJobs(ctx, c)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range jobs {
		l.count(j)
	}
	return jobs, err
}

// room is what each of the accounts (or targets) with jobs under way has left of limit,
// given how many it has under way.
func room(under map[string]int, limit int) map[string]int {
	left := make(map[string]int, len(under))
	for k, n := range under {
		left[k] = max(0, limit-n)
	}
	return left
}

// reserve counts job as under way in the lane, if the lane is caught up and job fits
// under its caps (a worker free, its account's and target's room), and says whether it
// did.
func (l *lane) reserve(j store.Job) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.caughtUp || l.busy >= l.workers || (l.perAccount > 0 && l.byAccount[j.AccountSid] >= l.perAccount) ||
		(j.Target != "" && l.perTarget > 0 && l.byTarget[j.Target] >= l.perTarget) {
		return false
	}
	l.count(j)
	return true
}

// count counts j as under way (done is its inverse); l.mu held.
func (l *lane) count(j store.Job) {
	l.busy++
	l.byAccount[j.AccountSid]++
	if j.Target != "" {
		l.byTarget[j.Target]++
	}
}

// done counts a job of the lane as finished.
func (l *lane) done(j store.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy--
	if l.byAccount[j.AccountSid]--; l.byAccount[j.AccountSid] <= 0 {
		delete(l.byAccount, j.AccountSid)
	}
	if j.Target != "" {
		if l.byTarget[j.Target]--; l.byTarget[j.Target] <= 0 {
			delete(l.byTarget, j.Target)
		}
	}
}

// wait sleeps until a job of the lane may be due: the next due time (when idle), a
// signal that jobs changed or a worker is free, or the poll interval, whichever comes
// first.
func (r *Runner) wait(ctx context.Context, l *lane, idle bool) {
	d := r.cfg.PollInterval
	if idle {
		now := r.cfg.Clock.Now()
		next, err := r.cfg.Store.NextJobDue(ctx, now)
		if err != nil && ctx.Err() == nil {
			r.log.ErrorContext(ctx, "next job due", slog.Any("error", err))
		}
		// A job that waits behind another of its queue is woken by the signal the other
		// one's end sends; a lease of another process that runs out, by the due time.
		d = pollWait(d, next, now)
	}
	var moved <-chan struct{} // nil, which never fires, for a clock that does not jump
	if m, ok := r.cfg.Clock.(mover); ok {
		moved = m.Moved()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-l.wake:
	case <-l.freed:
	case <-moved:
	case <-timer.C:
	}
}

// runJob runs one claimed job and records its result.
func (r *Runner) runJob(ctx context.Context, job store.Job) {
	kind := r.cfg.Kinds[job.Kind] // a lane claims only its own kinds
	hctx, cancel := context.WithCancel(ctx)
	renewed := r.keepLease(hctx, cancel, job, kind.Lease)
	out, err := kind.Handle(hctx, job)
	cancel()
	<-renewed
	if ctx.Err() != nil {
		// Shutting down: the result may be an artefact of the cancellation. Give the job
		// back as it was, to run at once in whichever process is next.
		r.giveBack(ctx, job)
		return
	}
	if err != nil {
		r.log.ErrorContext(ctx, "job failed", slog.String("kind", job.Kind), slog.Int64("job", job.ID),
			slog.Int("attempt", job.Attempts), slog.Any("error", err))
		out = Outcome{Retry: true}
	}
	switch {
	case !out.Retry:
		held := r.hold(out.Writes)
		err := r.finish(ctx, job, func(ctx context.Context) error { return r.cfg.Store.FinishJob(ctx, job, out.Writes) }, "done")
		r.runHeld(ctx, held, err == nil)
	case job.Attempts < r.cfg.MaxAttempts:
		due := r.cfg.Clock.Now().Add(r.backoff(job.Attempts))
		r.finish(ctx, job, func(ctx context.Context) error { return r.cfg.Store.RetryJob(ctx, job, due, out.Writes) }, "retry")
	default:
		r.log.WarnContext(ctx, "job gave up", slog.String("kind", job.Kind), slog.Int64("job", job.ID),
			slog.String("resource", job.ResourceSid), slog.Int("attempts", job.Attempts))
		r.finish(ctx, job, func(ctx context.Context) error { return r.cfg.Store.FinishJob(ctx, job, out.Writes) }, "gave-up")
	}
}

// keepLease renews job's lease every third of lease until ctx ends, and cancels the
// handler if the lease is lost (another worker took the job over). The returned channel
// closes when it has stopped.
func (r *Runner) keepLease(ctx context.Context, cancel context.CancelFunc, job store.Job, lease time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := r.cfg.Store.RenewLease(ctx, job, r.cfg.Clock.Now().Add(lease)); err != nil && ctx.Err() == nil {
					r.log.WarnContext(ctx, "job lease not renewed; stopping it", slog.String("kind", job.Kind),
						slog.Int64("job", job.ID), slog.Any("error", err))
					cancel()
					return
				}
			}
		}
	}()
	return done
}

// finish records a job's result with record, and returns record's error.
func (r *Runner) finish(ctx context.Context, job store.Job, record func(context.Context) error, result string) error {
	err := record(ctx)
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		r.log.WarnContext(ctx, "job lease lost; its result is dropped", slog.String("kind", job.Kind), slog.Int64("job", job.ID))
		result = "lost"
	case err != nil:
		// The lease will run out and the job run again.
		r.log.ErrorContext(ctx, "record job result", slog.String("kind", job.Kind), slog.Int64("job", job.ID), slog.Any("error", err))
		result = "lost"
	}
	r.cfg.Observe(job.Kind, result)
	return err
}

// hold asks that the jobs w writes be written held by this runner (store.Job), where
// it runs their kind, they are due now, and their lane has room for them at once: they
// then run without a claim. A claim is a write of its own, and three of a message's four
// jobs (its callbacks) are written due by the job before them. It returns the jobs
// asked for, which their lanes count as under way.
func (r *Runner) hold(w store.Writes) []*store.Job {
	now := r.cfg.Clock.Now()
	var held []*store.Job
	ask := func(jobs []store.Job) {
		for i := range jobs {
			j := &jobs[i]
			if l, ok := r.laneOf[j.Kind]; ok && !j.DueAt.After(now) && l.reserve(*j) {
				j.LeaseOwner, j.LeaseUntil = r.owner, now.Add(r.cfg.Kinds[j.Kind].Lease)
				held = append(held, j)
			}
		}
	}
	ask(w.Jobs)
	for i := range w.StatusChanges {
		ask(w.StatusChanges[i].Jobs)
	}
	for i := range w.CallChanges {
		ask(w.CallChanges[i].Jobs)
	}
	return held
}

// runHeld hands the jobs that were written held to their lanes' workers, and frees the
// room of the others (not written, written unheld, or nothing written when !written).
// The hand-off has a goroutine of its own, so that this worker never waits for another
// lane's.
func (r *Runner) runHeld(ctx context.Context, held []*store.Job, written bool) {
	for _, j := range held {
		l, job := r.laneOf[j.Kind], *j
		if written && job.ID != 0 && job.LeaseOwner == r.owner {
			r.handing.Go(func() { r.hand(ctx, l, job) })
			continue
		}
		l.done(job)
		signal(l.freed)
	}
}

// backoff is the wait before retry number attempt (1 = the first): Backoff doubled per
// earlier retry, at most MaxBackoff. The shift is bounded, so it cannot overflow.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < attempt && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxBackoff)
}
