package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// accountCols is the column order scanAccount expects.
const accountCols = "seq, sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated"

func scanAccount(s rowScanner) (store.Account, error) {
	var (
		a                        store.Account
		parent                   sql.NullString
		dateCreated, dateUpdated sql.NullInt64
	)
	err := s.Scan(&a.Seq, &a.Sid, &parent, &a.FriendlyName, &a.Status, &a.AuthToken, &a.MediaAuth, &a.RecordingAuth, &dateCreated, &dateUpdated)
	if err != nil {
		return store.Account{}, err
	}
	a.ParentSid = parent.String
	a.DateCreated = timeValue(dateCreated)
	a.DateUpdated = timeValue(dateUpdated)
	return a, nil
}

// CreateAccount inserts a and returns it as stored, with Seq set. A duplicate Sid is
// ErrConflict; a ParentSid that names no account is ErrNotFound.
func (db *DB) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	created, err := writeScan(ctx, db, scanAccount,
		`INSERT INTO accounts (sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+accountCols,
		a.Sid, stringArg(a.ParentSid), a.FriendlyName, a.Status, a.AuthToken, a.MediaAuth, a.RecordingAuth,
		timeArg(a.DateCreated), timeArg(a.DateUpdated))
	if err != nil {
		return store.Account{}, fmt.Errorf("create account %s: %w", a.Sid, constraintError(err))
	}
	return created, nil
}

// CreateSubaccount is CreateAccount for a subaccount (a.ParentSid set), unless its parent
// already has limit subaccounts that are not closed: then it returns ErrLimit and writes
// nothing. Count and insert are one statement, so concurrent creates cannot overshoot.
func (db *DB) CreateSubaccount(ctx context.Context, a store.Account, limit int) (store.Account, error) {
	created, err := writeScan(ctx, db, scanAccount,
		`INSERT INTO accounts (sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM accounts WHERE parent_sid = ? AND status <> 'closed') < ?
		RETURNING `+accountCols,
		a.Sid, a.ParentSid, a.FriendlyName, a.Status, a.AuthToken, a.MediaAuth, a.RecordingAuth,
		timeArg(a.DateCreated), timeArg(a.DateUpdated), a.ParentSid, limit)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("create subaccount %s of %s: %w", a.Sid, a.ParentSid, store.ErrLimit)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("create subaccount %s: %w", a.Sid, constraintError(err))
	}
	return created, nil
}

// GetAccount returns the account sid, or ErrNotFound.
func (db *DB) GetAccount(ctx context.Context, sid string) (store.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, "SELECT "+accountCols+" FROM accounts WHERE sid = ?", sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("get account %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("get account %s: %w", sid, err)
	}
	return a, nil
}

// FirstMainAccount returns the main account created first (lowest Seq), or ErrNotFound
// when there is none.
func (db *DB) FirstMainAccount(ctx context.Context) (store.Account, error) {
	a, err := scanAccount(db.queryRow(ctx,
		"SELECT "+accountCols+" FROM accounts WHERE parent_sid IS NULL ORDER BY seq LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("first main account: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("first main account: %w", err)
	}
	return a, nil
}

// UpdateAccount applies the non-nil fields of u and stamps DateUpdated with u.Now. It
// returns ErrNotFound for an unknown sid, and ErrConflict, writing nothing, when u
// changes the status of a closed account.
func (db *DB) UpdateAccount(ctx context.Context, sid string, u store.AccountUpdate) (store.Account, error) {
	var a store.Account
	err := db.write(ctx, func(tx *sql.Tx) error {
		// The closed check is part of the UPDATE's own WHERE, so no other write can slip
		// between checking and changing.
		var err error
		a, err = scanAccount(db.txQueryRow(ctx, tx,
			`UPDATE accounts SET
				friendly_name = coalesce(?, friendly_name),
				status = coalesce(?, status),
				media_auth = coalesce(?, media_auth),
				recording_auth = coalesce(?, recording_auth),
				date_updated = ?
			WHERE sid = ? AND (? IS NULL OR status <> 'closed')
			RETURNING `+accountCols,
			u.FriendlyName, u.Status, u.MediaAuth, u.RecordingAuth, timeArg(u.Now), sid, u.Status))
		if errors.Is(err, sql.ErrNoRows) {
			var exists bool
			err = db.txQueryRow(ctx, tx, "SELECT EXISTS (SELECT 1 FROM accounts WHERE sid = ?)", sid).Scan(&exists)
			switch {
			case err != nil:
			case exists:
				err = fmt.Errorf("account is closed: %w", store.ErrConflict)
			default:
				err = store.ErrNotFound
			}
		}
		return err
	})
	if err != nil {
		return store.Account{}, fmt.Errorf("update account %s: %w", sid, err)
	}
	return a, nil
}

// SetAuthToken replaces the account's auth token (fixed credentials given at start-up)
// and returns the account as stored; ErrNotFound for an unknown sid.
func (db *DB) SetAuthToken(ctx context.Context, sid, token string, now time.Time) (store.Account, error) {
	a, err := writeScan(ctx, db, scanAccount,
		"UPDATE accounts SET auth_token = ?, date_updated = ? WHERE sid = ? RETURNING "+accountCols,
		token, timeArg(now), sid)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Account{}, fmt.Errorf("set auth token %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("set auth token %s: %w", sid, err)
	}
	return a, nil
}

// ListAccounts returns one page of the accounts f selects, newest first, and whether
// more rows lie beyond the page in the direction p moves (older for After and Offset,
// newer for Before).
func (db *DB) ListAccounts(ctx context.Context, f store.AccountFilter, p store.Page) ([]store.Account, bool, error) {
	var w where
	if f.IncludeChildren {
		w.add("(sid = ? OR parent_sid = ?)", f.Sid, f.Sid)
	} else {
		w.add("sid = ?", f.Sid)
	}
	if f.FriendlyName != "" {
		w.add("friendly_name = ?", f.FriendlyName)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	query, args, asc := listQuery(accountCols, "accounts", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanAccount)
	if err != nil {
		return nil, false, fmt.Errorf("list accounts: %w", err)
	}
	return list, more, nil
}
