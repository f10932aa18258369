package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
	serviceColumns = 20 // in serviceWritable
)

func scanService(s rowScanner) (store.MessagingService, error) {
	var (
		m                        store.MessagingService
		dateCreated, dateUpdated pgtype.Int8
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

// CreateMessagingService stores m and returns it as stored, with Seq set. A duplicate
// Sid is ErrConflict; an AccountSid that names no account is ErrNotFound.
func (db *DB) CreateMessagingService(ctx context.Context, m store.MessagingService) (store.MessagingService, error) {
	created, err := scanService(db.writeRow(ctx,
		"INSERT INTO messaging_services ("+serviceWritable+") VALUES ("+params(1, serviceColumns)+") RETURNING "+serviceCols,
		serviceArgs(m)...))
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("create messaging service %s: %w", m.Sid, constraintError(err))
	}
	db.signalChange()
	return created, nil
}

// GetMessagingService returns service sid of account accountSid, or ErrNotFound.
func (db *DB) GetMessagingService(ctx context.Context, accountSid, sid string) (store.MessagingService, error) {
	m, err := scanService(db.queryRow(ctx,
		"SELECT "+serviceCols+" FROM messaging_services WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("get messaging service %s: %w", sid, err)
	}
	return m, nil
}

// UpdateMessagingService reads service sid of account accountSid, lets change edit it
// and stores the result with DateUpdated set to now, in one transaction, the row locked
// from the read on. Its Sid, AccountSid and DateCreated are kept. An error from change
// aborts the update and is returned wrapped; ErrNotFound for an unknown service.
func (db *DB) UpdateMessagingService(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.MessagingService) error) (store.MessagingService, error) {
	var updated store.MessagingService
	err := db.write(ctx, noChanges, func(q querier) error {
		m, err := scanService(q.QueryRow(ctx,
			"SELECT "+serviceCols+" FROM messaging_services WHERE account_sid = $1 AND sid = $2 FOR NO KEY UPDATE", accountSid, sid))
		if errors.Is(err, pgx.ErrNoRows) {
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
		updated, err = scanService(q.QueryRow(ctx,
			"UPDATE messaging_services SET "+assignments(serviceWritable, 1)+
				" WHERE seq = $"+fmt.Sprint(serviceColumns+1)+" RETURNING "+serviceCols,
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
	return db.deleteRow(ctx, "messaging service", "DELETE FROM messaging_services WHERE account_sid = $1 AND sid = $2", accountSid, sid)
}

// ListMessagingServices returns one page of the account's services, newest first, and
// whether more rows lie beyond the page in the direction p moves.
func (db *DB) ListMessagingServices(ctx context.Context, accountSid string, p store.Page) ([]store.MessagingService, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(accountSid))
	query, args, asc := listQuery(serviceCols, "messaging_services", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanService)
	if err != nil {
		return nil, false, fmt.Errorf("list messaging services: %w", err)
	}
	return list, more, nil
}

// ServiceOfNumber returns the service whose pool holds phone number phoneNumberSid, or
// ErrNotFound when it is in none.
func (db *DB) ServiceOfNumber(ctx context.Context, phoneNumberSid string) (store.MessagingService, error) {
	m, err := scanService(db.queryRow(ctx,
		"SELECT "+prefixed("s.", serviceCols)+` FROM messaging_services s
		JOIN messaging_service_numbers p ON p.service_sid = s.sid WHERE p.phone_number_sid = $1`, phoneNumberSid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.MessagingService{}, fmt.Errorf("service of number %s: %w", phoneNumberSid, err)
	}
	return m, nil
}

// serviceNumberCols is the column order scanServiceNumber expects, from the
// messaging_service_numbers_full view.
const serviceNumberCols = "seq, service_sid, account_sid, phone_number_sid, phone_number, iso_country, " +
	"cap_voice, cap_sms, cap_mms, cap_fax, date_created, date_updated, whatsapp"

func scanServiceNumber(s rowScanner) (store.ServiceNumber, error) {
	var (
		n                        store.ServiceNumber
		dateCreated, dateUpdated pgtype.Int8
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

// lockService locks the row of service sid for the rest of the transaction: the
// changes of a service's pool, alpha senders and sticky senders are counted and checked
// one transaction at a time, as SQLite's single writer makes them. No row is locked when
// the service does not exist; the write that follows finds that out.
func lockService(ctx context.Context, q querier, sid string) error {
	_, err := q.Exec(ctx, "SELECT FROM messaging_services WHERE sid = $1 FOR NO KEY UPDATE", sid)
	return err
}

// AddServiceNumber puts phone number phoneNumberSid of account accountSid into the pool
// of service serviceSid (of the same account), unless it holds limit numbers already.
// added is false when the number was in this pool already (nothing changes then). It
// returns ErrNotFound when the account has no such number, ErrConflict when the number
// is in another service's pool, and ErrLimit when the pool is full.
func (db *DB) AddServiceNumber(ctx context.Context, accountSid, serviceSid, phoneNumberSid string, limit int, now time.Time) (n store.ServiceNumber, added bool, err error) {
	err = db.write(ctx, noChanges, func(q querier) error {
		if err := lockService(ctx, q, serviceSid); err != nil {
			return err
		}
		var current string
		err := q.QueryRow(ctx, "SELECT service_sid FROM messaging_service_numbers WHERE phone_number_sid = $1", phoneNumberSid).Scan(&current)
		switch {
		case err == nil && current == serviceSid:
			n, err = scanServiceNumber(q.QueryRow(ctx,
				"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE phone_number_sid = $1", phoneNumberSid))
			return err
		case err == nil:
			return fmt.Errorf("in the pool of %s: %w", current, store.ErrConflict)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var size int
		if err := q.QueryRow(ctx, "SELECT count(*) FROM messaging_service_numbers WHERE service_sid = $1", serviceSid).Scan(&size); err != nil {
			return err
		}
		if size >= limit {
			return store.ErrLimit
		}
		// Copied from the number itself, so that only a number of this account gets in.
		tag, err := q.Exec(ctx,
			`INSERT INTO messaging_service_numbers (service_sid, phone_number_sid, account_sid, date_created, date_updated)
			SELECT $1, sid, account_sid, $2, $2 FROM incoming_phone_numbers WHERE sid = $3 AND account_sid = $4`,
			serviceSid, timeArg(now), phoneNumberSid, accountSid)
		if err != nil {
			return constraintError(err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		added = true
		n, err = scanServiceNumber(q.QueryRow(ctx,
			"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE phone_number_sid = $1", phoneNumberSid))
		return err
	})
	if err != nil {
		return store.ServiceNumber{}, false, fmt.Errorf("add number %s to service %s: %w", phoneNumberSid, serviceSid, err)
	}
	return n, added, nil
}

// GetServiceNumber returns phone number sid of service serviceSid of account
// accountSid, or ErrNotFound.
func (db *DB) GetServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) (store.ServiceNumber, error) {
	n, err := scanServiceNumber(db.queryRow(ctx,
		"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE account_sid = $1 AND service_sid = $2 AND phone_number_sid = $3",
		accountSid, serviceSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.ServiceNumber{}, fmt.Errorf("get service number %s: %w", sid, err)
	}
	return n, nil
}

// RemoveServiceNumber takes phone number sid out of the pool of service serviceSid of
// account accountSid; ErrNotFound when it is not there.
func (db *DB) RemoveServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) error {
	return db.deleteRow(ctx, "service number",
		"DELETE FROM messaging_service_numbers WHERE account_sid = $1 AND service_sid = $2 AND phone_number_sid = $3",
		accountSid, serviceSid, sid)
}

// ListServiceNumbers returns one page of the pool of service serviceSid of account
// accountSid, newest first, and whether more rows lie beyond the page.
func (db *DB) ListServiceNumbers(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.ServiceNumber, bool, error) {
	var w where
	w.add("service_sid = " + w.arg(serviceSid))
	w.add("account_sid = " + w.arg(accountSid))
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
		dateCreated, dateUpdated pgtype.Int8
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
	err := db.write(ctx, noChanges, func(q querier) error {
		if err := lockService(ctx, q, a.ServiceSid); err != nil {
			return err
		}
		var exists bool
		if err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM messaging_service_alpha_senders WHERE service_sid = $1)",
			a.ServiceSid).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return store.ErrConflict
		}
		var err error
		created, err = scanAlphaSender(q.QueryRow(ctx,
			`INSERT INTO messaging_service_alpha_senders (sid, service_sid, account_sid, alpha_sender, date_created, date_updated)
			SELECT $1, sid, account_sid, $2, $3, $4 FROM messaging_services WHERE sid = $5 AND account_sid = $6
			RETURNING `+alphaSenderCols,
			a.Sid, a.AlphaSender, timeArg(a.DateCreated), timeArg(a.DateUpdated), a.ServiceSid, a.AccountSid))
		if errors.Is(err, pgx.ErrNoRows) {
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
		"SELECT "+alphaSenderCols+" FROM messaging_service_alpha_senders WHERE account_sid = $1 AND service_sid = $2 AND sid = $3",
		accountSid, serviceSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.AlphaSender{}, fmt.Errorf("get alpha sender %s: %w", sid, err)
	}
	return a, nil
}

// DeleteAlphaSender removes alpha sender sid from service serviceSid of account
// accountSid; ErrNotFound when it is not there.
func (db *DB) DeleteAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) error {
	return db.deleteRow(ctx, "alpha sender",
		"DELETE FROM messaging_service_alpha_senders WHERE account_sid = $1 AND service_sid = $2 AND sid = $3",
		accountSid, serviceSid, sid)
}

// ListAlphaSenders returns one page of the alpha senders of service serviceSid of
// account accountSid, newest first, and whether more rows lie beyond the page.
func (db *DB) ListAlphaSenders(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.AlphaSender, bool, error) {
	var w where
	w.add("service_sid = " + w.arg(serviceSid))
	w.add("account_sid = " + w.arg(accountSid))
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
	var err error
	pool.Numbers, err = collect(ctx, db, scanServiceNumber,
		"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full WHERE service_sid = $1 ORDER BY seq", serviceSid)
	if err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	pool.AlphaSenders, err = collect(ctx, db, func(s rowScanner) (string, error) {
		var a string
		return a, s.Scan(&a)
	}, "SELECT alpha_sender FROM messaging_service_alpha_senders WHERE service_sid = $1 ORDER BY seq", serviceSid)
	if err != nil {
		return pool, fmt.Errorf("pool of %s: %w", serviceSid, err)
	}
	return pool, nil
}

// StickySender settles which sender recipient gets the messages of service serviceSid
// from. choose is given the sender remembered for the recipient ("" when none) and how
// many recipients each sender has; what it returns is remembered (unless "") and
// returned. The service's row is locked first, so that two messages to a new recipient
// at once settle one after the other and cannot end up with different senders.
func (db *DB) StickySender(ctx context.Context, serviceSid, recipient string, now time.Time, choose func(current string, load map[string]int) string) (string, error) {
	var chosen string
	err := db.write(ctx, noChanges, func(q querier) error {
		if err := lockService(ctx, q, serviceSid); err != nil {
			return err
		}
		var current string
		err := q.QueryRow(ctx, "SELECT sender FROM sticky_senders WHERE service_sid = $1 AND recipient = $2",
			serviceSid, recipient).Scan(&current)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		load, err := stickyLoad(ctx, q, serviceSid)
		if err != nil {
			return err
		}
		chosen = choose(current, load)
		if chosen == "" || chosen == current {
			return nil
		}
		_, err = q.Exec(ctx,
			`INSERT INTO sticky_senders (service_sid, recipient, sender, date_created) VALUES ($1, $2, $3, $4)
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
func stickyLoad(ctx context.Context, q querier, serviceSid string) (map[string]int, error) {
	rows, err := q.Query(ctx, "SELECT sender, count(*) FROM sticky_senders WHERE service_sid = $1 GROUP BY sender", serviceSid)
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
