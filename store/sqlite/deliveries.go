package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard-dev/switchboard/store"
)

const deliveryCols = "seq, sid, account_sid, resource_sid, event, url, method, request_params, signature, " +
	"response_status, response_type, response_body, latency_ms, attempt, error_code, error_message, date_created, replay_of"

func scanDelivery(s rowScanner) (store.WebhookDelivery, error) {
	var (
		d                 store.WebhookDelivery
		params            string
		status, errorCode sql.NullInt64
		latencyMs         int64
		dateCreated       sql.NullInt64
	)
	if err := s.Scan(&d.Seq, &d.Sid, &d.AccountSid, &d.ResourceSid, &d.Event, &d.URL, &d.Method, &params, &d.Signature,
		&status, &d.ResponseType, &d.ResponseBody, &latencyMs, &d.Attempt, &errorCode, &d.ErrorMessage, &dateCreated, &d.ReplayOf); err != nil {
		return store.WebhookDelivery{}, err
	}
	if err := json.Unmarshal([]byte(params), &d.Params); err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("webhook delivery %s: params: %w", d.Sid, err)
	}
	d.ResponseStatus, d.ErrorCode = int(status.Int64), int(errorCode.Int64)
	d.Latency = millis(latencyMs)
	d.DateCreated = timeValue(dateCreated)
	return d, nil
}

func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d store.WebhookDelivery) error {
	params, err := jsonText(d.Params)
	if err != nil {
		return fmt.Errorf("webhook delivery %s: %w", d.Sid, err)
	}
	var status, errorCode any
	if d.ResponseStatus != 0 {
		status = d.ResponseStatus
	}
	if d.ErrorCode != 0 {
		errorCode = d.ErrorCode
	}
	if _, err := db.txExec(ctx, tx,
		`INSERT INTO webhook_deliveries (sid, account_sid, resource_sid, event, url, method, request_params, signature,
			response_status, response_type, response_body, latency_ms, attempt, error_code, error_message, date_created, replay_of)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Sid, d.AccountSid, d.ResourceSid, d.Event, d.URL, d.Method, params, d.Signature,
		status, d.ResponseType, d.ResponseBody, d.Latency.Milliseconds(), d.Attempt, errorCode, d.ErrorMessage,
		timeArg(d.DateCreated), d.ReplayOf); err != nil {
		return fmt.Errorf("webhook delivery %s: %w", d.Sid, constraintError(err))
	}
	// Only the newest of a resource's deliveries are kept: replays, retries and a long
	// call's TwiML requests would otherwise grow one resource's record without bound.
	// The scan walks the resource's own index entries, a handful for most resources.
	if _, err := db.txExec(ctx, tx,
		`DELETE FROM webhook_deliveries WHERE account_sid = ? AND resource_sid = ? AND seq <= (
			SELECT seq FROM webhook_deliveries WHERE account_sid = ? AND resource_sid = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
		d.AccountSid, d.ResourceSid, d.AccountSid, d.ResourceSid, store.MaxDeliveriesPerResource); err != nil {
		return fmt.Errorf("webhook delivery %s: trim: %w", d.Sid, err)
	}
	return nil
}

// deleteDeliveries deletes the webhook deliveries of a resource that is being deleted.
func (db *DB) deleteDeliveries(ctx context.Context, tx *sql.Tx, accountSid, resourceSid string) error {
	_, err := db.txExec(ctx, tx, "DELETE FROM webhook_deliveries WHERE account_sid = ? AND resource_sid = ?", accountSid, resourceSid)
	return err
}

// ListDeliveries returns one page of webhook deliveries, newest first (see ListMessages).
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter, p store.Page) ([]store.WebhookDelivery, bool, error) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	if f.ResourceSid != "" {
		w.add("resource_sid = ?", f.ResourceSid)
	}
	query, args, asc := listQuery(deliveryCols, "webhook_deliveries", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanDelivery)
	if err != nil {
		return nil, false, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return list, more, nil
}

// GetDelivery returns webhook delivery sid of account accountSid, or ErrNotFound.
func (db *DB) GetDelivery(ctx context.Context, accountSid, sid string) (store.WebhookDelivery, error) {
	d, err := scanDelivery(db.queryRow(ctx,
		"SELECT "+deliveryCols+" FROM webhook_deliveries WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("get webhook delivery %s: %w", sid, err)
	}
	return d, nil
}
