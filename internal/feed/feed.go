// Package feed follows the store's change log (store.Change, logged by the store in the
// transaction of each change) and hands the changes of an account to whoever follows
// it: the live event stream of the API, which the web inbox listens to.
//
// Several processes may share one database file, so the log is polled (a read of its
// newest seq, a primary-key lookup) as well as woken by this process's own commits
// (store.Outbox.Changed): a change of another process shows within one poll interval, one
// of this process at once.
package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Store is what the hub needs from persistence.
type Store interface {
	LastChange(ctx context.Context) (int64, error)
	FirstChange(ctx context.Context) (int64, error)
	Changes(ctx context.Context, after int64, limit int) ([]store.Change, error)
	TrimChanges(ctx context.Context, keep int64) (int64, error)
	Changed() <-chan struct{}
}

// Config holds what New needs; zero values take the defaults noted.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Poll is how often the log is read while someone follows it (default 100 ms):
	// the longest a change of another process waits to be seen.
	Poll time.Duration
	// Keep is how many changes the log keeps (default 10,000); a follower that fell
	// further behind is told to reload.
	Keep int64
	// MaxReplay is the most changes of one account replayed to a follower that comes
	// back (default 500); beyond it the follower is told to reload instead.
	MaxReplay int
	// MaxPerAccount is how many subscriptions one account may hold at once in this
	// process (default DefaultMaxPerAccount): each is an open connection, and one
	// account must not hold the server's connections.
	MaxPerAccount int
}

// DefaultMaxPerAccount is Config.MaxPerAccount's default: a person's inbox tabs and an
// app's test listeners, with room to spare.
const DefaultMaxPerAccount = 16

// ErrLimit: the account already holds Config.MaxPerAccount subscriptions.
var ErrLimit = errors.New("too many subscriptions for the account")

// Batch is what a follower receives: its account's changes in commit order, or a Reset
// when it missed some (it fell behind, or too much changed at once) and must reload.
type Batch struct {
	Changes []store.Change
	Reset   bool
	Last    int64 // the seq the follower has seen up to, after this batch
}

// Subscription follows one account. Its channel closes when the follower is too slow to
// keep up (it should reload, with Hub.Last as its new position) or Close is called.
type Subscription struct {
	C       <-chan Batch
	c       chan Batch
	account string
	cursor  int64
	hub     *Hub
	closed  bool
}

// Close stops the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.drop(s)
}

// Hub reads the change log and fans it out to the subscriptions.
type Hub struct {
	cfg  Config
	log  *slog.Logger
	mu   sync.Mutex
	subs map[*Subscription]struct{}
	// perAccount counts each account's subscriptions, for Config.MaxPerAccount.
	perAccount map[string]int
	last       int64 // the newest change handed out
	wake       chan struct{}
}

// New returns a hub over cfg.Store; Run makes it work.
func New(cfg Config) *Hub {
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 10_000
	}
	if cfg.MaxReplay <= 0 {
		cfg.MaxReplay = 500
	}
	if cfg.MaxPerAccount <= 0 {
		cfg.MaxPerAccount = DefaultMaxPerAccount
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Hub{cfg: cfg, log: log, subs: map[*Subscription]struct{}{}, perAccount: map[string]int{}, wake: make(chan struct{}, 1)}
}

// subscriberBuffer is how many batches a follower may have waiting before it is cut off.
const subscriberBuffer = 256

