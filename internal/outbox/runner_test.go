package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// spyStore is the real store with a count of claims and errors to inject.
type spyStore struct {
	*sqlite.DB
	claims, claimed     atomic.Int64          // claims made, jobs they took
	claimErr, nextErr   atomic.Pointer[error] // returned once, then cleared
	renewErr, finishErr error
}

func (s *spyStore) ClaimJobs(ctx context.Context, c store.Claim) ([]store.Job, error) {
	s.claims.Add(1)
	if err := s.claimErr.Swap(nil); err != nil {
		return nil, *err
	}
	jobs, err := s.DB.ClaimJobs(ctx, c)
	s.claimed.Add(int64(len(jobs)))
	return jobs, err
}

func (s *spyStore) NextJobDue(ctx context.Context, now time.Time) (time.Time, error) {
	if err := s.nextErr.Swap(nil); err != nil {
		return time.Time{}, *err
	}
	return s.DB.NextJobDue(ctx, now)
}

func (s *spyStore) RenewLease(ctx context.Context, j store.Job, until time.Time) error {
	if s.renewErr != nil {
		return s.renewErr
	}
	return s.DB.RenewLease(ctx, j, until)
}

func (s *spyStore) FinishJob(ctx context.Context, j store.Job, w store.Writes) error {
	if s.finishErr != nil {
		return s.finishErr
	}
	return s.DB.FinishJob(ctx, j, w)
}

// logBuffer collects a runner's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// TestDefaults: a zero Config runs with the documented defaults.
func TestDefaults(t *testing.T) {
	r := New(Config{Kinds: map[string]Kind{"k": {}}})
	c := r.cfg
	if c.Workers != DefaultWorkers || c.RequestWorkers != DefaultRequestWorkers || c.RequestsPerAccount != DefaultRequestsPerAccount ||
		c.RequestsPerTarget != DefaultRequestsPerTarget || c.Kinds["k"].Lease != 5*time.Second || c.MaxAttempts != 5 || c.Backoff != time.Second ||
		c.MaxBackoff != 5*time.Minute || c.PollInterval != 250*time.Millisecond || c.Observe == nil || r.log == nil {
		t.Errorf("defaults %+v", c)
	}
	if DefaultWorkers != 64 || DefaultRequestWorkers != 64 || DefaultRequestsPerAccount != 32 || DefaultRequestsPerTarget != 32 {
		t.Errorf("documented defaults changed: %d %d %d %d", DefaultWorkers, DefaultRequestWorkers, DefaultRequestsPerAccount, DefaultRequestsPerTarget)
	}
	if r.backoff(1) != time.Second || r.backoff(100) != 5*time.Minute {
		t.Errorf("default backoffs %s, %s", r.backoff(1), r.backoff(100))
	}
	// Set values are kept.
	c = New(Config{Workers: 1, RequestWorkers: 5, RequestsPerAccount: 6, RequestsPerTarget: 7, Kinds: map[string]Kind{"k": {Lease: time.Hour}},
		MaxAttempts: 1, Backoff: 2, MaxBackoff: 3, PollInterval: 4}).cfg
	if c.Workers != 1 || c.RequestWorkers != 5 || c.RequestsPerAccount != 6 || c.RequestsPerTarget != 7 || c.Kinds["k"].Lease != time.Hour ||
		c.MaxAttempts != 1 || c.Backoff != 2 || c.MaxBackoff != 3 || c.PollInterval != 4 {
		t.Errorf("set values not kept: %+v", c)
	}
}

// TestFullRunnerLeavesJobsToOthers: a runner whose workers are all busy claims nothing
// more (it could not start it), so another process runs the job meanwhile.
func TestFullRunnerLeavesJobsToOthers(t *testing.T) {
	db := openStore(t)
	release := make(chan struct{})
	started := make(chan struct{})
	busyRec := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	busy := func(ctx context.Context, job store.Job) (Outcome, error) {
		busyRec.handle(ctx, job)
		if job.ResourceSid == "slow" {
			close(started)
			<-release
		}
		return Outcome{}, nil
	}
	add(t, db, newJob("k", "slow", ""))
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: busy, Lease: time.Hour}}, Workers: 1, PollInterval: 5 * time.Millisecond})
	defer close(release)
	<-started
	add(t, db, newJob("k", "other", ""))
	time.Sleep(50 * time.Millisecond) // ten polls of the full runner
	other := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: other.handle, Lease: time.Hour}}, Observe: other.observe, PollInterval: 5 * time.Millisecond})
	other.wait(t, 1)
	if got := other.snapshot(); len(got) != 1 || got[0] != "other:1" {
		t.Errorf("the second runner ran %v", got)
	}
	if got := busyRec.snapshot(); len(got) != 1 {
		t.Errorf("the full runner ran %v", got)
	}
}

