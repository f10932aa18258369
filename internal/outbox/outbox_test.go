package outbox

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// recorder is a handler that records the jobs it ran and answers as told.
type recorder struct {
	mu      sync.Mutex
	ran     []string // resource:attempt
	results []string // kind:result, from Observe
	answer  func(job store.Job) (Outcome, error)
	done    chan struct{}
}

func newRecorder(answer func(store.Job) (Outcome, error)) *recorder {
	return &recorder{answer: answer, done: make(chan struct{}, 100)}
}

func (r *recorder) handle(_ context.Context, job store.Job) (Outcome, error) {
	r.mu.Lock()
	r.ran = append(r.ran, job.ResourceSid+":"+string(rune('0'+job.Attempts)))
	r.mu.Unlock()
	return r.answer(job)
}

func (r *recorder) observe(kind, result string) {
	r.mu.Lock()
	r.results = append(r.results, kind+":"+result)
	r.mu.Unlock()
	r.done <- struct{}{}
}

func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Fatalf("waited for %d job results; got %v", n, r.snapshot())
		}
	}
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ran)
}

func run(t *testing.T, cfg Config) *Runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r := New(cfg)
	go func() {
		r.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return r
}

func add(t *testing.T, db *sqlite.DB, jobs ...store.Job) {
	t.Helper()
	if err := db.Apply(context.Background(), store.Writes{Jobs: jobs}); err != nil {
		t.Fatal(err)
	}
}

func newJob(kind, resource, queue string) store.Job {
	return store.Job{Kind: kind, AccountSid: "AC1", ResourceSid: resource, Queue: queue, DueAt: time.Now(), DateCreated: time.Now()}
}

func TestRunnerRetriesWithBackoffThenGivesUp(t *testing.T) {
	db := openStore(t)
	rec := newRecorder(func(job store.Job) (Outcome, error) {
		if job.ResourceSid == "broken" {
			return Outcome{}, errors.New("the database is on fire")
		}
		return Outcome{Retry: job.Attempts < 3 || job.ResourceSid == "never"}, nil
	})
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe,
		MaxAttempts: 4, Backoff: 10 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	add(t, db, newJob("k", "flaky", ""), newJob("k", "never", ""), newJob("k", "broken", ""))
	rec.wait(t, 3+4+4)
	got := rec.snapshot()
	for _, want := range []string{"flaky:1", "flaky:2", "flaky:3", "never:4", "broken:4"} {
		if !slices.Contains(got, want) {
			t.Errorf("runs %v lack %s", got, want)
		}
	}
	if slices.Contains(got, "flaky:4") || slices.Contains(got, "never:5") {
		t.Errorf("ran too often: %v", got)
	}
	rec.mu.Lock()
	results := slices.Clone(rec.results)
	rec.mu.Unlock()
	count := func(s string) (n int) {
		for _, r := range results {
			if r == s {
				n++
			}
		}
		return n
	}
	if count("k:done") != 1 || count("k:gave-up") != 2 || count("k:retry") != 8 {
		t.Errorf("results %v", results)
	}
	if n, _ := db.CountJobs(context.Background(), ""); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

func TestRunnerKeepsQueueOrder(t *testing.T) {
	db := openStore(t)
	rec := newRecorder(func(job store.Job) (Outcome, error) {
		time.Sleep(5 * time.Millisecond) // room for a second worker to jump the queue, if it could
		return Outcome{}, nil
	})
	var jobs []store.Job
	for _, r := range []string{"a", "b", "c", "d", "e", "f"} {
		jobs = append(jobs, newJob("k", r, "q"))
	}
	add(t, db, jobs...)
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe, Workers: 4, PollInterval: 5 * time.Millisecond})
	rec.wait(t, 6)
	if got := rec.snapshot(); !slices.Equal(got, []string{"a:1", "b:1", "c:1", "d:1", "e:1", "f:1"}) {
		t.Fatalf("ran %v, want a queue's jobs in order", got)
	}
}

func TestRunnerWritesOutcome(t *testing.T) {
	db := openStore(t)
	rec := newRecorder(func(job store.Job) (Outcome, error) {
		if job.ResourceSid == "first" { // a job that causes another, as a delivery step does
			return Outcome{Writes: store.Writes{Jobs: []store.Job{newJob("k", "second", "")}}}, nil
		}
		return Outcome{}, nil
	})
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe, PollInterval: time.Hour})
	add(t, db, newJob("k", "first", ""))
	// The poll is an hour: only the store's signal can wake the runner, twice.
	rec.wait(t, 2)
	if got := rec.snapshot(); !slices.Equal(got, []string{"first:1", "second:1"}) {
		t.Fatalf("ran %v", got)
	}
}

