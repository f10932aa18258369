// Package postgres is the store's PostgreSQL backend (pgx, through a pgxpool pool): it
// implements store.Store over one PostgreSQL database, which several Switchboard
// processes may share, with the behaviour of the SQLite backend (store/sqlite) and the
// same schema (migrations/0001_schema.sql, then a counterpart of each later SQLite
// migration).
//
// Every read is one statement on a pooled connection; every write is one transaction
// (DB.write). What differs inside from SQLite, which has one writer at a time:
//
//   - The change log's order. Followers read the log after the last seq they saw, so seq
//     order must be commit order: every transaction that may log a change takes one
//     transaction-scoped advisory lock first (lock_change_log, see the schema), and those
//     transactions commit one after another. That lock is this backend's serialization
//     point, as SQLite's write lock is its: writes of messages, calls, phone numbers,
//     webhook deliveries and jobs (anything written through store.Writes) wait for each
//     other; reads, claims of jobs and writes of accounts, keys and services do not. As
//     SQLite's writer does, the writes that come while one commits are committed
//     together, one transaction with a savepoint each (group commit, DB.write): the lock
//     and the commit's flush to disk are paid once per batch, not once per write.
//   - Guards that SQLite's single writer gave for free take row locks here: a subaccount
//     limit locks its parent, a service's pool, alpha sender and sticky senders lock the
//     service, read-modify-write updates lock the row they read (FOR NO KEY UPDATE, which
//     lets foreign keys to the row be checked meanwhile).
//   - Other processes. Changed and JobsChanged are signalled by this process's commits, as
//     SQLite's are, and by other processes' through LISTEN/NOTIFY (the triggers notify at
//     commit); one connection of its own listens, and reconnects when it drops (notify.go).
//   - The auth generation is kept in memory and read again on every notification of a
//     change of an account or key, after this process's own such writes, and every second
//     (notify.go): another process's change is seen within milliseconds, and within a
//     second when a notification is lost.
//   - Claims of jobs skip the rows other claims hold (FOR UPDATE SKIP LOCKED).
//
// Durability: synchronous_commit stays on (the server's default, which the store never
// changes), so an acknowledged write is on the server's disk. A database that cannot be
// reached, or a connection that breaks, fails the operation with store.ErrUnavailable;
// the pool dials new connections by itself when the server is back. Waiting longer than
// lock_timeout (5 s unless the URL sets it) for a lock is ErrUnavailable too, as SQLite's
// busy_timeout is.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/switchboard-dev/switchboard/store"
)

// DB is an open store. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	// config is what the pool connects with; the listener and migrations connect with a
	// copy of it.
	config *pgx.ConnConfig
	// id is what Ping checks the database against (ensureIdentity).
	id []byte

	closed    atomic.Bool
	closeOnce sync.Once
	stop      context.CancelFunc // ends the listener
	stopped   chan struct{}      // closed when the listener has ended
	// listenerPID is the server process of the listener's connection.
	listenerPID atomic.Uint32

	// pids are the server processes of the pool's connections: notifications they sent
	// are this process's own, already signalled at commit (notify.go).
	pidsMu sync.Mutex
	pids   map[uint32]bool

	auth authGen // see AuthGeneration

	jobsSignal   chan struct{} // see JobsChanged
	changeSignal chan struct{} // see Changed

	// Writes that take the change log's lock are committed together (group commit, see
	// write): logged holds them until a writer takes them; leader is held by the one
	// goroutine that runs a batch now. The writes waiting use no connection, and a batch
	// one, so that reads never wait for a connection behind them.
	logged  chan *loggedWrite
	leader  chan struct{}
	batches atomic.Int64 // batches committed or failed, for the tests
	// lockWait is how long a write waits for its turn: the lock_timeout its statements
	// wait for a lock, so that a write fails with ErrUnavailable after the same time
	// whichever queue it waited in.
	lockWait time.Duration
}

var _ store.Store = (*DB)(nil)

// Options tune Open; the zero value is the default. Settings the connection URL gives
// (pool_max_conns, connect_timeout, lock_timeout...) are kept unless an option is set.
type Options struct {
	// MaxConns bounds the pool: 4 connections per CPU, at least 8, when 0 (and the URL
	// sets no pool_max_conns). A connection mostly waits for round trips, not for a CPU.
	MaxConns int32
	// ConnectTimeout bounds one attempt to connect: 5 s when 0 (and the URL sets no
	// connect_timeout), so that an unreachable server fails fast with ErrUnavailable.
	ConnectTimeout time.Duration
}

