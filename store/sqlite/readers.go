package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"zombiezen.com/go/sqlite"

	"github.com/switchboard-dev/switchboard/store"
)

// readers is the pool of read-only connections every read of the store runs on (the
// writes have the writer, through database/sql). Under WAL a reader sees the last commit
// and never blocks the writer.
//
// The readers use zombiezen.com/go/sqlite, a thin Go API over the same SQLite library
// (modernc.org/sqlite's), instead of database/sql and modernc.org/sqlite's driver. For a
// read of one row the driver looks up every column's name and declared type on every
// query, and database/sql adds a Rows, a conversion by reflection per column and
// a dozen allocations around it. A fetch of a message under load spent about 23 µs of
// the server's CPU on its read that way, and about 12 through this pool
// (5c7d1ce; docs/performance.md, "Reads").
type readers struct {
	free   chan *readConn
	n      int
	closed chan struct{} // closed by close: a read after it fails instead of waiting
}

// readConn is one reader connection and the statements prepared on it.
type readConn struct {
	conn *sqlite.Conn
	// stmts are the statements prepared on conn, by query; at most maxCached, beyond
	// which a statement is prepared for its one use and finalized after it.
	//
	// They are kept here rather than in sqlite.Conn.Prepare's cache, which clears a
	// statement's bindings each time it hands it out: clearing the bindings of a query
	// with LIMIT ? makes SQLite prepare it again at its next step (the limit's value
	// may change its plan), which cost a list 20 µs. Every query binds all its
	// parameters anyway (bindArgs).
	stmts map[string]*sqlite.Stmt
}

// readerBusyTimeout matches the writer's busy_timeout: a reader waits for a lock only
// while another process recovers the WAL, which takes moments.
const readerBusyTimeout = 5 * time.Second

// openReaders opens n read-only connections to the database at path. The writer has
// created the file and switched it to WAL before.
func openReaders(path string, n int) (*readers, error) {
	r := &readers{free: make(chan *readConn, n), n: n, closed: make(chan struct{})}
	for range n {
		c, err := openReadConn(path)
		if err != nil {
			r.closeFree()
			return nil, fmt.Errorf("open reader: %w", err)
		}
		r.free <- c
	}
	return r, nil
}

// openReadConn opens one read-only connection with the readers' settings. Read-only
// (SQLITE_OPEN_READONLY) is what query_only was for the driver's pool: a write sent here
// by mistake fails instead of competing with the writer for the lock.
func openReadConn(path string) (*readConn, error) {
	c, err := sqlite.OpenConn(path, sqlite.OpenReadOnly)
	if err != nil {
		return nil, err
	}
	c.SetBusyTimeout(readerBusyTimeout)
	st, _, err := c.PrepareTransient("PRAGMA cache_size = -" + strconv.Itoa(readerCacheKiB))
	if err == nil {
		_, err = st.Step()
		err = errors.Join(err, st.Finalize())
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return &readConn{conn: c, stmts: map[string]*sqlite.Stmt{}}, nil
}

// take waits for a free connection, or for ctx to end, or for the pool to close.
func (r *readers) take(ctx context.Context) (*readConn, error) {
	select {
	case <-r.closed:
		return nil, store.ErrClosed
	default:
	}
	select {
	case c := <-r.free:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.closed:
		return nil, store.ErrClosed
	}
}

func (r *readers) put(c *readConn) { r.free <- c }

// close waits for every connection to come back, and closes them. Reads waiting for a
// connection, and later ones, fail with ErrClosed.
func (r *readers) close() error {
	close(r.closed)
	var errs []error
	for range r.n {
		errs = append(errs, (<-r.free).close())
	}
	return errors.Join(errs...)
}

// closeFree closes the connections opened so far, when opening the pool fails.
func (r *readers) closeFree() {
	for {
		select {
		case c := <-r.free:
			c.close()
		default:
			return
		}
	}
}

// statement returns query's statement on c, prepared once; release must be called when
// its rows have been read.
func (c *readConn) statement(query string) (*sqlite.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, trailing, err := c.conn.PrepareTransient(query)
	if err != nil {
		return nil, err
	}
	if trailing != 0 {
		st.Finalize()
		return nil, fmt.Errorf("prepare %q: more than one statement", query)
	}
	if len(c.stmts) < maxCached {
		c.stmts[query] = st
	}
	return st, nil
}

// release resets query's statement st for its next use, or finalizes it when it was
// prepared past the bound, for this use only.
func (c *readConn) release(query string, st *sqlite.Stmt) error {
	if c.stmts[query] == st {
		return st.Reset()
	}
	return st.Finalize()
}

// close finalizes c's statements and closes its connection.
func (c *readConn) close() error {
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Finalize())
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

// queryRow and query run a read-only statement on a reader connection, prepared once
// per connection.
//
// queryRow is for the reads of one row, by key or an aggregate over an index, which take
// microseconds: its context is checked before the query, not watched during it. A list
// (query) may read many rows, and stays watched: SQLite interrupts it once the context
// ends.
//
// queryRow runs the query when the row is scanned, as database/sql's Row reports its
// errors there: every caller scans.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if err := ctx.Err(); err != nil {
		return errRow{err}
	}
	return &readRow{db: db, ctx: ctx, query: query, args: args}
}

