package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// authGen answers AuthGeneration cheaply. It keeps one read-only connection of its own,
// outside the readers' pool, on which PRAGMA data_version tells whether any other
// connection (another process, or this process's writer) has committed since the last
// look: when none has, nothing can have changed and the last generation still holds,
// without reading a table.
//
// Neither statement can run long enough to be worth interrupting: the context is checked
// before, not watched during.
type authGen struct {
	mu   sync.Mutex
	path string
	conn *readConn // nil until first used, and after an error
	// out is scanned into through dest, made once, so that a check allocates nothing.
	out         int64
	dest        []any
	dataVersion int64
	gen         int64
	known       bool
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
	gen, err := a.check()
	if err != nil {
		// Start again on a fresh connection next time, in case this one is broken.
		a.closeLocked()
		return 0, fmt.Errorf("auth generation: %w", err)
	}
	return gen, nil
}

// check reads data_version, and the generation if data_version moved. a.mu is held.
func (a *authGen) check() (int64, error) {
	if a.conn == nil {
		c, err := openReadConn(a.path)
		if err != nil {
			return 0, err
		}
		a.conn, a.dest = c, []any{&a.out}
	}
	if err := a.conn.scanRow("PRAGMA data_version", nil, a.dest); err != nil {
		return 0, err
	}
	v := a.out
	if a.known && v == a.dataVersion {
		return a.gen, nil
	}
	if err := a.conn.scanRow("SELECT gen FROM auth_generation WHERE id = 1", nil, a.dest); err != nil {
		return 0, err
	}
	a.dataVersion, a.gen, a.known = v, a.out, true
	return a.gen, nil
}

func (a *authGen) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closeLocked()
}

// closeLocked closes the connection (and its statements); a.mu is held.
func (a *authGen) closeLocked() error {
	if a.conn == nil {
		return nil
	}
	err := a.conn.close()
	a.conn, a.known = nil, false
	return err
}
