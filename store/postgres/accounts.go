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

// accountCols is the column order scanAccount expects.
const accountCols = "seq, sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated"

func scanAccount(s rowScanner) (store.Account, error) {
	var (
		a                        store.Account
		parent                   pgtype.Text
		dateCreated, dateUpdated pgtype.Int8
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

// insertAccount is CreateAccount's statement; its arguments are accountArgs.
const insertAccount = `INSERT INTO accounts (sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	RETURNING ` + accountCols

func accountArgs(a store.Account) []any {
	return []any{a.Sid, stringArg(a.ParentSid), a.FriendlyName, a.Status, a.AuthToken, a.MediaAuth, a.RecordingAuth,
		timeArg(a.DateCreated), timeArg(a.DateUpdated)}
}

// CreateAccount inserts a and returns it as stored, with Seq set. A duplicate Sid is
// ErrConflict; a ParentSid that names no account is ErrNotFound.
func (db *DB) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	created, err := scanAccount(db.writeRow(ctx, insertAccount, accountArgs(a)...))
	if err != nil {
		return store.Account{}, fmt.Errorf("create account %s: %w", a.Sid, constraintError(err))
	}
	db.signalChange()
	db.authChanged(ctx)
	return created, nil
}

// CreateSubaccount is CreateAccount for a subaccount (a.ParentSid set), unless its parent
// already has limit subaccounts that are not closed: then it returns ErrLimit and writes
// nothing. The parent's row is locked before the count, so that concurrent creates count
// one after the other and cannot overshoot.
func (db *DB) CreateSubaccount(ctx context.Context, a store.Account, limit int) (store.Account, error) {
	var created store.Account
	err := db.write(ctx, noChanges, func(q querier) error {
		if _, err := q.Exec(ctx, "SELECT FROM accounts WHERE sid = $1 FOR NO KEY UPDATE", a.ParentSid); err != nil {
			return err
		}
		var err error
		created, err = scanAccount(q.QueryRow(ctx,
			`INSERT INTO accounts (sid, parent_sid, friendly_name, status, auth_token, media_auth, recording_auth, date_created, date_updated)
			SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::boolean, $8::bigint, $9::bigint
			WHERE (SELECT count(*) FROM accounts WHERE parent_sid = $2 AND status <> 'closed') < $10
			RETURNING `+accountCols,
			append(accountArgs(a), limit)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("of %s: %w", a.ParentSid, store.ErrLimit)
		}
		return constraintError(err)
	})
	if err != nil {
		return store.Account{}, fmt.Errorf("create subaccount %s: %w", a.Sid, err)
	}
	db.authChanged(ctx)
	return created, nil
}

// GetAccount returns the account sid, or ErrNotFound.
func (db *DB) GetAccount(ctx context.Context, sid string) (store.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, "SELECT "+accountCols+" FROM accounts WHERE sid = $1", sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
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
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("first main account: %w", err)
	}
	return a, nil
}

// UpdateAccount applies the non-nil fields of u and stamps DateUpdated with u.Now. It
// returns ErrNotFound for an unknown sid, and ErrConflict, writing nothing, when u
// changes the status of a closed account. The closed check is part of the UPDATE's own
// WHERE, which PostgreSQL checks again on the row as it is once its lock is granted.
func (db *DB) UpdateAccount(ctx context.Context, sid string, u store.AccountUpdate) (store.Account, error) {
	a, err := scanAccount(db.writeRow(ctx,
		`UPDATE accounts SET
			friendly_name = coalesce($1, friendly_name),
			status = coalesce($2, status),
			media_auth = coalesce($5, media_auth),
			recording_auth = coalesce($6, recording_auth),
			date_updated = $3
		WHERE sid = $4 AND ($2::text IS NULL OR status <> 'closed')
		RETURNING `+accountCols,
		u.FriendlyName, u.Status, timeArg(u.Now), sid, u.MediaAuth, u.RecordingAuth))
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		err = db.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM accounts WHERE sid = $1)", sid).Scan(&exists)
		switch {
		case err != nil:
		case exists:
			err = fmt.Errorf("account is closed: %w", store.ErrConflict)
		default:
			err = store.ErrNotFound
		}
		return store.Account{}, fmt.Errorf("update account %s: %w", sid, err)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("update account %s: %w", sid, err)
	}
	db.signalChange()
	db.authChanged(ctx)
	return a, nil
}

// SetAuthToken replaces the account's auth token (fixed credentials given at start-up)
// and returns the account as stored; ErrNotFound for an unknown sid.
func (db *DB) SetAuthToken(ctx context.Context, sid, token string, now time.Time) (store.Account, error) {
	a, err := scanAccount(db.writeRow(ctx,
		"UPDATE accounts SET auth_token = $1, date_updated = $2 WHERE sid = $3 RETURNING "+accountCols,
		token, timeArg(now), sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("set auth token %s: %w", sid, err)
	}
	db.signalChange()
	db.authChanged(ctx)
	return a, nil
}

// ListAccounts returns one page of the accounts f selects, newest first, and whether
// more rows lie beyond the page in the direction p moves (older for After and Offset,
// newer for Before).
func (db *DB) ListAccounts(ctx context.Context, f store.AccountFilter, p store.Page) ([]store.Account, bool, error) {
	var w where
	if f.IncludeChildren {
		sid := w.arg(f.Sid)
		w.add("(sid = " + sid + " OR parent_sid = " + sid + ")")
	} else {
		w.add("sid = " + w.arg(f.Sid))
	}
	if f.FriendlyName != "" {
		w.add("friendly_name = " + w.arg(f.FriendlyName))
	}
	if f.Status != "" {
		w.add("status = " + w.arg(f.Status))
	}
	query, args, asc := listQuery(accountCols, "accounts", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanAccount)
	if err != nil {
		return nil, false, fmt.Errorf("list accounts: %w", err)
	}
	return list, more, nil
}
