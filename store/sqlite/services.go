package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// serviceCols is the column order scanService expects; serviceWritable the columns
// serviceArgs fills, in its order.
const (
	serviceCols     = "seq, " + serviceWritable
	serviceWritable = "sid, account_sid, friendly_name, inbound_request_url, inbound_method, fallback_url, fallback_method, " +
		"status_callback, sticky_sender, mms_converter, smart_encoding, scan_message_content, fallback_to_long_code, " +
		"area_code_geomatch, synchronous_validation, validity_period, usecase, use_inbound_webhook_on_number, " +
		"date_created, date_updated"
)

func scanService(s rowScanner) (store.MessagingService, error) {
	var (
		m                        store.MessagingService
		dateCreated, dateUpdated sql.NullInt64
	)
	err := s.Scan(&m.Seq, &m.Sid, &m.AccountSid, &m.FriendlyName, &m.InboundRequestURL, &m.InboundMethod,
		&m.FallbackURL, &m.FallbackMethod, &m.StatusCallback, &m.StickySender, &m.MMSConverter, &m.SmartEncoding,
		&m.ScanMessageContent, &m.FallbackToLongCode, &m.AreaCodeGeomatch, &m.SynchronousValidation,
		&m.ValidityPeriod, &m.Usecase, &m.UseInboundWebhookOnNumber, &dateCreated, &dateUpdated)
	if err != nil {
		return store.MessagingService{}, err
	}
	m.DateCreated = timeValue(dateCreated)
	m.DateUpdated = timeValue(dateUpdated)
	return m, nil
}

func serviceArgs(m store.MessagingService) []any {
	return []any{
		m.Sid, m.AccountSid, m.FriendlyName, m.InboundRequestURL, m.InboundMethod, m.FallbackURL, m.FallbackMethod,
		m.StatusCallback, m.StickySender, m.MMSConverter, m.SmartEncoding, m.ScanMessageContent, m.FallbackToLongCode,
		m.AreaCodeGeomatch, m.SynchronousValidation, m.ValidityPeriod, m.Usecase, m.UseInboundWebhookOnNumber,
		timeArg(m.DateCreated), timeArg(m.DateUpdated),
	}
}

// CreateMessagingService stores m and returns it as stored, with Seq set. An AccountSid
// that names no account is ErrNotFound.
func (db *DB) CreateMessagingService(ctx context.Context, m store.MessagingService) (store.MessagingService, error) {
	params := strings.TrimSuffix(strings.Repeat("?, ", len(serviceArgs(m))), ", ")
	created, err := writeScan(ctx, db, scanService,
		"INSERT INTO messaging_services ("+serviceWritable+") VALUES ("+params+") RETURNING "+serviceCols,
		serviceArgs(m)...)
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("create messaging service %s: %w", m.Sid, constraintError(err))
	}
	return created, nil
}

// GetMessagingService returns service sid of account accountSid, or ErrNotFound.
func (db *DB) GetMessagingService(ctx context.Context, accountSid, sid string) (store.MessagingService, error) {
	m, err := scanService(db.queryRow(ctx,
		"SELECT "+serviceCols+" FROM messaging_services WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.MessagingService{}, fmt.Errorf("get messaging service %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("get messaging service %s: %w", sid, err)
	}
	return m, nil
}

// UpdateMessagingService reads service sid of account accountSid, lets change edit it
// and stores the result with DateUpdated set to now, in one transaction. Its Sid,
// AccountSid and DateCreated are kept. An error from change aborts the update and is
// returned wrapped; ErrNotFound for an unknown service.
func (db *DB) UpdateMessagingService(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.MessagingService) error) (store.MessagingService, error) {
	var updated store.MessagingService
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := scanService(db.txQueryRow(ctx, tx,
			"SELECT "+serviceCols+" FROM messaging_services WHERE account_sid = ? AND sid = ?", accountSid, sid))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		kept := m
		if err := change(&m); err != nil {
			return err
		}
		m.Sid, m.AccountSid, m.DateCreated, m.DateUpdated = kept.Sid, kept.AccountSid, kept.DateCreated, now
		updated, err = scanService(db.txQueryRow(ctx, tx,
			"UPDATE messaging_services SET "+assignments(serviceWritable)+" WHERE seq = ? RETURNING "+serviceCols,
			append(serviceArgs(m), kept.Seq)...))
		return err
	})
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("update messaging service %s: %w", sid, err)
	}
	return updated, nil
}

