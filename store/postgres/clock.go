package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockSetting names the simulator clock's offset in settings: whole milliseconds ahead
// of real time, as decimal text (as SQLite's store keeps it, so that a copy moves it).
const clockSetting = "clock_offset_ms"

// ClockOffset returns how far the simulator's clock runs ahead of real time.
func (db *DB) ClockOffset(ctx context.Context) (time.Duration, error) {
	var v []byte
	err := db.queryRow(ctx, "SELECT value FROM settings WHERE name = $1", clockSetting).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
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
// transaction, the leases of the jobs under way with it. The setting's row is locked
// first, so that two moves at once apply one after the other.
func (db *DB) AdvanceClock(ctx context.Context, to time.Duration) (time.Duration, error) {
	to = to.Truncate(time.Millisecond)
	var now time.Duration
	moved := false
	err := db.write(ctx, false, func(q querier) error {
		if _, err := q.Exec(ctx, "INSERT INTO settings (name, value) VALUES ($1, '0') ON CONFLICT (name) DO NOTHING", clockSetting); err != nil {
			return err
		}
		var v []byte
		if err := q.QueryRow(ctx, "SELECT value FROM settings WHERE name = $1 FOR UPDATE", clockSetting).Scan(&v); err != nil {
			return err
		}
		var err error
		if now, err = parseOffset(v); err != nil {
			return err
		}
		if to <= now {
			return nil
		}
		if _, err := q.Exec(ctx, "UPDATE settings SET value = $2 WHERE name = $1", clockSetting,
			[]byte(strconv.FormatInt(to.Milliseconds(), 10))); err != nil {
			return err
		}
		if _, err := q.Exec(ctx,
			"UPDATE jobs SET lease_until = lease_until + $1, ready_at = ready_at + $1 WHERE lease_owner IS NOT NULL AND lease_until IS NOT NULL",
			(to - now).Milliseconds()); err != nil {
			return err
		}
		now, moved = to, true
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("advance clock: %w", err)
	}
	db.jobsChanged(moved)
	return now, nil
}
