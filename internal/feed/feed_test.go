package feed

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// memLog is a change log in memory: the hub's narrow Store.
type memLog struct {
	mu      sync.Mutex
	changes []store.Change
	changed chan struct{}
}

func newMemLog() *memLog { return &memLog{changed: make(chan struct{}, 1)} }

func (l *memLog) add(account, sid string) {
	l.mu.Lock()
	l.changes = append(l.changes, store.Change{Seq: int64(len(l.changes) + 1), AccountSid: account, Kind: store.ChangeMessage, Sid: sid, Op: store.ChangeCreated})
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *memLog) LastChange(context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.changes)), nil
}

func (l *memLog) FirstChange(context.Context) (int64, error) { return 1, nil }

func (l *memLog) Changes(_ context.Context, after int64, limit int) ([]store.Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.Change
	for _, c := range l.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (l *memLog) TrimChanges(context.Context, int64) (int64, error) { return 0, nil }
func (l *memLog) Changed() <-chan struct{}                          { return l.changed }

// TestSubscriptionsPerAccount: an account holds at most MaxPerAccount subscriptions; a
// closed one frees its place; other accounts are not limited by it.
func TestSubscriptionsPerAccount(t *testing.T) {
	ctx := context.Background()
	h := New(Config{Store: newMemLog(), MaxPerAccount: 2})
	a1, err := h.Subscribe(ctx, "AC1", -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(ctx, "AC1", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(ctx, "AC1", -1); !errors.Is(err, ErrLimit) {
		t.Fatalf("third subscription of AC1: %v, want ErrLimit", err)
	}
	if _, err := h.Subscribe(ctx, "AC2", -1); err != nil {
		t.Fatalf("another account: %v", err)
	}
	if n := h.Subscriptions(); n != 3 {
		t.Errorf("%d subscriptions, want 3", n)
	}
	a1.Close()
	a1.Close() // twice does nothing
	if n := h.Subscriptions(); n != 2 {
		t.Errorf("%d subscriptions after a close, want 2", n)
	}
	if _, err := h.Subscribe(ctx, "AC1", -1); err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if _, err := h.Subscribe(ctx, "AC1", -1); !errors.Is(err, ErrLimit) {
		t.Fatalf("again at the limit: %v, want ErrLimit", err)
	}
}

func TestDefaultMaxPerAccount(t *testing.T) {
	if h := New(Config{Store: newMemLog()}); h.cfg.MaxPerAccount != DefaultMaxPerAccount {
		t.Fatalf("MaxPerAccount %d, want %d", h.cfg.MaxPerAccount, DefaultMaxPerAccount)
	}
}

// TestFanOutByAccount: a follower gets its own account's changes, in order, and none of
// another's.
func TestFanOutByAccount(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := newMemLog()
	h := New(Config{Store: log})
	go h.Run(ctx)
	a, err := h.Subscribe(ctx, "AC1", -1)
	if err != nil {
		t.Fatal(err)
	}
	log.add("AC1", "SM1")
	log.add("AC2", "SM2")
	log.add("AC1", "SM3")
	var got []string
	for len(got) < 2 {
		b := <-a.C
		for _, c := range b.Changes {
			got = append(got, c.Sid)
		}
	}
	if len(got) != 2 || got[0] != "SM1" || got[1] != "SM3" {
		t.Fatalf("AC1 got %v, want [SM1 SM3]", got)
	}
}
