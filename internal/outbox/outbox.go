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

	"github.com/switchboard-dev/switchboard/store"
)

// Store is what the runner needs from persistence.
type Store interface {
	ClaimJobs(ctx context.Context, owner string, now time.Time, leases map[string]time.Duration, limit int) ([]store.Job, error)
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

// Kind is how to run the jobs of one kind.
type Kind struct {
	Handle Handler
	// Lease is how long a claimed job is reserved at a time (default 5 s). The runner
	// renews it while the handler runs, so it bounds not the work but the wait before a
	// job whose process died runs again elsewhere.
	Lease time.Duration
}

// Config tunes a Runner; zero values take the defaults.
type Config struct {
	Store  Store
	Kinds  map[string]Kind // by job kind
	Logger *slog.Logger
	// Workers is how many jobs run at once (default 16).
	Workers int
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
}

// Runner runs jobs until its context ends.
type Runner struct {
	cfg   Config
	owner string
	log   *slog.Logger
	// freed is signalled when a worker finishes, so that a full runner claims again.
	freed chan struct{}
}

// New returns a runner for cfg.
func New(cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
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
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Runner{cfg: cfg, owner: "runner-" + hex.EncodeToString(b[:]), log: log, freed: make(chan struct{}, 1)}
}

// Run claims and runs jobs until ctx ends, then waits for the jobs under way (their
// handlers see ctx end too) and returns.
func (r *Runner) Run(ctx context.Context) {
	var (
		wg   sync.WaitGroup
		jobs = make(chan store.Job)
		busy = make(chan struct{}, r.cfg.Workers) // one token per job under way
	)
	// The workers live as long as the runner. A goroutine of its own per job grew a new
	// stack, to the depth SQLite's calls take, for every job: 5% of the CPU of a burst of
	// deliveries.
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				r.runJob(ctx, job)
				<-busy
				select {
				case r.freed <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	for ctx.Err() == nil {
		claimed := 0
		if free := r.cfg.Workers - len(busy); free > 0 {
			claimedJobs, err := r.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "claim jobs", slog.Any("error", err))
			}
			claimed = len(claimedJobs)
			for _, job := range claimedJobs {
				// Never blocks for long: at most Workers jobs are under way, so a worker
				// is, or is about to be, waiting for this one.
				busy <- struct{}{}
				jobs <- job
			}
			if claimed == free {
				continue // there may be more due right now
			}
		}
		r.wait(ctx, claimed == 0 && len(busy) < r.cfg.Workers)
	}
}

// claim leases up to limit due jobs, each for its kind's lease.
func (r *Runner) claim(ctx context.Context, limit int) ([]store.Job, error) {
	leases := make(map[string]time.Duration, len(r.cfg.Kinds))
	for name, k := range r.cfg.Kinds {
		leases[name] = k.Lease
	}
	return r.cfg.Store.ClaimJobs(ctx, r.owner, time.Now(), leases, limit)
}

// wait sleeps until a job may be due: the next due time, a signal that jobs changed or a
// worker is free, or the poll interval, whichever comes first.
func (r *Runner) wait(ctx context.Context, idle bool) {
	d := r.cfg.PollInterval
	if idle {
		next, err := r.cfg.Store.NextJobDue(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			r.log.ErrorContext(ctx, "next job due", slog.Any("error", err))
		}
		// A job that waits behind another of its queue is woken by the signal the other
		// one's end sends; a lease of another process that runs out, by the due time.
		if until := time.Until(next); !next.IsZero() && until > 0 && until < d {
			d = until
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-r.cfg.Store.JobsChanged():
	case <-r.freed:
	case <-timer.C:
	}
}

// runJob runs one claimed job and records its result.
func (r *Runner) runJob(ctx context.Context, job store.Job) {
	kind, ok := r.cfg.Kinds[job.Kind]
	if !ok {
		// A newer build's job: leave it for a process that knows it, without spinning.
		r.log.WarnContext(ctx, "no handler for job kind", slog.String("kind", job.Kind), slog.Int64("job", job.ID))
		r.finish(ctx, job, func(ctx context.Context) error {
			return r.cfg.Store.RetryJob(ctx, job, time.Now().Add(r.cfg.MaxBackoff), store.Writes{})
		}, "retry")
		return
	}
	hctx, cancel := context.WithCancel(ctx)
	renewed := r.keepLease(hctx, cancel, job, kind.Lease)
	out, err := kind.Handle(hctx, job)
	cancel()
	<-renewed
	if ctx.Err() != nil {
		// Shutting down: the result may be an artefact of the cancellation. Give the job
		// back as it was, to run at once in whichever process is next.
		r.finish(context.WithoutCancel(ctx), job, func(ctx context.Context) error {
			return r.cfg.Store.RetryJob(ctx, job, time.Now(), store.Writes{})
		}, "retry")
		return
	}
	if err != nil {
		r.log.ErrorContext(ctx, "job failed", slog.String("kind", job.Kind), slog.Int64("job", job.ID),
			slog.Int("attempt", job.Attempts), slog.Any("error", err))
		out = Outcome{Retry: true}
	}
	switch {
	case !out.Retry:
		r.finish(ctx, job, func(ctx context.Context) error { return r.cfg.Store.FinishJob(ctx, job, out.Writes) }, "done")
	case job.Attempts < r.cfg.MaxAttempts:
		due := time.Now().Add(r.backoff(job.Attempts))
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
				if err := r.cfg.Store.RenewLease(ctx, job, time.Now().Add(lease)); err != nil && ctx.Err() == nil {
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

func (r *Runner) finish(ctx context.Context, job store.Job, record func(context.Context) error, result string) {
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
