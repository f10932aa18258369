package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard/store"
)

// Apply makes all of w's changes in one transaction, or none of them.
func (db *DB) Apply(ctx context.Context, w store.Writes) error {
	if w.Empty() {
		return nil
	}
	if err := db.write(ctx, logsChanges, func(q querier) error { return db.applyWrites(ctx, q, w) }); err != nil {
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
	err := db.write(ctx, logsChanges, func(q querier) error {
		query, args := statusUpdate(c)
		var err error
		m, err = scanMessage(q.QueryRow(ctx, query+" RETURNING "+messageCols, args...))
		if errors.Is(err, pgx.ErrNoRows) {
			return missingOrConflict(ctx, q, "messages", c.AccountSid, c.Sid)
		}
		if err != nil {
			return err
		}
		return statusChangeJobs(ctx, q, c)
	})
	if err != nil {
		return store.Message{}, fmt.Errorf("change status of message %s: %w", c.Sid, err)
	}
	db.jobsChanged(true)
	return m, nil
}

// applyWrites makes w's changes in the order store.Writes documents.
func (db *DB) applyWrites(ctx context.Context, q querier, w store.Writes) error {
	if w.Sender != nil && len(w.Messages) == 0 {
		if err := checkSenderRule(ctx, q, *w.Sender); err != nil {
			return err
		}
	}
	for _, o := range w.OptOuts {
		if err := setOptOut(ctx, q, o); err != nil {
			return err
		}
	}
	for _, m := range w.Messages {
		args, err := messageArgs(m)
		if err != nil {
			return fmt.Errorf("message %s: %w", m.Sid, err)
		}
		if w.Sender != nil {
			err = insertMessageIfSender(ctx, q, args, *w.Sender)
		} else {
			_, err = q.Exec(ctx, insertMessage, args...)
		}
		if err != nil {
			return fmt.Errorf("message %s: %w", m.Sid, constraintError(err))
		}
	}
	for _, m := range w.Media {
		if err := insertMedia(ctx, q, m); err != nil {
			return err
		}
	}
	for _, c := range w.MediaContents {
		if _, err := q.Exec(ctx, "UPDATE media SET content_type = $1, content = $2, date_updated = $3 WHERE sid = $4",
			c.ContentType, c.Content, timeArg(c.DateUpdated), c.Sid); err != nil {
			return fmt.Errorf("media %s: %w", c.Sid, err)
		}
	}
	for _, c := range w.StatusChanges {
		// A change whose guard fails is not an error here: the message moved on (it was
		// canceled, forced, or deleted) and the step that wanted it is simply moot.
		if err := applyStatusChange(ctx, q, c); err != nil {
			return fmt.Errorf("status of message %s: %w", c.Sid, err)
		}
	}
	if err := applyCallWrites(ctx, q, w); err != nil {
		return err
	}
	for _, in := range w.WhatsAppInbound {
		if err := recordWhatsAppInbound(ctx, q, in); err != nil {
			return err
		}
	}
	if err := insertJobs(ctx, q, w.Jobs); err != nil {
		return err
	}
	for _, d := range w.Deliveries {
		if err := insertDelivery(ctx, q, d); err != nil {
			return err
		}
	}
	return nil
}

// applyStatusChange makes c if its guard holds, with its jobs, without reading the
// message back (most status changes are a delivery's steps, which need nothing back). A
// guard that does not hold writes nothing and is not an error.
func applyStatusChange(ctx context.Context, q querier, c store.StatusChange) error {
	query, args := statusUpdate(c)
	tag, err := q.Exec(ctx, query, args...)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	return statusChangeJobs(ctx, q, c)
}

// statusUpdate is the UPDATE that makes c, its guard included. PostgreSQL checks the
// guard again on the row as it is once its lock is granted, so no other change can slip
// in between.
func statusUpdate(c store.StatusChange) (string, []any) {
	query := `UPDATE messages SET status = $1,
		from_number = coalesce($2, from_number),
		error_code = coalesce($3, error_code),
		error_message = coalesce($4, error_message),
		price = coalesce($5, price),
		date_sent = coalesce($6, date_sent),
		date_updated = $7
		WHERE account_sid = $8 AND sid = $9`
	args := []any{c.To, stringArg(c.Sender), intArg(c.ErrorCode), stringArg(c.ErrorMessage), stringArg(c.Price), timeArg(c.DateSent),
		timeArg(c.DateUpdated), c.AccountSid, c.Sid}
	if len(c.From) > 0 {
		query += " AND status = ANY($10)"
		args = append(args, c.From)
	}
	return query, args
}

// statusChangeJobs writes what a status change that took place asks of the jobs.
func statusChangeJobs(ctx context.Context, q querier, c store.StatusChange) error {
	if c.CancelJobsOfKind != "" {
		if _, err := q.Exec(ctx, "DELETE FROM jobs WHERE resource_sid = $1 AND kind = $2", c.Sid, c.CancelJobsOfKind); err != nil {
			return err
		}
	}
	return insertJobs(ctx, q, c.Jobs)
}

// missingOrConflict tells why a guarded change of a row matched nothing: ErrConflict
// when the row exists (the guard failed), ErrNotFound when it does not.
func missingOrConflict(ctx context.Context, q querier, table, accountSid, sid string) error {
	var exists bool
	err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE account_sid = $1 AND sid = $2)", accountSid, sid).Scan(&exists)
	switch {
	case err != nil:
		return err
	case exists:
		return store.ErrConflict
	}
	return store.ErrNotFound
}

