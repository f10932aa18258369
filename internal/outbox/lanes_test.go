package outbox

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// gate is a handler that holds the jobs it runs until released, and tells which run.
type gate struct {
	mu      sync.Mutex
	running map[string]int // by account
	most    map[string]int // the most of an account's running at once
	ran     chan store.Job
	release chan struct{}
}

func newGate() *gate {
	return &gate{running: map[string]int{}, most: map[string]int{}, ran: make(chan store.Job, 100), release: make(chan struct{})}
}

func (g *gate) handle(ctx context.Context, job store.Job) (Outcome, error) {
	g.mu.Lock()
	g.running[job.AccountSid]++
	g.most[job.AccountSid] = max(g.most[job.AccountSid], g.running[job.AccountSid])
	g.mu.Unlock()
	g.ran <- job
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	g.mu.Lock()
	g.running[job.AccountSid]--
	g.mu.Unlock()
	return Outcome{}, nil
}

func (g *gate) mostOf(account string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most[account]
}

// next waits for the next job the gate lets in.
func (g *gate) next(t *testing.T) store.Job {
	t.Helper()
	select {
	case j := <-g.ran:
		return j
	case <-time.After(5 * time.Second):
		t.Fatal("no job started within 5 s")
		return store.Job{}
	}
}

func jobOf(kind, account, resource, target string) store.Job {
	j := newJob(kind, resource, "")
	j.AccountSid, j.Target = account, target
	return j
}

// checkLoad checks what the metrics read of r: how many request jobs run, and how many
// accounts and target hosts are at their caps. No step runs in these tests.
func checkLoad(t *testing.T, r *Runner, running, accounts, targets int) {
	t.Helper()
	if got := r.Running(Requests); got != running {
		t.Errorf("Running(Requests) = %d, want %d", got, running)
	}
	if got := r.Running(Steps); got != 0 {
		t.Errorf("Running(Steps) = %d, want 0", got)
	}
	if a, tg := r.AtCap(); a != accounts || tg != targets {
		t.Errorf("AtCap() = %d accounts, %d targets; want %d, %d", a, tg, accounts, targets)
	}
}

// waitIdle waits until no job runs, then checks that the lanes forgot every account and
// host: the counts of a long-running process must not grow with every one it served.
func waitIdle(t *testing.T, r *Runner) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); r.Running(Requests)+r.Running(Steps) > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("jobs still run after 5 s")
		}
	}
	for _, l := range r.lanes {
		l.mu.Lock()
		accounts, targets := len(l.byAccount), len(l.byTarget)
		l.mu.Unlock()
		if accounts != 0 || targets != 0 {
			t.Errorf("lane %s, idle, still counts %d accounts and %d hosts", l.name, accounts, targets)
		}
	}
}

// TestStepsDoNotWaitForRequests: with every request worker held by a slow app, a step
// of the simulated network still runs at once: the lanes have workers of their own.
func TestStepsDoNotWaitForRequests(t *testing.T) {
	db := openStore(t)
	slow := newGate()
	defer close(slow.release)
	steps := newRecorder(func(store.Job) (Outcome, error) { return Outcome{}, nil })
	run(t, Config{Store: db, Workers: 1, RequestWorkers: 2, PollInterval: 5 * time.Millisecond, Observe: steps.observe,
		Kinds: map[string]Kind{"hook": {Handle: slow.handle, Lane: Requests, Lease: time.Hour}, "step": {Handle: steps.handle}}})
	add(t, db, jobOf("hook", "AC1", "SM1", "slow.example:443"), jobOf("hook", "AC2", "SM2", "other.example:443"))
	slow.next(t)
	slow.next(t) // both request workers are held
	add(t, db, jobOf("step", "AC1", "SM3", ""))
	steps.wait(t, 1)
	if got := steps.snapshot(); len(got) != 1 || got[0] != "SM3:1" {
		t.Fatalf("steps ran %v", got)
	}
}

