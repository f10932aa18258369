package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// authGen answers AuthGeneration cheaply. It keeps one reader connection of its own,
// on which PRAGMA data_version tells whether any other connection (another process, or
// this process's writer) has committed since the last look: when none has, nothing can
// have changed and the last generation still holds, without reading a table.
type authGen struct {
	mu          sync.Mutex
	conn        *sql.Conn
	version     *sql.Stmt // PRAGMA data_version, on conn
	generation  *sql.Stmt // the counter, on conn
	dataVersion int64
	gen         int64
	known       bool
}

// AuthGeneration returns a number that changes whenever an account or an API key
// changes, in this process or any other using the file (a trigger moves it). A copy of
// credentials taken at one generation is current for as long as the generation is the
// same.
func (db *DB) AuthGeneration(ctx context.Context) (int64, error) {
	a := &db.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		if err := a.open(ctx, db.reader); err != nil {
			return 0, fmt.Errorf("auth generation: %w", err)
		}
	}
	var v int64
	if err := a.version.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	if a.known && v == a.dataVersion {
		return a.gen, nil
	}
	var gen int64
	if err := a.generation.QueryRowContext(ctx).Scan(&gen); err != nil {
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	a.dataVersion, a.gen, a.known = v, gen, true
	return gen, nil
}

func (a *authGen) open(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	if a.version, err = conn.PrepareContext(ctx, "PRAGMA data_version"); err != nil {
		conn.Close()
		return err
	}
	if a.generation, err = conn.PrepareContext(ctx, "SELECT gen FROM auth_generation WHERE id = 1"); err != nil {
		a.version.Close()
		conn.Close()
		return err
	}
	a.conn = conn
	return nil
}

func (a *authGen) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil
	}
	a.version.Close()
	a.generation.Close()
	err := a.conn.Close()
	a.conn = nil
	return err
}