// TestRunnerDoesNotSpin: an idle runner, and a full one, claim about once per poll, not in
// a loop.
func TestRunnerDoesNotSpin(t *testing.T) {
	for _, full := range []bool{false, true} {
		db := &spyStore{DB: openStore(t)}
		release := make(chan struct{})
		started := make(chan struct{}, 1)
		handler := func(ctx context.Context, job store.Job) (Outcome, error) {
			started <- struct{}{}
			<-release
			return Outcome{}, nil
		}
		if full {
			add(t, db.DB, newJob("k", "slow", ""))
		}
		run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: handler, Lease: time.Hour}}, Workers: 1, PollInterval: 20 * time.Millisecond})
		if full {
			<-started
		}
		before := db.claims.Load()
		time.Sleep(200 * time.Millisecond) // ten polls
		if n := db.claims.Load() - before; n > 40 {
			t.Errorf("full %v: %d claims in ten polls", full, n)
		}
		close(release)
	}
}

// TestRunnerWakesForAJobDueLater: with nothing to do, a runner sleeps until the next
// job falls due, not a whole poll interval.
func TestRunnerWakesForAJobDueLater(t *testing.T) {
	db := openStore(t)
	rec := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe, PollInterval: time.Hour})
	later := newJob("k", "later", "")
	later.DueAt = time.Now().Add(300 * time.Millisecond)
	add(t, db, later)
	rec.wait(t, 1)
	if got := rec.snapshot(); len(got) != 1 || got[0] != "later:1" {
		t.Errorf("ran %v", got)
	}
}

