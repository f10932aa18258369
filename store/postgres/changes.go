package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard/store"
)

// LastChange returns the seq of the newest change (0 when there is none): a cheap
// marker, read through the table's primary key, to poll for changes. A follower that
// reads it reads every change up to it: changes commit in seq order (see the schema's
// lock_change_log).
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("last change: %w", err)
	}
	return seq, nil
}

// FirstChange returns the seq of the oldest change still kept (0 when there is none).
func (db *DB) FirstChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.queryRow(ctx, "SELECT coalesce(min(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("first change: %w", err)
	}
	return seq, nil
}

func scanChange(s rowScanner) (store.Change, error) {
	var c store.Change
	return c, s.Scan(&c.Seq, &c.AccountSid, &c.Kind, &c.Sid, &c.Op)
}

// Changes returns up to limit changes after seq after, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	list, err := collect(ctx, db, scanChange,
		"SELECT seq, account_sid, kind, sid, op FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return list, nil
}

// TrimChanges deletes all but the newest keep changes (those logged while it runs are
// kept too) and returns how many it deleted. It deletes in writes of bigWriteRows, which
// need not wait for the change log's lock: they delete old rows, and followers read new
// ones. A seq taken by a transaction that rolled back leaves a gap, so the oldest change
// kept is found by counting keep rows down from the newest, not by subtracting.
func (db *DB) TrimChanges(ctx context.Context, keep int64) (int64, error) {
	var bound int64
	err := db.queryRow(ctx, "SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET $1", keep).Scan(&bound)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // keep changes or fewer
	}
	if err != nil {
		return 0, fmt.Errorf("trim changes: %w", err)
	}
	n, err := db.deleteInWrites(ctx, noChanges, func(q querier) (int64, error) {
		tag, err := q.Exec(ctx,
			"DELETE FROM changes WHERE seq IN (SELECT seq FROM changes WHERE seq <= $1 ORDER BY seq LIMIT $2)",
			bound, bigWriteRows)
		return tag.RowsAffected(), err
	})
	if err != nil {
		return n, fmt.Errorf("trim changes: %w", err)
	}
	return n, nil
}
