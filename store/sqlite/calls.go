package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// callCols is the column order scanCall expects.
const callCols = "seq, sid, account_sid, parent_call_sid, to_number, from_number, phone_number_sid, status, direction, " +
	"forwarded_from, caller_name, start_time, end_time, duration, price, settings, state, version, date_created, date_updated"

// scanCall scans one call row.
func scanCall(s rowScanner) (store.Call, error) { return newCallScanner()(s) }

// newCallScanner returns a function that scans call rows through one set of
// destinations, as newMessageScanner does for messages.
func newCallScanner() func(rowScanner) (store.Call, error) {
	var (
		c                                            store.Call
		price                                        sql.NullString
		settings, state                              string
		startTime, endTime, dateCreated, dateUpdated sql.NullInt64
	)
	dest := []any{&c.Seq, &c.Sid, &c.AccountSid, &c.ParentCallSid, &c.To, &c.From, &c.PhoneNumberSid, &c.Status,
		&c.Direction, &c.ForwardedFrom, &c.CallerName, &startTime, &endTime, &c.Duration, &price, &settings, &state,
		&c.Version, &dateCreated, &dateUpdated}
	// Every field of Call is set from a column by each Scan or below: nothing of one row
	// is left for the next.
	return func(s rowScanner) (store.Call, error) {
		if err := s.Scan(dest...); err != nil {
			return store.Call{}, err
		}
		c.Price = price.String
		c.Settings, c.State = []byte(settings), []byte(state)
		c.StartTime, c.EndTime = timeValue(startTime), timeValue(endTime)
		c.DateCreated, c.DateUpdated = timeValue(dateCreated), timeValue(dateUpdated)
		return c, nil
	}
}

