package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-dev/switchboard/store"
)

// write runs fn in a write transaction and returns once that transaction has committed
// (or fn failed, and nothing of it was written). Every write of the store goes through
// here: a change and the jobs it causes commit together, and concurrent writes share one
// commit (group commit, batch.go). fn may run in a transaction with other callers' writes,
// inside a savepoint of its own, so it must do nothing but its own statements.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.queue == nil {
		return unavailable(db.writeAlone(ctx, fn))
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.queueMu.RLock()
	if db.closed {
		db.queueMu.RUnlock()
		return store.ErrClosed
	}
	db.queue <- req
	db.queueMu.RUnlock()
	// Wait for the commit even if ctx ends meanwhile: the write may be in a batch that
	// is committing, and the caller must not report as lost what is on disk.
	return unavailable(<-req.done)
}

// writeAlone commits fn in a transaction of its own (without group commit).
func (db *DB) writeAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.wstmts.prepareWanted()
	db.signalChange()
	return nil
}

// Apply makes all of w's changes in one transaction, or none of them.
func (db *DB) Apply(ctx context.Context, w store.Writes) error {
	if w.Empty() {
		return nil
	}
	if err := db.write(ctx, func(tx *sql.Tx) error { return db.applyWrites(ctx, tx, w) }); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	db.jobsChanged(w.Schedules())
	return nil
}

// ChangeStatus makes one status change and returns the message as changed. When the
// message is not in one of c.From it is left alone and ErrConflict returned; an unknown
// message is ErrNotFound.
func (db *DB) ChangeStatus(ctx context.Context, c store.StatusChange) (store.Message, error) {
	var m store.Message
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = db.changeStatus(ctx, tx, c)
		if errors.Is(err, sql.ErrNoRows) {
			return db.missingOrConflict(ctx, tx, "messages", c.AccountSid, c.Sid)
		}
		return err
	})
	if err != nil {
		return store.Message{}, fmt.Errorf("change status of message %s: %w", c.Sid, err)
	}
	db.jobsChanged(true)
	return m, nil
}

func (db *DB) applyWrites(ctx context.Context, tx *sql.Tx, w store.Writes) error {
	if w.Sender != nil && len(w.Messages) == 0 {
		if err := db.checkSenderRule(ctx, tx, *w.Sender); err != nil {
			return err
		}
	}
	for _, o := range w.OptOuts {
		if err := db.setOptOut(ctx, tx, o); err != nil {
			return err
		}
	}
	for _, m := range w.Messages {
		args, err := messageArgs(m)
		if err != nil {
			return fmt.Errorf("message %s: %w", m.Sid, err)
		}
		if w.Sender != nil {
			err = db.insertMessageIfSender(ctx, tx, args, *w.Sender)
		} else {
			_, err = db.txExec(ctx, tx, insertMessage, args...)
		}
		if err != nil {
			return fmt.Errorf("message %s: %w", m.Sid, constraintError(err))
		}
	}
	for _, m := range w.Media {
		if err := db.insertMedia(ctx, tx, m); err != nil {
			return err
		}
	}
	for _, c := range w.MediaContents {
		if _, err := db.txExec(ctx, tx,
			"UPDATE media SET content_type = ?, content = ?, date_updated = ? WHERE sid = ?",
			c.ContentType, c.Content, timeArg(c.DateUpdated), c.Sid); err != nil {
			return fmt.Errorf("media %s: %w", c.Sid, err)
		}
	}
	for _, c := range w.StatusChanges {
		// A change whose guard fails is not an error here: the message moved on (it was
		// canceled, forced, or deleted) and the step that wanted it is simply moot.
		if err := db.applyStatusChange(ctx, tx, c); err != nil {
			return fmt.Errorf("status of message %s: %w", c.Sid, err)
		}
	}
	if err := db.applyCallWrites(ctx, tx, w); err != nil {
		return err
	}
	for _, in := range w.WhatsAppInbound {
		if err := db.recordWhatsAppInbound(ctx, tx, in); err != nil {
			return err
		}
	}
	if err := db.insertJobs(ctx, tx, w.Jobs); err != nil {
		return err
	}
	for _, d := range w.Deliveries {
		if err := db.insertDelivery(ctx, tx, d); err != nil {
			return err
		}
	}
	return nil
}

