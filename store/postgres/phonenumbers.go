package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/switchboard-dev/switchboard/store"
)

// phoneNumberCols is the column order scanPhoneNumber expects; phoneNumberWritable the
// columns phoneNumberArgs fills, in its order.
const (
	phoneNumberCols     = "seq, " + phoneNumberWritable
	phoneNumberWritable = "sid, account_sid, phone_number, friendly_name, iso_country, number_type, " +
		"address_requirements, cap_voice, cap_sms, cap_mms, cap_fax, origin, api_version, " +
		"sms_url, sms_method, sms_fallback_url, sms_fallback_method, sms_application_sid, " +
		"status_callback, status_callback_method, " +
		"voice_url, voice_method, voice_fallback_url, voice_fallback_method, voice_application_sid, " +
		"voice_caller_id_lookup, voice_receive_mode, trunk_sid, identity_sid, address_sid, " +
		"emergency_status, emergency_address_sid, bundle_sid, date_created, date_updated, whatsapp"
	phoneNumberColumns = 36 // in phoneNumberWritable
)

func scanPhoneNumber(s rowScanner) (store.PhoneNumber, error) {
	var (
		p                        store.PhoneNumber
		dateCreated, dateUpdated pgtype.Int8
	)
	c := &p.PhoneNumberSettings
	err := s.Scan(&p.Seq, &p.Sid, &p.AccountSid, &p.PhoneNumber, &p.FriendlyName, &p.IsoCountry, &p.Type,
		&p.AddressRequirements, &p.Capabilities.Voice, &p.Capabilities.SMS, &p.Capabilities.MMS, &p.Capabilities.Fax,
		&p.Origin, &c.APIVersion,
		&c.SmsURL, &c.SmsMethod, &c.SmsFallbackURL, &c.SmsFallbackMethod, &c.SmsApplicationSid,
		&c.StatusCallback, &c.StatusCallbackMethod,
		&c.VoiceURL, &c.VoiceMethod, &c.VoiceFallbackURL, &c.VoiceFallbackMethod, &c.VoiceApplicationSid,
		&c.VoiceCallerIDLookup, &c.VoiceReceiveMode, &c.TrunkSid, &c.IdentitySid, &c.AddressSid,
		&c.EmergencyStatus, &c.EmergencyAddressSid, &c.BundleSid, &dateCreated, &dateUpdated, &p.WhatsApp)
	if err != nil {
		return store.PhoneNumber{}, err
	}
	p.DateCreated = timeValue(dateCreated)
	p.DateUpdated = timeValue(dateUpdated)
	return p, nil
}

// phoneNumberArgs are the values of phoneNumberWritable's columns.
func phoneNumberArgs(p store.PhoneNumber) []any {
	c := p.PhoneNumberSettings
	return []any{
		p.Sid, p.AccountSid, p.PhoneNumber, p.FriendlyName, p.IsoCountry, p.Type,
		p.AddressRequirements, p.Capabilities.Voice, p.Capabilities.SMS, p.Capabilities.MMS, p.Capabilities.Fax,
		p.Origin, c.APIVersion,
		c.SmsURL, c.SmsMethod, c.SmsFallbackURL, c.SmsFallbackMethod, c.SmsApplicationSid,
		c.StatusCallback, c.StatusCallbackMethod,
		c.VoiceURL, c.VoiceMethod, c.VoiceFallbackURL, c.VoiceFallbackMethod, c.VoiceApplicationSid,
		c.VoiceCallerIDLookup, c.VoiceReceiveMode, c.TrunkSid, c.IdentitySid, c.AddressSid,
		c.EmergencyStatus, c.EmergencyAddressSid, c.BundleSid, timeArg(p.DateCreated), timeArg(p.DateUpdated), p.WhatsApp,
	}
}

// CreatePhoneNumber stores p, a number bought by p.AccountSid, and returns it as stored,
// with Seq set. A number that any account owns already, or a duplicate Sid, is
// ErrConflict; an AccountSid that names no account is ErrNotFound.
func (db *DB) CreatePhoneNumber(ctx context.Context, p store.PhoneNumber) (store.PhoneNumber, error) {
	created, err := writeScan(ctx, db, logsChanges, scanPhoneNumber,
		"INSERT INTO incoming_phone_numbers ("+phoneNumberWritable+") VALUES ("+params(1, phoneNumberColumns)+") RETURNING "+phoneNumberCols,
		phoneNumberArgs(p)...)
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("create phone number %s: %w", p.PhoneNumber, constraintError(err))
	}
	return created, nil
}