// jsonColumn is a JSON column's value: "{}" for nothing.
func jsonColumn(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func (db *DB) insertCall(ctx context.Context, tx *sql.Tx, c store.Call) error {
	if _, err := db.txExec(ctx, tx,
		`INSERT INTO calls (sid, account_sid, parent_call_sid, to_number, from_number, phone_number_sid, status, direction,
			forwarded_from, caller_name, start_time, end_time, duration, price, settings, state, version, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		c.Sid, c.AccountSid, c.ParentCallSid, c.To, c.From, c.PhoneNumberSid, c.Status, c.Direction,
		c.ForwardedFrom, c.CallerName, timeArg(c.StartTime), timeArg(c.EndTime), c.Duration, stringArg(c.Price),
		jsonColumn(c.Settings), jsonColumn(c.State), timeArg(c.DateCreated), timeArg(c.DateUpdated)); err != nil {
		return fmt.Errorf("call %s: %w", c.Sid, constraintError(err))
	}
	return nil
}

// changeCall applies c if the call is still at c.Version, with its jobs; ErrConflict
// when it has moved on, ErrNotFound when it is gone.
func (db *DB) changeCall(ctx context.Context, tx *sql.Tx, c store.CallChange) error {
	n := c.Call
	res, err := db.txExec(ctx, tx,
		`UPDATE calls SET status = ?, start_time = ?, end_time = ?, duration = ?, price = ?, settings = ?, state = ?,
			version = version + 1, date_updated = ?
		WHERE account_sid = ? AND sid = ? AND version = ?`,
		n.Status, timeArg(n.StartTime), timeArg(n.EndTime), n.Duration, stringArg(n.Price),
		jsonColumn(n.Settings), jsonColumn(n.State), timeArg(n.DateUpdated), n.AccountSid, n.Sid, c.Version)
	if err != nil {
		return fmt.Errorf("change call %s: %w", n.Sid, err)
	}
	if changed, err := res.RowsAffected(); err != nil || changed == 0 {
		if err == nil {
			err = db.missingOrConflict(ctx, tx, "calls", n.AccountSid, n.Sid)
		}
		return fmt.Errorf("change call %s (version %d): %w", n.Sid, c.Version, err)
	}
	if c.CancelJobsOfKind != "" {
		if _, err := db.txExec(ctx, tx, "DELETE FROM jobs WHERE resource_sid = ? AND kind = ?", n.Sid, c.CancelJobsOfKind); err != nil {
			return fmt.Errorf("change call %s: %w", n.Sid, err)
		}
	}
	return db.insertJobs(ctx, tx, c.Jobs)
}

func (db *DB) insertCallEvent(ctx context.Context, tx *sql.Tx, e store.CallEvent) error {
	data, err := jsonText(e.Data)
	if err != nil {
		return fmt.Errorf("call %s event: %w", e.CallSid, err)
	}
	if e.Data == nil {
		data = "{}"
	}
	if _, err := db.txExec(ctx, tx,
		`INSERT INTO call_events (call_sid, account_sid, type, description, data, elapsed_ms, date_created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.CallSid, e.AccountSid, e.Type, e.Description, data, e.Elapsed.Milliseconds(), timeArg(e.DateCreated)); err != nil {
		return fmt.Errorf("call %s event: %w", e.CallSid, constraintError(err))
	}
	return nil
}

func (db *DB) insertRecording(ctx context.Context, tx *sql.Tx, r store.Recording) error {
	if _, err := db.txExec(ctx, tx,
		`INSERT INTO recordings (sid, account_sid, call_sid, status, source, channels, duration, price, start_time,
			date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Sid, r.AccountSid, r.CallSid, r.Status, r.Source, r.Channels, r.Duration, stringArg(r.Price),
		timeArg(r.StartTime), timeArg(r.DateCreated), timeArg(r.DateUpdated)); err != nil {
		return fmt.Errorf("recording %s: %w", r.Sid, constraintError(err))
	}
	return nil
}

// applyCallWrites applies the voice part of w, in the order Writes documents.
func (db *DB) applyCallWrites(ctx context.Context, tx *sql.Tx, w store.Writes) error {
	for _, c := range w.Calls {
		if err := db.insertCall(ctx, tx, c); err != nil {
			return err
		}
	}
	for _, c := range w.CallChanges {
		if err := db.changeCall(ctx, tx, c); err != nil {
			return err
		}
	}
	for _, r := range w.Recordings {
		if !w.ChangesCall(r.CallSid) {
			return fmt.Errorf("recording %s: written without a change of its call %s", r.Sid, r.CallSid)
		}
		if err := db.insertRecording(ctx, tx, r); err != nil {
			return err
		}
	}
	for _, c := range w.RecordingChanges {
		// A recording deleted meanwhile is simply not completed.
		if _, err := db.txExec(ctx, tx,
			"UPDATE recordings SET status = ?, duration = ?, price = ?, date_updated = ? WHERE sid = ?",
			c.Status, c.Duration, stringArg(c.Price), timeArg(c.DateUpdated), c.Sid); err != nil {
			return fmt.Errorf("recording %s: %w", c.Sid, err)
		}
	}
	for _, e := range w.CallEvents {
		if !w.ChangesCall(e.CallSid) {
			// The change log tells of a call's events through the change of the call
			// (migration *_inbox_calls.sql): an event alone would reach no follower.
			return fmt.Errorf("call %s event: written without a change of its call", e.CallSid)
		}
		if err := db.insertCallEvent(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// GetCall returns call sid of account accountSid, or ErrNotFound.
func (db *DB) GetCall(ctx context.Context, accountSid, sid string) (store.Call, error) {
	c, err := scanCall(db.queryRow(ctx, "SELECT "+callCols+" FROM calls WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Call{}, fmt.Errorf("get call %s: %w", sid, err)
	}
	return c, nil
}

// ListCalls returns one page of the calls f selects, newest first (see ListMessages).
func (db *DB) ListCalls(ctx context.Context, f store.CallFilter, p store.Page) ([]store.Call, bool, error) {
	query, args, asc := callListQuery(f, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newCallScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list calls: %w", err)
	}
	return list, more, nil
}

// callListQuery is separate from ListCalls so that tests can EXPLAIN the SQL. As for
// messages (see messageListQuery), a narrow time window is read through its time index,
// named, and any other keeps to the seq indexes, the time terms barred from indexes with
// a unary +.
func callListQuery(f store.CallFilter, p store.Page) (string, []any, bool) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	for _, eq := range []struct{ column, value string }{
		{"to_number", f.To}, {"from_number", f.From}, {"parent_call_sid", f.ParentCallSid}, {"status", f.Status},
	} {
		if eq.value != "" {
			w.add(eq.column+" = ?", eq.value)
		}
	}
	table := "calls"
	start, end := "+start_time", "+end_time"
	switch {
	case narrowWindow(f.StartFrom, f.StartUntil):
		table, start = "calls INDEXED BY calls_account_start", "start_time"
	case narrowWindow(f.EndFrom, f.EndUntil):
		table, end = "calls INDEXED BY calls_account_end", "end_time"
	}
	addRange(&w, start, f.StartFrom, f.StartUntil)
	addRange(&w, end, f.EndFrom, f.EndUntil)
	return listQuery(callCols, table, w, p)
}

// narrowWindow reports whether [from, until) is bounded on both sides and at most
// narrowDateWindow wide.
func narrowWindow(from, until time.Time) bool {
	return !from.IsZero() && !until.IsZero() && until.Sub(from) <= narrowDateWindow
}

// addRange adds from <= column < until, for the bounds that are set. A row whose column
// is NULL (a call that has not started or ended) matches no range.
func addRange(w *where, column string, from, until time.Time) {
	if !from.IsZero() {
		w.add(column+" >= ?", boundArg(from))
	}
	if !until.IsZero() {
		w.add(column+" < ?", boundArg(until))
	}
}

// DeleteCall deletes a call, its events and its webhook deliveries, or returns ErrNotFound; a call in one of the
// statuses live is kept and ErrConflict returned. Its recordings stay.
func (db *DB) DeleteCall(ctx context.Context, accountSid, sid string, live ...string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		query, args := "DELETE FROM calls WHERE account_sid = ? AND sid = ?", []any{accountSid, sid}
		if len(live) > 0 {
			query += " AND status NOT IN (" + placeholders(len(live)) + ")"
			args = append(args, anys(live)...)
		}
		res, err := db.txExec(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			if err == nil {
				// Nothing is left for the call to do.
				_, err = db.txExec(ctx, tx, "DELETE FROM jobs WHERE resource_sid = ? AND queue = ''", sid)
			}
			if err == nil {
				err = db.deleteDeliveries(ctx, tx, accountSid, sid)
			}
			return err
		}
		return db.missingOrConflict(ctx, tx, "calls", accountSid, sid)
	})
	if err != nil {
		return fmt.Errorf("delete call %s: %w", sid, err)
	}
	return nil
}

const callEventCols = "seq, call_sid, account_sid, type, description, data, elapsed_ms, date_created"

func scanCallEvent(s rowScanner) (store.CallEvent, error) {
	var (
		e           store.CallEvent
		data        string
		elapsedMs   int64
		dateCreated sql.NullInt64
	)
	if err := s.Scan(&e.Seq, &e.CallSid, &e.AccountSid, &e.Type, &e.Description, &data, &elapsedMs, &dateCreated); err != nil {
		return store.CallEvent{}, err
	}
	if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
		return store.CallEvent{}, fmt.Errorf("call %s event %d: data: %w", e.CallSid, e.Seq, err)
	}
	e.Elapsed = millis(elapsedMs)
	e.DateCreated = timeValue(dateCreated)
	return e, nil
}

// ListCallEvents returns one page of a call's events, OLDEST first: a timeline reads
// forwards. Page's After and Before keep their meaning in list order: After pages to
// later events, Before to earlier ones.
func (db *DB) ListCallEvents(ctx context.Context, accountSid, callSid string, p store.Page) ([]store.CallEvent, bool, error) {
	var w where
	w.add("call_sid = ?", callSid)
	w.add("account_sid = ?", accountSid)
	query, args, reversed := listQueryOldestFirst(callEventCols, "call_events", w, p)
	list, more, err := queryList(ctx, db, query, args, reversed, pageSize(p), scanCallEvent)
	if err != nil {
		return nil, false, fmt.Errorf("list call events: %w", err)
	}
	return list, more, nil
}

const recordingCols = "seq, sid, account_sid, call_sid, status, source, channels, duration, price, start_time, " +
	"date_created, date_updated"

func scanRecording(s rowScanner) (store.Recording, error) {
	var (
		r                                   store.Recording
		price                               sql.NullString
		startTime, dateCreated, dateUpdated sql.NullInt64
	)
	if err := s.Scan(&r.Seq, &r.Sid, &r.AccountSid, &r.CallSid, &r.Status, &r.Source, &r.Channels, &r.Duration, &price,
		&startTime, &dateCreated, &dateUpdated); err != nil {
		return store.Recording{}, err
	}
	r.Price = price.String
	r.StartTime, r.DateCreated, r.DateUpdated = timeValue(startTime), timeValue(dateCreated), timeValue(dateUpdated)
	return r, nil
}

// GetRecording returns recording sid of account accountSid, or ErrNotFound.
func (db *DB) GetRecording(ctx context.Context, accountSid, sid string) (store.Recording, error) {
	r, err := scanRecording(db.queryRow(ctx, "SELECT "+recordingCols+" FROM recordings WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Recording{}, fmt.Errorf("get recording %s: %w", sid, err)
	}
	return r, nil
}

// ListRecordings returns one page of the recordings f selects, newest first.
func (db *DB) ListRecordings(ctx context.Context, f store.RecordingFilter, p store.Page) ([]store.Recording, bool, error) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	if f.CallSid != "" {
		w.add("call_sid = ?", f.CallSid)
	}
	table, created := "recordings", "+date_created"
	if narrowWindow(f.CreatedFrom, f.CreatedUntil) {
		table, created = "recordings INDEXED BY recordings_account_date", "date_created"
	}
	addRange(&w, created, f.CreatedFrom, f.CreatedUntil)
	query, args, asc := listQuery(recordingCols, table, w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanRecording)
	if err != nil {
		return nil, false, fmt.Errorf("list recordings: %w", err)
	}
	return list, more, nil
}

// DeleteRecording deletes a recording of account accountSid (and of call callSid, unless
// ""), or returns ErrNotFound; one in one of the statuses busy is kept and ErrConflict
// returned.
func (db *DB) DeleteRecording(ctx context.Context, accountSid, callSid, sid string, busy ...string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		var w where
		w.add("account_sid = ?", accountSid)
		w.add("sid = ?", sid)
		if callSid != "" {
			w.add("call_sid = ?", callSid)
		}
		cond := strings.Join(w.conds, " AND ")
		var status string
		err := db.txQueryRow(ctx, tx, "SELECT status FROM recordings WHERE "+cond, w.args...).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return err
		case slices.Contains(busy, status):
			return store.ErrConflict
		}
		_, err = db.txExec(ctx, tx, "DELETE FROM recordings WHERE "+cond, w.args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete recording %s: %w", sid, err)
	}
	return nil
}

// listQueryOldestFirst is listQuery for a list read oldest first (a call's timeline):
// After pages to later rows and Before to earlier ones. reversed reports that rows come
// back newest first (Before paging) and need reversing.
func listQueryOldestFirst(cols, table string, w where, p store.Page) (query string, args []any, reversed bool) {
	size := pageSize(p)
	order := "ASC"
	switch {
	case p.After > 0:
		w.add("seq > ?", p.After)
	case p.Before > 0:
		w.add("seq < ?", p.Before)
		order, reversed = "DESC", true
	}
	query = "SELECT " + cols + " FROM " + table +
		" WHERE " + strings.Join(w.conds, " AND ") +
		" ORDER BY seq " + order + " LIMIT ?"
	args = append(w.args, size+1)
	if p.After <= 0 && p.Before <= 0 && p.Offset > 0 {
		query += " OFFSET ?"
		args = append(args, p.Offset)
	}
	return query, args, reversed
}
