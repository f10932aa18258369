package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestDatabaseURL(t *testing.T) {
	for _, tt := range []struct{ server, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/load_1?sslmode=disable"},
		{"postgresql://u:secret@db.internal", "postgresql://u:secret@db.internal/load_1"},
	} {
		got, err := databaseURL(tt.server, "load_1")
		if err != nil || got != tt.want {
			t.Errorf("%s: got %s, %v, want %s", tt.server, got, err, tt.want)
		}
	}
}

func TestReplicatedLabel(t *testing.T) {
	if got := replicatedLabel(2); got != "postgres×2" || !isPostgres(got) || !isPostgres(postgres) {
		t.Fatalf("got %s", got)
	}
	if isPostgres(switchboard) || isPostgres(baseline) || isPostgres("postgresql") {
		t.Fatal("a row not on PostgreSQL counts as one")
	}
}

// With a PostgreSQL server (SWITCHBOARD_TEST_POSTGRES, as bin/withpg gives one), the
// harness creates a database on it, reads the server's settings and drops the database.
func TestCreateAndDropDatabase(t *testing.T) {
	serverURL := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
	if serverURL == "" {
		t.Skip("no SWITCHBOARD_TEST_POSTGRES (run under bin/withpg)")
	}
	ctx := context.Background()
	settings, err := postgresSettings(ctx, serverURL)
	if err != nil || !strings.HasPrefix(settings, "PostgreSQL ") || !strings.Contains(settings, "fsync ") {
		t.Fatalf("settings %q, %v", settings, err)
	}
	dbURL, err := createDatabase(ctx, serverURL, "load_test_db")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	err = conn.QueryRow(ctx, "SELECT current_database()").Scan(&name)
	if err != nil || name != "load_test_db" {
		t.Fatalf("connected to %q, %v", name, err)
	}
	// A session still open is ended by the drop.
	if err := dropDatabase(serverURL, "load_test_db"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx) //nolint:errcheck // the server ended it
	if _, err := pgx.Connect(ctx, dbURL); err == nil {
		t.Fatal("the database is still there")
	}
}
