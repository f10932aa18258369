// Package messaging is Switchboard's messaging network in a box: the rules a message must
// pass to be sent, the simulated carrier that moves it from queued to delivered (or to a
// failure), status callbacks, incoming texts and the TwiML replies of the app they reach,
// opt-out keywords, and media. Every change it makes is written together with the jobs it
// causes (store.Writes), and the jobs are run by an outbox.Runner with the handlers of
// Service.Handlers, so that a crash loses nothing.
//
// WhatsApp rides the same network: a `whatsapp:` address in To and From, the channel's
// rules (internal/whatsapp: the Sandbox, the 24-hour window) applied at a message's first
// step, as Twilio fails such messages after accepting them. A message sent with a Content
// template (internal/content) is the template rendered for its channel.
//
// It knows nothing of HTTP requests made to Switchboard: server/ translates those into
// calls here.
package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// Message statuses and directions, as stored and as on the wire.
const (
	statusAccepted    = "accepted"
	statusScheduled   = "scheduled"
	statusQueued      = "queued"
	statusSending     = "sending"
	statusSent        = "sent"
	statusDelivered   = "delivered"
	statusUndelivered = "undelivered"
	statusFailed      = "failed"
	statusCanceled    = "canceled"
	statusReceived    = "received"
	statusRead        = "read"

	DirectionOutboundAPI   = "outbound-api"
	DirectionOutboundReply = "outbound-reply"
	DirectionInbound       = "inbound"
)

// busyStatuses are those of a message still being processed: it cannot be deleted (20009).
var busyStatuses = []string{statusAccepted, statusQueued, statusSending}

// Job kinds this package handles.
const (
	kindStep    = "message.step"
	kindWebhook = "webhook"
	kindMedia   = "media.fetch"
)

// Store is what the service needs from persistence.
type Store interface {
	GetAccount(ctx context.Context, sid string) (store.Account, error)
	GetMessage(ctx context.Context, accountSid, sid string) (store.Message, error)
	MessageMedia(ctx context.Context, accountSid, messageSid string) ([]store.Media, error)
	OptedOut(ctx context.Context, accountSid, sender, recipient string) (bool, error)
	// SenderCheck is whether the account owns sender as an SMS-capable number, and
	// whether recipient opted out of messages from it, in one read.
	SenderCheck(ctx context.Context, accountSid, sender, recipient string) (owned, optedOut bool, err error)
	PhoneNumberByNumber(ctx context.Context, e164 string) (store.PhoneNumber, error)
	GetMessagingService(ctx context.Context, accountSid, sid string) (store.MessagingService, error)
	ServicePool(ctx context.Context, serviceSid string) (store.SenderPool, error)
	// ServiceOfNumber finds the service whose pool holds a number (store.ErrNotFound when
	// none does).
	ServiceOfNumber(ctx context.Context, phoneNumberSid string) (store.MessagingService, error)
	StickySender(ctx context.Context, serviceSid, recipient string, now time.Time, choose func(current string, load map[string]int) string) (string, error)
	Apply(ctx context.Context, w store.Writes) error
	ChangeStatus(ctx context.Context, c store.StatusChange) (store.Message, error)
	DeleteMessage(ctx context.Context, accountSid, sid string, busy ...string) error
	ClearMessages(ctx context.Context, accountSid string) (int64, error)
	GetDelivery(ctx context.Context, accountSid, sid string) (store.WebhookDelivery, error)
	MediaUsage(ctx context.Context, accountSid string) (int64, error)

	// The Content template of a message sent with one; the WhatsApp channel's sessions
	// and Sandbox settings.
	GetContent(ctx context.Context, accountSid, sid string) (store.Content, error)
	GetWhatsAppSession(ctx context.Context, accountSid, sender, user string) (store.WhatsAppSession, error)
	GetWhatsAppSandbox(ctx context.Context, accountSid string) (store.WhatsAppSandbox, error)
}

// Config holds what New needs; zero durations take the defaults.
type Config struct {
	Store   Store
	Webhook *webhook.Client
	Logger  *slog.Logger
	// StepDelay is the time between two steps of a simulated delivery (queued, sending,
	// sent, delivered): default 100 ms, so a message is delivered well within a second.
	StepDelay time.Duration
	// BaseURL is where apps reach this server (e.g. http://127.0.0.1:8080): media URLs
	// in incoming-message webhooks point there.
	BaseURL string
	// MaxMediaBytes bounds a fetched media file (default 5 MB, as Twilio's MMS limit).
	MaxMediaBytes int64
	// MediaQuota bounds the media content one account stores, in bytes (0: no bound).
	// An account at its quota gets no new media (codeMediaQuota), and a file that would
	// take it past fails its message.
	MediaQuota int64
	// Clock is the simulator's time (default clock.Real{}): messages' dates, scheduled
	// sends and the delivery's steps run by it, and WhatsApp's 24-hour window and Sandbox
	// memberships are measured on it.
	Clock clock.Clock
}

