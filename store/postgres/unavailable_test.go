package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
)

// proxy forwards the TCP connections it accepts on a loopback port of its own to the
// port in target: a cluster restarted on another port stays behind one address, as a
// server restarted in place would.
type proxy struct {
	ln     net.Listener
	target atomic.Int32
}

func startProxy(t *testing.T, target int) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	p.target.Store(int32(target))
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
	return p
}

// forward copies both ways until either side closes, then closes both.
func (p *proxy) forward(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(int(p.target.Load())))
	if err != nil {
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done
}

// TestUnavailableAndBack: while the server is down, reads and writes fail at once with
// ErrUnavailable (which the API answers with 503 and Retry-After), and so does the auth
// generation once it has not been read for authStale; when the server is back, the same
// store serves again by itself.
func TestUnavailableAndBack(t *testing.T) {
	ctx := context.Background()
	cluster, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Remove()
	if _, err := pgtest.CreateDatabase(ctx, cluster.URL("postgres"), "switchboard"); err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, cluster.Port)
	db := openURL(t, fmt.Sprintf("postgres://postgres@%s/switchboard?sslmode=disable", p.ln.Addr()))
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateMessage(ctx, testMessage("AC1", 1)); err != nil {
		t.Fatal(err)
	}

	cluster.Stop()
	ops := map[string]func(ctx context.Context) error{
		"get": func(ctx context.Context) error { _, err := db.GetAccount(ctx, "AC1"); return err },
		"list": func(ctx context.Context) error {
			_, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{})
			return err
		},
		"create": func(ctx context.Context) error { _, err := db.CreateMessage(ctx, testMessage("AC1", 2)); return err },
		"apply": func(ctx context.Context) error {
			return db.Apply(ctx, store.Writes{Jobs: []store.Job{{Kind: "k", AccountSid: "AC1", ResourceSid: "SM1", DueAt: t0, DateCreated: t0}}})
		},
		"claim": func(ctx context.Context) error {
			_, err := db.ClaimJobs(ctx, store.Claim{Owner: "w", Now: t0, Leases: map[string]time.Duration{"step": time.Minute}, Limit: 10})
			return err
		},
		"ping": func(ctx context.Context) error { return db.Ping(ctx) },
	}
	// Twice: the first time meets the pool's connections, broken by the shutdown; the
	// second, new connections that cannot be made.
	for round := range 2 {
		for name, op := range ops {
			start := time.Now()
			err := op(ctx)
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("%s with the server down (round %d): %v, want ErrUnavailable", name, round, err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("%s took %v to fail", name, took)
			}
		}
	}
	deadline := time.Now().Add(authStale + 3*time.Second)
	for {
		_, err := db.AuthGeneration(ctx)
		if errors.Is(err, store.ErrUnavailable) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("auth generation with the server down for %v: %v, want ErrUnavailable", authStale, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	p.target.Store(int32(cluster.Port))
	deadline = time.Now().Add(15 * time.Second)
	for {
		err := db.Ping(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Once Ping succeeds (a replica's /healthz says it is ready), everything does,
	// credentials included: the listener may still be pausing before it reconnects.
	if _, err := db.AuthGeneration(ctx); err != nil {
		t.Errorf("auth generation once Ping succeeds: %v", err)
	}
	for name, op := range ops {
		if err := op(ctx); err != nil {
			t.Errorf("%s after the restart: %v", name, err)
		}
	}
}

// TestLockWaitIsUnavailable: a write that waits for the change log's lock longer than
// lock_timeout (here from the URL) fails with ErrUnavailable, as SQLite's writes do past
// busy_timeout; a read does not wait for it; and the write goes through once the lock is
// free.
func TestLockWaitIsUnavailable(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db := openURL(t, url+"&lock_timeout=200ms")
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	holder := connect(t, url)
	if _, err := holder.Exec(ctx, "BEGIN; SELECT lock_change_log()"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := db.CreateMessage(ctx, testMessage("AC1", 1))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a write waiting for the change log's lock: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("it failed after %v", took)
	}
	if _, err := db.GetAccount(ctx, "AC1"); err != nil {
		t.Errorf("a read while the lock is held: %v", err)
	}
	if _, err := holder.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateMessage(ctx, testMessage("AC1", 1)); err != nil {
		t.Errorf("once the lock is free: %v", err)
	}
}

// TestReadsDoNotWaitBehindWriters: writes queued for the change log's lock hold no
// connection while they wait (a batch holds one), so that a read still gets a connection
// at once. Once, a burst of writes took every connection to wait in the lock's queue and
// reads waited behind them: under two replicas' load, the event stream fell tens of
// seconds behind.
func TestReadsDoNotWaitBehindWriters(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db, err := Open(ctx, url, Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	holder := connect(t, url)
	if _, err := holder.Exec(ctx, "BEGIN; SELECT lock_change_log()"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := db.CreateMessage(ctx, testMessage("AC1", i))
			errs <- err
		})
	}
	time.Sleep(300 * time.Millisecond) // the writers take their connections and wait
	start := time.Now()
	if _, err := db.GetAccount(ctx, "AC1"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a read behind 8 waiting writes took %s", took)
	}
	if _, err := holder.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a write once the lock was free: %v", err)
		}
	}
}

func TestPGDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 5 * time.Second}, {"0", 5 * time.Second}, {"200", 200 * time.Millisecond}, {"200ms", 200 * time.Millisecond},
		{"5s", 5 * time.Second}, {"2 s", 2 * time.Second}, {"1min", 5 * time.Second}, {"nonsense", 5 * time.Second},
	} {
		if got := pgDuration(tt.in, 5*time.Second); got != tt.want {
			t.Errorf("pgDuration(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestGroupCommit: writes that wait for the change log's lock are committed together, and
// one that fails fails alone: 32 creates of messages wait while another transaction holds
// the lock, 8 of them with the SID of a message that exists; once the lock is free, those
// 8 fail with ErrConflict, the other 24 are written, in a few batches rather than 32.
func TestGroupCommit(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db := openURL(t, url)
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	const writes = 32
	for i := 0; i < writes; i += 4 {
		if _, err := db.CreateMessage(ctx, testMessage("AC1", i)); err != nil {
			t.Fatal(err)
		}
	}
	before := db.batches.Load()
	holder := connect(t, url)
	if _, err := holder.Exec(ctx, "BEGIN; SELECT lock_change_log()"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, writes)
	for i := range writes {
		wg.Go(func() {
			_, errs[i] = db.CreateMessage(ctx, testMessage("AC1", i))
		})
	}
	time.Sleep(300 * time.Millisecond) // every write queued, one batch waiting for the lock
	if _, err := holder.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if i%4 == 0 {
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("message %d, whose SID exists: %v, want ErrConflict", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("message %d: %v", i, err)
			continue
		}
		if m, err := db.GetMessage(ctx, "AC1", testMessage("AC1", i).Sid); err != nil || m.Body != testMessage("AC1", i).Body {
			t.Errorf("message %d after its batch: %+v, %v", i, m, err)
		}
	}
	if batches := db.batches.Load() - before; batches > writes/4 {
		t.Errorf("%d writes took %d batches", writes, batches)
	} else {
		t.Logf("%d writes in %d batches", writes, batches)
	}
}

// TestGroupCommitBrokenMidBatch: a batch whose connection breaks after one of its writes
// failed alone answers every write once: the one that failed with its own error, the
// others with ErrUnavailable, and keeps nothing of the batch.
func TestGroupCommitBrokenMidBatch(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db := openURL(t, url)
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	own := errors.New("this write's own failure")
	insert := func(i int) func(querier) error {
		return func(q querier) error {
			args, err := messageArgs(testMessage("AC1", i))
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, insertMessage, args...)
			return err
		}
	}
	writes := []*loggedWrite{
		{fn: insert(1)},
		{fn: func(q querier) error { _ = insert(2)(q); return own }},
		{fn: func(q querier) error {
			// The connection goes away under the batch.
			_, _ = q.Exec(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			return nil
		}},
		{fn: insert(4)},
	}
	for _, w := range writes {
		w.done = make(chan error, 2) // room for a second answer, which the test would see
		db.logged <- w
	}
	db.runBatch(ctx)
	for i, w := range writes {
		var errs []error
		for len(w.done) > 0 {
			errs = append(errs, <-w.done)
		}
		if len(errs) != 1 {
			t.Fatalf("write %d answered %d times: %v", i, len(errs), errs)
		}
		switch want := error(store.ErrUnavailable); {
		case i == 1 && !errors.Is(errs[0], own):
			t.Errorf("write %d: %v, want its own error", i, errs[0])
		case i != 1 && !errors.Is(errs[0], want):
			t.Errorf("write %d: %v, want ErrUnavailable", i, errs[0])
		}
	}
	for _, i := range []int{1, 2, 4} {
		if _, err := db.GetMessage(ctx, "AC1", testMessage("AC1", i).Sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("message %d of the broken batch: %v, want none", i, err)
		}
	}
}
