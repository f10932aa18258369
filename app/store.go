package app

import (
	"context"
	"net/url"
	"strings"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/postgres"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// IsPostgres reports whether db, the database setting (--db), names a PostgreSQL
// database: a URL of the postgres:// or postgresql:// scheme. Anything else is the path
// of a SQLite file.
func IsPostgres(db string) bool {
	lower := strings.ToLower(db)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// OpenStore opens the store db names: the PostgreSQL database at a postgres:// URL
// (store/postgres), or else the SQLite file at path db, created if missing, with
// sqliteOpts (store/sqlite). Either way the schema is brought up to date. Its errors
// never hold a password (see RedactDB).
func OpenStore(ctx context.Context, db string, sqliteOpts sqlite.Options) (store.Store, error) {
	if IsPostgres(db) {
		// Durability is the server's synchronous_commit, which the backend leaves on; the
		// pool's other settings may be given in the URL (pool_max_conns...).
		s, err := postgres.Open(ctx, db, postgres.Options{})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := sqlite.OpenWith(ctx, db, sqliteOpts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RedactDB returns the database setting fit for a banner or a log line: a PostgreSQL
// URL's password (in its user information or its password parameter) replaced by
// "xxxxx". A SQLite path is returned as it is.
func RedactDB(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		// Not a URL Go can read (pgx reads more, such as several hosts): keep the scheme
		// and what follows the user information, and hide the rest.
		scheme, rest, _ := strings.Cut(db, "://")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = "xxxxx" + rest[at:]
		}
		if i := strings.Index(rest, "?"); i >= 0 {
			rest = rest[:i] + "?xxxxx"
		}
		return scheme + "://" + rest
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
