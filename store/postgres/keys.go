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

// keyCols is the column order scanKey expects.
const keyCols = "seq, sid, account_sid, friendly_name, key_type, secret_salt, secret_hash, date_created, date_updated"

func scanKey(s rowScanner) (store.APIKey, error) {
	var (
		k                        store.APIKey
		dateCreated, dateUpdated pgtype.Int8
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
	created, err := scanKey(db.writeRow(ctx,
		`INSERT INTO api_keys (sid, account_sid, friendly_name, key_type, secret_salt, secret_hash, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING `+keyCols,
		k.Sid, k.AccountSid, k.FriendlyName, k.Type, k.SecretSalt, k.SecretHash, timeArg(k.DateCreated), timeArg(k.DateUpdated)))
	if err != nil {
		return store.APIKey{}, fmt.Errorf("create key %s: %w", k.Sid, constraintError(err))
	}
	db.signalChange()
	db.authChanged(ctx)
	return created, nil
}

// GetKey returns key sid of account accountSid, or ErrNotFound.
func (db *DB) GetKey(ctx context.Context, accountSid, sid string) (store.APIKey, error) {
	k, err := scanKey(db.queryRow(ctx,
		"SELECT "+keyCols+" FROM api_keys WHERE account_sid = $1 AND sid = $2", accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get key %s: %w", sid, err)
	}
	return k, nil
}

// KeyForAuth returns key sid, whichever account owns it, with that account, in one
// query: authenticating with a key costs one lookup, like authenticating with the auth
// token. ErrNotFound when no key has that SID.
func (db *DB) KeyForAuth(ctx context.Context, sid string) (store.APIKey, store.Account, error) {
	var (
		k                  store.APIKey
		a                  store.Account
		parent             pgtype.Text
		kCreated, kUpdated pgtype.Int8
		aCreated, aUpdated pgtype.Int8
	)
	err := db.queryRow(ctx, keyForAuthQuery, sid).Scan(
		&k.Seq, &k.Sid, &k.AccountSid, &k.FriendlyName, &k.Type, &k.SecretSalt, &k.SecretHash, &kCreated, &kUpdated,
		&a.Seq, &a.Sid, &parent, &a.FriendlyName, &a.Status, &a.AuthToken, &a.MediaAuth, &a.RecordingAuth, &aCreated, &aUpdated)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
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
var keyForAuthQuery = "SELECT " + prefixed("k.", keyCols) + ", " + prefixed("a.", accountCols) +
	" FROM api_keys k JOIN accounts a ON a.sid = k.account_sid WHERE k.sid = $1"

// RenameKey sets the friendly name of key sid of account accountSid and stamps
// DateUpdated; ErrNotFound for an unknown key.
func (db *DB) RenameKey(ctx context.Context, accountSid, sid, friendlyName string, now time.Time) (store.APIKey, error) {
	k, err := scanKey(db.writeRow(ctx,
		"UPDATE api_keys SET friendly_name = $1, date_updated = $2 WHERE account_sid = $3 AND sid = $4 RETURNING "+keyCols,
		friendlyName, timeArg(now), accountSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("rename key %s: %w", sid, err)
	}
	db.signalChange()
	db.authChanged(ctx)
	return k, nil
}

// DeleteKey deletes key sid of account accountSid; ErrNotFound for an unknown key.
func (db *DB) DeleteKey(ctx context.Context, accountSid, sid string) error {
	if err := db.deleteRow(ctx, "key", "DELETE FROM api_keys WHERE account_sid = $1 AND sid = $2", accountSid, sid); err != nil {
		return err
	}
	db.authChanged(ctx)
	return nil
}

// ListKeys returns one page of the account's keys, newest first, and whether more rows
// lie beyond the page in the direction p moves.
func (db *DB) ListKeys(ctx context.Context, accountSid string, p store.Page) ([]store.APIKey, bool, error) {
	var w where
	w.add("account_sid = " + w.arg(accountSid))
	query, args, asc := listQuery(keyCols, "api_keys", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanKey)
	if err != nil {
		return nil, false, fmt.Errorf("list keys: %w", err)
	}
	return list, more, nil
}

// deleteRow runs a DELETE of one row identified by args[len-1] (for the error) and turns
// "no row" into ErrNotFound.
func (db *DB) deleteRow(ctx context.Context, what, query string, args ...any) error {
	sid := fmt.Sprint(args[len(args)-1])
	tag, err := db.writeExec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", what, sid, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete %s %s: %w", what, sid, store.ErrNotFound)
	}
	db.signalChange()
	return nil
}

// EnsureSetting stores value under name unless a value is stored there already, and
// returns the stored one. The first process to ask wins. The INSERT waits for another
// one of the same name that has not committed yet; the SELECT after it, a statement of
// its own, sees the value that won.
func (db *DB) EnsureSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	var stored []byte
	err := db.writeRow(ctx,
		"INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value",
		name, value).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.queryRow(ctx, "SELECT value FROM settings WHERE name = $1", name).Scan(&stored)
	}
	if err != nil {
		return nil, fmt.Errorf("ensure setting %s: %w", name, err)
	}
	return stored, nil
}
