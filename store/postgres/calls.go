package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
		price                                        pgtype.Text
		settings, state                              string
		startTime, endTime, dateCreated, dateUpdated pgtype.Int8
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

func insertCall(ctx context.Context, q querier, c store.Call) error {
	if _, err := q.Exec(ctx,
		`INSERT INTO calls (sid, account_sid, parent_call_sid, to_number, from_number, phone_number_sid, status, direction,
			forwarded_from, caller_name, start_time, end_time, duration, price, settings, state, version, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18)`,
		c.Sid, c.AccountSid, c.ParentCallSid, c.To, c.From, c.PhoneNumberSid, c.Status, c.Direction,
		c.ForwardedFrom, c.CallerName, timeArg(c.StartTime), timeArg(c.EndTime), c.Duration, stringArg(c.Price),
		jsonColumn(c.Settings), jsonColumn(c.State), timeArg(c.DateCreated), timeArg(c.DateUpdated)); err != nil {
		return fmt.Errorf("call %s: %w", c.Sid, constraintError(err))
	}
	return nil
}

// changeCall applies c if the call is still at c.Version, with its jobs; ErrConflict
// when it has moved on, ErrNotFound when it is gone. PostgreSQL checks the version again
// on the row as it is once its lock is granted.
func changeCall(ctx context.Context, q querier, c store.CallChange) error {
	n := c.Call
	tag, err := q.Exec(ctx,
		`UPDATE calls SET status = $1, start_time = $2, end_time = $3, duration = $4, price = $5, settings = $6, state = $7,
			version = version + 1, date_updated = $8
		WHERE account_sid = $9 AND sid = $10 AND version = $11`,
		n.Status, timeArg(n.StartTime), timeArg(n.EndTime), n.Duration, stringArg(n.Price),
		jsonColumn(n.Settings), jsonColumn(n.State), timeArg(n.DateUpdated), n.AccountSid, n.Sid, c.Version)
	if err != nil {
		return fmt.Errorf("change call %s: %w", n.Sid, err)
	}
	if tag.RowsAffected() == 0 {
		err := missingOrConflict(ctx, q, "calls", n.AccountSid, n.Sid)
		return fmt.Errorf("change call %s (version %d): %w", n.Sid, c.Version, err)
	}
	if c.CancelJobsOfKind != "" {
		if _, err := q.Exec(ctx, "DELETE FROM jobs WHERE resource_sid = $1 AND kind = $2", n.Sid, c.CancelJobsOfKind); err != nil {
			return fmt.Errorf("change call %s: %w", n.Sid, err)
		}
	}
	return insertJobs(ctx, q, c.Jobs)
}

func insertCallEvent(ctx context.Context, q querier, e store.CallEvent) error {
	data := "{}"
	if e.Data != nil {
		var err error
		if data, err = jsonText(e.Data); err != nil {
			return fmt.Errorf("call %s event: %w", e.CallSid, err)
		}
	}
	if _, err := q.Exec(ctx,
		`INSERT INTO call_events (call_sid, account_sid, type, description, data, elapsed_ms, date_created)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.CallSid, e.AccountSid, e.Type, e.Description, data, e.Elapsed.Milliseconds(), timeArg(e.DateCreated)); err != nil {
		return fmt.Errorf("call %s event: %w", e.CallSid, constraintError(err))
	}
	return nil
}

func insertRecording(ctx context.Context, q querier, r store.Recording) error {
	if _, err := q.Exec(ctx,
		`INSERT INTO recordings (sid, account_sid, call_sid, status, source, channels, duration, price, start_time,
			date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.Sid, r.AccountSid, r.CallSid, r.Status, r.Source, r.Channels, r.Duration, stringArg(r.Price),
		timeArg(r.StartTime), timeArg(r.DateCreated), timeArg(r.DateUpdated)); err != nil {
		return fmt.Errorf("recording %s: %w", r.Sid, constraintError(err))
	}
	return nil
}

// applyCallWrites applies the voice part of w, in the order Writes documents.
func applyCallWrites(ctx context.Context, q querier, w store.Writes) error {
	for _, c := range w.Calls {
		if err := insertCall(ctx, q, c); err != nil {
			return err
		}
	}
	for _, c := range w.CallChanges {
		if err := changeCall(ctx, q, c); err != nil {
			return err
		}
	}
	for _, r := range w.Recordings {
		if !w.ChangesCall(r.CallSid) {
			return fmt.Errorf("recording %s: written without a change of its call %s", r.Sid, r.CallSid)
		}
		if err := insertRecording(ctx, q, r); err != nil {
			return err
		}
	}
	for _, c := range w.RecordingChanges {
		// A recording deleted meanwhile is simply not completed.
		if _, err := q.Exec(ctx,
			"UPDATE recordings SET status = $1, duration = $2, price = $3, date_updated = $4 WHERE sid = $5",
			c.Status, c.Duration, stringArg(c.Price), timeArg(c.DateUpdated), c.Sid); err != nil {
			return fmt.Errorf("recording %s: %w", c.Sid, err)
		}
	}
	for _, e := range w.CallEvents {
		if !w.ChangesCall(e.CallSid) {
			// The change log tells of a call's events through the change of the call: an
			// event alone would reach no follower.
			return fmt.Errorf("call %s event: written without a change of its call", e.CallSid)
		}
		if err := insertCallEvent(ctx, q, e); err != nil {
			return err
		}
	}
	return nil
}

// GetCall returns call sid of account accountSid, or ErrNotFound.
func (db *DB) GetCall(ctx context.Context, accountSid, sid string) (store.Call, error) {
	c, err := scanCall(db.queryRow(ctx, "SELECT "+callCols+" FROM calls WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Call{}, fmt.Errorf("get call %s: %w", sid, err)
	}
	return c, nil
}

// ListCalls returns one page of the calls f selects, newest first (see ListMessages).
func (db *DB) ListCalls(ctx context.Context, f store.CallFilter, p store.Page) ([]store.Call, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(f.AccountSid))
	for _, eq := range []struct{ column, value string }{
		{"to_number", f.To}, {"from_number", f.From}, {"parent_call_sid", f.ParentCallSid}, {"status", f.Status},
	} {
		if eq.value != "" {
			w.add(eq.column + " = " + w.arg(eq.value))
		}
	}
	w.addRange("start_time", f.StartFrom, f.StartUntil)
	w.addRange("end_time", f.EndFrom, f.EndUntil)
	query, args, asc := listQuery(callCols, "calls", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), newCallScanner())
	if err != nil {
		return nil, false, fmt.Errorf("list calls: %w", err)
	}
	return list, more, nil
}

