package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open store. It is safe for concurrent use.
type DB struct {
	// writer has exactly one connection: SQLite allows one writer at a time anyway, and
	// queueing in database/sql is cheaper and fairer than spinning on SQLITE_BUSY.
	writer *sql.DB
	// reader is a pool; under WAL, readers see the last commit and never block the writer.
	reader *sql.DB

	// Statements every API request runs (the account lookup of authentication, fetch,
	// create), prepared once: parsing SQL was a quarter of a fetch's CPU time.
	// database/sql prepares them again on each pooled connection as needed.
	getAccount    *sql.Stmt
	getMessage    *sql.Stmt
	createMessage *sql.Stmt
	// Every step of every call reads the call first.
	getCall *sql.Stmt

	jobsSignal chan struct{} // see JobsChanged
	// Looking a number up by its value runs for every message that names one.
	phoneNumberByNumber *sql.Stmt
	// path and file identify the database file opened, so that Ping notices when it is
	// deleted or replaced under the running server (SQLite would go on writing to the
	// unlinked file, and every write would be lost).
	path string
	file os.FileInfo
}

// Pragmas every connection needs. busy_timeout still matters with one writer: another
// process (a backup, the sqlite3 shell) may hold the lock for a moment.
const commonPragmas = "_pragma=busy_timeout(5000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)"

// Open opens (creating if needed) the store in the SQLite file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	// IMMEDIATE takes the write lock at BEGIN, so a transaction that reads then writes
	// cannot fail halfway with SQLITE_BUSY when another process holds the lock.
	writer, err := sql.Open("sqlite", dsn(path, commonPragmas+"&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	writer.SetMaxOpenConns(1)
	// Migrate before the readers exist, so that the file is created and switched to WAL
	// by the writer alone.
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}

	// query_only makes a write sent to the reader pool by mistake fail loudly instead of
	// competing with the writer for the lock.
	reader, err := sql.Open("sqlite", dsn(path, commonPragmas+"&_pragma=query_only(1)&_txlock=deferred"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)

	db := &DB{writer: writer, reader: reader, path: path, jobsSignal: make(chan struct{}, 1)}
	if db.file, err = os.Stat(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		on   *sql.DB
		sql  string
	}{
		{&db.getAccount, reader, "SELECT " + accountCols + " FROM accounts WHERE sid = ?"},
		{&db.getMessage, reader, "SELECT " + messageCols + " FROM messages WHERE account_sid = ? AND sid = ?"},
		{&db.createMessage, writer, insertMessage + " RETURNING " + messageCols},
		{&db.getCall, reader, "SELECT " + callCols + " FROM calls WHERE account_sid = ? AND sid = ?"},
		{&db.phoneNumberByNumber, reader, "SELECT " + phoneNumberCols + " FROM incoming_phone_numbers WHERE phone_number = ?"},
	} {
		if *p.stmt, err = p.on.PrepareContext(ctx, p.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store: prepare: %w", err)
		}
	}
	return db, nil
}

// dsn builds a SQLite URI for path. '?', '#' and '%' would be read as URI syntax, so
// they are escaped; nothing else in a file path is special there.
func dsn(path, query string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + query
}

// Close closes the prepared statements and both pools.
func (db *DB) Close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{db.getAccount, db.getMessage, db.createMessage, db.phoneNumberByNumber, db.getCall} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(append(errs, db.reader.Close(), db.writer.Close())...)
}

