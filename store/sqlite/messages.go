package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// insertMessage writes a message; insertMessageIf, followed by a condition, writes it only
// when the condition holds. Both take messageArgs (then the condition's arguments).
const (
	insertMessage   = insertMessageHead + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	insertMessageIf = insertMessageHead + "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE "
)

// scanMessage scans one message row.
func scanMessage(s rowScanner) (store.Message, error) { return newMessageScanner()(s) }

// newMessageScanner returns a function that scans message rows, one at a time, through
// one set of destinations made once: a list scans every row of its page with one
// (queryList calls it per row). Scanning into fresh variables each time cost nine
// allocations a row, each destination escaping through Scan's ...any.
func newMessageScanner() func(rowScanner) (store.Message, error) {
	var (
		m                                          store.Message
		media                                      string
		errorCode                                  sql.NullInt64
		price                                      sql.NullString
		sendAt, dateCreated, dateUpdated, dateSent sql.NullInt64
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
		// Most messages have no media; skipping the decoder for them keeps lists cheap.
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
	var errorCode any
	if m.ErrorCode != 0 {
		errorCode = m.ErrorCode
	}
	return []any{
		m.Sid, m.AccountSid, m.To, m.From, m.MessagingServiceSid,
		m.Body, media, m.Status, m.Direction, m.NumSegments, m.NumMedia, stringArg(m.Price), m.StatusCallback, timeArg(m.SendAt), errorCode, m.ErrorMessage,
		timeArg(m.DateCreated), timeArg(m.DateUpdated), timeArg(m.DateSent), m.ContentSid,
	}, nil
}

// CreateMessage inserts m and returns it as stored, with Seq set. A duplicate Sid is
// ErrConflict; an AccountSid that names no account is ErrNotFound.
func (db *DB) CreateMessage(ctx context.Context, m store.Message) (store.Message, error) {
	args, err := messageArgs(m)
	if err != nil {
		return store.Message{}, fmt.Errorf("create message %s: %w", m.Sid, err)
	}
	created, err := writeScan(ctx, db, scanMessage, insertMessage+" RETURNING "+messageCols, args...)
	if err != nil {
		return store.Message{}, fmt.Errorf("create message %s: %w", m.Sid, constraintError(err))
	}
	return created, nil
}

// GetMessage returns message sid of account accountSid, or ErrNotFound.
func (db *DB) GetMessage(ctx context.Context, accountSid, sid string) (store.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, "SELECT "+messageCols+" FROM messages WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Message{}, fmt.Errorf("get message %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.Message{}, fmt.Errorf("get message %s: %w", sid, err)
	}
	return m, nil
}

// RedactMessage empties the body of a message and returns the message as updated, or
// ErrNotFound.
func (db *DB) RedactMessage(ctx context.Context, accountSid, sid string, now time.Time) (store.Message, error) {
	m, err := writeScan(ctx, db, scanMessage,
		`UPDATE messages SET body = '', date_updated = ?
		WHERE account_sid = ? AND sid = ?
		RETURNING `+messageCols,
		timeArg(now), accountSid, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Message{}, fmt.Errorf("redact message %s: %w", sid, store.ErrNotFound)
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
	err := db.write(ctx, func(tx *sql.Tx) error {
		query, args := "DELETE FROM messages WHERE account_sid = ? AND sid = ?", []any{accountSid, sid}
		if len(busy) > 0 {
			query += " AND status NOT IN (" + placeholders(len(busy)) + ")"
			args = append(args, anys(busy)...)
		}
		res, err := db.txExec(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			if err == nil {
				err = db.deleteDeliveries(ctx, tx, accountSid, sid)
			}
			return err
		}
		return db.missingOrConflict(ctx, tx, "messages", accountSid, sid)
	})
	if err != nil {
		return fmt.Errorf("delete message %s: %w", sid, err)
	}
	return nil
}

// missingOrConflict tells why a guarded change of a row matched nothing: ErrConflict
// when the row exists (the guard failed), ErrNotFound when it does not.
func (db *DB) missingOrConflict(ctx context.Context, tx *sql.Tx, table, accountSid, sid string) error {
	var exists bool
	err := db.txQueryRow(ctx, tx,
		"SELECT EXISTS (SELECT 1 FROM "+table+" WHERE account_sid = ? AND sid = ?)", accountSid, sid).Scan(&exists)
	switch {
	case err != nil:
		return err
	case exists:
		return store.ErrConflict
	}
	return store.ErrNotFound
}

// ListMessages returns one page of the messages f selects, newest first, and whether
// more rows lie beyond the page in the direction p moves (older for After and Offset,
// newer for Before).
func (db *DB) ListMessages(ctx context.Context, f store.MessageFilter, p store.Page) ([]store.Message, bool, error) {
	query, args, asc := messageListQuery(f, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newMessageScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	return list, more, nil
}

// narrowDateWindow is the widest date window read through the date index. A day (what
// Twilio's DateSent=YYYY-MM-DD asks for) holds few rows, and the index finds them at
// once; walking seq to an old day would first pass every newer message. Wider or
// open-ended windows walk seq instead, which stops as soon as the page is full rather
// than sorting the whole window for every page. Two days leave room for a local day
// that has 25 hours.
const narrowDateWindow = 48 * time.Hour

// messageListQuery is separate from ListMessages so that tests can EXPLAIN the SQL.
func messageListQuery(f store.MessageFilter, p store.Page) (string, []any, bool) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	if f.To != "" {
		w.add("to_number = ?", f.To)
	}
	if f.From != "" {
		w.add("from_number = ?", f.From)
	}
	// The planner has no statistics to weigh the date index against the seq indexes, and
	// without them it picks differently for the first page and the next ones. So the
	// choice is made here: the date index is named for a narrow window, and otherwise
	// barred from the date terms with SQLite's unary + (which keeps a term from using
	// an index).
	table, dateColumn := "messages", "+filter_date"
	narrow := !f.SentFrom.IsZero() && !f.SentUntil.IsZero() && f.SentUntil.Sub(f.SentFrom) <= narrowDateWindow
	if narrow {
		table, dateColumn = "messages INDEXED BY messages_account_date", "filter_date"
	}
	if !f.SentFrom.IsZero() {
		w.add(dateColumn+" >= ?", boundArg(f.SentFrom))
	}
	if !f.SentUntil.IsZero() {
		w.add(dateColumn+" < ?", boundArg(f.SentUntil))
	}
	return listQuery(messageCols, table, w, p)
}
