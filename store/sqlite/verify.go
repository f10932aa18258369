package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// verifyServiceCols is the column order scanVerifyService expects;
// verifyServiceWritable the columns verifyServiceArgs fills, in its order.
const (
	verifyServiceCols     = "seq, " + verifyServiceWritable
	verifyServiceWritable = "sid, account_sid, friendly_name, code_length, lookup_enabled, skip_sms_to_landlines, " +
		"dtmf_input_required, tts_name, psd2_enabled, do_not_share_warning_enabled, custom_code_enabled, " +
		"default_template_sid, verify_event_subscription_enabled, extra, date_created, date_updated"
)

func scanVerifyService(s rowScanner) (store.VerifyService, error) {
	var (
		v                        store.VerifyService
		extra                    string
		dateCreated, dateUpdated sql.NullInt64
	)
	err := s.Scan(&v.Seq, &v.Sid, &v.AccountSid, &v.FriendlyName, &v.CodeLength, &v.LookupEnabled, &v.SkipSmsToLandlines,
		&v.DtmfInputRequired, &v.TtsName, &v.Psd2Enabled, &v.DoNotShareWarningEnabled, &v.CustomCodeEnabled,
		&v.DefaultTemplateSid, &v.VerifyEventSubscriptionEnabled, &extra, &dateCreated, &dateUpdated)
	if err != nil {
		return store.VerifyService{}, err
	}
	v.Extra = []byte(extra)
	v.DateCreated = timeValue(dateCreated)
	v.DateUpdated = timeValue(dateUpdated)
	return v, nil
}

func verifyServiceArgs(v store.VerifyService) []any {
	return []any{
		v.Sid, v.AccountSid, v.FriendlyName, v.CodeLength, v.LookupEnabled, v.SkipSmsToLandlines,
		v.DtmfInputRequired, v.TtsName, v.Psd2Enabled, v.DoNotShareWarningEnabled, v.CustomCodeEnabled,
		v.DefaultTemplateSid, v.VerifyEventSubscriptionEnabled, jsonColumn(v.Extra), timeArg(v.DateCreated), timeArg(v.DateUpdated),
	}
}

// CreateVerifyService stores s and returns it as stored, with Seq set.
func (db *DB) CreateVerifyService(ctx context.Context, s store.VerifyService) (store.VerifyService, error) {
	params := strings.TrimSuffix(strings.Repeat("?, ", len(verifyServiceArgs(s))), ", ")
	created, err := writeScan(ctx, db, scanVerifyService,
		"INSERT INTO verify_services ("+verifyServiceWritable+") VALUES ("+params+") RETURNING "+verifyServiceCols,
		verifyServiceArgs(s)...)
	if err != nil {
		return store.VerifyService{}, fmt.Errorf("create verify service %s: %w", s.Sid, constraintError(err))
	}
	return created, nil
}

// GetVerifyService returns service sid of account accountSid, or ErrNotFound.
func (db *DB) GetVerifyService(ctx context.Context, accountSid, sid string) (store.VerifyService, error) {
	v, err := scanVerifyService(db.queryRow(ctx,
		"SELECT "+verifyServiceCols+" FROM verify_services WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.VerifyService{}, fmt.Errorf("get verify service %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.VerifyService{}, fmt.Errorf("get verify service %s: %w", sid, err)
	}
	return v, nil
}

// UpdateVerifyService reads service sid of account accountSid, lets change edit it and
// stores the result with DateUpdated set to now, in one transaction.
func (db *DB) UpdateVerifyService(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.VerifyService) error) (store.VerifyService, error) {
	var updated store.VerifyService
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := scanVerifyService(db.txQueryRow(ctx, tx,
			"SELECT "+verifyServiceCols+" FROM verify_services WHERE account_sid = ? AND sid = ?", accountSid, sid))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		kept := v
		if err := change(&v); err != nil {
			return err
		}
		v.Sid, v.AccountSid, v.DateCreated, v.DateUpdated = kept.Sid, kept.AccountSid, kept.DateCreated, now
		updated, err = scanVerifyService(db.txQueryRow(ctx, tx,
			"UPDATE verify_services SET "+assignments(verifyServiceWritable)+" WHERE seq = ? RETURNING "+verifyServiceCols,
			append(verifyServiceArgs(v), kept.Seq)...))
		return err
	})
	if err != nil {
		return store.VerifyService{}, fmt.Errorf("update verify service %s: %w", sid, err)
	}
	return updated, nil
}

