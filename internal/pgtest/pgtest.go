// Package pgtest runs throwaway PostgreSQL clusters for tests: Debian's `postgresql`
// package (installed by .ci/install-deps), initialised into a temporary directory and
// served on a loopback port, never a mock and never a download.
//
// A test asks for a database with Database: a fresh, empty one on a cluster shared by
// the whole test binary, or on the cluster named by SWITCHBOARD_TEST_POSTGRES (a URL such
// as postgres://postgres@127.0.0.1:5433/postgres) when a wrapper started one for a whole
// run (internal/pgtest/withpg). Tests that stop or kill the server itself start a Cluster
// of their own.
//
// SWITCHBOARD_TEST_STORE=postgres (Wanted) asks the test harnesses (app/servertest,
// switchboardtest, the command's tests) to run the servers they start on PostgreSQL, each
// on a database of its own, rather than on a SQLite file.
//
// PostgreSQL refuses to run as root, and CI runs as root: the cluster is then made and
// run as the `postgres` user the package creates.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable of a running cluster to use instead of starting
// one: the URL of a superuser's connection to its `postgres` database.
const EnvURL = "SWITCHBOARD_TEST_POSTGRES"

// EnvStore names the environment variable that chooses the backend of the servers tests
// start: "postgres", or "sqlite" (the default, when it is unset).
const EnvStore = "SWITCHBOARD_TEST_STORE"

// Wanted reports whether the servers tests start are to run on PostgreSQL
// (SWITCHBOARD_TEST_STORE=postgres) rather than SQLite. Run refuses any other value than
// these two, so that a misspelt one cannot quietly test SQLite again.
func Wanted() bool { return os.Getenv(EnvStore) == "postgres" }

// checkStore says what is wrong with SWITCHBOARD_TEST_STORE, if anything.
func checkStore() error {
	switch v := os.Getenv(EnvStore); v {
	case "", "sqlite", "postgres":
		return nil
	default:
		return fmt.Errorf("pgtest: %s=%q: want postgres or sqlite", EnvStore, v)
	}
}

// Cluster is one PostgreSQL server over its own data directory.
type Cluster struct {
	Dir  string // the data directory (and the Unix socket's)
	Port int
	bin  string // where initdb, pg_ctl and postgres are
	cred *syscall.Credential
	proc *os.Process
	wait chan error
}

