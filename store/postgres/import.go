package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-dev/switchboard/store"
)

// Import writes rows read from another database (store/storecopy copies a SQLite
// database here) into this one, as they were: each keeps its Seq (or a job its ID), SID,
// dates and state, so that lists come out in the same order and page tokens sealed by
// the other database (whose key comes with its settings) still land where they did.
//
// An import is one transaction: Commit makes every row of it visible at once, Rollback
// (or a failed Add…) leaves the database as it was. It holds the change log's lock and
// an exclusive lock on accounts and jobs throughout, so that no server writes meanwhile.
// The rows it adds are not told of in the change log: Commit removes the entries the
// triggers logged, since they announce no change anybody made.
type Import struct {
	db   *DB
	conn *pgxpool.Conn
	// changesFrom is the newest change logged before the import began.
	changesFrom int64
	// counters are the last values the other database's counters handed out, by table.
	counters map[string]int64
}

// Import begins an import. The caller must Commit or Rollback it.
func (db *DB) Import(ctx context.Context) (*Import, error) {
	if db.closed.Load() {
		return nil, store.ErrClosed
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", storeErr(err))
	}
	x := &Import{db: db, conn: conn, counters: map[string]int64{}}
	_, err = conn.Exec(ctx, "BEGIN; SELECT lock_change_log(); LOCK TABLE accounts, jobs IN EXCLUSIVE MODE")
	if err == nil {
		err = conn.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&x.changesFrom)
	}
	if err != nil {
		x.release(ctx)
		return nil, fmt.Errorf("import: %w", storeErr(err))
	}
	return x, nil
}

// Empty reports whether the database holds no account and no job: nothing a copy could
// collide with (every other row belongs to an account). Settings do not count: a server
// that started on the database made its own, and an import replaces them.
func (x *Import) Empty(ctx context.Context) (bool, error) {
	var empty bool
	err := x.conn.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM jobs)").Scan(&empty)
	if err != nil {
		return false, fmt.Errorf("import: %w", storeErr(err))
	}
	return empty, nil
}

// identities are the tables whose keys are identity columns, and those columns: after an
// import each sequence must start past the largest value imported.
var identities = []struct{ table, column string }{
	{"accounts", "seq"}, {"api_keys", "seq"}, {"messages", "seq"}, {"media", "seq"},
	{"incoming_phone_numbers", "seq"}, {"messaging_services", "seq"}, {"messaging_service_numbers", "seq"},
	{"messaging_service_alpha_senders", "seq"}, {"calls", "seq"}, {"call_events", "seq"}, {"recordings", "seq"},
	{"verify_services", "seq"}, {"verifications", "seq"}, {"webhook_deliveries", "seq"}, {"jobs", "id"},
	{"contents", "seq"},
}

// AddCounters notes the last values the other database's counters handed out: Commit
// moves each sequence past them, so that no Seq is handed out twice, even one of a row
// deleted before the import (a page token may still hold it). Counters of tables this
// database has no sequence for (the change log's) are ignored.
func (x *Import) AddCounters(ctx context.Context, rows []store.Counter) error {
	for _, c := range rows {
		x.counters[c.Table] = max(x.counters[c.Table], c.Last)
	}
	return nil
}

// Commit moves each sequence past the rows imported and the counters noted, drops the
// change log's entries of the import, and commits.
func (x *Import) Commit(ctx context.Context) error {
	defer x.release(ctx)
	for _, id := range identities {
		query := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'), m) FROM (SELECT greatest(max(%s), $1) AS m FROM %s) t WHERE m > 0",
			id.table, id.column, id.column, id.table)
		if _, err := x.conn.Exec(ctx, query, x.counters[id.table]); err != nil {
			return fmt.Errorf("import: sequence of %s: %w", id.table, storeErr(err))
		}
	}
	if _, err := x.conn.Exec(ctx, "DELETE FROM changes WHERE seq > $1", x.changesFrom); err != nil {
		return fmt.Errorf("import: change log: %w", storeErr(err))
	}
	tag, err := x.conn.Exec(ctx, "COMMIT")
	if err != nil {
		return fmt.Errorf("import: %w", storeErr(err))
	}
	if tag.String() != "COMMIT" {
		return errors.New("import: the transaction was rolled back")
	}
	x.db.authChanged(ctx)
	x.db.signalChange()
	x.db.jobsChanged(true)
	return nil
}

// Rollback ends the import, leaving the database as it was. After Commit it does nothing.
func (x *Import) Rollback(ctx context.Context) error {
	if x.conn == nil {
		return nil
	}
	_, err := x.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	x.release(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", storeErr(err))
	}
	return nil
}

