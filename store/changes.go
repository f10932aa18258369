package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Change is one row of the change log: a resource of an account was created, updated
// or deleted. Triggers write it in the transaction of the change itself (the
// migrations *_inbox.sql and *_inbox_calls.sql), so the log misses nothing, whichever
// process wrote.
type Change struct {
	Seq        int64
	AccountSid string
	Kind       string // ChangeMessage, ChangeWebhookDelivery, ChangePhoneNumber, ChangeCall
	Sid        string
	Op         string // ChangeCreated, ChangeUpdated, ChangeDeleted
}

// Kinds and operations of the change log.
const (
	ChangeMessage         = "message"
	ChangeWebhookDelivery = "webhook-delivery"
	ChangePhoneNumber     = "incoming-phone-number"
	// ChangeCall is a call, its timeline or its recordings: one change of the call
	// stands for all three (they are written together; see Writes).
	ChangeCall = "call"

	ChangeCreated = "created"
	ChangeUpdated = "updated"
	ChangeDeleted = "deleted"
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
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := db.query(ctx,
		"SELECT seq, account_sid, kind, sid, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var list []Change
	for rows.Next() {
		var c Change
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

// TrimChanges deletes all but the newest keep changes and returns how many it deleted.
func (db *DB) TrimChanges(ctx context.Context, keep int64) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, "DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - ?", keep)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("trim changes: %w", err)
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