// BinDir finds the directory of PostgreSQL's server programs: $PG_BIN, or the newest
// /usr/lib/postgresql/N/bin (Debian's layout), or the one of initdb on $PATH.
func BinDir() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pgtest: PostgreSQL's server programs (initdb) not found: install Debian's postgresql package (.ci/install-deps)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start initialises a cluster in a new temporary directory and starts it on a free
// loopback port. Its settings favour speed where that loses nothing a test can see:
// fsync is off (a process killed, even PostgreSQL itself, loses nothing the kernel was
// handed; only the machine crashing would), synchronous_commit stays on.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "switchboard-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(ctx); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if out, err := c.command(ctx, "initdb", "-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	conf := "listen_addresses = '127.0.0.1'\n" +
		"unix_socket_directories = '" + dir + "'\n" +
		"max_connections = 300\n" +
		"fsync = off\n" +
		"full_page_writes = off\n" +
		"synchronous_commit = on\n" +
		"shared_buffers = 64MB\n" +
		"log_min_messages = warning\n"
	if err := appendFile(filepath.Join(dir, "postgresql.conf"), conf); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.Restart(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Restart starts the server again after Stop or Kill, on the port it had, as a server
// restarted in place, so that URLs made before still reach it; on a new one only if
// something else took that port meanwhile. Start calls it for the first start, on a free
// port.
func (c *Cluster) Restart(ctx context.Context) error {
	if c.proc != nil {
		return errors.New("pgtest: the cluster is running")
	}
	port := c.Port
	if port == 0 || !portFree(port) {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	cmd := c.command(context.Background(), "postgres", "-D", c.Dir, "-p", strconv.Itoa(port))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// The server is this process's child: it must not outlive a test binary that dies.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.proc, c.Port = cmd.Process, port
	c.wait = make(chan error, 1)
	go func() { c.wait <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case err := <-c.wait:
			c.proc = nil
			return fmt.Errorf("pgtest: postgres exited: %v\n%s", err, logs.String())
		case <-ctx.Done():
			c.Kill()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.Kill()
			return fmt.Errorf("pgtest: postgres did not accept connections within 30 s\n%s", logs.String())
		}
	}
}

// URL is the URL of a superuser's connection to database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Stop shuts the server down (fast: open sessions are ended) and waits for it.
func (c *Cluster) Stop() { c.signal(syscall.SIGINT) }

// Kill ends the server at once, as kill -9 would: what it had not written is lost, and
// the next start recovers from its log.
func (c *Cluster) Kill() { c.signal(syscall.SIGKILL) }

func (c *Cluster) signal(sig syscall.Signal) {
	if c.proc == nil {
		return
	}
	_ = c.proc.Signal(sig)
	<-c.wait
	c.proc = nil
	if sig == syscall.SIGKILL {
		// The postmaster's children end when they notice it is gone; the next start
		// waits for them, since they hold its shared memory.
		time.Sleep(100 * time.Millisecond)
	}
}

// Remove stops the server and deletes its data directory.
func (c *Cluster) Remove() {
	c.Stop()
	os.RemoveAll(c.Dir)
}

// CreateDatabase makes a new, empty database on the server that url reaches, and
// returns the URL of a connection to it.
func CreateDatabase(ctx context.Context, serverURL, name string) (string, error) {
	return createDatabase(ctx, serverURL, name, "")
}

// createDatabase is CreateDatabase, of a copy of database template when it is not "".
func createDatabase(ctx context.Context, serverURL, name, template string) (string, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		create += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// The cluster a test binary shares, when no wrapper gave one: started by the first
// Database call, removed when Run returns.
var (
	running    atomic.Bool
	sharedOnce sync.Once
	sharedURL  string
	sharedErr  error
	sharedOwn  *Cluster
	databases  atomic.Int64
)

// Run runs a package's tests (m.Run) and then removes the cluster they shared, if one
// was started: call it from TestMain as os.Exit(pgtest.Run(m)) in every package whose
// tests call Database or start servers (which may run on PostgreSQL: see Wanted).
func Run(m *testing.M) int { return Main(m.Run) }

// Main is Run for a TestMain that does more than run the tests: run does it all (start
// what the tests share, m.Run, stop it) and returns the exit code.
func Main(run func() int) int {
	if err := checkStore(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	running.Store(true)
	code := run()
	if sharedOwn != nil {
		sharedOwn.Remove()
	}
	return code
}

// Database returns the URL of a new, empty database for the test, on the run's shared
// cluster (SWITCHBOARD_TEST_POSTGRES) or on one this test binary starts when first
// asked. The database is dropped when the test ends.
func Database(tb testing.TB) string {
	tb.Helper()
	u, drop, err := NewDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return u
}

// NewDatabase is Database for callers with no test at hand (a TestMain, a harness whose
// server outlives no test): drop, which its caller must call, drops the database.
func NewDatabase(ctx context.Context) (dbURL string, drop func(), err error) {
	return newDatabase(ctx, "")
}

// NewDatabaseFrom is NewDatabase for a copy of the database at template, one that
// NewDatabase made and no connection uses any more (PostgreSQL refuses to copy it
// otherwise). Copying a database a store has migrated once costs less than migrating
// each new one.
func NewDatabaseFrom(ctx context.Context, template string) (dbURL string, drop func(), err error) {
	u, err := url.Parse(template)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: template: %w", err)
	}
	return newDatabase(ctx, strings.TrimPrefix(u.Path, "/"))
}

func newDatabase(ctx context.Context, template string) (dbURL string, drop func(), err error) {
	sharedOnce.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			sharedURL = u
			return
		}
		if !running.Load() {
			sharedErr = errors.New("pgtest: call os.Exit(pgtest.Run(m)) from the package's TestMain, so that its cluster is removed")
			return
		}
		sharedOwn, sharedErr = Start(context.Background())
		if sharedErr == nil {
			sharedURL = sharedOwn.URL("postgres")
		}
	})
	if sharedErr != nil {
		return "", nil, sharedErr
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), databases.Add(1))
	u, err := createDatabase(ctx, sharedURL, name, template)
	if err != nil {
		return "", nil, err
	}
	drop = func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, sharedURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u, drop, nil
}

// command runs one of PostgreSQL's programs, as the postgres user when this process is
// root.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// postgresUser is the postgres user's credential (Debian's package makes the user),
// made with useradd if it is missing.
func postgresUser(ctx context.Context) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		if out, err := exec.CommandContext(ctx, "useradd", "--system", "--no-create-home", "postgres").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pgtest: running as root, and no postgres user to run PostgreSQL as: %v %s", err, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgtest: postgres user: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// portFree reports whether a listener can be opened on port of the loopback address.
func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}