// DeleteVerifyService deletes service sid of account accountSid with its verifications
// (the cascade); ErrNotFound for an unknown service.
func (db *DB) DeleteVerifyService(ctx context.Context, accountSid, sid string) error {
	return deleteRow(ctx, db.writer, "verify service", "DELETE FROM verify_services WHERE account_sid = ? AND sid = ?", accountSid, sid)
}

// ListVerifyServices returns one page of the account's services, newest first.
func (db *DB) ListVerifyServices(ctx context.Context, accountSid string, p store.Page) ([]store.VerifyService, bool, error) {
	var w where
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(verifyServiceCols, "verify_services", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanVerifyService)
	if err != nil {
		return nil, false, fmt.Errorf("list verify services: %w", err)
	}
	return list, more, nil
}

// verificationCols is the column order scanVerification expects; verificationWritable
// the columns verificationArgs fills, in its order.
const (
	verificationCols     = "seq, " + verificationWritable
	verificationWritable = "sid, service_sid, account_sid, to_number, channel, status, code, custom_code, locale, " +
		"amount, payee, with_lookup, sends, checks, date_created, date_updated, date_expires"
)

// sendJSON is a VerificationSend as the sends column keeps it.
type sendJSON struct {
	Sid     string `json:"sid"`
	Channel string `json:"channel"`
	Time    int64  `json:"time"` // Unix milliseconds
}

func encodeSends(sends []store.VerificationSend) string {
	out := make([]sendJSON, len(sends))
	for i, s := range sends {
		out[i] = sendJSON{Sid: s.Sid, Channel: s.Channel, Time: s.Time.UnixMilli()}
	}
	b, _ := json.Marshal(out) // strings and numbers always encode
	return string(b)
}

func decodeSends(s string) ([]store.VerificationSend, error) {
	var in []sendJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("sends: %w", err)
	}
	out := make([]store.VerificationSend, len(in))
	for i, s := range in {
		out[i] = store.VerificationSend{Sid: s.Sid, Channel: s.Channel, Time: time.UnixMilli(s.Time).UTC()}
	}
	return out, nil
}

func scanVerification(s rowScanner) (store.Verification, error) {
	var (
		v                                     store.Verification
		sends                                 string
		dateCreated, dateUpdated, dateExpires sql.NullInt64
	)
	err := s.Scan(&v.Seq, &v.Sid, &v.ServiceSid, &v.AccountSid, &v.To, &v.Channel, &v.Status, &v.Code, &v.CustomCode,
		&v.Locale, &v.Amount, &v.Payee, &v.WithLookup, &sends, &v.Checks, &dateCreated, &dateUpdated, &dateExpires)
	if err != nil {
		return store.Verification{}, err
	}
	if v.Sends, err = decodeSends(sends); err != nil {
		return store.Verification{}, err
	}
	v.DateCreated = timeValue(dateCreated)
	v.DateUpdated = timeValue(dateUpdated)
	v.DateExpires = timeValue(dateExpires)
	return v, nil
}

func verificationArgs(v store.Verification) []any {
	return []any{
		v.Sid, v.ServiceSid, v.AccountSid, v.To, v.Channel, v.Status, v.Code, v.CustomCode, v.Locale,
		v.Amount, v.Payee, v.WithLookup, encodeSends(v.Sends), v.Checks,
		timeArg(v.DateCreated), timeArg(v.DateUpdated), timeArg(v.DateExpires),
	}
}