// changeStatus applies c if its guard holds, with its jobs, and returns the message as
// changed; sql.ErrNoRows when the guard does not hold (nothing is written then).
func (db *DB) changeStatus(ctx context.Context, tx *sql.Tx, c store.StatusChange) (store.Message, error) {
	query, args := statusUpdate(c)
	m, err := scanMessage(db.txQueryRow(ctx, tx, query+" RETURNING "+messageCols, args...))
	if err != nil {
		return store.Message{}, err
	}
	return m, db.statusChangeJobs(ctx, tx, c)
}

// applyStatusChange is changeStatus for a caller that needs nothing back, as the steps of
// a delivery do: most status changes are theirs, and each paid for reading back and
// scanning a 20-column row it never used (a tenth of the server's CPU per message sent
// and delivered). A guard that does not hold writes nothing and is not an error.
func (db *DB) applyStatusChange(ctx context.Context, tx *sql.Tx, c store.StatusChange) error {
	query, args := statusUpdate(c)
	res, err := db.txExec(ctx, tx, query, args...)
	if err != nil {
		return err
	}
	// The number of rows the UPDATE itself changed (at most one: sid is unique), not
	// counting the change log rows its trigger adds.
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return db.statusChangeJobs(ctx, tx, c)
}

// statusUpdate is the UPDATE that makes c, its guard included.
func statusUpdate(c store.StatusChange) (string, []any) {
	query := `UPDATE messages SET status = ?,
		from_number = coalesce(?, from_number),
		error_code = coalesce(?, error_code),
		error_message = coalesce(?, error_message),
		price = coalesce(?, price),
		date_sent = coalesce(?, date_sent),
		date_updated = ?
		WHERE account_sid = ? AND sid = ?`
	var errorCode any
	if c.ErrorCode != 0 {
		errorCode = c.ErrorCode
	}
	args := []any{c.To, stringArg(c.Sender), errorCode, stringArg(c.ErrorMessage), stringArg(c.Price), timeArg(c.DateSent),
		timeArg(c.DateUpdated), c.AccountSid, c.Sid}
	if len(c.From) > 0 {
		query += " AND status IN (" + placeholders(len(c.From)) + ")"
		args = append(args, anys(c.From)...)
	}
	return query, args
}

// statusChangeJobs writes what a status change that took place asks of the jobs.
func (db *DB) statusChangeJobs(ctx context.Context, tx *sql.Tx, c store.StatusChange) error {
	if c.CancelJobsOfKind != "" {
		if _, err := db.txExec(ctx, tx, "DELETE FROM jobs WHERE resource_sid = ? AND kind = ?", c.Sid, c.CancelJobsOfKind); err != nil {
			return err
		}
	}
	return db.insertJobs(ctx, tx, c.Jobs)
}

