package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/switchboard-dev/switchboard/store"
)

// messageCols is the column order scanMessage expects.
const messageCols = "seq, sid, account_sid, to_number, from_number, messaging_service_sid, body, media_urls, " +
	"status, direction, num_segments, num_media, price, status_callback, send_at, error_code, error_message, " +
	"date_created, date_updated, date_sent, content_sid"

const insertMessageHead = `INSERT INTO messages (sid, account_sid, to_number, from_number, messaging_service_sid,
	body, media_urls, status, direction, num_segments, num_media, price, status_callback, send_at, error_code, error_message,
	date_created, date_updated, date_sent, content_sid)
	`

// insertMessage writes a message; its arguments are messageArgs.
const insertMessage = insertMessageHead + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"

// messageParamsTyped are messageArgs' parameters for a SELECT list (insertMessageIf),
// where PostgreSQL cannot tell their types from the columns they go to.
const messageParamsTyped = "$1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, " +
	"$10::bigint, $11::bigint, $12::text, $13::text, $14::bigint, $15::bigint, $16::text, $17::bigint, $18::bigint, $19::bigint, " +
	"$20::text"

// scanMessage scans one message row.
func scanMessage(s rowScanner) (store.Message, error) { return newMessageScanner()(s) }

// newMessageScanner returns a function that scans message rows, one at a time, through
// one set of destinations made once, so that a list does not allocate them per row.
func newMessageScanner() func(rowScanner) (store.Message, error) {
	var (
		m                                          store.Message
		media                                      string
		errorCode                                  pgtype.Int8
		price                                      pgtype.Text
		sendAt, dateCreated, dateUpdated, dateSent pgtype.Int8
	)
	dest := []any{&m.Seq, &m.Sid, &m.AccountSid, &m.To, &m.From, &m.MessagingServiceSid, &m.Body, &media,
		&m.Status, &m.Direction, &m.NumSegments, &m.NumMedia, &price, &m.StatusCallback, &sendAt, &errorCode, &m.ErrorMessage,
		&dateCreated, &dateUpdated, &dateSent, &m.ContentSid}
	return func(s rowScanner) (store.Message, error) {
		// Every destination is set by a successful Scan; m's other fields are not
		// columns, so m starts empty for each row.
		m = store.Message{}
		if err := s.Scan(dest...); err != nil {
			return store.Message{}, err
		}
		if media != "[]" && media != "" {
			if err := json.Unmarshal([]byte(media), &m.MediaURLs); err != nil {
				return store.Message{}, fmt.Errorf("message %s: media_urls: %w", m.Sid, err)
			}
		}
		m.ErrorCode = int(errorCode.Int64)
		m.Price = price.String
		m.SendAt = timeValue(sendAt)
		m.DateCreated = timeValue(dateCreated)
		m.DateUpdated = timeValue(dateUpdated)
		m.DateSent = timeValue(dateSent)
		return m, nil
	}
}

// messageArgs are the values for insertMessage, in its column order.
func messageArgs(m store.Message) ([]any, error) {
	media := "[]"
	if len(m.MediaURLs) > 0 {
		b, err := json.Marshal(m.MediaURLs)
		if err != nil {
			return nil, err
		}
		media = string(b)
	}
	return []any{
		m.Sid, m.AccountSid, m.To, m.From, m.MessagingServiceSid,
		m.Body, media, m.Status, m.Direction, m.NumSegments, m.NumMedia, stringArg(m.Price), m.StatusCallback, timeArg(m.SendAt),
		intArg(m.ErrorCode), m.ErrorMessage, timeArg(m.DateCreated), timeArg(m.DateUpdated), timeArg(m.DateSent), m.ContentSid,
	}, nil
}

// CreateMessage inserts m and returns it as stored, with Seq set. A duplicate Sid is
// ErrConflict; an AccountSid that names no account is ErrNotFound.
func (db *DB) CreateMessage(ctx context.Context, m store.Message) (store.Message, error) {
	args, err := messageArgs(m)
	if err != nil {
		return store.Message{}, fmt.Errorf("create message %s: %w", m.Sid, err)
	}
	created, err := writeScan(ctx, db, logsChanges, scanMessage, insertMessage+" RETURNING "+messageCols, args...)
	if err != nil {
		return store.Message{}, fmt.Errorf("create message %s: %w", m.Sid, constraintError(err))
	}
	return created, nil
}

// GetMessage returns message sid of account accountSid, or ErrNotFound.
func (db *DB) GetMessage(ctx context.Context, accountSid, sid string) (store.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, "SELECT "+messageCols+" FROM messages WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Message{}, fmt.Errorf("get message %s: %w", sid, err)
	}
	return m, nil
}

// RedactMessage empties the body of a message and returns the message as updated, or
// ErrNotFound.
func (db *DB) RedactMessage(ctx context.Context, accountSid, sid string, now time.Time) (store.Message, error) {
	m, err := writeScan(ctx, db, logsChanges, scanMessage,
		"UPDATE messages SET body = '', date_updated = $1 WHERE account_sid = $2 AND sid = $3 RETURNING "+messageCols,
		timeArg(now), accountSid, sid)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Message{}, fmt.Errorf("redact message %s: %w", sid, err)
	}
	return m, nil
}

// DeleteMessage deletes a message, its media and its webhook deliveries, or returns
// ErrNotFound. A message in one of the statuses busy is still being processed: it is kept
// and ErrConflict returned. The status test is part of the DELETE, so a delivery step
// cannot slip in between.
func (db *DB) DeleteMessage(ctx context.Context, accountSid, sid string, busy ...string) error {
	err := db.write(ctx, logsChanges, func(q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM messages WHERE account_sid = $1 AND sid = $2 AND status <> ALL($3)",
			accountSid, sid, append([]string{}, busy...))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return deleteDeliveries(ctx, q, accountSid, sid)
		}
		return missingOrConflict(ctx, q, "messages", accountSid, sid)
	})
	if err != nil {
		return fmt.Errorf("delete message %s: %w", sid, err)
	}
	return nil
}

// ListMessages returns one page of the messages f selects, newest first, and whether
// more rows lie beyond the page in the direction p moves (older for After and Offset,
// newer for Before).
func (db *DB) ListMessages(ctx context.Context, f store.MessageFilter, p store.Page) ([]store.Message, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(f.AccountSid))
	if f.To != "" {
		w.add("to_number = " + w.arg(f.To))
	}
	if f.From != "" {
		w.add("from_number = " + w.arg(f.From))
	}
	w.addRange("filter_date", f.SentFrom, f.SentUntil)
	query, args, asc := listQuery(messageCols, "messages", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newMessageScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	return list, more, nil
}
