package clock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Store keeps the simulator clock's offset: one database, one clock, which every process
// serving the database reads and a restart keeps.
type Store interface {
	ClockOffset(ctx context.Context) (time.Duration, error)
	AdvanceClock(ctx context.Context, to time.Duration) (time.Duration, error)
}

// Sim is the simulator's clock: real time plus an offset that only grows. Without a
// move it is real time exactly; Advance and Set move it forward, at once for this
// process and, for others serving the same database, at their next Refresh.
type Sim struct {
	store  Store
	offset atomic.Int64 // nanoseconds ahead of real time
	log    *slog.Logger

	mu    sync.Mutex
	moved chan struct{} // closed (and replaced) when the offset moves
}

// RefreshEvery is how often Run reads the offset another process may have moved: the
// longest another process's move takes to reach this one.
const RefreshEvery = 250 * time.Millisecond

// ErrBackward: a clock that is asked to go back, or to stand still.
var ErrBackward = errors.New("the simulator's clock only moves forward")

// NewSim reads the clock's offset from st.
func NewSim(ctx context.Context, st Store, log *slog.Logger) (*Sim, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &Sim{store: st, log: log, moved: make(chan struct{})}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Now is real time plus the offset.
func (c *Sim) Now() time.Time { return time.Now().Add(c.Offset()) }

// Offset is how far the clock runs ahead of real time.
func (c *Sim) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Advance moves the clock forward by d (more than zero) and returns the time it reads
// after the move.
func (c *Sim) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, fmt.Errorf("advance by %s: %w", d, ErrBackward)
	}
	return c.move(ctx, c.Offset()+d)
}

// Set moves the clock forward to t, which must be later than what it reads now, and
// returns the time it reads after the move.
func (c *Sim) Set(ctx context.Context, t time.Time) (time.Time, error) {
	real := time.Now()
	if now := real.Add(c.Offset()); !t.After(now) {
		return time.Time{}, fmt.Errorf("set to %s, not after %s: %w", t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrBackward)
	}
	return c.move(ctx, t.Sub(real))
}

// move makes offset the clock's (or a later one another process set meanwhile).
func (c *Sim) move(ctx context.Context, offset time.Duration) (time.Time, error) {
	got, err := c.store.AdvanceClock(ctx, offset)
	if err != nil {
		return time.Time{}, fmt.Errorf("move the clock: %w", err)
	}
	c.set(got)
	return c.Now(), nil
}

// set takes offset, if later than the one held, and tells whoever waits for a move.
func (c *Sim) set(offset time.Duration) {
	for {
		old := c.offset.Load()
		if int64(offset) <= old {
			return
		}
		if c.offset.CompareAndSwap(old, int64(offset)) {
			break
		}
	}
	c.mu.Lock()
	close(c.moved)
	c.moved = make(chan struct{})
	c.mu.Unlock()
}

// Moved returns a channel closed when the clock next moves: a sleeper waiting for a
// time to come wakes then, to see whether it has.
func (c *Sim) Moved() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.moved
}

// Refresh reads the offset from the store: another process may have moved it.
func (c *Sim) Refresh(ctx context.Context) error {
	offset, err := c.store.ClockOffset(ctx)
	if err != nil {
		return fmt.Errorf("read the clock: %w", err)
	}
	c.set(offset)
	return nil
}

// Run refreshes the offset every RefreshEvery until ctx ends.
func (c *Sim) Run(ctx context.Context) {
	t := time.NewTicker(RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.WarnContext(ctx, "clock refresh", slog.Any("error", err))
			}
		}
	}
}