// Subscribe follows account from after, the seq of the last change the follower saw (a
// reconnecting client's Last-Event-ID), or from now when after is negative. The first
// batch, if any, replays what the follower missed, or is a Reset when that is too much
// or no longer in the log. ErrLimit when the account holds Config.MaxPerAccount already.
func (h *Hub) Subscribe(ctx context.Context, account string, after int64) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perAccount[account] >= h.cfg.MaxPerAccount {
		return nil, fmt.Errorf("subscribe: %w (%d)", ErrLimit, h.cfg.MaxPerAccount)
	}
	head, err := h.cfg.Store.LastChange(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	c := make(chan Batch, subscriberBuffer)
	s := &Subscription{C: c, c: c, account: account, cursor: head, hub: h}
	if after >= 0 && after < head {
		first, err := h.replay(ctx, account, after, head)
		if err != nil {
			return nil, fmt.Errorf("subscribe: %w", err)
		}
		c <- first
	}
	h.subs[s] = struct{}{}
	h.perAccount[account]++
	if len(h.subs) == 1 && h.last < head {
		h.last = head // nobody followed until now: nothing older is due to anyone
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return s, nil
}

// replay is the batch that brings a follower of account from after up to head.
func (h *Hub) replay(ctx context.Context, account string, after, head int64) (Batch, error) {
	first, err := h.cfg.Store.FirstChange(ctx)
	if err != nil {
		return Batch{}, err
	}
	if after+1 < first {
		return Batch{Reset: true, Last: head}, nil
	}
	b := Batch{Last: head}
	for after < head {
		changes, err := h.cfg.Store.Changes(ctx, after, 1000)
		if err != nil {
			return Batch{}, err
		}
		if len(changes) == 0 {
			break
		}
		for _, c := range changes {
			if c.Seq > head {
				break
			}
			if c.AccountSid == account {
				b.Changes = append(b.Changes, c)
			}
		}
		if len(b.Changes) > h.cfg.MaxReplay {
			return Batch{Reset: true, Last: head}, nil
		}
		after = changes[len(changes)-1].Seq
	}
	return b, nil
}

// Last returns the seq of the newest change the hub has handed out.
func (h *Hub) Last() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// drop removes s; h.mu is held.
func (h *Hub) drop(s *Subscription) {
	if s.closed {
		return
	}
	s.closed = true
	delete(h.subs, s)
	if h.perAccount[s.account]--; h.perAccount[s.account] == 0 {
		delete(h.perAccount, s.account)
	}
	close(s.c)
}

// Subscriptions is how many subscriptions are open, for the metrics.
func (h *Hub) Subscriptions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// trimEvery is how often the log is trimmed to Config.Keep changes.
const trimEvery = time.Minute

// Run reads the log and hands out changes until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	poll := time.NewTicker(h.cfg.Poll)
	defer poll.Stop()
	trim := time.NewTicker(trimEvery)
	defer trim.Stop()
	for {
		select {
		case <-ctx.Done():
			h.mu.Lock()
			for s := range h.subs {
				h.drop(s)
			}
			h.mu.Unlock()
			return
		case <-trim.C:
			if _, err := h.cfg.Store.TrimChanges(ctx, h.cfg.Keep); err != nil && ctx.Err() == nil {
				h.log.Error("trim change log", "error", err)
			}
			continue
		case <-poll.C:
		case <-h.cfg.Store.Changed():
		case <-h.wake:
		}
		if err := h.fanOut(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("read change log", "error", err)
		}
	}
}

// fanOut hands the changes after h.last to the subscriptions of their accounts.
func (h *Hub) fanOut(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		return nil
	}
	head, err := h.cfg.Store.LastChange(ctx)
	if err != nil || head <= h.last {
		return err
	}
	for h.last < head {
		changes, err := h.cfg.Store.Changes(ctx, h.last, 1000)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			h.last = head
			break
		}
		byAccount := map[string][]store.Change{}
		for _, c := range changes {
			byAccount[c.AccountSid] = append(byAccount[c.AccountSid], c)
		}
		last := changes[len(changes)-1].Seq
		for s := range h.subs {
			var mine []store.Change
			for _, c := range byAccount[s.account] {
				if c.Seq > s.cursor {
					mine = append(mine, c)
				}
			}
			if last > s.cursor {
				s.cursor = last
			}
			if len(mine) == 0 {
				continue
			}
			select {
			case s.c <- Batch{Changes: mine, Last: last}:
			default: // too slow: cut off, to reload
				h.drop(s)
			}
		}
		h.last = last
	}
	return nil
}