// DeleteCall deletes a call, its events, its pending jobs outside a queue and its
// webhook deliveries, or returns ErrNotFound; a call in one of the statuses live is kept
// and ErrConflict returned. Its recordings stay.
func (db *DB) DeleteCall(ctx context.Context, accountSid, sid string, live ...string) error {
	err := db.write(ctx, logsChanges, func(q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM calls WHERE account_sid = $1 AND sid = $2 AND status <> ALL($3)",
			accountSid, sid, append([]string{}, live...))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return missingOrConflict(ctx, q, "calls", accountSid, sid)
		}
		// Nothing is left for the call to do.
		if _, err := q.Exec(ctx, "DELETE FROM jobs WHERE resource_sid = $1 AND queue = ''", sid); err != nil {
			return err
		}
		return deleteDeliveries(ctx, q, accountSid, sid)
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
		dateCreated pgtype.Int8
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
	w.add("call_sid = " + w.arg(callSid))
	w.add("account_sid = " + w.arg(accountSid))
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
		price                               pgtype.Text
		startTime, dateCreated, dateUpdated pgtype.Int8
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
	r, err := scanRecording(db.queryRow(ctx, "SELECT "+recordingCols+" FROM recordings WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
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
	w.add("account_sid = " + w.arg(f.AccountSid))
	if f.CallSid != "" {
		w.add("call_sid = " + w.arg(f.CallSid))
	}
	w.addRange("date_created", f.CreatedFrom, f.CreatedUntil)
	query, args, asc := listQuery(recordingCols, "recordings", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanRecording)
	if err != nil {
		return nil, false, fmt.Errorf("list recordings: %w", err)
	}
	return list, more, nil
}

// DeleteRecording deletes a recording of account accountSid (and of call callSid, unless
// ""), or returns ErrNotFound; one in one of the statuses busy is kept and ErrConflict
// returned. The row is locked from the read of its status on.
func (db *DB) DeleteRecording(ctx context.Context, accountSid, callSid, sid string, busy ...string) error {
	err := db.write(ctx, logsChanges, func(q querier) error {
		var w where
		w.add("account_sid = " + w.arg(accountSid))
		w.add("sid = " + w.arg(sid))
		if callSid != "" {
			w.add("call_sid = " + w.arg(callSid))
		}
		cond := strings.Join(w.conds, " AND ")
		var status string
		err := q.QueryRow(ctx, "SELECT status FROM recordings WHERE "+cond+" FOR UPDATE", w.args...).Scan(&status)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return err
		case slices.Contains(busy, status):
			return store.ErrConflict
		}
		_, err = q.Exec(ctx, "DELETE FROM recordings WHERE "+cond, w.args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete recording %s: %w", sid, err)
	}
	return nil
}