// readRow is the row of queryRow, read by Scan.
type readRow struct {
	db    *DB
	ctx   context.Context
	query string
	args  []any
}

// Scan runs the query and scans its first row into dest, as database/sql's Row.Scan
// does: sql.ErrNoRows when there is none.
func (r *readRow) Scan(dest ...any) error {
	c, err := r.db.readers.take(r.ctx)
	if err != nil {
		return err
	}
	defer r.db.readers.put(c)
	return c.scanRow(r.query, r.args, dest)
}

// scanRow runs query with args on c and scans its first row into dest; sql.ErrNoRows
// when there is none.
func (c *readConn) scanRow(query string, args, dest []any) (err error) {
	st, err := c.statement(query)
	if err != nil {
		return err
	}
	defer func() {
		if derr := c.release(query, st); err == nil {
			err = derr // after a failed step, Reset repeats its error
		}
	}()
	if err := bindArgs(st, args); err != nil {
		return err
	}
	row, err := st.Step()
	if err != nil {
		return err
	}
	if !row {
		return sql.ErrNoRows
	}
	return scanColumns(st, dest)
}

// query runs a statement that returns rows; the caller reads them with Next and Scan
// and must Close them, which gives the connection back.
func (db *DB) query(ctx context.Context, query string, args ...any) (*readRows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := db.readers.take(ctx)
	if err != nil {
		return nil, err
	}
	st, err := c.statement(query)
	if err == nil {
		if err = bindArgs(st, args); err != nil {
			c.release(query, st)
		}
	}
	if err != nil {
		db.readers.put(c)
		return nil, err
	}
	r := &readRows{pool: db.readers, c: c, query: query, st: st, ctx: ctx}
	if ctx.Done() != nil {
		c.conn.SetInterrupt(ctx.Done())
		r.watched = true
	}
	return r, nil
}

// readRows are the rows of query, in the manner of database/sql's Rows.
type readRows struct {
	pool    *readers
	c       *readConn
	query   string
	st      *sqlite.Stmt
	ctx     context.Context
	watched bool
	err     error
	closed  bool
}

// Next steps to the next row; false at the end or on an error (see Err).
func (r *readRows) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	row, err := r.st.Step()
	if err != nil {
		if ctxErr := r.ctx.Err(); ctxErr != nil {
			err = ctxErr // interrupted because the context ended
		}
		r.err = err
		return false
	}
	return row
}

// Scan scans the current row into dest.
func (r *readRows) Scan(dest ...any) error {
	if r.closed {
		return errors.New("scan: rows are closed")
	}
	return scanColumns(r.st, dest)
}

// Err is the error that ended Next, if any.
func (r *readRows) Err() error { return r.err }

// Close ends the statement and gives the connection back; it may be called again.
func (r *readRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.c.release(r.query, r.st)
	if r.watched {
		r.c.conn.SetInterrupt(nil)
	}
	r.pool.put(r.c)
	return err
}

// bindArgs binds args to st's parameters, in order; they take the types the store passes
// (and what a driver.Valuer gives).
func bindArgs(st *sqlite.Stmt, args []any) error {
	if n := st.BindParamCount(); n != len(args) {
		return fmt.Errorf("bind: the query has %d parameters, given %d arguments", n, len(args))
	}
	for i, a := range args {
		p := i + 1
		if v, ok := a.(driver.Valuer); ok {
			var err error
			if a, err = v.Value(); err != nil {
				return fmt.Errorf("bind parameter %d: %w", p, err)
			}
		}
		switch v := a.(type) {
		case nil:
			st.BindNull(p)
		case string:
			st.BindText(p, v)
		case int64:
			st.BindInt64(p, v)
		case int:
			st.BindInt64(p, int64(v))
		case bool:
			st.BindBool(p, v)
		case float64:
			st.BindFloat(p, v)
		case []byte:
			st.BindBytes(p, v)
		default:
			return fmt.Errorf("bind parameter %d: unsupported type %T", p, a)
		}
	}
	return nil
}