// lockTimeout is how long a statement waits for a lock (another writer's row, the change
// log's lock) before it fails with ErrUnavailable: SQLite's busy_timeout.
const lockTimeout = "5s"

// Open connects to the PostgreSQL database at url (postgres://user:pass@host:port/db?...)
// and brings its schema up to date: once, even when several processes start together
// (migrate.go). A schema newer than this build knows is refused.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	} else if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	params := cfg.ConnConfig.RuntimeParams
	if _, ok := params["lock_timeout"]; !ok {
		params["lock_timeout"] = lockTimeout
	}
	if _, ok := params["application_name"]; !ok {
		params["application_name"] = "switchboard"
	}

	db := &DB{config: cfg.ConnConfig.Copy(), pids: map[uint32]bool{}, stopped: make(chan struct{}),
		jobsSignal: make(chan struct{}, 1), changeSignal: make(chan struct{}, 1),
		logged: make(chan *loggedWrite, maxBatch), leader: make(chan struct{}, 1), lockWait: pgDuration(params["lock_timeout"], 5*time.Second)}
	db.auth.base = time.Now()
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		db.pidsMu.Lock()
		db.pids[c.PgConn().PID()] = true
		db.pidsMu.Unlock()
		return nil
	}
	cfg.BeforeClose = func(c *pgx.Conn) {
		db.pidsMu.Lock()
		delete(db.pids, c.PgConn().PID())
		db.pidsMu.Unlock()
	}

	if err := migrate(ctx, db.config); err != nil {
		return nil, fmt.Errorf("open store: %w", unavailable(err))
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open store: %w", unavailable(err))
	}
	if err := db.ensureIdentity(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	// The listener is connected, and the auth generation read, before Open returns: a
	// change committed after Open is never missed.
	listener, err := db.connectListener(ctx)
	if err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	listenCtx, stop := context.WithCancel(context.Background())
	db.stop = stop
	go db.listen(listenCtx, listener)
	return db, nil
}

// identitySetting names the setting that identifies the database (see Ping).
const identitySetting = "store.database-id"

// ensureIdentity reads the random value this database was given when a store first
// opened it, giving it one if it has none.
func (db *DB) ensureIdentity(ctx context.Context) error {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	v, err := db.EnsureSetting(ctx, identitySetting, id)
	if err != nil {
		return err
	}
	db.id = v
	return nil
}

// Close ends the listener and closes the pool, after the operations under way (the pool
// waits for every connection to come back). Reads and writes after Close fail with
// store.ErrClosed.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.stop()
		<-db.stopped
		db.pool.Close()
	})
	return nil
}

// Ping checks that the database can be reached and is the one opened: a database
// dropped and created again under the same name, or another server behind the same
// address, has another identity. It reads the auth generation too: after an outage the
// listener, which reads it otherwise, may still be pausing before it connects again
// (up to a second), and a store that answers Ping must not fail AuthGeneration, or a
// replica would say it is ready (/healthz) and still refuse every request.
func (db *DB) Ping(ctx context.Context) error {
	var id []byte
	if err := db.queryRow(ctx, "SELECT value FROM settings WHERE name = $1", identitySetting).Scan(&id); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errors.New("ping store: the database is not the one opened (its identity is gone)")
		}
		return fmt.Errorf("ping store: %w", err)
	}
	if string(id) != string(db.id) {
		return errors.New("ping store: the database is not the one opened (another identity)")
	}
	if err := db.readAuthGeneration(ctx, db.pool); err != nil {
		return fmt.Errorf("ping store: auth generation: %w", storeErr(err))
	}
	return nil
}

// querier is what a pool and a connection in a transaction have in common: every
// statement of the store runs on one of them.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// rowScanner is what pgx.Row and pgx.Rows have in common, so that each type has one scan
// function for single-row and list queries alike.
type rowScanner interface {
	Scan(dest ...any) error
}

// queryRow runs a read of one row on the pool; its Scan's error is the store's (see
// unavailable, closedErr).
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if db.closed.Load() {
		return errRow{store.ErrClosed}
	}
	return row{db.pool.QueryRow(ctx, query, args...)}
}

type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error { return storeErr(r.r.Scan(dest...)) }

// errRow is a row that fails.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// query runs a read of many rows on the pool. The caller closes the rows and checks
// rows.Err through storeErr.
func (db *DB) query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	if db.closed.Load() {
		return nil, store.ErrClosed
	}
	rows, err := db.pool.Query(ctx, query, args...)
	return rows, storeErr(err)
}

