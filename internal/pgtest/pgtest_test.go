package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// TestDatabase: each test gets a database of its own, which it can write.
func TestDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := Database(t), Database(t)
	if a == b {
		t.Fatalf("the same database twice: %s", a)
	}
	for _, u := range []string{a, b} {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	}
}

// TestKillAndRestart: a cluster killed as with kill -9 keeps what it committed, and
// comes back on Restart, at the same address.
func TestKillAndRestart(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	before := c.URL("postgres")
	c.Kill()
	if _, err := pgx.Connect(ctx, c.URL("postgres")); err == nil {
		t.Fatal("connected to a killed server")
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if c.URL("postgres") != before {
		t.Errorf("restarted at %s, not at %s as before", c.URL("postgres"), before)
	}
	conn, err = pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var x int
	if err := conn.QueryRow(ctx, "SELECT x FROM t").Scan(&x); err != nil || x != 42 {
		t.Fatalf("after the restart: %d, %v", x, err)
	}
}

// TestStoreSetting: SWITCHBOARD_TEST_STORE is postgres, sqlite or unset; anything else
// is refused rather than read as SQLite.
func TestStoreSetting(t *testing.T) {
	for value, want := range map[string]bool{"": true, "sqlite": true, "postgres": true, "pg": false, "postgresql": false, "SQLite": false} {
		t.Setenv(EnvStore, value)
		if err := checkStore(); (err == nil) != want {
			t.Errorf("%s=%q: %v", EnvStore, value, err)
		}
		if Wanted() != (value == "postgres") {
			t.Errorf("%s=%q: Wanted() = %v", EnvStore, value, Wanted())
		}
	}
}