// scanColumns scans the current row of st into dest, one destination per column, with
// database/sql's rules for the types the store scans into: NULL only into a Null type,
// *[]byte or *any, and a number only from a column that holds one.
func scanColumns(st *sqlite.Stmt, dest []any) error {
	if n := st.ColumnCount(); n != len(dest) {
		return fmt.Errorf("scan: the query returns %d columns, given %d destinations", n, len(dest))
	}
	for i, d := range dest {
		if err := scanColumn(st, i, d); err != nil {
			return fmt.Errorf("scan column %d (%s): %w", i, st.ColumnName(i), err)
		}
	}
	return nil
}

var errNull = errors.New("NULL into a destination that cannot hold it")

func scanColumn(st *sqlite.Stmt, i int, dest any) error {
	t := st.ColumnType(i)
	switch d := dest.(type) {
	case *string:
		if t == sqlite.TypeNull {
			return errNull
		}
		*d = columnString(st, i, t)
	case *int64:
		v, err := columnInt(st, i, t)
		if err != nil {
			return err
		}
		*d = v
	case *int:
		v, err := columnInt(st, i, t)
		if err != nil {
			return err
		}
		*d = int(v)
	case *bool:
		v, err := columnBool(st, i, t)
		if err != nil {
			return err
		}
		*d = v
	case *float64:
		v, err := columnFloat(st, i, t)
		if err != nil {
			return err
		}
		*d = v
	case *[]byte:
		switch t {
		case sqlite.TypeNull:
			*d = nil
		case sqlite.TypeBlob:
			*d = columnBlob(st, i)
		default:
			*d = []byte(columnString(st, i, t))
		}
	case *sql.NullString:
		*d = sql.NullString{}
		if t != sqlite.TypeNull {
			*d = sql.NullString{String: columnString(st, i, t), Valid: true}
		}
	case *sql.NullInt64:
		*d = sql.NullInt64{}
		if t != sqlite.TypeNull {
			v, err := columnInt(st, i, t)
			if err != nil {
				return err
			}
			*d = sql.NullInt64{Int64: v, Valid: true}
		}
	case *any:
		switch t {
		case sqlite.TypeNull:
			*d = nil
		case sqlite.TypeInteger:
			*d = st.ColumnInt64(i)
		case sqlite.TypeFloat:
			*d = st.ColumnFloat(i)
		case sqlite.TypeBlob:
			*d = columnBlob(st, i)
		default:
			*d = st.ColumnText(i)
		}
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return nil
}

// columnString is a column as text: a real formatted as Go formats a float64 (2, not
// SQLite's 2.0), the rest as SQLite gives it.
func columnString(st *sqlite.Stmt, i int, t sqlite.ColumnType) string {
	if t == sqlite.TypeFloat {
		return strconv.FormatFloat(st.ColumnFloat(i), 'g', -1, 64)
	}
	return st.ColumnText(i)
}

// columnBlob copies a blob out of SQLite's memory; an empty one is nil, as the driver
// gives it.
func columnBlob(st *sqlite.Stmt, i int) []byte {
	n := st.ColumnLen(i)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	st.ColumnBytes(i, b)
	return b
}

// columnBool reads a boolean as database/sql's driver.Bool does: the integers 0 and 1,
// or text strconv.ParseBool reads.
func columnBool(st *sqlite.Stmt, i int, t sqlite.ColumnType) (bool, error) {
	switch t {
	case sqlite.TypeInteger:
		switch v := st.ColumnInt64(i); v {
		case 0, 1:
			return v == 1, nil
		default:
			return false, fmt.Errorf("integer %d is not a boolean", v)
		}
	case sqlite.TypeText, sqlite.TypeBlob:
		return strconv.ParseBool(st.ColumnText(i))
	case sqlite.TypeNull:
		return false, errNull
	default:
		return false, fmt.Errorf("real %v is not a boolean", st.ColumnFloat(i))
	}
}

// columnFloat reads a number; text must spell one.
func columnFloat(st *sqlite.Stmt, i int, t sqlite.ColumnType) (float64, error) {
	switch t {
	case sqlite.TypeInteger, sqlite.TypeFloat:
		return st.ColumnFloat(i), nil
	case sqlite.TypeNull:
		return 0, errNull
	default:
		return strconv.ParseFloat(st.ColumnText(i), 64)
	}
}

// columnInt reads an integer column; text must spell an integer, and so must a real
// formatted as database/sql formats it.
func columnInt(st *sqlite.Stmt, i int, t sqlite.ColumnType) (int64, error) {
	switch t {
	case sqlite.TypeInteger:
		return st.ColumnInt64(i), nil
	case sqlite.TypeNull:
		return 0, errNull
	default: // a real as Go formats it (2, but 1e+06), or text
		return strconv.ParseInt(columnString(st, i, t), 10, 64)
	}
}
