package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/switchboard-dev/switchboard/store"
)

// Which side of a message is the account's: SQL for the thread key of a messages row.
const (
	threadNumber = "CASE WHEN direction = 'inbound' THEN to_number ELSE from_number END"
	threadParty  = "CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END"
)

// ListThreads returns one page of an account's threads, the one with the newest message
// first, and whether more follow (see ListMessages; a thread's position is its newest
// message's Seq).
func (db *DB) ListThreads(ctx context.Context, f store.ThreadFilter, p store.Page) ([]store.Thread, bool, error) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	if f.Search != "" {
		like := "%" + escapeLike(f.Search) + "%"
		w.add(`(body LIKE ? ESCAPE '\' OR to_number LIKE ? ESCAPE '\' OR from_number LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	switch f.Direction {
	case "inbound":
		w.add("direction = 'inbound'")
	case "outbound":
		w.add("direction <> 'inbound'")
	}
	size := pageSize(p)
	having, order, asc := "", "DESC", false
	args := w.args
	switch {
	case p.After > 0:
		having, args = " HAVING max(seq) < ?", append(args, p.After)
	case p.Before > 0:
		having, args = " HAVING max(seq) > ?", append(args, p.Before)
		order, asc = "ASC", true
	}
	query := `SELECT t.n, t.inbound, ` + prefixed("m.", messageCols) + ` FROM (
			SELECT max(seq) AS last, count(*) AS n, sum(direction = 'inbound') AS inbound
			FROM messages WHERE ` + strings.Join(w.conds, " AND ") + `
			GROUP BY ` + threadNumber + `, ` + threadParty + having + `
			ORDER BY last ` + order + ` LIMIT ?` + offset(p) + `
		) t JOIN messages m ON m.seq = t.last ORDER BY t.last ` + order
	args = append(args, size+1)
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		args = append(args, p.Offset)
	}
	scanLast := newMessageScanner()
	scan := func(s rowScanner) (store.Thread, error) {
		var t store.Thread
		m, err := scanLast(scanFunc(func(dest ...any) error {
			return s.Scan(append([]any{&t.MessageCount, &t.InboundCount}, dest...)...)
		}))
		if err != nil {
			return store.Thread{}, err
		}
		t.AccountSid, t.Last = m.AccountSid, m
		t.Number, t.Party = m.From, m.To
		if m.Direction == "inbound" {
			t.Number, t.Party = m.To, m.From
		}
		return t, nil
	}
	list, more, err := queryList(ctx, db, query, args, asc, size, scan)
	if err != nil {
		return nil, false, fmt.Errorf("list threads: %w", err)
	}
	return list, more, nil
}

// ListThreadMessages returns one page of a thread's messages, newest first (see
// ListMessages).
func (db *DB) ListThreadMessages(ctx context.Context, k store.ThreadKey, p store.Page) ([]store.Message, bool, error) {
	var w where
	w.add("account_sid = ?", k.AccountSid)
	w.add("((direction = 'inbound' AND to_number = ? AND from_number = ?) OR (direction <> 'inbound' AND from_number = ? AND to_number = ?))",
		k.Number, k.Party, k.Number, k.Party)
	query, args, asc := listQuery(messageCols, "messages", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newMessageScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list thread messages: %w", err)
	}
	return list, more, nil
}

// ClearMessages deletes every message of an account, with its media, its webhook
// delivery records and its pending jobs (delivery steps, callbacks, media fetches), and
// returns how many messages it deleted. Messages created while it runs are kept. It
// deletes in writes of bigWriteRows messages (see there), each message with all of its
// own: when one fails, the messages of the writes before are gone, and the rest are not.
func (db *DB) ClearMessages(ctx context.Context, accountSid string) (int64, error) {
	var last int64
	err := db.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM messages WHERE account_sid = ?", accountSid).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("clear messages of %s: %w", accountSid, err)
	}
	// The same bigWriteRows messages each time, within one write: the oldest left.
	const chunk = "SELECT sid FROM messages WHERE account_sid = ? AND seq <= ? ORDER BY seq LIMIT ?"
	n, err := db.deleteInWrites(ctx, func(tx *sql.Tx) (int64, error) {
		for _, table := range []string{"jobs", "webhook_deliveries"} {
			if _, err := db.txExec(ctx, tx, "DELETE FROM "+table+" WHERE account_sid = ? AND resource_sid IN ("+chunk+")",
				accountSid, accountSid, last, bigWriteRows); err != nil {
				return 0, err
			}
		}
		res, err := db.txExec(ctx, tx, "DELETE FROM messages WHERE sid IN ("+chunk+")", accountSid, last, bigWriteRows)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
	if err != nil {
		return n, fmt.Errorf("clear messages of %s: %w", accountSid, err)
	}
	return n, nil
}

// escapeLike escapes LIKE's wildcards (and the escape character) in s.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

func offset(p store.Page) string {
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		return " OFFSET ?"
	}
	return ""
}