func (db *DB) setOptOut(ctx context.Context, tx *sql.Tx, o store.OptOut) error {
	var err error
	if o.Out {
		_, err = db.txExec(ctx, tx,
			`INSERT INTO opt_outs (account_sid, sender, recipient, date_created) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, o.AccountSid, o.Sender, o.Recipient, timeArg(o.DateCreated))
	} else {
		_, err = db.txExec(ctx, tx, "DELETE FROM opt_outs WHERE account_sid = ? AND sender = ? AND recipient = ?",
			o.AccountSid, o.Sender, o.Recipient)
	}
	if err != nil {
		return fmt.Errorf("opt-out %s -> %s: %w", o.Recipient, o.Sender, err)
	}
	return nil
}

// The two questions a message sent from a phone number asks: whether the account owns
// the sender as an SMS-capable number (arguments: sender, account), and whether the
// recipient has opted out of messages from it (arguments: account, sender, recipient).
const (
	ownsSender       = "EXISTS (SELECT 1 FROM incoming_phone_numbers WHERE phone_number = ? AND account_sid = ? AND cap_sms <> 0)"
	optedOutOfSender = "EXISTS (SELECT 1 FROM opt_outs WHERE account_sid = ? AND sender = ? AND recipient = ?)"
)

// senderCheck answers both in one read. Its arguments are senderCheckArgs.
const senderCheck = "SELECT " + ownsSender + ", " + optedOutOfSender

func senderCheckArgs(accountSid, sender, recipient string) []any {
	return []any{sender, accountSid, accountSid, sender, recipient}
}

// SenderCheck runs senderCheck on its own, for a caller that decides what to write from
// its answer (a TwiML reply that breaks the rule is written as failed).
func (db *DB) SenderCheck(ctx context.Context, accountSid, sender, recipient string) (owned, optedOut bool, err error) {
	err = db.queryRow(ctx, senderCheck, senderCheckArgs(accountSid, sender, recipient)...).Scan(&owned, &optedOut)
	if err != nil {
		return false, false, fmt.Errorf("sender check %s -> %s: %w", sender, recipient, err)
	}
	return owned, optedOut, nil
}

// senderRuleHolds is senderCheck as a condition: whether a SenderRule holds. Its
// arguments are senderRuleArgs.
const senderRuleHolds = "(NOT ? OR " + ownsSender + ") AND NOT " + optedOutOfSender

func senderRuleArgs(r store.SenderRule) []any {
	return append([]any{r.MustOwn}, senderCheckArgs(r.AccountSid, r.Sender, r.Recipient)...)
}

// insertMessageIfSender inserts a message (args: messageArgs) only when r holds, and
// otherwise returns why not (checkSenderRule). The rule is part of the INSERT rather than
// a statement before it: the check then costs the writer about half of what it did as a
// query of its own, database/sql's statement, rows and scan (about 4 against 9 µs).
func (db *DB) insertMessageIfSender(ctx context.Context, tx *sql.Tx, args []any, r store.SenderRule) error {
	res, err := db.txExec(ctx, tx, insertMessageIf+senderRuleHolds, append(args, senderRuleArgs(r)...)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if err := db.checkSenderRule(ctx, tx, r); err != nil {
		return err
	}
	return errors.New("sender rule: the message was not written, yet the rule holds")
}

// checkSenderRule checks r inside a write: ErrNotSender or ErrOptedOut when it does not
// hold. It runs on the writer's cache, which is warm, while a reader's starts cold after
// every commit.
func (db *DB) checkSenderRule(ctx context.Context, tx *sql.Tx, r store.SenderRule) error {
	var owned, optedOut bool
	err := db.txQueryRow(ctx, tx, senderCheck, senderCheckArgs(r.AccountSid, r.Sender, r.Recipient)...).Scan(&owned, &optedOut)
	switch {
	case err != nil:
		return fmt.Errorf("sender check %s -> %s: %w", r.Sender, r.Recipient, err)
	case r.MustOwn && !owned:
		return fmt.Errorf("sender %s: %w", r.Sender, store.ErrNotSender)
	case optedOut:
		return fmt.Errorf("%s -> %s: %w", r.Sender, r.Recipient, store.ErrOptedOut)
	}
	return nil
}

// OptedOut reports whether recipient has opted out of messages from sender.
func (db *DB) OptedOut(ctx context.Context, accountSid, sender, recipient string) (bool, error) {
	var out bool
	err := db.queryRow(ctx, "SELECT "+optedOutOfSender, accountSid, sender, recipient).Scan(&out)
	if err != nil {
		return false, fmt.Errorf("opted out %s -> %s: %w", recipient, sender, err)
	}
	return out, nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// jsonText encodes v for a TEXT column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