func TestRunnerGivesJobsBackAtShutdown(t *testing.T) {
	db := openStore(t)
	started := make(chan struct{})
	handler := func(ctx context.Context, job store.Job) (Outcome, error) {
		close(started)
		<-ctx.Done() // a webhook under way when the process stops
		return Outcome{Retry: true}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		New(Config{Store: db, Kinds: map[string]Kind{"k": {Handle: handler, Lease: time.Hour}}, PollInterval: 5 * time.Millisecond}).Run(ctx)
		close(done)
	}()
	add(t, db, newJob("k", "slow", ""))
	<-started
	cancel()
	<-done
	// Given back at once, not left under an hour's lease, and due now.
	jobs, err := db.ClaimJobs(context.Background(), store.Claim{Owner: "next", Now: time.Now(), Leases: map[string]time.Duration{"k": time.Hour}, Limit: 10})
	if err != nil || len(jobs) != 1 || jobs[0].ResourceSid != "slow" {
		t.Fatalf("after shutdown, claim got %+v (%v)", jobs, err)
	}
}

// TestRunnerLeavesUnknownKinds: a job of a kind the runner has no handler for (written
// by a newer build) is not claimed: it waits, untouched, for a process that knows it,
// while the runner's own kinds run.
func TestRunnerLeavesUnknownKinds(t *testing.T) {
	db := openStore(t)
	rec := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle}}, Observe: rec.observe, PollInterval: 5 * time.Millisecond})
	add(t, db, newJob("from-a-newer-build", "x", ""))
	add(t, db, newJob("k", "mine", ""))
	rec.wait(t, 1)
	time.Sleep(50 * time.Millisecond) // ten polls
	if got := rec.snapshot(); len(got) != 1 || got[0] != "mine:1" {
		t.Fatalf("ran %v, want only its own kind's job", got)
	}
	jobs, err := db.ClaimJobs(context.Background(), store.Claim{Owner: "newer", Now: time.Now(), Leases: map[string]time.Duration{"from-a-newer-build": time.Minute}, Limit: 10})
	if err != nil || len(jobs) != 1 || jobs[0].Attempts != 1 {
		t.Fatalf("the unknown job, claimed by a newer build: %+v (%v); want it untouched, attempt 1", jobs, err)
	}
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	r := New(Config{Backoff: time.Second, MaxBackoff: 5 * time.Second})
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 1000: 5 * time.Second} {
		if got := r.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %s, want %s", attempt, got, want)
		}
	}
}

func TestClaimWait(t *testing.T) {
	for _, tt := range []struct {
		name          string
		free, workers int
		sinceLast     time.Duration
		want          time.Duration
	}{
		{"an idle lane claims at once", 4, 4, 0, 0},
		{"a busy lane just after a claim", 1, 4, 0, claimEvery},
		{"a busy lane part way", 3, 4, claimEvery / 4, claimEvery * 3 / 4},
		{"a busy lane a whole interval on", 1, 4, claimEvery, 0},
		{"a busy lane long after", 1, 4, time.Hour, 0},
	} {
		if got := claimWait(tt.free, tt.workers, tt.sinceLast); got != tt.want {
			t.Errorf("%s: claimWait(%d, %d, %s) = %s, want %s", tt.name, tt.free, tt.workers, tt.sinceLast, got, tt.want)
		}
	}
}

func TestPollWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	poll := 250 * time.Millisecond
	for _, tt := range []struct {
		name string
		next time.Time
		want time.Duration
	}{
		{"no job will fall due", time.Time{}, poll},
		{"a job due sooner", now.Add(10 * time.Millisecond), 10 * time.Millisecond},
		{"a job due later", now.Add(time.Second), poll},
		{"a job due at the poll", now.Add(poll), poll},
		{"a job due now", now, poll},
		{"a job due before now", now.Add(-time.Second), poll},
	} {
		if got := pollWait(poll, tt.next, now); got != tt.want {
			t.Errorf("%s: pollWait = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRoom(t *testing.T) {
	got := room(map[string]int{"AC1": 1, "AC2": 3, "AC3": 5}, 3)
	if want := map[string]int{"AC1": 2, "AC2": 0, "AC3": 0}; !maps.Equal(got, want) {
		t.Errorf("room = %v, want %v", got, want)
	}
}

// TestRunnerRenewsLeases: a job that takes several leases' worth of time is not taken
// over by another runner while it is alive.
func TestRunnerRenewsLeases(t *testing.T) {
	db := openStore(t)
	// The lease leaves room for a renewal to be late on a busy machine (renewals come
	// every third of it), and the job takes four of them.
	rec := newRecorder(func(store.Job) (Outcome, error) {
		time.Sleep(1200 * time.Millisecond) // four leases
		return Outcome{}, nil
	})
	for range 2 {
		run(t, Config{Store: db, Kinds: map[string]Kind{"k": {Handle: rec.handle, Lease: 300 * time.Millisecond}},
			Observe: rec.observe, PollInterval: 10 * time.Millisecond})
	}
	add(t, db, newJob("k", "slow", ""))
	rec.wait(t, 1)
	time.Sleep(600 * time.Millisecond)
	if got := rec.snapshot(); !slices.Equal(got, []string{"slow:1"}) {
		t.Fatalf("ran %v, want once", got)
	}
}