// DeleteMessagingService deletes service sid of account accountSid with its sender pool
// and sticky senders; the numbers stay the account's. ErrNotFound for an unknown
// service.
func (db *DB) DeleteMessagingService(ctx context.Context, accountSid, sid string) error {
	return deleteRow(ctx, db.writer, "messaging service", "DELETE FROM messaging_services WHERE account_sid = ? AND sid = ?", accountSid, sid)
}

// ListMessagingServices returns one page of the account's services, newest first, and
// whether more rows lie beyond the page in the direction p moves.
func (db *DB) ListMessagingServices(ctx context.Context, accountSid string, p store.Page) ([]store.MessagingService, bool, error) {
	var w where
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(serviceCols, "messaging_services", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanService)
	if err != nil {
		return nil, false, fmt.Errorf("list messaging services: %w", err)
	}
	return list, more, nil
}

// ServiceOfNumber returns the service whose pool holds phone number phoneNumberSid, or
// ErrNotFound when it is in none: how an incoming text finds its service's webhook.
func (db *DB) ServiceOfNumber(ctx context.Context, phoneNumberSid string) (store.MessagingService, error) {
	m, err := scanService(db.queryRow(ctx,
		"SELECT "+prefixed("s.", serviceCols)+` FROM messaging_services s
		JOIN messaging_service_numbers p ON p.service_sid = s.sid WHERE p.phone_number_sid = ?`, phoneNumberSid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.MessagingService{}, fmt.Errorf("service of number %s: %w", phoneNumberSid, store.ErrNotFound)
	}
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("service of number %s: %w", phoneNumberSid, err)
	}
	return m, nil
}

// prefixed qualifies each of a comma-separated list of columns with prefix.
func prefixed(prefix, cols string) string {
	return prefix + strings.ReplaceAll(cols, ", ", ", "+prefix)
}

// serviceNumberCols is the column order scanServiceNumber expects, from the
// messaging_service_numbers_full view.
const serviceNumberCols = "seq, service_sid, account_sid, phone_number_sid, phone_number, iso_country, " +
	"cap_voice, cap_sms, cap_mms, cap_fax, date_created, date_updated, whatsapp"

func scanServiceNumber(s rowScanner) (store.ServiceNumber, error) {
	var (
		n                        store.ServiceNumber
		dateCreated, dateUpdated sql.NullInt64
	)
	err := s.Scan(&n.Seq, &n.ServiceSid, &n.AccountSid, &n.Sid, &n.PhoneNumber, &n.IsoCountry,
		&n.Capabilities.Voice, &n.Capabilities.SMS, &n.Capabilities.MMS, &n.Capabilities.Fax, &dateCreated, &dateUpdated, &n.WhatsApp)
	if err != nil {
		return store.ServiceNumber{}, err
	}
	n.DateCreated = timeValue(dateCreated)
	n.DateUpdated = timeValue(dateUpdated)
	return n, nil
}

// AddServiceNumber puts phone number phoneNumberSid of account accountSid into the pool
// of service serviceSid (of the same account), unless it holds limit numbers already.
// added is false when the number was in this pool already (nothing changes then). It
// returns ErrNotFound when the account has no such number, ErrConflict when the number
// is in another service's pool, and ErrLimit when the pool is full.
func (db *DB) AddServiceNumber(ctx context.Context, accountSid, serviceSid, phoneNumberSid string, limit int, now time.Time) (n store.ServiceNumber, added bool, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		var current string
		err := db.txQueryRow(ctx, tx, "SELECT service_sid FROM messaging_service_numbers WHERE phone_number_sid = ?", phoneNumberSid).Scan(&current)
		switch {
		case err == nil && current == serviceSid:
			n, err = scanServiceNumber(db.txQueryRow(ctx, tx,
				"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE phone_number_sid = ?", phoneNumberSid))
			return err
		case err == nil:
			return fmt.Errorf("in the pool of %s: %w", current, store.ErrConflict)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var size int
		if err := db.txQueryRow(ctx, tx, "SELECT count(*) FROM messaging_service_numbers WHERE service_sid = ?", serviceSid).Scan(&size); err != nil {
			return err
		}
		if size >= limit {
			return store.ErrLimit
		}
		// Copied from the number itself, so that only a number of this account gets in.
		res, err := db.txExec(ctx, tx,
			`INSERT INTO messaging_service_numbers (service_sid, phone_number_sid, account_sid, date_created, date_updated)
			SELECT ?, sid, account_sid, ?, ? FROM incoming_phone_numbers WHERE sid = ? AND account_sid = ?`,
			serviceSid, timeArg(now), timeArg(now), phoneNumberSid, accountSid)
		if err != nil {
			return constraintError(err)
		}
		if rows, err := res.RowsAffected(); err != nil || rows == 0 {
			return cmpErr(err, store.ErrNotFound)
		}
		added = true
		n, err = scanServiceNumber(db.txQueryRow(ctx, tx,
			"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE phone_number_sid = ?", phoneNumberSid))
		return err
	})
	if err != nil {
		return store.ServiceNumber{}, false, fmt.Errorf("add number %s to service %s: %w", phoneNumberSid, serviceSid, err)
	}
	return n, added, nil
}