// TestRequestsCappedPerAccount: one account's requests hold at most RequestsPerAccount
// workers; another account's request runs meanwhile, ahead of the first account's
// backlog.
func TestRequestsCappedPerAccount(t *testing.T) {
	db := openStore(t)
	g := newGate()
	r := run(t, Config{Store: db, RequestWorkers: 4, RequestsPerAccount: 2, PollInterval: 5 * time.Millisecond,
		Kinds: map[string]Kind{"hook": {Handle: g.handle, Lane: Requests, Lease: time.Hour}}})
	for _, sid := range []string{"B1", "B2", "B3", "B4", "B5"} {
		add(t, db, jobOf("hook", "ACb", sid, "b"+sid+".example:443"))
	}
	g.next(t)
	g.next(t)
	checkLoad(t, r, 2, 1, 0) // ACb at its cap
	g.release <- struct{}{}  // one of ACb's requests ends: one more of its backlog starts
	if j := g.next(t); j.ResourceSid != "B3" {
		t.Fatalf("next job to start: %s, want B3", j.ResourceSid)
	}
	checkLoad(t, r, 2, 1, 0)
	add(t, db, jobOf("hook", "ACa", "A1", "a.example:443"))
	if j := g.next(t); j.AccountSid != "ACa" {
		t.Fatalf("next job to start: %s of %s, want ACa's while ACb is at its cap", j.ResourceSid, j.AccountSid)
	}
	checkLoad(t, r, 3, 1, 0)          // ACa's one request is under its cap
	time.Sleep(50 * time.Millisecond) // ten polls: ACb's backlog must still wait
	if n := g.mostOf("ACb"); n != 2 {
		t.Fatalf("ACb had %d requests running at once, want its cap of 2", n)
	}
	close(g.release)
	for range 2 { // ACb's backlog runs as its requests end
		g.next(t)
	}
	if n := g.mostOf("ACb"); n > 2 {
		t.Fatalf("ACb had %d requests running at once, over its cap of 2", n)
	}
	waitIdle(t, r)
}

// TestRequestsCappedPerTarget: requests to one host hold at most RequestsPerTarget
// workers, whichever accounts they are of; a request to another host runs meanwhile.
func TestRequestsCappedPerTarget(t *testing.T) {
	db := openStore(t)
	g := newGate()
	defer close(g.release)
	r := run(t, Config{Store: db, RequestWorkers: 4, RequestsPerAccount: 4, RequestsPerTarget: 2, PollInterval: 5 * time.Millisecond,
		Kinds: map[string]Kind{"hook": {Handle: g.handle, Lane: Requests, Lease: time.Hour}}})
	for i, sid := range []string{"S1", "S2", "S3", "S4"} {
		add(t, db, jobOf("hook", []string{"AC1", "AC2"}[i%2], sid, "slow.example:443"))
	}
	g.next(t)
	g.next(t)
	checkLoad(t, r, 2, 0, 1) // slow.example at its cap, AC1 and AC2 under theirs
	g.release <- struct{}{}  // one of them ends: one more to slow.example starts
	if j := g.next(t); j.ResourceSid != "S3" {
		t.Fatalf("next job to start: %s, want S3", j.ResourceSid)
	}
	checkLoad(t, r, 2, 0, 1)
	add(t, db, jobOf("hook", "AC1", "F1", "fast.example:443"))
	if j := g.next(t); j.Target != "fast.example:443" {
		t.Fatalf("next job to start: %s to %s, want the one to fast.example while slow.example is at its cap", j.ResourceSid, j.Target)
	}
	select {
	case j := <-g.ran:
		t.Fatalf("%s to %s started while its host was at its cap", j.ResourceSid, j.Target)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestStepsHaveNoCap: the Steps lane caps neither accounts nor hosts, so the metrics count
// none of its jobs as at a cap.
func TestStepsHaveNoCap(t *testing.T) {
	db := openStore(t)
	g := newGate()
	defer close(g.release)
	r := run(t, Config{Store: db, Workers: 2, PollInterval: 5 * time.Millisecond,
		Kinds: map[string]Kind{"step": {Handle: g.handle, Lease: time.Hour}}})
	add(t, db, jobOf("step", "AC1", "SM1", "media.example:443"))
	g.next(t)
	if got := r.Running(Steps); got != 1 {
		t.Errorf("Running(Steps) = %d, want 1", got)
	}
	if got := r.Running(Requests); got != 0 {
		t.Errorf("Running(Requests) = %d, want 0", got)
	}
	if a, tg := r.AtCap(); a != 0 || tg != 0 {
		t.Errorf("AtCap() = %d accounts, %d targets; want none: steps have no cap", a, tg)
	}
}

// TestFreedWorkerClaimsAtOnce: a busy lane waits at most claimEvery after its last claim
// before it claims for a worker that is free again, however long ago that claim was.
func TestFreedWorkerClaimsAtOnce(t *testing.T) {
	db := openStore(t)
	g := newGate()
	defer close(g.release)
	add(t, db, jobOf("step", "AC1", "SM1", ""), jobOf("step", "AC1", "SM2", ""), jobOf("step", "AC1", "SM3", ""))
	run(t, Config{Store: db, Workers: 2, PollInterval: time.Hour, Kinds: map[string]Kind{"step": {Handle: g.handle, Lease: time.Hour}}})
	g.next(t)
	g.next(t)
	const held = time.Second // since the lane's last claim
	time.Sleep(held)
	g.release <- struct{}{}
	start := time.Now()
	g.next(t)
	if waited := time.Since(start); waited > held/2 {
		t.Fatalf("the freed worker got its next job %s after the release, want at once", waited)
	}
}
