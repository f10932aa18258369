package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-dev/switchboard/store"
)

// The channels the schema's triggers notify, at the commit of the transaction that
// changed something: the change log, the job queue, accounts and keys.
const (
	channelChanges = "switchboard_changes"
	channelJobs    = "switchboard_jobs"
	channelAuth    = "switchboard_auth"
)

// The auth generation's bounds. It is read again on every notification of a change of an
// account or key, after this process's own such writes, and every authRefresh: a change
// made by another process is seen once its notification arrives (milliseconds), and
// within authRefresh when the notification is lost (the listener was reconnecting). When
// no read has succeeded for authStale, AuthGeneration fails with ErrUnavailable rather
// than vouch for credentials it cannot check.
const (
	authRefresh = time.Second
	authStale   = 2 * time.Second
	// authReadTimeout bounds one read of the generation, so that a connection that hangs
	// cannot hold the others back.
	authReadTimeout = time.Second
)

// authGen is the auth generation as this process last read it.
type authGen struct {
	// mu is held across a read of the generation and the store of its value, so that
	// reads store their values in the order they were made: a slow read can never put
	// back a value older than a faster one stored.
	mu      sync.Mutex
	gen     atomic.Int64
	base    time.Time    // a monotonic clock reading, taken when the store opened
	readAt  atomic.Int64 // when the last read succeeded, as time.Since(base); 0 for never
	lastErr atomic.Pointer[error]
}

// AuthGeneration returns a number that changes whenever an account or an API key
// changes, in this process or any other using the database. It is read from memory, so
// that it costs next to nothing per request; see authRefresh for how current it is.
func (db *DB) AuthGeneration(ctx context.Context) (int64, error) {
	if db.closed.Load() {
		return 0, fmt.Errorf("auth generation: %w", store.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	a := &db.auth
	if age := time.Since(a.base) - time.Duration(a.readAt.Load()); a.readAt.Load() == 0 || age > authStale {
		cause := errors.New("never read")
		if p := a.lastErr.Load(); p != nil {
			cause = *p
		}
		return 0, fmt.Errorf("auth generation: not read for %v: %w: %w", age.Round(time.Millisecond), store.ErrUnavailable, cause)
	}
	return a.gen.Load(), nil
}

// readAuthGeneration reads the generation on q and keeps it.
func (db *DB) readAuthGeneration(ctx context.Context, q querier) error {
	a := &db.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, authReadTimeout)
	defer cancel()
	var gen int64
	if err := q.QueryRow(ctx, "SELECT gen FROM auth_generation WHERE id = 1").Scan(&gen); err != nil {
		a.lastErr.Store(&err)
		return err
	}
	a.gen.Store(gen)
	a.readAt.Store(max(1, int64(time.Since(a.base))))
	return nil
}

// authChanged reads the generation after a write of this process changed an account or
// a key, so that the change counts from the moment the write returns. When the read
// fails, the generation counts as unread (AuthGeneration fails) until a read succeeds:
// the copy of credentials taken before the change must not be served.
func (db *DB) authChanged(ctx context.Context) {
	if err := db.readAuthGeneration(context.WithoutCancel(ctx), db.pool); err != nil {
		db.auth.readAt.Store(0)
	}
}

// connectListener opens the listening connection: LISTEN on every channel, then a read
// of the auth generation, so that a change committed after it is notified and one
// committed before it is read.
func (db *DB) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, db.config)
	if err != nil {
		return nil, unavailable(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channelChanges+"; LISTEN "+channelJobs+"; LISTEN "+channelAuth); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, unavailable(err)
	}
	if err := db.readAuthGeneration(ctx, conn); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, unavailable(err)
	}
	db.listenerPID.Store(conn.PgConn().PID())
	return conn, nil
}

// listen runs until ctx ends: it hands the notifications of other processes to Changed,
// JobsChanged and the auth generation, reads the generation every authRefresh, and
// connects again, with a growing pause, when its connection drops. After a reconnection
// it signals Changed and JobsChanged: what was notified meanwhile is lost.
func (db *DB) listen(ctx context.Context, conn *pgx.Conn) {
	defer close(db.stopped)
	for {
		_ = db.serve(ctx, conn) // the connection broke, or ctx ended
		conn.Close(context.WithoutCancel(ctx))
		if conn = db.reconnect(ctx); conn == nil {
			return
		}
		db.signalChange()
		db.jobsChanged(true)
	}
}

// serve waits for notifications on conn until it breaks or ctx ends.
func (db *DB) serve(ctx context.Context, conn *pgx.Conn) error {
	refresh := time.Now().Add(authRefresh)
	for {
		wait, cancel := context.WithDeadline(ctx, refresh)
		n, err := conn.WaitForNotification(wait)
		cancel()
		readAuth := false
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && pgconn.Timeout(err):
			readAuth = true
		case err != nil:
			return err
		case db.ownPID(n.PID):
			// Signalled by this process at its commit already.
		case n.Channel == channelChanges:
			db.signalChange()
		case n.Channel == channelJobs:
			db.jobsChanged(true)
		case n.Channel == channelAuth:
			readAuth = true
		}
		if readAuth {
			if err := db.readAuthGeneration(ctx, conn); err != nil {
				return err
			}
			refresh = time.Now().Add(authRefresh)
		}
	}
}

// reconnect connects the listener again, pausing 50 ms, then twice as long each time up
// to a second, between attempts; nil when ctx ends first.
func (db *DB) reconnect(ctx context.Context) *pgx.Conn {
	pause := 50 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		if conn, err := db.connectListener(ctx); err == nil {
			return conn
		}
		pause = min(2*pause, time.Second)
	}
}

// ownPID reports whether pid is the server process of one of the pool's connections.
func (db *DB) ownPID(pid uint32) bool {
	db.pidsMu.Lock()
	defer db.pidsMu.Unlock()
	return db.pids[pid]
}

// Changed is signalled (without blocking; one pending signal at most) after a commit of
// this process that may have logged changes, and when another process's commit logged
// some (its notification arrived), so that a reader of the log can look at once.
func (db *DB) Changed() <-chan struct{} { return db.changeSignal }

func (db *DB) signalChange() {
	select {
	case db.changeSignal <- struct{}{}:
	default:
	}
}

// JobsChanged is signalled (without blocking; one pending signal at most) after a commit
// of this process that added or rescheduled jobs, and when another process's commit did
// (its notification arrived), so that a worker can look at once instead of at its next
// poll.
func (db *DB) JobsChanged() <-chan struct{} { return db.jobsSignal }

func (db *DB) jobsChanged(changed bool) {
	if !changed {
		return
	}
	select {
	case db.jobsSignal <- struct{}{}:
	default:
	}
}