// Service is the messaging network. Its methods are safe for concurrent use.
type Service struct {
	store     Store
	webhook   *webhook.Client
	log       *slog.Logger
	stepDelay time.Duration
	baseURL   string
	maxMedia  int64
	quota     int64
	clock     clock.Clock
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, webhook: cfg.Webhook, log: cfg.Logger, stepDelay: cfg.StepDelay,
		baseURL: cfg.BaseURL, maxMedia: cfg.MaxMediaBytes, quota: cfg.MediaQuota, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.stepDelay <= 0 {
		s.stepDelay = 100 * time.Millisecond
	}
	if s.maxMedia <= 0 {
		s.maxMedia = 5 << 20
	}
	return s
}

// Kinds are the outbox handlers of the jobs this package writes, by kind. A lease is
// renewed while its job runs, so it is how long a job of a process that died waits
// before another takes it over: short, so a restart picks up at once.
func (s *Service) Kinds() map[string]outbox.Kind {
	return map[string]outbox.Kind{
		kindStep: {Handle: s.step, Lease: 2 * time.Second},
		kindWebhook: {Handle: (&phone.Webhooks{Accounts: s.store, Client: s.webhook, Log: s.log, OnAnswer: s.actOnAnswer, Clock: s.clock}).Handle,
			Lease: 3 * time.Second, Lane: outbox.Requests},
		kindMedia: {Handle: s.fetchMedia, Lease: 3 * time.Second, Lane: outbox.Requests},
	}
}

// Outbound is a message to send, as the API (or a TwiML reply) asks for it. Its shape
// has been checked already (E.164 To, lengths); Send checks the rules of the network.
type Outbound struct {
	To, From            string
	MessagingServiceSid string
	Body                string
	MediaURLs           []string
	// ContentSid names a Content template of the account, which the message is made of
	// instead of Body and MediaURLs; ContentVariables (a JSON object) fill its
	// placeholders.
	ContentSid, ContentVariables string
	StatusCallback               string
	SendAt                       time.Time // zero: send now
	Direction                    string    // default outbound-api
	// Network is a message the network sends itself (Verify's codes): From is the
	// network's own number, which no account owns, so the sender's ownership is not
	// checked; a recipient's STOP to it still is.
	Network bool
}

// Send checks out against the network's rules and queues it (or schedules it): the
// message, its media and the jobs that will deliver it are written together. A rule it
// breaks is a *phone.RuleError. A message of a Messaging Service takes the service's status
// callback when it has none, and without a From waits `accepted` for its first step to
// pick the sender (see chooseSender).
func (s *Service) Send(ctx context.Context, account store.Account, out Outbound) (store.Message, error) {
	if e := whatsapp.CheckPair(out.From, out.To); e != nil {
		return store.Message{}, e
	}
	if err := s.fillFromContent(ctx, account, &out); err != nil {
		return store.Message{}, err
	}
	if whatsapp.IsAddress(out.To) {
		if err := s.whatsappOutbound(ctx, account, &out); err != nil {
			return store.Message{}, err
		}
	}
	if out.MessagingServiceSid != "" {
		svc, err := s.serviceOf(ctx, account.Sid, out.MessagingServiceSid)
		if err != nil {
			return store.Message{}, err
		}
		if out.StatusCallback == "" {
			out.StatusCallback = svc.StatusCallback
		}
	}
	if e := magicRule(out); e != nil {
		return store.Message{}, e
	}
	if len(out.MediaURLs) > 0 {
		if err := s.roomForMedia(ctx, account.Sid); err != nil {
			return store.Message{}, err
		}
	}
	m, w := s.planOutbound(account, out, s.clock.Now())
	// The sender's rules are checked in the write itself (store.SenderRule), not read
	// before it: nothing can change between the check and the message.
	if out.From != "" {
		w.Sender = &store.SenderRule{AccountSid: account.Sid, Sender: out.From, Recipient: out.To, MustOwn: mustOwn(out.From) && !out.Network}
	}
	err := s.store.Apply(ctx, w)
	if errors.Is(err, store.ErrNotSender) {
		return store.Message{}, notSenderError(out)
	}
	if errors.Is(err, store.ErrOptedOut) {
		return store.Message{}, optedOutError(out.To, out.From)
	}
	if err != nil {
		return store.Message{}, fmt.Errorf("send message: %w", err)
	}
	return m, nil
}