func setOptOut(ctx context.Context, q querier, o store.OptOut) error {
	var err error
	if o.Out {
		_, err = q.Exec(ctx,
			`INSERT INTO opt_outs (account_sid, sender, recipient, date_created) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, o.AccountSid, o.Sender, o.Recipient, timeArg(o.DateCreated))
	} else {
		_, err = q.Exec(ctx, "DELETE FROM opt_outs WHERE account_sid = $1 AND sender = $2 AND recipient = $3",
			o.AccountSid, o.Sender, o.Recipient)
	}
	if err != nil {
		return fmt.Errorf("opt-out %s -> %s: %w", o.Recipient, o.Sender, constraintError(err))
	}
	return nil
}

// The two questions a message sent from a phone number asks: whether the account owns
// the sender as an SMS-capable number, and whether the recipient has opted out of
// messages from it. Both take the parameters $account, $sender, $recipient of the
// statement they are part of, as written in.
func ownsSender(account, sender string) string {
	return "EXISTS (SELECT 1 FROM incoming_phone_numbers WHERE phone_number = " + sender +
		" AND account_sid = " + account + " AND cap_sms)"
}

func optedOutOfSender(account, sender, recipient string) string {
	return "EXISTS (SELECT 1 FROM opt_outs WHERE account_sid = " + account + " AND sender = " + sender +
		" AND recipient = " + recipient + ")"
}

// senderCheck answers both in one read; its arguments are account, sender, recipient.
var senderCheck = "SELECT " + ownsSender("$1", "$2") + ", " + optedOutOfSender("$1", "$2", "$3")

// SenderCheck runs senderCheck on its own, for a caller that decides what to write from
// its answer (a TwiML reply that breaks the rule is written as failed).
func (db *DB) SenderCheck(ctx context.Context, accountSid, sender, recipient string) (owned, optedOut bool, err error) {
	if err := db.queryRow(ctx, senderCheck, accountSid, sender, recipient).Scan(&owned, &optedOut); err != nil {
		return false, false, fmt.Errorf("sender check %s -> %s: %w", sender, recipient, err)
	}
	return owned, optedOut, nil
}

// OptedOut reports whether recipient has opted out of messages from sender.
func (db *DB) OptedOut(ctx context.Context, accountSid, sender, recipient string) (bool, error) {
	var out bool
	if err := db.queryRow(ctx, "SELECT "+optedOutOfSender("$1", "$2", "$3"), accountSid, sender, recipient).Scan(&out); err != nil {
		return false, fmt.Errorf("opted out %s -> %s: %w", recipient, sender, err)
	}
	return out, nil
}

// insertMessageIf writes a message (messageArgs, $1-$20) only when the SenderRule that
// follows them holds ($21 MustOwn, $22 account, $23 sender, $24 recipient): the rule is
// the condition of the INSERT itself, so that no number can be released, and no STOP
// recorded, between the check and the message.
var insertMessageIf = insertMessageHead + "SELECT " + messageParamsTyped +
	" WHERE (NOT $21::boolean OR " + ownsSender("$22", "$23") + ") AND NOT " + optedOutOfSender("$22", "$23", "$24")

// insertMessageIfSender inserts a message only when r holds, and otherwise returns why
// not (checkSenderRule).
func insertMessageIfSender(ctx context.Context, q querier, args []any, r store.SenderRule) error {
	tag, err := q.Exec(ctx, insertMessageIf, append(args, r.MustOwn, r.AccountSid, r.Sender, r.Recipient)...)
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	if err := checkSenderRule(ctx, q, r); err != nil {
		return err
	}
	return errors.New("sender rule: the message was not written, yet the rule holds")
}

// checkSenderRule checks r inside a write: ErrNotSender or ErrOptedOut when it does not
// hold.
func checkSenderRule(ctx context.Context, q querier, r store.SenderRule) error {
	var owned, optedOut bool
	err := q.QueryRow(ctx, senderCheck, r.AccountSid, r.Sender, r.Recipient).Scan(&owned, &optedOut)
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

// jsonText encodes v for a text column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
