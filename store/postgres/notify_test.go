package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
)

// signalled waits up to d for a signal on c.
func signalled(c <-chan struct{}, d time.Duration) bool {
	select {
	case <-c:
		return true
	case <-time.After(d):
		return pending(c)
	}
}

// pending reports whether a signal is waiting on c, and takes it.
func pending(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// TestSignalsAcrossProcesses: a change logged, or a job written, by one process signals
// Changed and JobsChanged in another one on the same database; a process is not
// signalled again by the notifications of its own commits, which it signalled at commit.
func TestSignalsAcrossProcesses(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	a, b := openURL(t, url), openURL(t, url)
	if _, err := a.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the account's own signals arrive
	for _, db := range []*DB{a, b} {
		pending(db.Changed())
		pending(db.JobsChanged())
	}

	if _, err := a.CreateMessage(ctx, testMessage("AC1", 1)); err != nil {
		t.Fatal(err)
	}
	if !signalled(b.Changed(), 5*time.Second) {
		t.Error("another process's new message did not signal Changed")
	}
	if !pending(a.Changed()) {
		t.Error("the writer's own message did not signal Changed at commit")
	}
	if err := a.Apply(ctx, store.Writes{Jobs: []store.Job{{Kind: "k", AccountSid: "AC1", ResourceSid: "SM1", DueAt: t0, DateCreated: t0}}}); err != nil {
		t.Fatal(err)
	}
	if !signalled(b.JobsChanged(), 5*time.Second) {
		t.Error("another process's new job did not signal JobsChanged")
	}
	pending(a.Changed())
	pending(a.JobsChanged())
	// b has seen the notifications of both commits; a's arrived at a as well by now,
	// and must have been dropped.
	if signalled(a.Changed(), 200*time.Millisecond) || pending(a.JobsChanged()) {
		t.Error("a process was signalled again by its own commit's notification")
	}
}

// TestAuthGenerationAcrossProcesses: a change of credentials made by one process moves
// the auth generation another one serves at once (its notification); a change whose
// notification is lost moves it within the refresh period.
func TestAuthGenerationAcrossProcesses(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	a, b := openURL(t, url), openURL(t, url)
	// moved waits for b's generation to leave from, and says how long it took.
	moved := func(from int64, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			g, err := b.AuthGeneration(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g != from {
				return time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("the generation stayed at %d for %v", from, within)
		return 0
	}

	g, err := b.AuthGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	// Notified: well within the refresh period.
	if took := moved(g, authRefresh); took > authRefresh/2 {
		t.Errorf("another process's new account took %v to move the generation", took)
	}

	// A change nobody notifies, as if the notification were lost: the periodic read finds
	// it.
	g, _ = b.AuthGeneration(ctx)
	if _, err := connect(t, url).Exec(ctx, "UPDATE auth_generation SET gen = gen + 1"); err != nil {
		t.Fatal(err)
	}
	moved(g, authRefresh+500*time.Millisecond)
}

// TestListenerReconnects: when the listening connection drops, the store connects it
// again by itself, signals Changed and JobsChanged for what it may have missed, and is
// notified of other processes' changes again.
func TestListenerReconnects(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	a, b := openURL(t, url), openURL(t, url)
	if _, err := a.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	pending(b.Changed())
	pending(b.JobsChanged())

	old := b.listenerPID.Load()
	if _, err := connect(t, url).Exec(ctx, "SELECT pg_terminate_backend($1)", int32(old)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.listenerPID.Load() == old {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not connect again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !signalled(b.Changed(), time.Second) || !signalled(b.JobsChanged(), time.Second) {
		t.Error("a reconnection did not signal Changed and JobsChanged")
	}
	if _, err := a.CreateMessage(ctx, testMessage("AC1", 1)); err != nil {
		t.Fatal(err)
	}
	if !signalled(b.Changed(), 5*time.Second) {
		t.Error("after the reconnection, another process's new message did not signal Changed")
	}
	if _, err := b.AuthGeneration(ctx); err != nil {
		t.Errorf("auth generation after the reconnection: %v", err)
	}
}