// cmpErr is err, or fallback when err is nil.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// GetServiceNumber returns phone number sid of service serviceSid of account
// accountSid, or ErrNotFound.
func (db *DB) GetServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) (store.ServiceNumber, error) {
	n, err := scanServiceNumber(db.queryRow(ctx,
		"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE account_sid = ? AND service_sid = ? AND phone_number_sid = ?",
		accountSid, serviceSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.ServiceNumber{}, fmt.Errorf("get service number %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.ServiceNumber{}, fmt.Errorf("get service number %s: %w", sid, err)
	}
	return n, nil
}

// RemoveServiceNumber takes phone number sid out of the pool of service serviceSid of
// account accountSid; ErrNotFound when it is not there.
func (db *DB) RemoveServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) error {
	return deleteRow(ctx, db.writer, "service number",
		"DELETE FROM messaging_service_numbers WHERE account_sid = ? AND service_sid = ? AND phone_number_sid = ?",
		accountSid, serviceSid, sid)
}

// ListServiceNumbers returns one page of the pool of service serviceSid of account
// accountSid, newest first, and whether more rows lie beyond the page.
func (db *DB) ListServiceNumbers(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.ServiceNumber, bool, error) {
	var w where
	w.add("service_sid = ?", serviceSid)
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(serviceNumberCols, "messaging_service_numbers_full", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanServiceNumber)
	if err != nil {
		return nil, false, fmt.Errorf("list service numbers: %w", err)
	}
	return list, more, nil
}

// alphaSenderCols is the column order scanAlphaSender expects.
const alphaSenderCols = "seq, sid, service_sid, account_sid, alpha_sender, date_created, date_updated"

func scanAlphaSender(s rowScanner) (store.AlphaSender, error) {
	var (
		a                        store.AlphaSender
		dateCreated, dateUpdated sql.NullInt64
	)
	if err := s.Scan(&a.Seq, &a.Sid, &a.ServiceSid, &a.AccountSid, &a.AlphaSender, &dateCreated, &dateUpdated); err != nil {
		return store.AlphaSender{}, err
	}
	a.DateCreated = timeValue(dateCreated)
	a.DateUpdated = timeValue(dateUpdated)
	return a, nil
}

// CreateAlphaSender gives a's service its alphanumeric sender ID. A service has one at
// most: ErrConflict when it has one already; ErrNotFound when the service is not one of
// a.AccountSid's.
func (db *DB) CreateAlphaSender(ctx context.Context, a store.AlphaSender) (store.AlphaSender, error) {
	var created store.AlphaSender
	err := db.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := db.txQueryRow(ctx, tx, "SELECT EXISTS (SELECT 1 FROM messaging_service_alpha_senders WHERE service_sid = ?)",
			a.ServiceSid).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return store.ErrConflict
		}
		var err error
		created, err = scanAlphaSender(db.txQueryRow(ctx, tx,
			`INSERT INTO messaging_service_alpha_senders (sid, service_sid, account_sid, alpha_sender, date_created, date_updated)
			SELECT ?, sid, account_sid, ?, ?, ? FROM messaging_services WHERE sid = ? AND account_sid = ?
			RETURNING `+alphaSenderCols,
			a.Sid, a.AlphaSender, timeArg(a.DateCreated), timeArg(a.DateUpdated), a.ServiceSid, a.AccountSid))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		return constraintError(err)
	})
	if err != nil {
		return store.AlphaSender{}, fmt.Errorf("create alpha sender of %s: %w", a.ServiceSid, err)
	}
	return created, nil
}