// release gives the connection back; one still in a transaction (a failed COMMIT or
// ROLLBACK) is closed rather than reused.
func (x *Import) release(ctx context.Context) {
	if x.conn == nil {
		return
	}
	if x.conn.Conn().PgConn().TxStatus() != 'I' {
		_ = x.conn.Conn().Close(context.WithoutCancel(ctx))
	}
	x.conn.Release()
	x.conn = nil
}

// importRows inserts rows with query, each with the arguments args gives, in one round
// trip.
func importRows[T any](ctx context.Context, x *Import, what, query string, rows []T, args func(T) ([]any, error)) error {
	if x.conn == nil {
		return fmt.Errorf("import %s: the import has ended", what)
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		a, err := args(r)
		if err != nil {
			return fmt.Errorf("import %s: %w", what, err)
		}
		b.Queue(query, a...)
	}
	if err := x.conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("import %s: %w", what, storeErr(constraintError(err)))
	}
	return nil
}

// withSeq puts seq before args: the arguments of an insert that names seq first.
func withSeq(seq int64, args []any) []any { return append([]any{seq}, args...) }

// AddAccounts inserts accounts, parents before their subaccounts.
func (x *Import) AddAccounts(ctx context.Context, rows []store.Account) error {
	return importRows(ctx, x, "accounts",
		"INSERT INTO accounts ("+accountCols+") VALUES ("+params(1, 10)+")", rows,
		func(a store.Account) ([]any, error) { return withSeq(a.Seq, accountArgs(a)), nil })
}

