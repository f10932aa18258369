package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// keyCols is the column order scanKey expects.
const keyCols = "seq, sid, account_sid, friendly_name, key_type, secret_salt, secret_hash, date_created, date_updated"

func scanKey(s rowScanner) (store.APIKey, error) {
	var (
		k                        store.APIKey
		dateCreated, dateUpdated sql.NullInt64
	)
	err := s.Scan(&k.Seq, &k.Sid, &k.AccountSid, &k.FriendlyName, &k.Type, &k.SecretSalt, &k.SecretHash,
		&dateCreated, &dateUpdated)
	if err != nil {
		return store.APIKey{}, err
	}
	k.DateCreated = timeValue(dateCreated)
	k.DateUpdated = timeValue(dateUpdated)
	return k, nil
}

// CreateKey stores k and returns it as stored, with Seq set. A duplicate Sid is
// ErrConflict; an AccountSid that names no account is ErrNotFound.
func (db *DB) CreateKey(ctx context.Context, k store.APIKey) (store.APIKey, error) {
	created, err := writeScan(ctx, db, scanKey,
		`INSERT INTO api_keys (sid, account_sid, friendly_name, key_type, secret_salt, secret_hash, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+keyCols,
		k.Sid, k.AccountSid, k.FriendlyName, k.Type, k.SecretSalt, k.SecretHash, timeArg(k.DateCreated), timeArg(k.DateUpdated))
	if err != nil {
		return store.APIKey{}, fmt.Errorf("create key %s: %w", k.Sid, constraintError(err))
	}
	return created, nil
}

// GetKey returns key sid of account accountSid, or ErrNotFound.
func (db *DB) GetKey(ctx context.Context, accountSid, sid string) (store.APIKey, error) {
	k, err := scanKey(db.queryRow(ctx,
		"SELECT "+keyCols+" FROM api_keys WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("get key %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get key %s: %w", sid, err)
	}
	return k, nil
}

// KeyForAuth returns key sid, whichever account owns it, with that account, in one
// query: authenticating with a key costs one lookup, like authenticating with the auth
// token. Nothing is cached, so a deleted key is refused from the next request on.
// ErrNotFound when no key has that SID.
func (db *DB) KeyForAuth(ctx context.Context, sid string) (store.APIKey, store.Account, error) {
	var (
		k                  store.APIKey
		a                  store.Account
		parent             sql.NullString
		kCreated, kUpdated sql.NullInt64
		aCreated, aUpdated sql.NullInt64
	)
	err := db.queryRow(ctx, keyForAuthQuery, sid).Scan(
		&k.Seq, &k.Sid, &k.AccountSid, &k.FriendlyName, &k.Type, &k.SecretSalt, &k.SecretHash, &kCreated, &kUpdated,
		&a.Seq, &a.Sid, &parent, &a.FriendlyName, &a.Status, &a.AuthToken, &a.MediaAuth, &a.RecordingAuth, &aCreated, &aUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, store.Account{}, fmt.Errorf("key %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, store.Account{}, fmt.Errorf("key %s: %w", sid, err)
	}
	k.DateCreated, k.DateUpdated = timeValue(kCreated), timeValue(kUpdated)
	a.ParentSid = parent.String
	a.DateCreated, a.DateUpdated = timeValue(aCreated), timeValue(aUpdated)
	return k, a, nil
}

// keyForAuthQuery selects a key's columns (keyCols) then its account's (accountCols).
const keyForAuthQuery = `SELECT k.seq, k.sid, k.account_sid, k.friendly_name, k.key_type, k.secret_salt, k.secret_hash,
	k.date_created, k.date_updated,
	a.seq, a.sid, a.parent_sid, a.friendly_name, a.status, a.auth_token, a.media_auth, a.recording_auth, a.date_created, a.date_updated
	FROM api_keys k JOIN accounts a ON a.sid = k.account_sid WHERE k.sid = ?`

// RenameKey sets the friendly name of key sid of account accountSid and stamps
// DateUpdated; ErrNotFound for an unknown key.
func (db *DB) RenameKey(ctx context.Context, accountSid, sid, friendlyName string, now time.Time) (store.APIKey, error) {
	k, err := writeScan(ctx, db, scanKey,
		"UPDATE api_keys SET friendly_name = ?, date_updated = ? WHERE account_sid = ? AND sid = ? RETURNING "+keyCols,
		friendlyName, timeArg(now), accountSid, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("rename key %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("rename key %s: %w", sid, err)
	}
	return k, nil
}

// DeleteKey deletes key sid of account accountSid; ErrNotFound for an unknown key.
func (db *DB) DeleteKey(ctx context.Context, accountSid, sid string) error {
	return deleteRow(ctx, db.writer, "key", "DELETE FROM api_keys WHERE account_sid = ? AND sid = ?", accountSid, sid)
}

// ListKeys returns one page of the account's keys, newest first, and whether more rows
// lie beyond the page in the direction p moves.
func (db *DB) ListKeys(ctx context.Context, accountSid string, p store.Page) ([]store.APIKey, bool, error) {
	var w where
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(keyCols, "api_keys", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanKey)
	if err != nil {
		return nil, false, fmt.Errorf("list keys: %w", err)
	}
	return list, more, nil
}

// deleteRow runs a DELETE of one row identified by args[len-1] (for the error) and
// turns "no row" into ErrNotFound.
func deleteRow(ctx context.Context, db *sql.DB, what, query string, args ...any) error {
	sid := fmt.Sprint(args[len(args)-1])
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", what, sid, unavailable(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", what, sid, err)
	}
	if n == 0 {
		return fmt.Errorf("delete %s %s: %w", what, sid, store.ErrNotFound)
	}
	return nil
}
