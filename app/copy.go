package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/switchboard-dev/switchboard/store/postgres"
	"github.com/switchboard-dev/switchboard/store/sqlite"
	"github.com/switchboard-dev/switchboard/store/storecopy"
)

// The backends' export and import are what a copy reads and writes.
var (
	_ storecopy.Source      = (*sqlite.Export)(nil)
	_ storecopy.Destination = (*postgres.Import)(nil)
)

// CopyStore copies the SQLite database at path from into the PostgreSQL database at URL
// to (storecopy.Copy), bringing both schemas up to date first, and returns what it
// copied. The destination must be empty; on any error it is left as it was. Its errors
// never hold a password (see RedactDB).
func CopyStore(ctx context.Context, from, to string) (storecopy.Counts, error) {
	switch {
	case IsPostgres(from):
		return nil, errors.New("copy: --from must be the path of a SQLite file; copying from PostgreSQL is not supported")
	case !IsPostgres(to):
		return nil, fmt.Errorf("copy: --to must be a postgres:// URL, not %q", RedactDB(to))
	}
	// Opening a SQLite path creates a missing file: a typo would copy an empty database.
	if info, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("copy: no SQLite database at %s", from)
	} else if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	} else if info.IsDir() {
		return nil, fmt.Errorf("copy: %s is a directory, not a SQLite database", from)
	}

	src, err := sqlite.Open(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("copy from %s: %w", from, err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, to, postgres.Options{})
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", RedactDB(to), err)
	}
	defer dst.Close()

	export, err := src.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy from %s: %w", from, err)
	}
	defer export.Close()
	imp, err := dst.Import(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", RedactDB(to), err)
	}
	counts, err := storecopy.Copy(ctx, export, imp)
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", RedactDB(to), err)
	}
	return counts, nil
}
