package postgres

import (
	"context"
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
	w.add("account_sid = " + w.arg(f.AccountSid))
	if f.Search != "" {
		// SQLite's LIKE, which the search was written for, folds ASCII letters and no
		// others: ascii_lower (see the schema) on both sides does the same.
		like := w.arg("%" + escapeLike(asciiLower(f.Search)) + "%")
		w.add("(ascii_lower(body) LIKE " + like + " OR ascii_lower(to_number) LIKE " + like +
			" OR ascii_lower(from_number) LIKE " + like + ")")
	}
	if f.Status != "" {
		w.add("status = " + w.arg(f.Status))
	}
	switch f.Direction {
	case "inbound":
		w.add("direction = 'inbound'")
	case "outbound":
		w.add("direction <> 'inbound'")
	}
	size := pageSize(p)
	having, order, asc := "", "DESC", false
	switch {
	case p.After > 0:
		having = " HAVING max(seq) < " + w.arg(p.After)
	case p.Before > 0:
		having = " HAVING max(seq) > " + w.arg(p.Before)
		order, asc = "ASC", true
	}
	query := `SELECT t.n, t.inbound, ` + prefixed("m.", messageCols) + ` FROM (
			SELECT max(seq) AS last, count(*) AS n, count(*) FILTER (WHERE direction = 'inbound') AS inbound
			FROM messages WHERE ` + strings.Join(w.conds, " AND ") + `
			GROUP BY ` + threadNumber + `, ` + threadParty + having + `
			ORDER BY last ` + order + ` LIMIT ` + w.arg(size+1) + offset(&w, p) + `
		) t JOIN messages m ON m.seq = t.last ORDER BY t.last ` + order
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
	list, more, err := queryList(ctx, db, query, w.args, asc, size, scan)
	if err != nil {
		return nil, false, fmt.Errorf("list threads: %w", err)
	}
	return list, more, nil
}

// ListThreadMessages returns one page of a thread's messages, newest first (see
// ListMessages).
func (db *DB) ListThreadMessages(ctx context.Context, k store.ThreadKey, p store.Page) ([]store.Message, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(k.AccountSid))
	number, party := w.arg(k.Number), w.arg(k.Party)
	w.add("((direction = 'inbound' AND to_number = " + number + " AND from_number = " + party +
		") OR (direction <> 'inbound' AND from_number = " + number + " AND to_number = " + party + "))")
	query, args, asc := listQuery(messageCols, "messages", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newMessageScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list thread messages: %w", err)
	}
	return list, more, nil
}

// bigWriteRows bounds the rows one write deletes when a caller asks to delete without
// bound (TrimChanges, ClearMessages): they delete in writes of this many rows each, so
// that no transaction holds the change log's lock, or its rows, for long.
const bigWriteRows = 1000

// ClearMessages deletes every message of an account, with its media, its webhook
// delivery records and its pending jobs, and returns how many messages it deleted.
// Messages created while it runs are kept. It deletes in writes of bigWriteRows messages,
// each message with all of its own (one statement: the chunk is read once): when one
// fails, the messages of the writes before are gone, and the rest are not.
func (db *DB) ClearMessages(ctx context.Context, accountSid string) (int64, error) {
	var last int64
	err := db.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM messages WHERE account_sid = $1", accountSid).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("clear messages of %s: %w", accountSid, err)
	}
	n, err := db.deleteInWrites(ctx, logsChanges, func(q querier) (int64, error) {
		tag, err := q.Exec(ctx, `WITH chunk AS (
				SELECT sid FROM messages WHERE account_sid = $1 AND seq <= $2 ORDER BY seq LIMIT $3
			), gone_jobs AS (
				DELETE FROM jobs WHERE account_sid = $1 AND resource_sid IN (SELECT sid FROM chunk)
			), gone_deliveries AS (
				DELETE FROM webhook_deliveries WHERE account_sid = $1 AND resource_sid IN (SELECT sid FROM chunk)
			)
			DELETE FROM messages WHERE sid IN (SELECT sid FROM chunk)`,
			accountSid, last, bigWriteRows)
		return tag.RowsAffected(), err
	})
	if err != nil {
		return n, fmt.Errorf("clear messages of %s: %w", accountSid, err)
	}
	return n, nil
}

// deleteInWrites runs del, which deletes at most bigWriteRows rows inside a write and
// returns how many it deleted, in one write after another until it deletes fewer, and
// returns how many rows the writes that committed deleted.
func (db *DB) deleteInWrites(ctx context.Context, logs bool, del func(q querier) (int64, error)) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.write(ctx, logs, func(q querier) error {
			var err error
			n, err = del(q)
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

// escapeLike escapes LIKE's wildcards (and the escape character, backslash, LIKE's
// default) in s.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// asciiLower lowercases the ASCII letters of s, as ascii_lower does in SQL.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
