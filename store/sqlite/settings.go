package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
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

// clockSetting names the simulator clock's offset in settings: whole milliseconds ahead
// of real time, as decimal text.
const clockSetting = "clock_offset_ms"

// ClockOffset returns how far the simulator's clock runs ahead of real time.
func (db *DB) ClockOffset(ctx context.Context) (time.Duration, error) {
	var v []byte
	err := db.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", clockSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("clock offset: %w", err)
	}
	return parseOffset(v)
}

func parseOffset(v []byte) (time.Duration, error) {
	ms, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("clock offset %q: %w", v, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// AdvanceClock moves the clock's offset forward to to (never back) and, in the same
// write, the leases of the jobs under way with it.
func (db *DB) AdvanceClock(ctx context.Context, to time.Duration) (time.Duration, error) {
	var now time.Duration
	moved := false
	err := db.write(ctx, func(tx *sql.Tx) error {
		var v []byte
		err := db.txQueryRow(ctx, tx, "SELECT value FROM settings WHERE name = ?", clockSetting).Scan(&v)
		now = 0
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if now, err = parseOffset(v); err != nil {
				return err
			}
		}
		to = to.Truncate(time.Millisecond)
		if to <= now {
			return nil
		}
		delta := (to - now).Milliseconds()
		if _, err := db.txExec(ctx, tx,
			`INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2`,
			clockSetting, []byte(strconv.FormatInt(to.Milliseconds(), 10))); err != nil {
			return err
		}
		if _, err := db.txExec(ctx, tx,
			"UPDATE jobs SET lease_until = lease_until + ?1, ready_at = ready_at + ?1 WHERE lease_owner IS NOT NULL AND lease_until IS NOT NULL",
			delta); err != nil {
			return err
		}
		now, moved = to, true
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("advance clock: %w", err)
	}
	db.jobsChanged(moved) // jobs due in the skipped span are due now
	return now, nil
}