// checkSend applies the rules a carrier applies before accepting a message, for a caller
// that decides what to write from the answer (Send checks them in its write instead).
func (s *Service) checkSend(ctx context.Context, account store.Account, out Outbound) error {
	if e := magicRule(out); e != nil {
		return e
	}
	if out.From == "" {
		return nil
	}
	owned, opted := true, false
	var err error
	if mustOwn(out.From) {
		owned, opted, err = s.store.SenderCheck(ctx, account.Sid, out.From, out.To)
	} else {
		opted, err = s.store.OptedOut(ctx, account.Sid, out.From, out.To)
	}
	if err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	if !owned {
		return notSenderError(out)
	}
	if opted {
		return optedOutError(out.To, out.From)
	}
	return nil
}

// magicRule is the error Twilio's magic test numbers ask for, or nil.
func magicRule(out Outbound) *phone.RuleError {
	if e, ok := magicTo[out.To]; ok {
		return &e
	}
	if e, ok := magicFrom[out.From]; ok {
		return &e
	}
	return nil
}

// mustOwn tells whether an account may send from from only when it owns it: any sender
// but an alphanumeric sender ID, Twilio's magic test sender, and a WhatsApp sender (whose
// rules are the channel's, checked on the message's way: see whatsappFailure).
func mustOwn(from string) bool {
	return from != phone.MagicFrom && !phone.IsAlphaSender(from) && !whatsapp.IsAddress(from)
}

func notSenderError(out Outbound) *phone.RuleError {
	return phone.RuleErrorf(21606, "The 'From' phone number provided (%s) is not a valid message-capable Twilio phone number for this destination/account.", out.From)
}

func optedOutError(to, from string) *phone.RuleError {
	return phone.RuleErrorf(21610, "Attempt to send to unsubscribed recipient: %s replied STOP to %s. They can reply START to opt back in.", to, from)
}

// planOutbound builds a message that passed the rules, with its media and its first
// job: a media fetch when it has media, else its first delivery step.
func (s *Service) planOutbound(account store.Account, out Outbound, at time.Time) (store.Message, store.Writes) {
	now := at.UTC().Truncate(time.Second)
	direction := out.Direction
	if direction == "" {
		direction = DirectionOutboundAPI
	}
	m := store.Message{
		Sid:                 messageSid(len(out.MediaURLs)),
		AccountSid:          account.Sid,
		To:                  out.To,
		From:                out.From,
		MessagingServiceSid: out.MessagingServiceSid,
		Body:                out.Body,
		MediaURLs:           out.MediaURLs,
		NumMedia:            len(out.MediaURLs),
		Status:              statusQueued,
		Direction:           direction,
		NumSegments:         NumSegments(out.Body),
		StatusCallback:      out.StatusCallback,
		ContentSid:          out.ContentSid,
		DateCreated:         now,
		DateUpdated:         now,
	}
	if needsSender(m) {
		m.Status = statusAccepted
	}
	if whatsapp.IsAddress(m.To) {
		m.NumSegments = 1 // WhatsApp has no segments
	}
	firstStep := at.Add(s.stepDelay)
	if !out.SendAt.IsZero() {
		m.Status, m.SendAt, firstStep = statusScheduled, out.SendAt, out.SendAt
	}
	w := store.Writes{Messages: []store.Message{m}}
	step := s.stepJob(m, firstStep)
	if len(out.MediaURLs) == 0 {
		w.Jobs = append(w.Jobs, step)
		return m, w
	}
	for _, u := range out.MediaURLs {
		w.Media = append(w.Media, store.Media{Sid: sid.New("ME"), AccountSid: m.AccountSid, MessageSid: m.Sid, URL: u,
			DateCreated: now, DateUpdated: now})
	}
	w.Jobs = append(w.Jobs, s.mediaJob(m, mediaThen{Step: &step}))
	return m, w
}

// messageSid is a new message's SID: MM… for a message with media, SM… for one
// without, as Twilio's.
func messageSid(media int) string {
	if media > 0 {
		return sid.New("MM")
	}
	return sid.New("SM")
}

