package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-dev/switchboard/store"
)

// Export reads every row of the database, family by family, as it was when the export
// began: what a copy to another backend (store/storecopy) reads. Each Each… method hands
// its rows to fn in the order they were written (by Seq, or ID for jobs), with
// everything the store keeps of them: SIDs, dates, statuses, Seq, secrets' hashes, media
// content, a call's version, a job's lease.
//
// An export is one transaction that holds the database's write lock until Close: the
// rows it reads cannot change under it, and no other process writes meanwhile (a server
// still running on the file would wait, then fail its writes).
type Export struct {
	tx *sql.Tx
}

// Export begins an export. The caller must Close it.
func (db *DB) Export(ctx context.Context) (*Export, error) {
	// The writer's transactions begin IMMEDIATE (see OpenWith): this one takes the write
	// lock, so that every Each… reads the same state of the file.
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("export: %w", unavailable(err))
	}
	return &Export{tx: tx}, nil
}

// Close ends the export, having written nothing.
func (x *Export) Close() error {
	if err := x.tx.Rollback(); err != nil && err != sql.ErrTxDone {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportRows runs query in x's transaction and hands each row, scanned by scan, to fn.
func exportRows[T any](ctx context.Context, x *Export, what, query string, scan func(rowScanner) (T, error), fn func(T) error) error {
	rows, err := x.tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("export %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("export %s: %w", what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", what, err)
	}
	return nil
}

// EachAccount hands every account to fn, parents before their subaccounts.
func (x *Export) EachAccount(ctx context.Context, fn func(store.Account) error) error {
	return exportRows(ctx, x, "accounts", "SELECT "+accountCols+" FROM accounts ORDER BY seq", scanAccount, fn)
}

// EachKey hands every API key to fn.
func (x *Export) EachKey(ctx context.Context, fn func(store.APIKey) error) error {
	return exportRows(ctx, x, "keys", "SELECT "+keyCols+" FROM api_keys ORDER BY seq", scanKey, fn)
}

// EachSetting hands every setting to fn: the key that seals page tokens, the simulator
// clock's offset.
func (x *Export) EachSetting(ctx context.Context, fn func(store.Setting) error) error {
	scan := func(s rowScanner) (store.Setting, error) {
		var v store.Setting
		err := s.Scan(&v.Name, &v.Value)
		return v, err
	}
	return exportRows(ctx, x, "settings", "SELECT name, value FROM settings ORDER BY name", scan, fn)
}

// EachCounter hands to fn the last Seq (or job ID) each table has handed out:
// AUTOINCREMENT's, which deleted rows do not take back.
func (x *Export) EachCounter(ctx context.Context, fn func(store.Counter) error) error {
	scan := func(s rowScanner) (store.Counter, error) {
		var c store.Counter
		err := s.Scan(&c.Table, &c.Last)
		return c, err
	}
	return exportRows(ctx, x, "counters", "SELECT name, seq FROM sqlite_sequence ORDER BY name", scan, fn)
}

// EachMessage hands every message to fn.
func (x *Export) EachMessage(ctx context.Context, fn func(store.Message) error) error {
	return exportRows(ctx, x, "messages", "SELECT "+messageCols+" FROM messages ORDER BY seq", newMessageScanner(), fn)
}

// EachMedia hands every media file to fn, with its content when it has been fetched.
func (x *Export) EachMedia(ctx context.Context, fn func(store.Media) error) error {
	scan := func(s rowScanner) (store.Media, error) {
		var content []byte
		m, err := scanMedia(withColumns{s, []any{&content}})
		m.Content = content
		return m, err
	}
	return exportRows(ctx, x, "media", "SELECT "+mediaCols+", content FROM media ORDER BY seq", scan, fn)
}

// withColumns scans the columns its scanner is given, then those of extra: a row of a
// scanner's columns followed by more.
type withColumns struct {
	s     rowScanner
	extra []any
}

func (w withColumns) Scan(dest ...any) error { return w.s.Scan(append(dest, w.extra...)...) }

// EachOptOut hands every opt-out (a recipient who texted STOP to a sender) to fn.
func (x *Export) EachOptOut(ctx context.Context, fn func(store.OptOut) error) error {
	scan := func(s rowScanner) (store.OptOut, error) {
		o := store.OptOut{Out: true}
		var dateCreated sql.NullInt64
		err := s.Scan(&o.AccountSid, &o.Sender, &o.Recipient, &dateCreated)
		o.DateCreated = timeValue(dateCreated)
		return o, err
	}
	return exportRows(ctx, x, "opt-outs",
		"SELECT account_sid, sender, recipient, date_created FROM opt_outs ORDER BY date_created, account_sid, sender, recipient", scan, fn)
}

// EachPhoneNumber hands every phone number an account owns to fn.
func (x *Export) EachPhoneNumber(ctx context.Context, fn func(store.PhoneNumber) error) error {
	return exportRows(ctx, x, "phone numbers", "SELECT "+phoneNumberCols+" FROM incoming_phone_numbers ORDER BY seq", scanPhoneNumber, fn)
}

// EachMessagingService hands every Messaging Service to fn.
func (x *Export) EachMessagingService(ctx context.Context, fn func(store.MessagingService) error) error {
	return exportRows(ctx, x, "messaging services", "SELECT "+serviceCols+" FROM messaging_services ORDER BY seq", scanService, fn)
}

// EachServiceNumber hands every number of a Messaging Service's pool to fn.
func (x *Export) EachServiceNumber(ctx context.Context, fn func(store.ServiceNumber) error) error {
	return exportRows(ctx, x, "service numbers",
		"SELECT "+serviceNumberCols+" FROM messaging_service_numbers_full ORDER BY seq", scanServiceNumber, fn)
}

// EachAlphaSender hands every alphanumeric sender ID of a Messaging Service to fn.
func (x *Export) EachAlphaSender(ctx context.Context, fn func(store.AlphaSender) error) error {
	return exportRows(ctx, x, "alpha senders",
		"SELECT "+alphaSenderCols+" FROM messaging_service_alpha_senders ORDER BY seq", scanAlphaSender, fn)
}

// EachStickySender hands every sender a Messaging Service remembers for a recipient to
// fn.
func (x *Export) EachStickySender(ctx context.Context, fn func(store.StickySender) error) error {
	scan := func(s rowScanner) (store.StickySender, error) {
		var (
			v           store.StickySender
			dateCreated sql.NullInt64
		)
		err := s.Scan(&v.ServiceSid, &v.Recipient, &v.Sender, &dateCreated)
		v.DateCreated = timeValue(dateCreated)
		return v, err
	}
	return exportRows(ctx, x, "sticky senders",
		"SELECT service_sid, recipient, sender, date_created FROM sticky_senders ORDER BY date_created, service_sid, recipient", scan, fn)
}

// EachCall hands every call to fn, with its version.
func (x *Export) EachCall(ctx context.Context, fn func(store.Call) error) error {
	return exportRows(ctx, x, "calls", "SELECT "+callCols+" FROM calls ORDER BY seq", newCallScanner(), fn)
}

// EachCallEvent hands every entry of every call's timeline to fn.
func (x *Export) EachCallEvent(ctx context.Context, fn func(store.CallEvent) error) error {
	return exportRows(ctx, x, "call events", "SELECT "+callEventCols+" FROM call_events ORDER BY seq", scanCallEvent, fn)
}

// EachRecording hands every recording to fn.
func (x *Export) EachRecording(ctx context.Context, fn func(store.Recording) error) error {
	return exportRows(ctx, x, "recordings", "SELECT "+recordingCols+" FROM recordings ORDER BY seq", scanRecording, fn)
}

// EachVerifyService hands every Verify Service to fn.
func (x *Export) EachVerifyService(ctx context.Context, fn func(store.VerifyService) error) error {
	return exportRows(ctx, x, "verify services", "SELECT "+verifyServiceCols+" FROM verify_services ORDER BY seq", scanVerifyService, fn)
}

// EachVerification hands every verification to fn.
func (x *Export) EachVerification(ctx context.Context, fn func(store.Verification) error) error {
	return exportRows(ctx, x, "verifications", "SELECT "+verificationCols+" FROM verifications ORDER BY seq", scanVerification, fn)
}

// EachJob hands every job waiting or under way to fn, with its lease, in the order jobs
// were written (by ID), which is the order of their queues.
func (x *Export) EachJob(ctx context.Context, fn func(store.Job) error) error {
	return exportRows(ctx, x, "jobs", "SELECT "+jobCols+" FROM jobs ORDER BY id", scanJob, fn)
}

// EachDelivery hands every webhook delivery to fn.
func (x *Export) EachDelivery(ctx context.Context, fn func(store.WebhookDelivery) error) error {
	return exportRows(ctx, x, "webhook deliveries", "SELECT "+deliveryCols+" FROM webhook_deliveries ORDER BY seq", scanDelivery, fn)
}

// EachContent reads Content templates, with their WhatsApp approvals.
func (x *Export) EachContent(ctx context.Context, fn func(store.Content) error) error {
	return exportRows(ctx, x, "content templates", "SELECT "+contentCols+" FROM contents ORDER BY seq", scanContent, fn)
}

// EachWhatsAppSession reads every WhatsApp user's session with each sender.
func (x *Export) EachWhatsAppSession(ctx context.Context, fn func(store.WhatsAppSession) error) error {
	return exportRows(ctx, x, "whatsapp sessions",
		"SELECT "+whatsappSessionCols+" FROM whatsapp_sessions ORDER BY account_sid, sender, user_address", scanWhatsAppSession, fn)
}

// EachWhatsAppSandbox reads the accounts' Sandbox settings.
func (x *Export) EachWhatsAppSandbox(ctx context.Context, fn func(store.WhatsAppSandbox) error) error {
	return exportRows(ctx, x, "whatsapp sandboxes",
		"SELECT "+whatsappSandboxCols+" FROM whatsapp_sandboxes ORDER BY date_created, account_sid", scanWhatsAppSandbox, fn)
}
