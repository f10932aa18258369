package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL rows (-postgres): Switchboard on a database the harness creates on the
// server it is given, and with -replicas N, N Switchboards sharing another one. Each
// database is new, so that both start as empty as the SQLite file does; the harness
// drops them when it ends.

// postgres is the row of Switchboard on one new PostgreSQL database; replicatedLabel is
// the row of several sharing another.
const postgres = "postgres"

func replicatedLabel(n int) string { return fmt.Sprintf("%s×%d", postgres, n) }

// isPostgres reports whether a row is Switchboard on PostgreSQL.
func isPostgres(server string) bool {
	return server == postgres || strings.HasPrefix(server, postgres+"×")
}

// databaseURL is serverURL with its database replaced by name (query and credentials kept).
func databaseURL(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// createDatabase creates database name on the server serverURL reaches, over a
// connection of its own, and returns the new database's URL.
func createDatabase(ctx context.Context, serverURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("-postgres: create database %s: %w", name, err)
	}
	return databaseURL(serverURL, name)
}

// dropDatabase drops database name, ending any session still on it; the Switchboards
// on it have been stopped by then.
func dropDatabase(serverURL, name string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// postgresSettings describes the server for the report: its version and the settings
// that decide what an acknowledged write costs.
func postgresSettings(ctx context.Context, serverURL string) (string, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	defer conn.Close(ctx)
	var version, fsync, syncCommit, fullPages, sharedBuffers string
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('fsync'), "+
		"current_setting('synchronous_commit'), current_setting('full_page_writes'), current_setting('shared_buffers')").
		Scan(&version, &fsync, &syncCommit, &fullPages, &sharedBuffers)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	return fmt.Sprintf("PostgreSQL %s (fsync %s, synchronous_commit %s, full_page_writes %s, shared_buffers %s)",
		version, fsync, syncCommit, fullPages, sharedBuffers), nil
}
