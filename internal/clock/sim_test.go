package clock

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// memStore keeps an offset as the stores do: forward only.
type memStore struct {
	mu     sync.Mutex
	offset time.Duration
	fail   error
}

func (m *memStore) ClockOffset(context.Context) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offset, m.fail
}

func (m *memStore) AdvanceClock(_ context.Context, to time.Duration) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	m.offset = max(m.offset, to)
	return m.offset, nil
}

func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Second || d > time.Second {
		t.Errorf("%s: %s, want about %s", what, got, want)
	}
}

func TestSimMovesForwardOnly(t *testing.T) {
	ctx := context.Background()
	st := &memStore{offset: time.Hour} // kept from before a restart
	c, err := NewSim(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "after a restart", c.Now(), time.Now().Add(time.Hour))
	moved := c.Moved()
	got, err := c.Advance(ctx, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "advanced", got, time.Now().Add(70*time.Minute))
	select {
	case <-moved:
	default:
		t.Error("a move did not close Moved's channel")
	}
	if st.offset != 70*time.Minute {
		t.Errorf("stored offset %s, want 70m", st.offset)
	}
	for _, d := range []time.Duration{0, -time.Minute} {
		if _, err := c.Advance(ctx, d); !errors.Is(err, ErrBackward) {
			t.Errorf("advance by %s: %v, want ErrBackward", d, err)
		}
	}
	target := time.Now().Add(48 * time.Hour)
	if got, err := c.Set(ctx, target); err != nil || got.Sub(target) > time.Second || got.Before(target) {
		t.Fatalf("set to %s: %s, %v", target, got, err)
	}
	if _, err := c.Set(ctx, time.Now().Add(time.Hour)); !errors.Is(err, ErrBackward) {
		t.Errorf("set back: %v, want ErrBackward", err)
	}
	// Another process moved the clock further: a refresh takes it; an older reading does
	// not take it back.
	st.offset = 100 * time.Hour
	if err := c.Refresh(ctx); err != nil || c.Offset() != 100*time.Hour {
		t.Fatalf("refresh: %s, %v", c.Offset(), err)
	}
	c.set(time.Hour)
	if c.Offset() != 100*time.Hour {
		t.Errorf("an older offset took the clock back to %s", c.Offset())
	}
}

func TestSimStoreFailures(t *testing.T) {
	ctx := context.Background()
	st := &memStore{fail: errors.New("disk gone")}
	if _, err := NewSim(ctx, st, nil); err == nil {
		t.Fatal("NewSim with a failing store")
	}
	st.fail = nil
	c, _ := NewSim(ctx, st, nil)
	st.fail = errors.New("disk gone")
	if _, err := c.Advance(ctx, time.Minute); err == nil || c.Offset() != 0 {
		t.Fatalf("advance with a failing store: %v, offset %s", err, c.Offset())
	}
}

func TestSimRunRefreshes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &memStore{}
	c, _ := NewSim(ctx, st, nil)
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	moved := c.Moved()
	st.mu.Lock()
	st.offset = time.Minute
	st.mu.Unlock()
	select {
	case <-moved:
	case <-time.After(4 * RefreshEvery):
		t.Fatal("another process's move not seen within four refreshes")
	}
	cancel()
	<-done
}

// A refresh that reads the offset the clock holds already is no move: nobody waiting for
// one is woken.
func TestSimRefreshWithoutMove(t *testing.T) {
	ctx := context.Background()
	st := &memStore{offset: time.Minute}
	c, _ := NewSim(ctx, st, nil)
	moved := c.Moved()
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-moved:
		t.Fatal("a refresh to the same offset woke the sleepers")
	default:
	}
}

// Set refuses the time the clock reads, to the nanosecond: only a later one moves it.
func TestSimSetToNow(t *testing.T) {
	ctx := context.Background()
	st := &memStore{offset: 365 * 24 * time.Hour}
	c, _ := NewSim(ctx, st, nil)
	// Set to what the clock read a moment ago, which is before what it reads now.
	if _, err := c.Set(ctx, c.Now()); !errors.Is(err, ErrBackward) {
		t.Errorf("set to the time it read: %v, want ErrBackward", err)
	}
	if _, err := c.Set(ctx, c.Now().Add(time.Second)); err != nil {
		t.Errorf("set a second ahead: %v", err)
	}
}

// Run logs a refresh that fails, and only that.
func TestSimRunLogsFailures(t *testing.T) {
	for _, fail := range []bool{false, true} {
		st := &memStore{}
		logs := &records{}
		c, _ := NewSim(context.Background(), st, slog.New(logs))
		if fail {
			st.fail = errors.New("disk gone")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		time.Sleep(3*RefreshEvery + RefreshEvery/2)
		cancel()
		<-done
		// Three refreshes ran; a failing store's are logged (shutdown's need not be).
		if got := logs.count(); (fail && got < 2) || (!fail && got > 0) {
			t.Errorf("store failing %v: %d warnings", fail, got)
		}
	}
}

// records counts the log records written.
type records struct {
	mu sync.Mutex
	n  int
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(context.Context, slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }
func (r *records) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func TestReal(t *testing.T) { near(t, "Real", Real{}.Now(), time.Now()) }
