package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-dev/switchboard/store"
)

// LastChange returns the seq of the newest change (0 when there is none): a cheap
// marker, read through the table's primary key, to poll for changes.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := db.queryRow(ctx, "SELECT max(seq) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("last change: %w", err)
	}
	return seq.Int64, nil
}

// FirstChange returns the seq of the oldest change still kept (0 when there is none).
func (db *DB) FirstChange(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := db.queryRow(ctx, "SELECT min(seq) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("first change: %w", err)
	}
	return seq.Int64, nil
}

// Changes returns up to limit changes after seq after, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	rows, err := db.query(ctx,
		"SELECT seq, account_sid, kind, sid, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var list []store.Change
	for rows.Next() {
		var c store.Change
		if err := rows.Scan(&c.Seq, &c.AccountSid, &c.Kind, &c.Sid, &c.Op); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return list, nil
}

// bigWriteRows bounds the rows one write deletes when a caller asks to delete without
// bound (TrimChanges, ClearMessages): they delete in writes of this many rows each. A
// write that shares its batch with others runs in a savepoint, and SQLite keeps in
// memory (temp_store, see OpenWith) a copy of every page a savepoint changes: one trim of
// the change log under a stream of creates (about 250,000 rows, a minute's worth) took
// the process from 52 to 130 MB for a moment, and left it at 61 MB. Small writes also
// let the other writes of the moment through between them.
const bigWriteRows = 1000

// deleteInWrites runs del, which deletes at most bigWriteRows rows inside a write and
// returns how many it deleted, in one write after another until it deletes fewer, and
// returns how many rows the writes that committed deleted.
func (db *DB) deleteInWrites(ctx context.Context, del func(tx *sql.Tx) (int64, error)) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			var err error
			n, err = del(tx)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < bigWriteRows {
			return total, nil
		}
	}
}

// TrimChanges deletes all but the newest keep changes (those logged while it runs are
// kept too) and returns how many it deleted. It deletes in writes of bigWriteRows.
func (db *DB) TrimChanges(ctx context.Context, keep int64) (int64, error) {
	var last int64
	if err := db.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&last); err != nil {
		return 0, fmt.Errorf("trim changes: %w", err)
	}
	n, err := db.deleteInWrites(ctx, func(tx *sql.Tx) (int64, error) {
		res, err := db.txExec(ctx, tx,
			"DELETE FROM changes WHERE seq IN (SELECT seq FROM changes WHERE seq <= ? ORDER BY seq LIMIT ?)",
			last-keep, bigWriteRows)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
	if err != nil {
		return n, fmt.Errorf("trim changes: %w", err)
	}
	return n, nil
}

// Changed is signalled (without blocking; one pending signal at most) after a commit of
// this process that may have logged changes, so that a reader of the log can look at
// once. Changes of other processes, and the few writes that do not signal, are found by
// polling LastChange.
func (db *DB) Changed() <-chan struct{} { return db.changeSignal }

func (db *DB) signalChange() {
	select {
	case db.changeSignal <- struct{}{}:
	default:
	}
}
