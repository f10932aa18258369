package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
)

// authGen answers AuthGeneration cheaply. It keeps one reader connection of its own,
// on which PRAGMA data_version tells whether any other connection (another process, or
// this process's writer) has committed since the last look: when none has, nothing can
// have changed and the last generation still holds, without reading a table.
//
// Its two statements are prepared on that connection's driver connection and run
// through sql.Conn.Raw, not database/sql: the check runs on every authenticated request,
// and database/sql's machinery around a query (a Rows, a goroutine watching the
// request's context, the driver's own watcher, a conversion by reflection) cost twice as
// much as the query. Neither statement can run long enough to be worth interrupting:
// the context is checked before, not watched during.
type authGen struct {
	mu                  sync.Mutex
	conn                *sql.Conn
	version, generation driver.StmtQueryContext // PRAGMA data_version and the counter, on conn
	dest                []driver.Value          // one column
	// readVersion and readGeneration run the statements inside conn.Raw, into out;
	// made once, so that a call allocates no closure.
	readVersion, readGeneration func(any) error
	out                         int64
	dataVersion                 int64
	gen                         int64
	known                       bool
}

// AuthGeneration returns a number that changes whenever an account or an API key
// changes, in this process or any other using the file (a trigger moves it). A copy of
// credentials taken at one generation is current for as long as the generation is the
// same.
func (db *DB) AuthGeneration(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	a := &db.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	gen, err := a.check(ctx, db.reader)
	if err != nil {
		// Start again on a fresh connection next time, in case this one is broken.
		a.closeLocked()
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	return gen, nil
}

// check reads data_version, and the generation if data_version moved. a.mu is held.
func (a *authGen) check(ctx context.Context, pool *sql.DB) (int64, error) {
	if a.conn == nil {
		if err := a.open(ctx, pool); err != nil {
			return 0, err
		}
	}
	if err := a.conn.Raw(a.readVersion); err != nil {
		return 0, err
	}
	v := a.out
	if a.known && v == a.dataVersion {
		return a.gen, nil
	}
	if err := a.conn.Raw(a.readGeneration); err != nil {
		return 0, err
	}
	a.dataVersion, a.gen, a.known = v, a.out, true
	return a.gen, nil
}

func (a *authGen) open(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare statements with a context", dc)
		}
		if a.version, err = prepareQuery(ctx, pc, "PRAGMA data_version"); err != nil {
			return err
		}
		if a.generation, err = prepareQuery(ctx, pc, "SELECT gen FROM auth_generation WHERE id = 1"); err != nil {
			a.version.(driver.Stmt).Close()
			return err
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return err
	}
	a.conn = conn
	a.dest = make([]driver.Value, 1)
	a.readVersion = func(any) error { return a.readInt(a.version) }
	a.readGeneration = func(any) error { return a.readInt(a.generation) }
	return nil
}

// prepareQuery prepares query on a driver connection, as a statement that can be run
// with a context.
func prepareQuery(ctx context.Context, pc driver.ConnPrepareContext, query string) (driver.StmtQueryContext, error) {
	s, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	q, ok := s.(driver.StmtQueryContext)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("driver statement %T cannot query with a context", s)
	}
	return q, nil
}

// readInt runs s, which returns one integer, into a.out. It runs inside conn.Raw.
func (a *authGen) readInt(s driver.StmtQueryContext) error {
	rows, err := s.QueryContext(context.Background(), nil)
	if err != nil {
		return err
	}
	err = rows.Next(a.dest)
	if errors.Is(err, io.EOF) {
		err = errors.New("no row")
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	n, ok := a.dest[0].(int64)
	if !ok {
		return fmt.Errorf("want an integer, got %T", a.dest[0])
	}
	a.out = n
	return nil
}

func (a *authGen) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closeLocked()
}

// closeLocked closes the statements and gives the connection back; a.mu is held.
func (a *authGen) closeLocked() error {
	if a.conn == nil {
		return nil
	}
	err := a.conn.Raw(func(any) error {
		return errors.Join(a.version.(driver.Stmt).Close(), a.generation.(driver.Stmt).Close())
	})
	err = errors.Join(err, a.conn.Close())
	a.conn, a.version, a.generation, a.known = nil, nil, nil, false
	return err
}