// AddKeys inserts API keys with their secrets' salts and hashes.
func (x *Import) AddKeys(ctx context.Context, rows []store.APIKey) error {
	return importRows(ctx, x, "keys",
		`INSERT INTO api_keys (seq, sid, account_sid, friendly_name, key_type, secret_salt, secret_hash, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, rows,
		func(k store.APIKey) ([]any, error) {
			return []any{k.Seq, k.Sid, k.AccountSid, k.FriendlyName, k.Type, k.SecretSalt, k.SecretHash,
				timeArg(k.DateCreated), timeArg(k.DateUpdated)}, nil
		})
}

// AddSettings stores settings, replacing any of the same name.
func (x *Import) AddSettings(ctx context.Context, rows []store.Setting) error {
	return importRows(ctx, x, "settings",
		"INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", rows,
		func(s store.Setting) ([]any, error) { return []any{s.Name, s.Value}, nil })
}

// AddMessages inserts messages, each with its NumMedia as it is.
func (x *Import) AddMessages(ctx context.Context, rows []store.Message) error {
	return importRows(ctx, x, "messages",
		`INSERT INTO messages (seq, sid, account_sid, to_number, from_number, messaging_service_sid,
			body, media_urls, status, direction, num_segments, num_media, price, status_callback, send_at, error_code, error_message,
			date_created, date_updated, date_sent, content_sid)
		VALUES (`+params(1, 21)+`)`, rows,
		func(m store.Message) ([]any, error) {
			args, err := messageArgs(m)
			return withSeq(m.Seq, args), err
		})
}

// AddMedia inserts media files with their content.
func (x *Import) AddMedia(ctx context.Context, rows []store.Media) error {
	return importRows(ctx, x, "media",
		`INSERT INTO media (seq, sid, account_sid, message_sid, url, content_type, content, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, rows,
		func(m store.Media) ([]any, error) {
			return []any{m.Seq, m.Sid, m.AccountSid, m.MessageSid, m.URL, m.ContentType, m.Content,
				timeArg(m.DateCreated), timeArg(m.DateUpdated)}, nil
		})
}

// AddOptOuts inserts opt-outs.
func (x *Import) AddOptOuts(ctx context.Context, rows []store.OptOut) error {
	return importRows(ctx, x, "opt-outs",
		"INSERT INTO opt_outs (account_sid, sender, recipient, date_created) VALUES ($1, $2, $3, $4)", rows,
		func(o store.OptOut) ([]any, error) {
			return []any{o.AccountSid, o.Sender, o.Recipient, timeArg(o.DateCreated)}, nil
		})
}

// AddPhoneNumbers inserts phone numbers with their settings.
func (x *Import) AddPhoneNumbers(ctx context.Context, rows []store.PhoneNumber) error {
	return importRows(ctx, x, "phone numbers",
		"INSERT INTO incoming_phone_numbers ("+phoneNumberCols+") VALUES ("+params(1, 1+phoneNumberColumns)+")", rows,
		func(p store.PhoneNumber) ([]any, error) { return withSeq(p.Seq, phoneNumberArgs(p)), nil })
}

// AddMessagingServices inserts Messaging Services.
func (x *Import) AddMessagingServices(ctx context.Context, rows []store.MessagingService) error {
	return importRows(ctx, x, "messaging services",
		"INSERT INTO messaging_services ("+serviceCols+") VALUES ("+params(1, 1+serviceColumns)+")", rows,
		func(m store.MessagingService) ([]any, error) { return withSeq(m.Seq, serviceArgs(m)), nil })
}

// AddServiceNumbers puts numbers into their services' pools.
func (x *Import) AddServiceNumbers(ctx context.Context, rows []store.ServiceNumber) error {
	return importRows(ctx, x, "service numbers",
		`INSERT INTO messaging_service_numbers (seq, service_sid, phone_number_sid, account_sid, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6)`, rows,
		func(n store.ServiceNumber) ([]any, error) {
			return []any{n.Seq, n.ServiceSid, n.Sid, n.AccountSid, timeArg(n.DateCreated), timeArg(n.DateUpdated)}, nil
		})
}

// AddAlphaSenders inserts services' alphanumeric sender IDs.
func (x *Import) AddAlphaSenders(ctx context.Context, rows []store.AlphaSender) error {
	return importRows(ctx, x, "alpha senders",
		`INSERT INTO messaging_service_alpha_senders (seq, sid, service_sid, account_sid, alpha_sender, date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, rows,
		func(a store.AlphaSender) ([]any, error) {
			return []any{a.Seq, a.Sid, a.ServiceSid, a.AccountSid, a.AlphaSender, timeArg(a.DateCreated), timeArg(a.DateUpdated)}, nil
		})
}

// AddStickySenders inserts the senders services remember for their recipients.
func (x *Import) AddStickySenders(ctx context.Context, rows []store.StickySender) error {
	return importRows(ctx, x, "sticky senders",
		"INSERT INTO sticky_senders (service_sid, recipient, sender, date_created) VALUES ($1, $2, $3, $4)", rows,
		func(s store.StickySender) ([]any, error) {
			return []any{s.ServiceSid, s.Recipient, s.Sender, timeArg(s.DateCreated)}, nil
		})
}

// AddCalls inserts calls, each at its version.
func (x *Import) AddCalls(ctx context.Context, rows []store.Call) error {
	return importRows(ctx, x, "calls",
		`INSERT INTO calls (seq, sid, account_sid, parent_call_sid, to_number, from_number, phone_number_sid, status, direction,
			forwarded_from, caller_name, start_time, end_time, duration, price, settings, state, version, date_created, date_updated)
		VALUES (`+params(1, 20)+`)`, rows,
		func(c store.Call) ([]any, error) {
			return []any{c.Seq, c.Sid, c.AccountSid, c.ParentCallSid, c.To, c.From, c.PhoneNumberSid, c.Status, c.Direction,
				c.ForwardedFrom, c.CallerName, timeArg(c.StartTime), timeArg(c.EndTime), c.Duration, stringArg(c.Price),
				jsonColumn(c.Settings), jsonColumn(c.State), c.Version, timeArg(c.DateCreated), timeArg(c.DateUpdated)}, nil
		})
}

// AddCallEvents inserts entries of calls' timelines.
func (x *Import) AddCallEvents(ctx context.Context, rows []store.CallEvent) error {
	return importRows(ctx, x, "call events",
		`INSERT INTO call_events (seq, call_sid, account_sid, type, description, data, elapsed_ms, date_created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rows,
		func(e store.CallEvent) ([]any, error) {
			data := "{}"
			if e.Data != nil {
				var err error
				if data, err = jsonText(e.Data); err != nil {
					return nil, err
				}
			}
			return []any{e.Seq, e.CallSid, e.AccountSid, e.Type, e.Description, data, e.Elapsed.Milliseconds(), timeArg(e.DateCreated)}, nil
		})
}

// AddRecordings inserts recordings.
func (x *Import) AddRecordings(ctx context.Context, rows []store.Recording) error {
	return importRows(ctx, x, "recordings",
		`INSERT INTO recordings (seq, sid, account_sid, call_sid, status, source, channels, duration, price, start_time,
			date_created, date_updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, rows,
		func(r store.Recording) ([]any, error) {
			return []any{r.Seq, r.Sid, r.AccountSid, r.CallSid, r.Status, r.Source, r.Channels, r.Duration, stringArg(r.Price),
				timeArg(r.StartTime), timeArg(r.DateCreated), timeArg(r.DateUpdated)}, nil
		})
}

// AddVerifyServices inserts Verify Services.
func (x *Import) AddVerifyServices(ctx context.Context, rows []store.VerifyService) error {
	return importRows(ctx, x, "verify services",
		"INSERT INTO verify_services ("+verifyServiceCols+") VALUES ("+params(1, 1+verifyServiceColumns)+")", rows,
		func(v store.VerifyService) ([]any, error) { return withSeq(v.Seq, verifyServiceArgs(v)), nil })
}

// AddVerifications inserts verifications, codes and sends included.
func (x *Import) AddVerifications(ctx context.Context, rows []store.Verification) error {
	return importRows(ctx, x, "verifications",
		"INSERT INTO verifications ("+verificationCols+") VALUES ("+params(1, 1+verificationColumns)+")", rows,
		func(v store.Verification) ([]any, error) { return withSeq(v.Seq, verificationArgs(v)), nil })
}

// AddJobs inserts jobs with their IDs, attempts and leases: a job a process held when
// the other database was left runs once its lease has run out, as it would have there.
func (x *Import) AddJobs(ctx context.Context, rows []store.Job) error {
	return importRows(ctx, x, "jobs",
		`INSERT INTO jobs (id, kind, account_sid, resource_sid, queue, target, payload, due_at, attempts, lease_owner, lease_until,
			date_created, ready_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, rows,
		func(j store.Job) ([]any, error) {
			payload := string(j.Payload)
			if payload == "" {
				payload = "{}"
			}
			// ready_at is when a claim may take the job: the end of its lease while it is
			// held, else its due time (see the schema).
			ready := j.DueAt
			if j.LeaseOwner != "" {
				ready = j.LeaseUntil
			}
			return []any{j.ID, j.Kind, j.AccountSid, j.ResourceSid, j.Queue, j.Target, payload, timeArg(j.DueAt), j.Attempts,
				stringArg(j.LeaseOwner), timeArg(j.LeaseUntil), timeArg(j.DateCreated), timeArg(ready)}, nil
		})
}

// AddDeliveries inserts webhook deliveries.
func (x *Import) AddDeliveries(ctx context.Context, rows []store.WebhookDelivery) error {
	return importRows(ctx, x, "webhook deliveries",
		`INSERT INTO webhook_deliveries (seq, sid, account_sid, resource_sid, event, url, method, request_params, signature,
			response_status, response_type, response_body, latency_ms, attempt, error_code, error_message, date_created, replay_of)
		VALUES (`+params(1, 18)+`)`, rows,
		func(d store.WebhookDelivery) ([]any, error) {
			p, err := jsonText(d.Params)
			if err != nil {
				return nil, err
			}
			return []any{d.Seq, d.Sid, d.AccountSid, d.ResourceSid, d.Event, d.URL, d.Method, p, d.Signature,
				intArg(d.ResponseStatus), d.ResponseType, []byte(d.ResponseBody), d.Latency.Milliseconds(), d.Attempt,
				intArg(d.ErrorCode), d.ErrorMessage, timeArg(d.DateCreated), d.ReplayOf}, nil
		})
}

// AddContents inserts Content templates with their WhatsApp approvals.
func (x *Import) AddContents(ctx context.Context, rows []store.Content) error {
	return importRows(ctx, x, "content templates",
		"INSERT INTO contents ("+contentCols+") VALUES ("+params(1, 14)+")", rows,
		func(c store.Content) ([]any, error) {
			args, err := contentArgs(c)
			return withSeq(c.Seq, args), err
		})
}

// AddWhatsAppSessions inserts WhatsApp users' sessions with the accounts' senders.
func (x *Import) AddWhatsAppSessions(ctx context.Context, rows []store.WhatsAppSession) error {
	return importRows(ctx, x, "whatsapp sessions",
		"INSERT INTO whatsapp_sessions ("+whatsappSessionCols+") VALUES ($1, $2, $3, $4, $5)", rows,
		func(w store.WhatsAppSession) ([]any, error) {
			return []any{w.AccountSid, w.Sender, w.User, timeArg(w.LastInbound), timeArg(w.JoinedAt)}, nil
		})
}

// AddWhatsAppSandboxes inserts the accounts' Sandbox settings.
func (x *Import) AddWhatsAppSandboxes(ctx context.Context, rows []store.WhatsAppSandbox) error {
	return importRows(ctx, x, "whatsapp sandboxes",
		"INSERT INTO whatsapp_sandboxes ("+whatsappSandboxCols+") VALUES ($1, $2, $3, $4, $5, $6)", rows,
		func(b store.WhatsAppSandbox) ([]any, error) {
			return []any{b.AccountSid, b.InboundURL, b.InboundMethod, b.StatusCallback, timeArg(b.DateCreated), timeArg(b.DateUpdated)}, nil
		})
}