// Cancel cancels a scheduled message; ErrConflict (from the store) when it is not
// scheduled any more.
func (s *Service) Cancel(ctx context.Context, account store.Account, sid string) (store.Message, error) {
	m, err := s.store.GetMessage(ctx, account.Sid, sid)
	if err != nil {
		return store.Message{}, fmt.Errorf("cancel message: %w", err)
	}
	m.Status = statusCanceled
	now := s.clock.Now().UTC().Truncate(time.Second)
	m, err = s.store.ChangeStatus(ctx, store.StatusChange{
		AccountSid: account.Sid, Sid: sid, From: []string{statusScheduled}, To: statusCanceled, DateUpdated: now,
		CancelJobsOfKind: kindStep, Jobs: s.callbackJobs(m, now),
	})
	if err != nil {
		return store.Message{}, fmt.Errorf("cancel message: %w", err)
	}
	return m, nil
}

// ForcedStatuses are the statuses a message can be forced into, to exercise an app's
// handling of each.
var ForcedStatuses = []string{statusSent, statusDelivered, statusUndelivered, statusFailed, statusRead, statusCanceled}

// ForceStatus moves an outbound message to status (with errorCode for undelivered and
// failed), stops its simulated delivery, and fires its status callback as a real change
// would.
func (s *Service) ForceStatus(ctx context.Context, account store.Account, sid, status string, errorCode int) (store.Message, error) {
	if !slices.Contains(ForcedStatuses, status) {
		return store.Message{}, phone.RuleErrorf(20001, "Status %q cannot be forced; use one of %v.", status, ForcedStatuses)
	}
	failing := status == statusUndelivered || status == statusFailed
	if errorCode != 0 && !failing {
		return store.Message{}, phone.RuleErrorf(20001, "ErrorCode goes with Status undelivered or failed only.")
	}
	if failing && errorCode == 0 {
		errorCode = 30008 // Twilio's "unknown error"
	}
	m, err := s.store.GetMessage(ctx, account.Sid, sid)
	if err != nil {
		return store.Message{}, fmt.Errorf("force status: %w", err)
	}
	if m.Direction == DirectionInbound {
		return store.Message{}, phone.RuleErrorf(20001, "Message %s is inbound; only outbound messages have a delivery status to force.", sid)
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	c := store.StatusChange{AccountSid: account.Sid, Sid: sid, From: []string{m.Status}, To: status, ErrorCode: errorCode,
		ErrorMessage: errorMessage(errorCode), DateUpdated: now, CancelJobsOfKind: kindStep}
	if m.DateSent.IsZero() && status != statusFailed && status != statusCanceled {
		c.DateSent, c.Price = now, price(m.NumSegments, m.NumMedia)
	}
	m.Status, m.ErrorCode = status, errorCode
	c.Jobs = s.callbackJobs(m, now)
	m, err = s.store.ChangeStatus(ctx, c)
	if err != nil {
		return store.Message{}, fmt.Errorf("force status: %w", err)
	}
	return m, nil
}

// errorMessage words the delivery error codes Switchboard sets.
func errorMessage(code int) string {
	for _, f := range destinationFailures {
		if f.Code == code {
			return f.Message
		}
	}
	switch code {
	case 0:
		return ""
	case 11200:
		return "HTTP retrieval failure"
	case 11751:
		return "Media exceeds the size limit"
	case 21610:
		return "Attempt to send to unsubscribed recipient"
	}
	return fmt.Sprintf("Error %d", code)
}

// Delete deletes a message unless it is still being processed (20009).
func (s *Service) Delete(ctx context.Context, account store.Account, sid string) error {
	err := s.store.DeleteMessage(ctx, account.Sid, sid, busyStatuses...)
	if errors.Is(err, store.ErrConflict) {
		return phone.RuleErrorf(20009, "Cannot delete message %s because it is still being processed (status %v); delete it once it is delivered, failed or canceled.", sid, busyStatuses)
	}
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	return nil
}

// Clear deletes every message of the account, busy or not, with its media, webhook
// records and pending work: a fresh start for the account's inbox. It returns how many
// messages it deleted.
func (s *Service) Clear(ctx context.Context, account store.Account) (int64, error) {
	n, err := s.store.ClearMessages(ctx, account.Sid)
	if err != nil {
		return 0, fmt.Errorf("clear messages: %w", err)
	}
	return n, nil
}
