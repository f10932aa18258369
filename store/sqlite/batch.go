package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Group commit. Every write of the store is a function run in a write transaction
// (DB.write). With synchronous=FULL each commit waits for an fsync, so one commit per
// request caps the writes a second at the disk's fsync rate. Instead, one goroutine owns
// the writer connection: it takes the writes that are waiting, runs them in one
// transaction, each inside a savepoint (a write that fails is rolled back alone, with its
// own error), commits once, and only then answers every caller. A caller is never told
// its write succeeded before the commit that holds it is durable.

// maxBatch bounds the writes one transaction takes, so that a long queue still commits
// (and answers) in steady steps.
const maxBatch = 128

// writeReq is one caller's write waiting for the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// BatchObserver is told the size and commit time of every batch (for metrics).
type BatchObserver interface {
	ObserveCommit(writes int, elapsed time.Duration)
}

// writerLoop runs the batches until the queue is closed.
func (db *DB) writerLoop() {
	defer close(db.writerDone)
	for first := range db.queue {
		batch := []*writeReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-db.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		db.runBatch(batch)
	}
}

// runBatch runs the writes of batch in one transaction and answers each.
func (db *DB) runBatch(batch []*writeReq) {
	start := time.Now()
	results := make([]error, len(batch))
	answer := func() {
		for i, r := range batch {
			r.done <- results[i]
		}
	}
	// The transaction is the batch's, not any one caller's: a caller that gives up must
	// not roll back the others.
	tx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range results {
			results[i] = err
		}
		answer()
		return
	}
	if len(batch) == 1 {
		// No savepoint needed: a failure rolls back the transaction, which holds nothing
		// else, and costs a single writer no more than it did before batching.
		if results[0] = batch[0].ctx.Err(); results[0] == nil {
			results[0] = batch[0].fn(tx)
		}
		if results[0] != nil {
			_ = tx.Rollback()
			answer()
			db.wstmts.prepareWanted()
			return
		}
	} else {
		for i, r := range batch {
			if results[i] = r.ctx.Err(); results[i] == nil {
				results[i] = inSavepoint(tx, r.fn)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
		}
	}
	if db.batches != nil {
		db.batches.ObserveCommit(len(batch), time.Since(start))
	}
	answer()
	db.signalChange()
	db.wstmts.prepareWanted()
}

// inSavepoint runs fn inside a savepoint, rolled back when fn fails, so that a failed
// write leaves nothing behind and the others of its batch commit.
func inSavepoint(tx *sql.Tx, fn func(*sql.Tx) error) error {
	if _, err := tx.Exec("SAVEPOINT w"); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if _, rerr := tx.Exec("ROLLBACK TO w"); rerr != nil {
			return errors.Join(err, rerr)
		}
		_, _ = tx.Exec("RELEASE w")
		return err
	}
	_, err := tx.Exec("RELEASE w")
	return err
}

// stmtCache holds statements prepared once on a pool: parsing SQL costs as much as
// running the small statements the API does.
type stmtCache struct {
	on *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// wanted are statements asked for inside a write transaction and not prepared yet:
	// the writer's one connection is the transaction's then, so they are prepared after
	// it ends (prepareWanted).
	wanted map[string]bool
}

// maxCached bounds the statements kept; the store's queries come from a fixed set of
// shapes, so this is only a guard against a query built from unbounded input.
const maxCached = 512

// lookup returns the prepared statement of query, or notes that it is wanted.
func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[query]
	if !ok && len(c.m)+len(c.wanted) < maxCached {
		c.wanted[query] = true
	}
	return s, ok
}

// prepareWanted prepares the statements wanted inside transactions, now that the
// connection is free.
func (c *stmtCache) prepareWanted() {
	c.mu.Lock()
	wanted := slices.Collect(maps.Keys(c.wanted))
	clear(c.wanted)
	c.mu.Unlock()
	// Prepared without the lock: without group commit another writer may hold the
	// connection, and it may need the cache to finish its transaction.
	for _, q := range wanted {
		s, err := c.on.Prepare(q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup || len(c.m) >= maxCached {
			s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.m {
		errs = append(errs, s.Close())
	}
	c.m = map[string]*sql.Stmt{}
	return errors.Join(errs...)
}

// txStmt is query's statement for use in tx: the one prepared once on the writer, or,
// the first time, one prepared in tx alone (and the query noted, to be prepared once the
// transaction is over).
//
// The statements of a write transaction (txExec, txQueryRow, txQuery) run without
// watching their caller's context: the writer checked it before it ran the caller's
// write, and the statements of a write take microseconds. Watching costs more than that:
// database/sql and the driver each start a goroutine per statement to watch a context
// that can end.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s, ok := db.wstmts.lookup(query); ok {
		return tx.StmtContext(ctx, s), nil
	}
	return tx.PrepareContext(ctx, query)
}

// txExec, txQueryRow and txQuery run a statement inside a write transaction.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	s, err := db.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) rowScanner {
	ctx = context.WithoutCancel(ctx)
	s, err := db.txStmt(ctx, tx, query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

func (db *DB) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	s, err := db.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// writeScan runs one statement that returns a row (INSERT or UPDATE ... RETURNING) as a
// write, and scans the row.
func writeScan[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	var out T
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scan(db.txQueryRow(ctx, tx, query, args...))
		return err
	})
	return out, err
}
