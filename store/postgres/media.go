package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/switchboard-dev/switchboard/store"
)

// mediaCols is the column order scanMedia expects; content is left out of lists.
const mediaCols = "seq, sid, account_sid, message_sid, url, content_type, date_created, date_updated"

func scanMedia(s rowScanner) (store.Media, error) {
	var (
		m                        store.Media
		dateCreated, dateUpdated pgtype.Int8
	)
	if err := s.Scan(&m.Seq, &m.Sid, &m.AccountSid, &m.MessageSid, &m.URL, &m.ContentType, &dateCreated, &dateUpdated); err != nil {
		return store.Media{}, err
	}
	m.DateCreated, m.DateUpdated = timeValue(dateCreated), timeValue(dateUpdated)
	return m, nil
}

func insertMedia(ctx context.Context, q querier, m store.Media) error {
	if _, err := q.Exec(ctx,
		`INSERT INTO media (sid, account_sid, message_sid, url, content_type, content, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.Sid, m.AccountSid, m.MessageSid, m.URL, m.ContentType, m.Content, timeArg(m.DateCreated), timeArg(m.DateUpdated)); err != nil {
		return fmt.Errorf("media %s: %w", m.Sid, constraintError(err))
	}
	return nil
}

// GetMedia returns media sid of message messageSid of account accountSid, without its
// content, or ErrNotFound.
func (db *DB) GetMedia(ctx context.Context, accountSid, messageSid, sid string) (store.Media, error) {
	m, err := scanMedia(db.queryRow(ctx,
		"SELECT "+mediaCols+" FROM media WHERE account_sid = $1 AND message_sid = $2 AND sid = $3",
		accountSid, messageSid, sid))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Media{}, fmt.Errorf("get media %s: %w", sid, err)
	}
	return m, nil
}

// MediaContent returns media sid with its content; ErrNotFound when it is unknown or its
// content has not been fetched yet.
func (db *DB) MediaContent(ctx context.Context, accountSid, messageSid, sid string) (store.Media, error) {
	var content []byte
	row := db.queryRow(ctx,
		"SELECT "+mediaCols+", content FROM media WHERE account_sid = $1 AND message_sid = $2 AND sid = $3 AND content IS NOT NULL",
		accountSid, messageSid, sid)
	m, err := scanMedia(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &content)...) }))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Media{}, fmt.Errorf("media content %s: %w", sid, err)
	}
	m.Content = content
	return m, nil
}

// scanFunc adapts a function to rowScanner, to scan extra columns around a type's own.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// ListMedia returns one page of a message's media, newest first (see ListMessages).
func (db *DB) ListMedia(ctx context.Context, f store.MediaFilter, p store.Page) ([]store.Media, bool, error) {
	var w where
	w.add("message_sid = " + w.arg(f.MessageSid))
	w.add("account_sid = " + w.arg(f.AccountSid))
	w.addRange("date_created", f.CreatedFrom, f.CreatedUntil)
	query, args, asc := listQuery(mediaCols, "media", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanMedia)
	if err != nil {
		return nil, false, fmt.Errorf("list media: %w", err)
	}
	return list, more, nil
}

// MessageMedia returns every media file of a message, oldest first, without content.
func (db *DB) MessageMedia(ctx context.Context, accountSid, messageSid string) ([]store.Media, error) {
	list, err := collect(ctx, db, scanMedia,
		"SELECT "+mediaCols+" FROM media WHERE account_sid = $1 AND message_sid = $2 ORDER BY seq", accountSid, messageSid)
	if err != nil {
		return nil, fmt.Errorf("message media: %w", err)
	}
	return list, nil
}

// DeleteMedia deletes a media file and counts it off its message, or returns
// ErrNotFound.
func (db *DB) DeleteMedia(ctx context.Context, accountSid, messageSid, sid string) error {
	err := db.write(ctx, logsChanges, func(q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM media WHERE account_sid = $1 AND message_sid = $2 AND sid = $3",
			accountSid, messageSid, sid)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		_, err = q.Exec(ctx, "UPDATE messages SET num_media = num_media - 1 WHERE sid = $1", messageSid)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete media %s: %w", sid, err)
	}
	return nil
}

// MediaUsage returns the bytes of media content the account stores (table media_usage,
// kept by a trigger).
func (db *DB) MediaUsage(ctx context.Context, accountSid string) (int64, error) {
	var n int64
	err := db.queryRow(ctx, "SELECT bytes FROM media_usage WHERE account_sid = $1", accountSid).Scan(&n)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("media usage of %s: %w", accountSid, err)
	}
	return n, nil
}

// StoredMediaBytes returns the bytes of media content every account stores.
func (db *DB) StoredMediaBytes(ctx context.Context) (int64, error) {
	var n int64
	if err := db.queryRow(ctx, "SELECT coalesce(sum(bytes), 0)::bigint FROM media_usage").Scan(&n); err != nil {
		return 0, fmt.Errorf("stored media bytes: %w", err)
	}
	return n, nil
}