// writeRow runs a write of one statement that returns a row (INSERT or UPDATE ...
// RETURNING), in a transaction of its own, as write runs a transaction: ctx is checked
// before, not watched during.
func (db *DB) writeRow(ctx context.Context, query string, args ...any) rowScanner {
	wctx, err := writing(ctx)
	if err != nil {
		return errRow{err}
	}
	return db.queryRow(wctx, query, args...)
}

// writeExec is writeRow for a statement that returns no row.
func (db *DB) writeExec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if db.closed.Load() {
		return pgconn.CommandTag{}, store.ErrClosed
	}
	wctx, err := writing(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := db.pool.Exec(wctx, query, args...)
	return tag, storeErr(err)
}

// pgDuration reads a PostgreSQL time setting (lock_timeout): a number of milliseconds,
// or one with a unit time.ParseDuration reads (200ms, 5s). It is def when the setting is
// empty, unreadable, or zero (no timeout in PostgreSQL: def bounds the wait still).
func pgDuration(v string, def time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(v, " ", "")); err == nil && d > 0 {
		return d
	}
	return def
}

// writing is the context a write runs in once ctx has been checked: ctx's values
// without its end (see write).
func writing(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// Transactions of write, by what they may do.
const (
	// logsChanges: the transaction may log a change (or write jobs, whose ids must follow
	// commit order as seqs do): it takes the change log's lock first.
	logsChanges = true
	// noChanges: it writes nothing the change log tells of.
	noChanges = false
)

// write runs fn in one transaction on one connection, and commits.
//
// When logs is set, the transaction takes the change log's lock (lock_change_log, see the
// schema) before fn runs, in the same round trip as BEGIN: taken first, before any row
// lock, it can never be waited for by a transaction holding a row this one waits for (no
// deadlock), and it makes the transactions that log changes commit in seq order. Since
// those transactions commit one after another anyway, the ones that wait meanwhile are
// committed together (group commit, as SQLite's writer does): one of the waiting
// goroutines becomes the batch's writer, runs each fn under a savepoint of its own in one
// transaction, and commits once. A fn that fails is rolled back to its savepoint and
// fails alone, with its own error; a failed commit fails every write of the batch.
//
// Like SQLite's writer, a write checks ctx before it starts and then runs to its end
// without watching ctx: a caller whose context ends while its write commits must not be
// told that what is on disk was lost (and, in a batch, one caller's end must not break
// the others' transaction). Lock waits are bounded by lock_timeout instead.
func (db *DB) write(ctx context.Context, logs bool, fn func(q querier) error) error {
	if db.closed.Load() {
		return store.ErrClosed
	}
	ctx, err := writing(ctx)
	if err != nil {
		return err
	}
	if logs {
		return db.writeLogged(ctx, fn)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return storeErr(err)
	}
	// A connection left in a transaction (a failed ROLLBACK) is destroyed by Release.
	defer conn.Release()
	if _, err = conn.Exec(ctx, "BEGIN"); err == nil {
		err = fn(uncancelled{conn})
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		return storeErr(err)
	}
	if err := commit(ctx, conn); err != nil {
		return err
	}
	db.signalChange()
	return nil
}

// maxBatch bounds the writes committed together: enough that a batch pays its commit
// for many writes, few enough that one batch holds the change log's lock briefly.
const maxBatch = 256

// loggedWrite is a write waiting for a batch (see write).
type loggedWrite struct {
	fn   func(q querier) error
	done chan error // the write's outcome, sent once
}

// writeLogged queues fn for the next batch, and runs batches while it waits, until one
// has run fn.
func (db *DB) writeLogged(ctx context.Context, fn func(q querier) error) error {
	w := &loggedWrite{fn: fn, done: make(chan error, 1)}
	wait := time.NewTimer(db.lockWait)
	defer wait.Stop()
	select {
	case db.logged <- w:
	case <-wait.C:
		return fmt.Errorf("%w: waited %s for the change log's lock", store.ErrUnavailable, db.lockWait)
	}
	for {
		select {
		case err := <-w.done:
			return err
		case db.leader <- struct{}{}:
			// This goroutine writes the next batch: the writes queued until now, its own
			// among them unless an earlier batch took it.
			db.runBatch(ctx)
			<-db.leader
		}
	}
}

// runBatch commits the writes queued now (at most maxBatch) in one transaction.
func (db *DB) runBatch(ctx context.Context) {
	var batch []*loggedWrite
	for len(batch) < maxBatch {
		select {
		case w := <-db.logged:
			batch = append(batch, w)
			continue
		default:
		}
		break
	}
	if len(batch) == 0 {
		return
	}
	db.batches.Add(1)
	failAll := func(err error) {
		for _, w := range batch {
			w.done <- err
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		failAll(storeErr(err))
		return
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "BEGIN; SELECT lock_change_log()"); err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		failAll(storeErr(err))
		return
	}
	q := uncancelled{conn}
	if len(batch) == 1 { // no savepoint needed: its failure is the transaction's
		if err := batch[0].fn(q); err != nil {
			_, _ = conn.Exec(ctx, "ROLLBACK")
			failAll(storeErr(err))
			return
		}
	} else {
		var written []*loggedWrite
		for i, w := range batch {
			fnErr, txErr := runSavepoint(ctx, conn, q, w.fn)
			if txErr != nil {
				// The transaction cannot go on (the connection broke): nothing of it is
				// kept. The writes that failed alone before were answered already.
				_, _ = conn.Exec(ctx, "ROLLBACK")
				for _, w := range append(written, batch[i:]...) {
					w.done <- storeErr(txErr)
				}
				return
			}
			if fnErr != nil {
				w.done <- storeErr(fnErr)
				continue
			}
			written = append(written, w)
		}
		batch = written
	}
	if err := commit(ctx, conn); err != nil {
		failAll(err)
		return
	}
	db.signalChange()
	failAll(nil)
}

// runSavepoint runs fn under a savepoint of the transaction open on conn. fnErr is fn's
// own failure, rolled back to the savepoint (the transaction goes on without it); txErr a
// failure of the transaction itself, which cannot go on.
func runSavepoint(ctx context.Context, conn *pgxpool.Conn, q querier, fn func(q querier) error) (fnErr, txErr error) {
	if _, err := conn.Exec(ctx, "SAVEPOINT w"); err != nil {
		return nil, err
	}
	if err := fn(q); err != nil {
		if _, rerr := conn.Exec(ctx, "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w"); rerr != nil {
			return nil, rerr
		}
		return err, nil
	}
	if _, err := conn.Exec(ctx, "RELEASE SAVEPOINT w"); err != nil {
		return nil, err
	}
	return nil, nil
}

// commit commits the transaction open on conn.
func commit(ctx context.Context, conn *pgxpool.Conn) error {
	tag, err := conn.Exec(ctx, "COMMIT")
	if err != nil {
		return storeErr(err)
	}
	if tag.String() != "COMMIT" {
		// PostgreSQL answers COMMIT with ROLLBACK when the transaction had failed.
		return errors.New("the transaction was rolled back")
	}
	return nil
}

// uncancelled runs a write's statements on its connection without watching the
// contexts they are given (see write): a context's end would make pgx cancel the
// statement and close the connection, and with it the transaction of the whole batch.
type uncancelled struct{ c *pgxpool.Conn }

func (u uncancelled) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return u.c.Exec(context.WithoutCancel(ctx), sql, args...)
}

