package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/switchboard-dev/switchboard/store"
)

const deliveryCols = "seq, sid, account_sid, resource_sid, event, url, method, request_params, signature, " +
	"response_status, response_type, response_body, latency_ms, attempt, error_code, error_message, date_created, replay_of"

func scanDelivery(s rowScanner) (store.WebhookDelivery, error) {
	var (
		d                 store.WebhookDelivery
		params            string
		body              []byte
		status, errorCode pgtype.Int8
		latencyMs         int64
		dateCreated       pgtype.Int8
	)
	if err := s.Scan(&d.Seq, &d.Sid, &d.AccountSid, &d.ResourceSid, &d.Event, &d.URL, &d.Method, &params, &d.Signature,
		&status, &d.ResponseType, &body, &latencyMs, &d.Attempt, &errorCode, &d.ErrorMessage, &dateCreated, &d.ReplayOf); err != nil {
		return store.WebhookDelivery{}, err
	}
	if err := json.Unmarshal([]byte(params), &d.Params); err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("webhook delivery %s: params: %w", d.Sid, err)
	}
	d.ResponseBody = string(body)
	d.ResponseStatus, d.ErrorCode = int(status.Int64), int(errorCode.Int64)
	d.Latency = millis(latencyMs)
	d.DateCreated = timeValue(dateCreated)
	return d, nil
}

// insertDelivery records d, and trims its resource's record to the newest
// MaxDeliveriesPerResource. The response body goes to a bytea column: an app's answer may
// hold NUL bytes, which text cannot.
func insertDelivery(ctx context.Context, q querier, d store.WebhookDelivery) error {
	params, err := jsonText(d.Params)
	if err != nil {
		return fmt.Errorf("webhook delivery %s: %w", d.Sid, err)
	}
	if _, err := q.Exec(ctx,
		`INSERT INTO webhook_deliveries (sid, account_sid, resource_sid, event, url, method, request_params, signature,
			response_status, response_type, response_body, latency_ms, attempt, error_code, error_message, date_created, replay_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		d.Sid, d.AccountSid, d.ResourceSid, d.Event, d.URL, d.Method, params, d.Signature,
		intArg(d.ResponseStatus), d.ResponseType, []byte(d.ResponseBody), d.Latency.Milliseconds(), d.Attempt, intArg(d.ErrorCode),
		d.ErrorMessage, timeArg(d.DateCreated), d.ReplayOf); err != nil {
		return fmt.Errorf("webhook delivery %s: %w", d.Sid, constraintError(err))
	}
	// Only the newest of a resource's deliveries are kept: replays, retries and a long
	// call's TwiML requests would otherwise grow one resource's record without bound.
	// The scan walks the resource's own index entries, a handful for most resources.
	if _, err := q.Exec(ctx,
		`DELETE FROM webhook_deliveries WHERE account_sid = $1 AND resource_sid = $2 AND seq <= (
			SELECT seq FROM webhook_deliveries WHERE account_sid = $1 AND resource_sid = $2 ORDER BY seq DESC LIMIT 1 OFFSET $3)`,
		d.AccountSid, d.ResourceSid, store.MaxDeliveriesPerResource); err != nil {
		return fmt.Errorf("webhook delivery %s: trim: %w", d.Sid, err)
	}
	return nil
}

// deleteDeliveries deletes the webhook deliveries of a resource that is being deleted.
func deleteDeliveries(ctx context.Context, q querier, accountSid, resourceSid string) error {
	_, err := q.Exec(ctx, "DELETE FROM webhook_deliveries WHERE account_sid = $1 AND resource_sid = $2", accountSid, resourceSid)
	return err
}

// ListDeliveries returns one page of webhook deliveries, newest first (see ListMessages).
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter, p store.Page) ([]store.WebhookDelivery, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(f.AccountSid))
	if f.ResourceSid != "" {
		w.add("resource_sid = " + w.arg(f.ResourceSid))
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
		"SELECT "+deliveryCols+" FROM webhook_deliveries WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("get webhook delivery %s: %w", sid, err)
	}
	return d, nil
}