// TestStoreFailuresAreLoggedAndSurvived: a failing claim or due-time read is logged at
// error level and the runner goes on; a runner with nothing failing logs no error.
func TestStoreFailuresAreLoggedAndSurvived(t *testing.T) {
	var logs logBuffer
	db := &spyStore{DB: openStore(t)}
	rec := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe, Logger: logs.logger(), PollInterval: 10 * time.Millisecond})
	add(t, db.DB, newJob("k", "a", ""))
	rec.wait(t, 1)
	time.Sleep(50 * time.Millisecond) // idle polls
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("a runner with nothing failing logged errors:\n%s", logs.String())
	}
	claimErr, nextErr := errors.New("claim broke"), errors.New("next broke")
	db.claimErr.Store(&claimErr)
	db.nextErr.Store(&nextErr)
	time.Sleep(100 * time.Millisecond)
	got := logs.String()
	for _, want := range []string{`level=ERROR msg="claim jobs" lane=steps error="claim broke"`, `level=ERROR msg="next job due" error="next broke"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	add(t, db.DB, newJob("k", "b", ""))
	rec.wait(t, 1)
}

// TestLostLeaseStopsTheHandler: when the lease cannot be renewed (another runner took
// the job over), the handler's context ends, and a result that cannot be recorded is
// reported as lost.
func TestLostLeaseStopsTheHandler(t *testing.T) {
	var logs logBuffer
	db := &spyStore{DB: openStore(t), renewErr: errors.New("renew broke"), finishErr: errors.New("finish broke")}
	stopped := make(chan error, 1)
	handler := func(ctx context.Context, job store.Job) (Outcome, error) {
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(5 * time.Second):
		}
		select { // the job runs again (its result is never recorded): report the first run
		case stopped <- err:
		default:
		}
		return Outcome{}, nil
	}
	var mu sync.Mutex
	var results []string
	observe := func(kind, result string) { mu.Lock(); results = append(results, result); mu.Unlock() }
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: handler, Lease: 30 * time.Millisecond}}, Observe: observe,
		Logger: logs.logger(), PollInterval: 10 * time.Millisecond})
	add(t, db.DB, newJob("k", "a", ""))
	if err := <-stopped; err == nil {
		t.Fatal("the handler ran on after its lease was lost")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), results...)
		mu.Unlock()
		if len(got) > 0 {
			if got[0] != "lost" {
				t.Errorf("a result that could not be recorded was observed as %q", got[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no result observed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := logs.String(); !strings.Contains(got, "job lease not renewed") || !strings.Contains(got, `msg="record job result"`) {
		t.Errorf("log:\n%s", got)
	}
}

// TestJobsWrittenDueRunWithoutAClaim: a job that a finished job writes due now, of a
// kind this runner runs, with a worker free, is written held by the runner and run
// without a claim: of a chain of six jobs, each writing the next, one is claimed. The
// chain's jobs go from the Steps lane to the Requests lane and back, as a delivery step
// and its callback do.
func TestJobsWrittenDueRunWithoutAClaim(t *testing.T) {
	db := &spyStore{DB: openStore(t)}
	rec := newRecorder(func(job store.Job) (Outcome, error) {
		n := int(job.ResourceSid[0] - '0')
		if n == 6 {
			return Outcome{}, nil
		}
		kind := []string{"step", "hook"}[n%2]
		next := newJob(kind, string(rune('0'+n+1)), "")
		next.Target = "example.com"
		return Outcome{Writes: store.Writes{Jobs: []store.Job{next}}}, nil
	})
	run(t, Config{Store: db, Kinds: map[string]Kind{"step": {Handle: rec.handle}, "hook": {Handle: rec.handle, Lane: Requests}},
		Observe: rec.observe, PollInterval: time.Hour})
	time.Sleep(20 * time.Millisecond) // the lanes' first claims find nothing: caught up
	add(t, db.DB, newJob("step", "1", ""))
	rec.wait(t, 6)
	if got := rec.snapshot(); !slices.Equal(got, []string{"1:1", "2:1", "3:1", "4:1", "5:1", "6:1"}) {
		t.Fatalf("ran %v", got)
	}
	if n := db.claimed.Load(); n != 1 {
		t.Errorf("%d jobs claimed, want 1 (the first)", n)
	}
	if n, _ := db.CountJobs(context.Background(), ""); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// TestReserve: a lane takes a job written held only when it has no backlog (caught up),
// a free worker, and room under the job's account's and target's caps.
func TestReserve(t *testing.T) {
	job := store.Job{AccountSid: "AC1", Target: "a.example"}
	for _, tt := range []struct {
		name                  string
		caughtUp              bool
		busy, account, target int
		untargeted            bool
		want                  bool
	}{
		{name: "room", caughtUp: true, busy: 3, account: 1, target: 1, want: true},
		{name: "backlog", caughtUp: false, want: false},
		{name: "every worker busy", caughtUp: true, busy: 4, want: false},
		{name: "account at its cap", caughtUp: true, busy: 2, account: 2, want: false},
		{name: "target at its cap", caughtUp: true, busy: 2, target: 2, want: false},
		{name: "no target, no target cap", caughtUp: true, busy: 2, target: 2, untargeted: true, want: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLane(Requests, 4, 2, 2)
			l.caughtUp, l.busy = tt.caughtUp, tt.busy
			if tt.account > 0 {
				l.byAccount["AC1"] = tt.account
			}
			if tt.target > 0 {
				l.byTarget["a.example"] = tt.target
			}
			j := job
			if tt.untargeted {
				j.Target = ""
			}
			if got := l.reserve(j); got != tt.want {
				t.Fatalf("reserve = %v, want %v", got, tt.want)
			}
			wantBusy, wantAccount := tt.busy, tt.account
			if tt.want {
				wantBusy, wantAccount = tt.busy+1, tt.account+1
			}
			if l.busy != wantBusy || l.byAccount["AC1"] != wantAccount {
				t.Errorf("busy %d, account %d; want %d, %d", l.busy, l.byAccount["AC1"], wantBusy, wantAccount)
			}
			if tt.want && !tt.untargeted && l.byTarget["a.example"] != tt.target+1 {
				t.Errorf("target %d, want %d", l.byTarget["a.example"], tt.target+1)
			}
		})
	}
}