// GetAlphaSender returns alpha sender sid of service serviceSid of account accountSid,
// or ErrNotFound.
func (db *DB) GetAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) (store.AlphaSender, error) {
	a, err := scanAlphaSender(db.queryRow(ctx,
		"SELECT "+alphaSenderCols+" FROM messaging_service_alpha_senders WHERE account_sid = ? AND service_sid = ? AND sid = ?",
		accountSid, serviceSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.AlphaSender{}, fmt.Errorf("get alpha sender %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.AlphaSender{}, fmt.Errorf("get alpha sender %s: %w", sid, err)
	}
	return a, nil
}

// DeleteAlphaSender removes alpha sender sid from service serviceSid of account
// accountSid; ErrNotFound when it is not there.
func (db *DB) DeleteAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) error {
	return deleteRow(ctx, db.writer, "alpha sender",
		"DELETE FROM messaging_service_alpha_senders WHERE account_sid = ? AND service_sid = ? AND sid = ?",
		accountSid, serviceSid, sid)
}

// ListAlphaSenders returns one page of the alpha senders of service serviceSid of
// account accountSid, newest first, and whether more rows lie beyond the page.
func (db *DB) ListAlphaSenders(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.AlphaSender, bool, error) {
	var w where
	w.add("service_sid = ?", serviceSid)
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(alphaSenderCols, "messaging_service_alpha_senders", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanAlphaSender)
	if err != nil {
		return nil, false, fmt.Errorf("list alpha senders: %w", err)
	}
	return list, more, nil
}

// ServicePool returns everything service serviceSid may send from, oldest first.
func (db *DB) ServicePool(ctx context.Context, serviceSid string) (store.SenderPool, error) {
	var pool store.SenderPool
	rows, err := db.query(ctx,
		"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE service_sid = ? ORDER BY seq", serviceSid)
	if err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanServiceNumber(rows)
		if err != nil {
			return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
		}
		pool.Numbers = append(pool.Numbers, n)
	}
	if err := rows.Err(); err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	alphas, err := db.query(ctx,
		"SELECT alpha_sender FROM messaging_service_alpha_senders WHERE service_sid = ? ORDER BY seq", serviceSid)
	if err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	defer alphas.Close()
	for alphas.Next() {
		var a string
		if err := alphas.Scan(&a); err != nil {
			return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
		}
		pool.AlphaSenders = append(pool.AlphaSenders, a)
	}
	if err := alphas.Err(); err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	return pool, nil
}

// StickySender settles which sender recipient gets the messages of service serviceSid
// from. choose is given the sender remembered for the recipient ("" when none) and how
// many recipients each sender has; what it returns is remembered (unless "") and
// returned. Reading and writing happen in one transaction, so two messages to a new
// recipient at once cannot end up with different senders.
func (db *DB) StickySender(ctx context.Context, serviceSid, recipient string, now time.Time, choose func(current string, load map[string]int) string) (string, error) {
	var chosen string
	err := db.write(ctx, func(tx *sql.Tx) error {
		var current string
		err := db.txQueryRow(ctx, tx, "SELECT sender FROM sticky_senders WHERE service_sid = ? AND recipient = ?",
			serviceSid, recipient).Scan(&current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		load, err := db.stickyLoad(ctx, tx, serviceSid)
		if err != nil {
			return err
		}
		chosen = choose(current, load)
		if chosen == "" || chosen == current {
			return nil
		}
		_, err = db.txExec(ctx, tx,
			`INSERT INTO sticky_senders (service_sid, recipient, sender, date_created) VALUES (?, ?, ?, ?)
			ON CONFLICT (service_sid, recipient) DO UPDATE SET sender = excluded.sender, date_created = excluded.date_created`,
			serviceSid, recipient, chosen, timeArg(now))
		return constraintError(err)
	})
	if err != nil {
		return "", fmt.Errorf("sticky sender of %s for %s: %w", serviceSid, recipient, err)
	}
	return chosen, nil
}

// stickyLoad counts the recipients each sender of a service is remembered for.
func (db *DB) stickyLoad(ctx context.Context, tx *sql.Tx, serviceSid string) (map[string]int, error) {
	rows, err := db.txQuery(ctx, tx, "SELECT sender, count(*) FROM sticky_senders WHERE service_sid = ? GROUP BY sender", serviceSid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	load := map[string]int{}
	for rows.Next() {
		var sender string
		var n int
		if err := rows.Scan(&sender, &n); err != nil {
			return nil, err
		}
		load[sender] = n
	}
	return load, rows.Err()
}