// StartVerification reads the newest verification of the service to the number, hands
// it to start and writes what start returns, in one transaction (SQLite's one writer
// makes the starts of every service take turns).
func (db *DB) StartVerification(ctx context.Context, accountSid, serviceSid, to string, start func(current *store.Verification) (store.Verification, error)) (store.Verification, error) {
	var written store.Verification
	err := db.write(ctx, func(tx *sql.Tx) error {
		var found int
		err := db.txQueryRow(ctx, tx, "SELECT 1 FROM verify_services WHERE account_sid = ? AND sid = ?", accountSid, serviceSid).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		var current *store.Verification
		v, err := scanVerification(db.txQueryRow(ctx, tx,
			"SELECT "+verificationCols+" FROM verifications WHERE service_sid = ? AND to_number = ? ORDER BY seq DESC LIMIT 1",
			serviceSid, to))
		switch {
		case err == nil:
			current = &v
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		next, err := start(current)
		if err != nil {
			return err
		}
		if current != nil && next.Sid == current.Sid {
			next.ServiceSid, next.AccountSid, next.To, next.DateCreated = current.ServiceSid, current.AccountSid, current.To, current.DateCreated
			written, err = scanVerification(db.txQueryRow(ctx, tx,
				"UPDATE verifications SET "+assignments(verificationWritable)+" WHERE seq = ? RETURNING "+verificationCols,
				append(verificationArgs(next), current.Seq)...))
			return err
		}
		next.ServiceSid, next.AccountSid, next.To = serviceSid, accountSid, to
		params := strings.TrimSuffix(strings.Repeat("?, ", len(verificationArgs(next))), ", ")
		written, err = scanVerification(db.txQueryRow(ctx, tx,
			"INSERT INTO verifications ("+verificationWritable+") VALUES ("+params+") RETURNING "+verificationCols,
			verificationArgs(next)...))
		return constraintError(err)
	})
	if err != nil {
		return store.Verification{}, fmt.Errorf("start verification to %s: %w", to, err)
	}
	return written, nil
}

// GetVerification returns verification sid of service serviceSid ("" for any) of
// account accountSid, or ErrNotFound.
func (db *DB) GetVerification(ctx context.Context, accountSid, serviceSid, sid string) (store.Verification, error) {
	var w where
	w.add("sid = ?", sid)
	w.add("account_sid = ?", accountSid)
	if serviceSid != "" {
		w.add("service_sid = ?", serviceSid)
	}
	v, err := scanVerification(db.queryRow(ctx, "SELECT "+verificationCols+" FROM verifications WHERE "+strings.Join(w.conds, " AND "), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Verification{}, fmt.Errorf("get verification %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.Verification{}, fmt.Errorf("get verification %s: %w", sid, err)
	}
	return v, nil
}

// latestVerificationQuery reads the newest verification of a service to a number, off
// the end of verifications_service_to_seq.
const latestVerificationQuery = "SELECT " + verificationCols + ` FROM verifications
	WHERE service_sid = ? AND to_number = ? AND account_sid = ? ORDER BY seq DESC LIMIT 1`

// LatestVerification returns the newest verification of the service to the number, or
// ErrNotFound.
func (db *DB) LatestVerification(ctx context.Context, accountSid, serviceSid, to string) (store.Verification, error) {
	v, err := scanVerification(db.queryRow(ctx, latestVerificationQuery, serviceSid, to, accountSid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Verification{}, fmt.Errorf("latest verification to %s: %w", to, store.ErrNotFound)
	}
	if err != nil {
		return store.Verification{}, fmt.Errorf("latest verification to %s: %w", to, err)
	}
	return v, nil
}

// UpdateVerification reads a verification, lets change edit it and stores the result,
// in one transaction.
func (db *DB) UpdateVerification(ctx context.Context, accountSid, serviceSid, sid string, change func(*store.Verification) error) (store.Verification, error) {
	var updated store.Verification
	err := db.write(ctx, func(tx *sql.Tx) error {
		v, err := scanVerification(db.txQueryRow(ctx, tx,
			"SELECT "+verificationCols+" FROM verifications WHERE sid = ? AND account_sid = ? AND service_sid = ?",
			sid, accountSid, serviceSid))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		kept := v
		if err := change(&v); err != nil {
			return err
		}
		v.Sid, v.ServiceSid, v.AccountSid, v.To, v.DateCreated = kept.Sid, kept.ServiceSid, kept.AccountSid, kept.To, kept.DateCreated
		updated, err = scanVerification(db.txQueryRow(ctx, tx,
			"UPDATE verifications SET "+assignments(verificationWritable)+" WHERE seq = ? RETURNING "+verificationCols,
			append(verificationArgs(v), kept.Seq)...))
		return err
	})
	if err != nil {
		return store.Verification{}, fmt.Errorf("update verification %s: %w", sid, err)
	}
	return updated, nil
}

// DeleteVerification deletes verification sid of account accountSid, or returns
// ErrNotFound.
func (db *DB) DeleteVerification(ctx context.Context, accountSid, sid string) error {
	return deleteRow(ctx, db.writer, "verification", "DELETE FROM verifications WHERE account_sid = ? AND sid = ?", accountSid, sid)
}

// verificationListQuery is the query of a page of verifications.
func verificationListQuery(f store.VerificationFilter, p store.Page) (string, []any, bool) {
	var w where
	w.add("account_sid = ?", f.AccountSid)
	if f.To != "" {
		w.add("to_number = ?", f.To)
	}
	if f.ServiceSid != "" {
		w.add("service_sid = ?", f.ServiceSid)
	}
	return listQuery(verificationCols, "verifications", w, p)
}

// ListVerifications returns one page of the verifications f selects, newest first.
func (db *DB) ListVerifications(ctx context.Context, f store.VerificationFilter, p store.Page) ([]store.Verification, bool, error) {
	query, args, asc := verificationListQuery(f, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanVerification)
	if err != nil {
		return nil, false, fmt.Errorf("list verifications: %w", err)
	}
	return list, more, nil
}