// Ping checks that the file opened is still the one at its path, and can be read.
func (db *DB) Ping(ctx context.Context) error {
	now, err := os.Stat(db.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("ping store: database file %s was deleted", db.path)
	case err != nil:
		return fmt.Errorf("ping store: %w", err)
	case !os.SameFile(now, db.file):
		return fmt.Errorf("ping store: database file %s was replaced by another file", db.path)
	}
	var one int
	if err := db.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// Migrations are files migrations/NNNN_name.sql, numbered 1, 2, 3... without gaps. The
// number of the last one applied is kept in PRAGMA user_version: it lives in the file
// header, so it needs no table of its own and commits or rolls back with the migration.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations") // sorted by name
	if err != nil {
		return nil, err
	}
	var ms []migration
	for i, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want a name starting %04d_", e.Name(), i+1)
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	return ms, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	current, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if current > len(ms) {
		// An older binary must not write to a schema it does not know.
		return fmt.Errorf("schema version %d is newer than this build's %d", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Checked again under the write lock: another process may have migrated since.
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	// PRAGMA takes no bound parameters; the version is our own parsed integer.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

// IsBusy reports whether err is SQLite's "database is locked" (SQLITE_BUSY or
// SQLITE_LOCKED, extended codes included): another process held a lock for longer than
// busy_timeout. Nothing is wrong with the request; trying again later may work.
func IsBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	primary := se.Code() & 0xff
	return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
}

// rowScanner is what *sql.Row and *sql.Rows have in common, so that each type has one
// scan function for single-row and list queries alike.
type rowScanner interface {
	Scan(dest ...any) error
}

// constraintError maps the constraint failures callers can act on to the package's
// errors and leaves anything else as it is.
func constraintError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: referenced account: %v", ErrNotFound, err)
	}
	return err
}

// Times are stored as Unix milliseconds, UTC (migration 0002): an int64 of them spans
// ±292 million years, so no time a client can send (years 0000-9999) overflows, as Unix
// nanoseconds did past 2262. The zero time is stored as NULL. Sub-millisecond parts are
// dropped (rounded towards the past); the API shows whole seconds anyway.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func timeValue(n sql.NullInt64) time.Time {
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

// where collects AND-ed conditions with their arguments, so that values only ever
// travel as bound parameters.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

const defaultPageSize = 50

// listQuery completes a list query for page p: it adds the keyset bound to w and the
// order and limit, asking one row more than the page to learn whether more follow.
// asc reports that rows come back oldest first (Before paging) and need reversing.
func listQuery(cols, table string, w where, p Page) (query string, args []any, asc bool) {
	size := pageSize(p)
	order := "DESC"
	switch {
	case p.After > 0:
		w.add("seq < ?", p.After)
	case p.Before > 0:
		// Walk up from Before so the rows nearest it come first; the page ends up newest
		// first only after reversing.
		w.add("seq > ?", p.Before)
		order, asc = "ASC", true
	}
	query = "SELECT " + cols + " FROM " + table +
		" WHERE " + strings.Join(w.conds, " AND ") +
		" ORDER BY seq " + order + " LIMIT ?"
	args = append(w.args, size+1)
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		query += " OFFSET ?"
		args = append(args, p.Offset)
	}
	return query, args, asc
}

// listQueryOldestFirst is listQuery for a list read oldest first (a call's timeline):
// After pages to later rows and Before to earlier ones. reversed reports that rows come
// back newest first (Before paging) and need reversing.
func listQueryOldestFirst(cols, table string, w where, p Page) (query string, args []any, reversed bool) {
	size := pageSize(p)
	order := "ASC"
	switch {
	case p.After > 0:
		w.add("seq > ?", p.After)
	case p.Before > 0:
		w.add("seq < ?", p.Before)
		order, reversed = "DESC", true
	}
	query = "SELECT " + cols + " FROM " + table +
		" WHERE " + strings.Join(w.conds, " AND ") +
		" ORDER BY seq " + order + " LIMIT ?"
	args = append(w.args, size+1)
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		query += " OFFSET ?"
		args = append(args, p.Offset)
	}
	return query, args, reversed
}

func pageSize(p Page) int {
	if p.Size <= 0 {
		return defaultPageSize
	}
	return p.Size
}

// queryList runs a list query built by listQuery and shapes its rows into a page.
func queryList[T any](ctx context.Context, db *sql.DB, query string, args []any, asc bool, size int, scan func(rowScanner) (T, error)) ([]T, bool, error) {
	rows, err := db.QueryContext(ctx, query, args...)
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
		return nil, false, err
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

// millis is a duration stored as whole milliseconds.
func millis(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