func (u uncancelled) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return u.c.Query(context.WithoutCancel(ctx), sql, args...)
}

func (u uncancelled) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return u.c.QueryRow(context.WithoutCancel(ctx), sql, args...)
}

// writeScan runs one statement that returns a row (INSERT or UPDATE ... RETURNING) as a
// write, and scans the row.
func writeScan[T any](ctx context.Context, db *DB, logs bool, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	var out T
	err := db.write(ctx, logs, func(q querier) error {
		var err error
		out, err = scan(q.QueryRow(ctx, query, args...))
		return err
	})
	return out, err
}

// storeErr turns what the pool and the server say into the store's errors: ErrClosed
// once the store is closed, ErrUnavailable (wrapping the cause) when the database cannot
// serve the request now. Anything else is returned as it is.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, puddle.ErrClosedPool) {
		return fmt.Errorf("%w: %w", store.ErrClosed, err)
	}
	return unavailable(err)
}

// unavailable wraps err in ErrUnavailable when it says that the database cannot serve
// the request now, whatever the request: it cannot be reached, the connection broke, the
// server is shutting down or starting, out of connections, or a lock was not granted in
// time (or a deadlock was broken). Nothing is wrong with the request; trying again later
// may work. Any other error is returned as it is.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		switch {
		case strings.HasPrefix(code, "08"), // connection exception
			strings.HasPrefix(code, "53"),                     // insufficient resources (too many connections...)
			code == "57P01", code == "57P02", code == "57P03", // shutting down, crashed, starting
			code == "55P03",                  // lock not available (lock_timeout)
			code == "40001", code == "40P01": // serialization failure, deadlock
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// constraintError maps the constraint failures callers can act on to the package's
// errors and leaves anything else as it is.
func constraintError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w: referenced row: %v", store.ErrNotFound, err)
	}
	return err
}

