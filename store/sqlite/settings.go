package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// EnsureSetting stores value under name unless a value is stored there already, and
// returns the stored one. The first process to ask wins, so every process that serves the
// same file, and every restart, gets the same value (the key of page tokens, for one).
func (db *DB) EnsureSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	var stored []byte
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := db.txExec(ctx, tx,
			"INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, value); err != nil {
			return err
		}
		return db.txQueryRow(ctx, tx, "SELECT value FROM settings WHERE name = ?", name).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("ensure setting %s: %w", name, err)
	}
	return stored, nil
}
