// Package sqlite is the store's SQLite backend (modernc.org/sqlite, pure Go): it
// implements store.Store over one database file, which several processes may share.
//
// One connection writes (through database/sql), one goroutine batching the writes that
// wait into one transaction (group commit, batch.go), and a small pool of read-only
// connections reads (through zombiezen.com/go/sqlite, over the same SQLite library; see
// readers.go), so that writers never fight over SQLite's single write lock (no
// SQLITE_BUSY under load) while reads run in parallel under WAL. The schema is the
// embedded migrations/NNNN_*.sql, applied in order by Open.
package sqlite

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
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/switchboard-dev/switchboard/store"
)

// DB is an open store. It is safe for concurrent use.
type DB struct {
	// writer has exactly one connection, owned by the writer goroutine (batch.go):
	// SQLite allows one writer at a time anyway, and one goroutine batching the waiting
	// writes into one transaction commits them all with one fsync.
	writer *sql.DB
	// readers run every read (readers.go).
	readers *readers

	// The writer's statements, prepared once: parsing SQL was a quarter of a write's CPU
	// time.
	wstmts *stmtCache

	queue      chan *writeReq // writes waiting for the writer goroutine; nil without group commit
	queueMu    sync.RWMutex   // held to send on queue, and to close it
	closed     bool
	writerDone chan struct{}
	closeOnce  sync.Once
	batches    BatchObserver // nil: none

	auth authGen // see AuthGeneration

	jobsSignal   chan struct{} // see JobsChanged
	changeSignal chan struct{} // see Changed
	// path and file identify the database file opened, so that Ping notices when it is
	// deleted or replaced under the running server (SQLite would go on writing to the
	// unlinked file, and every write would be lost).
	path string
	file os.FileInfo
}

var _ store.Store = (*DB)(nil)

// Options tune Open; the zero value is the default.
type Options struct {
	// Synchronous is SQLite's synchronous setting: "full" (the default: a write is on
	// disk, surviving a power failure, before it is acknowledged) or "normal" (it survives
	// the process being killed, but the last writes before a power failure may be lost).
	Synchronous string
	// NoGroupCommit commits each write on its own, as before group commit: the old mode,
	// for comparison. Group commit batches concurrent writes into one commit.
	NoGroupCommit bool
	// Batches is told of every commit (metrics); nil for none.
	Batches BatchObserver
}

// Pragmas every connection needs. busy_timeout still matters with one writer: another
// process (a backup, the sqlite3 shell) may hold the lock for a moment.
const commonPragmas = "_pragma=busy_timeout(5000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)"

// readerCacheKiB is the page cache of each reader connection. Every connection keeps a
// cache of its own, 2,000 KiB by SQLite's default: the five readers held the same hot
// pages five times over, and as the file grew under load their caches came to about
// 10 MB of the server's peak RSS (a9101e8; docs/performance.md). A page a reader's
// cache lacks is read from the kernel's page cache, one copy for every connection and
// process; at 256 KiB the misses cost fetches 6% in a grown file, at 512 KiB nothing
// measurable. The writer keeps SQLite's default: a batch's changes stay in its cache
// until they commit.
const readerCacheKiB = 512

// Open opens (creating if needed) the store in the SQLite file at path, with the default
// options, and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) { return OpenWith(ctx, path, Options{}) }

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options) (*DB, error) {
	sync := "FULL"
	switch opts.Synchronous {
	case "", "full":
	case "normal":
		sync = "NORMAL"
	default:
		return nil, fmt.Errorf("open store: synchronous must be full or normal, not %q", opts.Synchronous)
	}
	pragmas := commonPragmas + "&_pragma=synchronous(" + sync + ")"
	// IMMEDIATE takes the write lock at BEGIN, so a transaction that reads then writes
	// cannot fail halfway with SQLITE_BUSY when another process holds the lock.
	//
	// temp_store(MEMORY) keeps the writer's statement journal in memory. Group commit
	// runs each write of a batch in a savepoint, and SQLite keeps the pages a savepoint
	// changes in that journal; past 64 KiB it spilled them to a temporary file, created,
	// written and deleted with every batch: the syscalls were a fifth of the writer's
	// CPU. maxBatch bounds what it holds to a few megabytes, for the time of a commit.
	writer, err := sql.Open("sqlite", dsn(path, pragmas+"&_pragma=temp_store(MEMORY)&_txlock=immediate"))
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

	readers, err := openReaders(path, max(4, runtime.NumCPU()))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}

	db := &DB{writer: writer, readers: readers, path: path, jobsSignal: make(chan struct{}, 1), changeSignal: make(chan struct{}, 1),
		wstmts:  &stmtCache{on: writer, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}},
		auth:    authGen{path: path},
		batches: opts.Batches}
	if db.file, err = os.Stat(path); err != nil {
		db.closePools()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		db.closePools()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if !opts.NoGroupCommit {
		db.queue, db.writerDone = make(chan *writeReq), make(chan struct{})
		go db.writerLoop()
	}
	return db, nil
}

// dsn builds a SQLite URI for path. '?', '#' and '%' would be read as URI syntax, so
// they are escaped; nothing else in a file path is special there.
func dsn(path, query string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + query
}

// Close stops the writer goroutine (after the writes already queued) and closes the
// prepared statements and both pools. Reads and writes after Close fail with
// store.ErrClosed, except the deletes that go straight to the writer's pool (deleteRow)
// and, without group commit, every write: those fail with database/sql's own error.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		if db.queue != nil {
			db.queueMu.Lock()
			close(db.queue)
			db.closed = true
			db.queueMu.Unlock()
			<-db.writerDone
		}
		err = db.closePools()
	})
	return err
}

func (db *DB) closePools() error {
	return errors.Join(db.auth.close(), db.wstmts.close(), db.readers.close(), db.writer.Close())
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
	if err := db.queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
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

// unavailable wraps SQLite's "database is locked" (SQLITE_BUSY or SQLITE_LOCKED, extended
// codes included) in ErrUnavailable: another process held a lock for longer than
// busy_timeout. Nothing is wrong with the request; trying again later may work. Any
// other error is returned as it is.
func unavailable(err error) error {
	if err == nil {
		return nil // before se, which escapes: no allocation for a write that worked
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	if primary := se.Code() & 0xff; primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
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
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: referenced account: %v", store.ErrNotFound, err)
	}
	return err
}

// Times are stored as Unix milliseconds, UTC (migration 0002): an int64 of them spans
// ±292 million years, so no time a client can send (years 0000-9999) overflows, as Unix
// nanoseconds did past 2262. The zero time is stored as NULL. Sub-millisecond parts are
// dropped (rounded towards the past); the API shows whole seconds anyway.
// assignments turns a column list "a, b" into the SET clause "a = ?, b = ?".
func assignments(cols string) string { return strings.ReplaceAll(cols, ", ", " = ?, ") + " = ?" }

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

// listQuery completes a list query for page p: it adds the keyset bound to w and the
// order and limit, asking one row more than the page to learn whether more follow.
// asc reports that rows come back oldest first (Before paging) and need reversing.
func listQuery(cols, table string, w where, p store.Page) (query string, args []any, asc bool) {
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
