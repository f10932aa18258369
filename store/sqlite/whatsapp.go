package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// contentCols is the column order scanContent expects; contentWritable the columns
// contentArgs fills, in its order.
const (
	contentCols     = "seq, " + contentWritable
	contentWritable = "sid, account_sid, friendly_name, language, variables, types, approval_name, approval_category, " +
		"approval_content_type, approval_status, approval_rejection_reason, date_created, date_updated"
)

func scanContent(s rowScanner) (store.Content, error) {
	var (
		c                        store.Content
		variables, types         string
		dateCreated, dateUpdated sql.NullInt64
	)
	a := &c.Approval
	err := s.Scan(&c.Seq, &c.Sid, &c.AccountSid, &c.FriendlyName, &c.Language, &variables, &types,
		&a.Name, &a.Category, &a.ContentType, &a.Status, &a.RejectionReason, &dateCreated, &dateUpdated)
	if err != nil {
		return store.Content{}, err
	}
	if err := json.Unmarshal([]byte(variables), &c.Variables); err != nil {
		return store.Content{}, fmt.Errorf("content %s: variables: %w", c.Sid, err)
	}
	c.Types = []byte(types)
	c.DateCreated = timeValue(dateCreated)
	c.DateUpdated = timeValue(dateUpdated)
	return c, nil
}

func contentArgs(c store.Content) ([]any, error) {
	variables := "{}"
	if len(c.Variables) > 0 {
		b, err := json.Marshal(c.Variables)
		if err != nil {
			return nil, fmt.Errorf("content %s: variables: %w", c.Sid, err)
		}
		variables = string(b)
	}
	a := c.Approval
	return []any{
		c.Sid, c.AccountSid, c.FriendlyName, c.Language, variables, jsonColumn(c.Types), a.Name, a.Category,
		a.ContentType, a.Status, a.RejectionReason, timeArg(c.DateCreated), timeArg(c.DateUpdated),
	}, nil
}

// CreateContent stores c and returns it as stored, with Seq set.
func (db *DB) CreateContent(ctx context.Context, c store.Content) (store.Content, error) {
	args, err := contentArgs(c)
	if err != nil {
		return store.Content{}, err
	}
	created, err := writeScan(ctx, db, scanContent,
		"INSERT INTO contents ("+contentWritable+") VALUES ("+placeholders(len(args))+") RETURNING "+contentCols, args...)
	if err != nil {
		return store.Content{}, fmt.Errorf("create content %s: %w", c.Sid, constraintError(err))
	}
	return created, nil
}

