package clock

import (
	"context"
	"errors"
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

func TestReal(t *testing.T) { near(t, "Real", Real{}.Now(), time.Now()) }