// GetPhoneNumber returns phone number sid of account accountSid, or ErrNotFound.
func (db *DB) GetPhoneNumber(ctx context.Context, accountSid, sid string) (store.PhoneNumber, error) {
	p, err := scanPhoneNumber(db.queryRow(ctx,
		"SELECT "+phoneNumberCols+" FROM incoming_phone_numbers WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("get phone number %s: %w", sid, err)
	}
	return p, nil
}

// PhoneNumberByNumber returns the phone number with this E.164 value, whichever account
// owns it, or ErrNotFound when nobody does.
func (db *DB) PhoneNumberByNumber(ctx context.Context, e164 string) (store.PhoneNumber, error) {
	p, err := scanPhoneNumber(db.queryRow(ctx, "SELECT "+phoneNumberCols+" FROM incoming_phone_numbers WHERE phone_number = $1", e164))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("phone number %s: %w", e164, err)
	}
	return p, nil
}

// OwnedPhoneNumbers returns every number that some account owns and that starts with
// prefix ("+1", "+1415"), in ascending order: what a search of the pool must leave out.
// It reads a range of the unique index rather than using LIKE: E.164 numbers are '+'
// and digits, and ':' is the character after '9', so [prefix, prefix+":") holds exactly
// the numbers that start with prefix (phone_number compares bytewise, COLLATE "C").
func (db *DB) OwnedPhoneNumbers(ctx context.Context, prefix string) ([]string, error) {
	out, err := collect(ctx, db, func(s rowScanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, "SELECT phone_number FROM incoming_phone_numbers WHERE phone_number >= $1 AND phone_number < $2 ORDER BY phone_number",
		prefix, prefix+":")
	if err != nil {
		return nil, fmt.Errorf("owned phone numbers %s: %w", prefix, err)
	}
	return out, nil
}

// UpdatePhoneNumber reads phone number sid of account accountSid, lets change edit it
// and stores the result with DateUpdated set to now, all in one transaction, the row
// locked from the read on, so that two updates at once cannot undo each other. change
// may move the number to another account (AccountSid) and change its settings; its Sid,
// PhoneNumber and DateCreated are kept. An error from change aborts the update and is
// returned wrapped. ErrNotFound for an unknown number, or for a move to an account that
// does not exist.
func (db *DB) UpdatePhoneNumber(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.PhoneNumber) error) (store.PhoneNumber, error) {
	var updated store.PhoneNumber
	err := db.write(ctx, logsChanges, func(q querier) error {
		p, err := scanPhoneNumber(q.QueryRow(ctx,
			"SELECT "+phoneNumberCols+" FROM incoming_phone_numbers WHERE account_sid = $1 AND sid = $2 FOR NO KEY UPDATE", accountSid, sid))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		kept := p
		if err := change(&p); err != nil {
			return err
		}
		p.Sid, p.PhoneNumber, p.DateCreated, p.DateUpdated = kept.Sid, kept.PhoneNumber, kept.DateCreated, now

		args := append(phoneNumberArgs(p), kept.Seq)
		updated, err = scanPhoneNumber(q.QueryRow(ctx,
			"UPDATE incoming_phone_numbers SET "+assignments(phoneNumberWritable, 1)+
				" WHERE seq = $"+fmt.Sprint(phoneNumberColumns+1)+" RETURNING "+phoneNumberCols, args...))
		if err != nil {
			return constraintError(err)
		}
		// A Messaging Service sends from its own account's numbers only: a number that
		// changes hands leaves its pool.
		if updated.AccountSid != kept.AccountSid {
			if _, err := q.Exec(ctx, "DELETE FROM messaging_service_numbers WHERE phone_number_sid = $1", sid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("update phone number %s: %w", sid, err)
	}
	return updated, nil
}

// DeletePhoneNumber releases a phone number: it leaves the account and may be bought
// again by any account. ErrNotFound for an unknown number.
func (db *DB) DeletePhoneNumber(ctx context.Context, accountSid, sid string) error {
	err := db.write(ctx, logsChanges, func(q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM incoming_phone_numbers WHERE account_sid = $1 AND sid = $2", accountSid, sid)
		if err == nil && tag.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete phone number %s: %w", sid, err)
	}
	return nil
}

// ListPhoneNumbers returns one page of the phone numbers f selects, newest first, and
// whether more rows lie beyond the page in the direction p moves. An account holds few
// numbers, so the filters are checked row by row along the account's seq index.
func (db *DB) ListPhoneNumbers(ctx context.Context, f store.PhoneNumberFilter, p store.Page) ([]store.PhoneNumber, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(f.AccountSid))
	if f.PhoneNumber != "" {
		w.add("phone_number LIKE " + w.arg("%"+likePattern(f.PhoneNumber)+"%"))
	}
	if f.FriendlyName != "" {
		w.add("friendly_name = " + w.arg(f.FriendlyName))
	}
	if f.Origin != "" {
		w.add("origin = " + w.arg(f.Origin))
	}
	query, args, asc := listQuery(phoneNumberCols, "incoming_phone_numbers", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanPhoneNumber)
	if err != nil {
		return nil, false, fmt.Errorf("list phone numbers: %w", err)
	}
	return list, more, nil
}

// likePattern turns a partial number with '*' for any one character into the body of a
// LIKE pattern (escape character '\').
func likePattern(s string) string {
	return strings.ReplaceAll(escapeLike(s), "*", "_")
}