// GetContent returns template sid of account accountSid, or ErrNotFound.
func (db *DB) GetContent(ctx context.Context, accountSid, sid string) (store.Content, error) {
	c, err := scanContent(db.queryRow(ctx, "SELECT "+contentCols+" FROM contents WHERE account_sid = ? AND sid = ?", accountSid, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Content{}, fmt.Errorf("get content %s: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.Content{}, fmt.Errorf("get content %s: %w", sid, err)
	}
	return c, nil
}

// UpdateContent reads template sid of account accountSid, lets change edit it and
// stores the result with DateUpdated set to now, in one transaction.
func (db *DB) UpdateContent(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.Content) error) (store.Content, error) {
	var updated store.Content
	err := db.write(ctx, func(tx *sql.Tx) error {
		c, err := scanContent(db.txQueryRow(ctx, tx, "SELECT "+contentCols+" FROM contents WHERE account_sid = ? AND sid = ?", accountSid, sid))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		kept := c
		if err := change(&c); err != nil {
			return err
		}
		c.Sid, c.AccountSid, c.DateCreated, c.DateUpdated = kept.Sid, kept.AccountSid, kept.DateCreated, now
		args, err := contentArgs(c)
		if err != nil {
			return err
		}
		updated, err = scanContent(db.txQueryRow(ctx, tx,
			"UPDATE contents SET "+assignments(contentWritable)+" WHERE seq = ? RETURNING "+contentCols, append(args, kept.Seq)...))
		return err
	})
	if err != nil {
		return store.Content{}, fmt.Errorf("update content %s: %w", sid, err)
	}
	return updated, nil
}

// DeleteContent deletes template sid of account accountSid, or returns ErrNotFound.
func (db *DB) DeleteContent(ctx context.Context, accountSid, sid string) error {
	return deleteRow(ctx, db.writer, "content", "DELETE FROM contents WHERE account_sid = ? AND sid = ?", accountSid, sid)
}

// ListContent returns one page of the account's templates, newest first.
func (db *DB) ListContent(ctx context.Context, accountSid string, p store.Page) ([]store.Content, bool, error) {
	var w where
	w.add("account_sid = ?", accountSid)
	query, args, asc := listQuery(contentCols, "contents", w, p)
	list, more, err := queryList(ctx, db, query, args, asc, pageSize(p), scanContent)
	if err != nil {
		return nil, false, fmt.Errorf("list content: %w", err)
	}
	return list, more, nil
}

// recordWhatsAppInbound writes what a WhatsApp user's message does to the user's
// session (see store.WhatsAppInbound).
func (db *DB) recordWhatsAppInbound(ctx context.Context, tx *sql.Tx, in store.WhatsAppInbound) error {
	at := timeArg(in.At)
	var joined any
	if in.Join {
		joined = at
	}
	_, err := db.txExec(ctx, tx, `INSERT INTO whatsapp_sessions (account_sid, sender, user_address, last_inbound, joined_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_sid, sender, user_address) DO UPDATE SET
			last_inbound = max(coalesce(last_inbound, 0), excluded.last_inbound),
			joined_at = CASE WHEN ? THEN excluded.joined_at WHEN ? THEN NULL ELSE joined_at END`,
		in.AccountSid, in.Sender, in.User, at, joined, in.Join, in.Leave)
	if err != nil {
		return fmt.Errorf("whatsapp session %s -> %s: %w", in.User, in.Sender, constraintError(err))
	}
	return nil
}

const whatsappSessionCols = "account_sid, sender, user_address, last_inbound, joined_at"

func scanWhatsAppSession(s rowScanner) (store.WhatsAppSession, error) {
	var (
		w                   store.WhatsAppSession
		lastInbound, joined sql.NullInt64
	)
	if err := s.Scan(&w.AccountSid, &w.Sender, &w.User, &lastInbound, &joined); err != nil {
		return store.WhatsAppSession{}, err
	}
	w.LastInbound, w.JoinedAt = timeValue(lastInbound), timeValue(joined)
	return w, nil
}

// GetWhatsAppSession returns the session of user with sender, or ErrNotFound.
func (db *DB) GetWhatsAppSession(ctx context.Context, accountSid, sender, user string) (store.WhatsAppSession, error) {
	w, err := scanWhatsAppSession(db.queryRow(ctx, "SELECT "+whatsappSessionCols+
		" FROM whatsapp_sessions WHERE account_sid = ? AND sender = ? AND user_address = ?", accountSid, sender, user))
	if errors.Is(err, sql.ErrNoRows) {
		return store.WhatsAppSession{}, fmt.Errorf("whatsapp session %s -> %s: %w", user, sender, store.ErrNotFound)
	}
	if err != nil {
		return store.WhatsAppSession{}, fmt.Errorf("whatsapp session %s -> %s: %w", user, sender, err)
	}
	return w, nil
}

// JoinedWhatsAppSessions returns up to limit sessions with sender whose user joined at
// or after since, the latest join first.
func (db *DB) JoinedWhatsAppSessions(ctx context.Context, accountSid, sender string, since time.Time, limit int) ([]store.WhatsAppSession, error) {
	rows, err := db.query(ctx, "SELECT "+whatsappSessionCols+` FROM whatsapp_sessions
		WHERE account_sid = ? AND sender = ? AND joined_at >= coalesce(?, joined_at) ORDER BY joined_at DESC, user_address LIMIT ?`,
		accountSid, sender, boundArg(since), limit)
	if err != nil {
		return nil, fmt.Errorf("joined whatsapp sessions: %w", err)
	}
	defer rows.Close()
	var out []store.WhatsAppSession
	for rows.Next() {
		w, err := scanWhatsAppSession(rows)
		if err != nil {
			return nil, fmt.Errorf("joined whatsapp sessions: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("joined whatsapp sessions: %w", err)
	}
	return out, nil
}

const whatsappSandboxCols = "account_sid, inbound_url, inbound_method, status_callback, date_created, date_updated"

func scanWhatsAppSandbox(s rowScanner) (store.WhatsAppSandbox, error) {
	var (
		b                        store.WhatsAppSandbox
		dateCreated, dateUpdated sql.NullInt64
	)
	if err := s.Scan(&b.AccountSid, &b.InboundURL, &b.InboundMethod, &b.StatusCallback, &dateCreated, &dateUpdated); err != nil {
		return store.WhatsAppSandbox{}, err
	}
	b.DateCreated, b.DateUpdated = timeValue(dateCreated), timeValue(dateUpdated)
	return b, nil
}

// GetWhatsAppSandbox returns the account's Sandbox settings, or ErrNotFound.
func (db *DB) GetWhatsAppSandbox(ctx context.Context, accountSid string) (store.WhatsAppSandbox, error) {
	b, err := scanWhatsAppSandbox(db.queryRow(ctx, "SELECT "+whatsappSandboxCols+" FROM whatsapp_sandboxes WHERE account_sid = ?", accountSid))
	if errors.Is(err, sql.ErrNoRows) {
		return store.WhatsAppSandbox{}, fmt.Errorf("whatsapp sandbox of %s: %w", accountSid, store.ErrNotFound)
	}
	if err != nil {
		return store.WhatsAppSandbox{}, fmt.Errorf("whatsapp sandbox of %s: %w", accountSid, err)
	}
	return b, nil
}

// UpdateWhatsAppSandbox reads the account's Sandbox settings (new ones when there are
// none), lets change edit them and stores the result, in one transaction.
func (db *DB) UpdateWhatsAppSandbox(ctx context.Context, accountSid string, now time.Time, change func(*store.WhatsAppSandbox) error) (store.WhatsAppSandbox, error) {
	var updated store.WhatsAppSandbox
	err := db.write(ctx, func(tx *sql.Tx) error {
		b, err := scanWhatsAppSandbox(db.txQueryRow(ctx, tx, "SELECT "+whatsappSandboxCols+" FROM whatsapp_sandboxes WHERE account_sid = ?", accountSid))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			b = store.WhatsAppSandbox{AccountSid: accountSid, DateCreated: now}
		case err != nil:
			return err
		}
		kept := b
		if err := change(&b); err != nil {
			return err
		}
		b.AccountSid, b.DateCreated, b.DateUpdated = kept.AccountSid, kept.DateCreated, now
		updated, err = scanWhatsAppSandbox(db.txQueryRow(ctx, tx, `INSERT INTO whatsapp_sandboxes (`+whatsappSandboxCols+`)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_sid) DO UPDATE SET inbound_url = excluded.inbound_url, inbound_method = excluded.inbound_method,
				status_callback = excluded.status_callback, date_updated = excluded.date_updated
			RETURNING `+whatsappSandboxCols,
			b.AccountSid, b.InboundURL, b.InboundMethod, b.StatusCallback, timeArg(b.DateCreated), timeArg(b.DateUpdated)))
		return constraintError(err)
	})
	if err != nil {
		return store.WhatsAppSandbox{}, fmt.Errorf("update whatsapp sandbox of %s: %w", accountSid, err)
	}
	return updated, nil
}