// Times are stored as Unix milliseconds, UTC, as in SQLite: an int64 of them spans ±292
// million years. The zero time is stored as NULL. Sub-millisecond parts are dropped
// (rounded towards the past).
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func timeValue(n pgtype.Int8) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// boundArg is timeArg for a range bound compared with stored times: it rounds up to the
// next whole millisecond instead of down, so that "stored >= bound" and "stored < bound"
// hold in milliseconds exactly when they hold for the times themselves.
func boundArg(t time.Time) any {
	if ms := t.Truncate(time.Millisecond); !ms.Equal(t) {
		t = ms.Add(time.Millisecond)
	}
	return timeArg(t)
}

func stringArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// intArg is n, or NULL for 0 (error codes, response statuses).
func intArg(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// millis is a duration stored as whole milliseconds.
func millis(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// where collects AND-ed conditions with their arguments, so that values only ever
// travel as bound parameters: arg binds a value and returns its placeholder.
type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// addRange adds from <= column < until, for the bounds that are set. A row whose column
// is NULL (a call that has not started or ended) matches no range.
func (w *where) addRange(column string, from, until time.Time) {
	if !from.IsZero() {
		w.add(column + " >= " + w.arg(boundArg(from)))
	}
	if !until.IsZero() {
		w.add(column + " < " + w.arg(boundArg(until)))
	}
}

// listQuery completes a list query for page p, newest first: it adds the keyset bound
// to w and the order and limit, asking one row more than the page to learn whether more
// follow. asc reports that rows come back oldest first (Before paging) and need
// reversing.
func listQuery(cols, table string, w where, p store.Page) (query string, args []any, asc bool) {
	order := "DESC"
	switch {
	case p.After > 0:
		w.add("seq < " + w.arg(p.After))
	case p.Before > 0:
		// Walk up from Before so the rows nearest it come first.
		w.add("seq > " + w.arg(p.Before))
		order, asc = "ASC", true
	}
	query = pageQuery(cols, table, &w, p, order)
	return query, w.args, asc
}

// listQueryOldestFirst is listQuery for a list read oldest first (a call's timeline):
// After pages to later rows and Before to earlier ones. reversed reports that rows come
// back newest first (Before paging) and need reversing.
func listQueryOldestFirst(cols, table string, w where, p store.Page) (query string, args []any, reversed bool) {
	order := "ASC"
	switch {
	case p.After > 0:
		w.add("seq > " + w.arg(p.After))
	case p.Before > 0:
		w.add("seq < " + w.arg(p.Before))
		order, reversed = "DESC", true
	}
	query = pageQuery(cols, table, &w, p, order)
	return query, w.args, reversed
}

func pageQuery(cols, table string, w *where, p store.Page, order string) string {
	query := "SELECT " + cols + " FROM " + table +
		" WHERE " + strings.Join(w.conds, " AND ") +
		" ORDER BY seq " + order + " LIMIT " + w.arg(pageSize(p)+1)
	return query + offset(w, p)
}

// offset is the OFFSET clause of page p, when it positions by offset.
func offset(w *where, p store.Page) string {
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		return " OFFSET " + w.arg(p.Offset)
	}
	return ""
}

func pageSize(p store.Page) int {
	if p.Size <= 0 {
		return store.DefaultPageSize
	}
	return p.Size
}

// queryList runs a list query built by listQuery and shapes its rows into a page.
func queryList[T any](ctx context.Context, db *DB, query string, args []any, asc bool, size int, scan func(rowScanner) (T, error)) ([]T, bool, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	list := make([]T, 0, size+1)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, false, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, storeErr(err)
	}
	more := len(list) > size
	if more {
		list = list[:size]
	}
	if asc {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	return list, more, nil
}

// collect reads every row of a query with scan.
func collect[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, storeErr(rows.Err())
}

// prefixed qualifies each of a comma-separated list of columns with prefix.
func prefixed(prefix, cols string) string {
	return prefix + strings.ReplaceAll(cols, ", ", ", "+prefix)
}

// assignments turns a column list "a, b" into the SET clause "a = $first, b = $first+1".
func assignments(cols string, first int) string {
	names := strings.Split(cols, ", ")
	for i, n := range names {
		names[i] = n + " = $" + strconv.Itoa(first+i)
	}
	return strings.Join(names, ", ")
}

// params is "$first, $first+1, ..." for n parameters.
func params(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(first+i)
	}
	return strings.Join(ps, ", ")
}
