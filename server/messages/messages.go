// Package messages serves the Messages and Media resources of the 2010-04-01 API:
// sending (now or scheduled), fetching, listing, redacting, canceling and deleting
// messages, and the media files of MMS. What a message goes through on the simulated
// network is internal/messaging's; these handlers check what the spec cannot say and
// hand it over.
package messages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const messagesPathFormat = "/2010-04-01/Accounts/%s/Messages"

// Store is what the Messages and Media handlers read and write; what changes a message
// goes through Messaging.
type Store interface {
	GetMessage(ctx context.Context, accountSid, sid string) (store.Message, error)
	RedactMessage(ctx context.Context, accountSid, sid string, now time.Time) (store.Message, error)
	ListMessages(ctx context.Context, f store.MessageFilter, p store.Page) ([]store.Message, bool, error)

	GetMedia(ctx context.Context, accountSid, messageSid, sid string) (store.Media, error)
	MediaContent(ctx context.Context, accountSid, messageSid, sid string) (store.Media, error)
	ListMedia(ctx context.Context, f store.MediaFilter, p store.Page) ([]store.Media, bool, error)
	DeleteMedia(ctx context.Context, accountSid, messageSid, sid string) error
}

// Messaging is the simulated messaging network (package messaging), as these handlers
// use it: the rules and the lifecycle of the messages they create and change.
type Messaging interface {
	Send(ctx context.Context, account store.Account, out messaging.Outbound) (store.Message, error)
	Cancel(ctx context.Context, account store.Account, sid string) (store.Message, error)
	Delete(ctx context.Context, account store.Account, sid string) error
}

// Messages holds the handlers of the Messages and Media resources.
type Messages struct {
	store     Store
	messaging Messaging
	accounts  api.AccountFinder // for the checks of the account a path names
	tokens    *pagetoken.Sealer // seals the page tokens of lists
	// scheduleMinLead is how far ahead SendAt must be at least (DefaultScheduleMinLead,
	// or 0 in tests).
	scheduleMinLead time.Duration
	clock           clock.Clock // the simulator's time, stamped on what the handlers write
}

// New returns the Messages and Media handlers over st and msg.
func New(st Store, msg Messaging, accounts api.AccountFinder, tokens *pagetoken.Sealer, scheduleMinLead time.Duration, clk clock.Clock) *Messages {
	return &Messages{store: st, messaging: msg, accounts: accounts, tokens: tokens, scheduleMinLead: scheduleMinLead, clock: clk}
}

// CreateMessage implements gen.StrictServerInterface. The spec has already checked To,
// Body's length and the number of media URLs; the rules that span several parameters are
// checked here.
func (h *Messages) CreateMessage(ctx context.Context, req gen.CreateMessageRequestObject) (gen.CreateMessageResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.CreateMessageRequest{}
	}
	from, service := api.Deref(in.From), api.Deref(in.MessagingServiceSid)
	body, media, contentSid := api.Deref(in.Body), api.Deref(in.MediaUrl), api.Deref(in.ContentSid)
	switch {
	case in.To == "": // an empty body; the spec checks To whenever there is one
		return nil, api.FixedError(api.CodeToRequired, "")
	case !phone.ValidNumber(whatsapp.Number(in.To)): // the spec checked the shape; this checks the length for its country
		return nil, api.FixedError(api.CodeToInvalid, in.To)
	case from == "" && service == "":
		return nil, api.BadRequest(api.CodeFromRequired, "A 'From' phone number is required.")
	case from != "" && !validSender(from):
		ae := api.BadRequest(api.CodeFromInvalid, "The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from)
		ae.Message += api.PlusHint(from)
		return nil, ae
	case body == "" && len(media) == 0 && contentSid == "":
		return nil, api.BadRequest(api.CodeBodyRequired, "Message body is required.")
	}
	for _, u := range media {
		if !messaging.ValidMediaURL(u) {
			return nil, api.BadRequest(api.CodeMediaURLInvalid, "Media URL %s is not a valid http or https URL.", u)
		}
	}
	if cb := api.Deref(in.StatusCallback); cb != "" && !api.ValidWebhookURL(cb) {
		return nil, api.BadRequest(api.CodeStatusCallback, "The StatusCallback URL %q is not a valid URL: use an absolute http or https URL of at most 4,000 characters whose host name has no underscores.", cb)
	}

	out := messaging.Outbound{
		To: in.To, From: from, MessagingServiceSid: service, Body: body, MediaURLs: media,
		ContentSid: contentSid, ContentVariables: api.Deref(in.ContentVariables), StatusCallback: api.Deref(in.StatusCallback),
	}
	if in.ScheduleType != nil || in.SendAt != nil {
		if out.SendAt, err = scheduledAt(in.ScheduleType != nil, api.Deref(in.SendAt), api.Now(h.clock), h.scheduleMinLead); err != nil {
			return nil, err
		}
	}
	m, err := h.messaging.Send(ctx, acct, out)
	if err != nil {
		return nil, fmt.Errorf("create message: %w", err)
	}
	return gen.CreateMessage201JSONResponse(Out(m)), nil
}

// Twilio schedules a message no later than 35 days ahead, and no sooner than a minimum lead
// time (Config.ScheduleMinLead; Twilio's is 15 minutes); both bounds are inclusive.
const scheduleMaxLead = 35 * 24 * time.Hour

// DefaultScheduleMinLead is Twilio's minimum lead time for a scheduled message.
const DefaultScheduleMinLead = 15 * time.Minute

// scheduledAt checks the scheduling parameters: both or neither, and a time within the
// window Twilio accepts, which also keeps every stored SendAt within a few weeks of now.
func scheduledAt(fixed bool, sendAt string, now time.Time, minLead time.Duration) (time.Time, error) {
	if !fixed {
		return time.Time{}, api.BadRequest(api.CodeInvalidParameter, "ScheduleType=fixed is required when SendAt is set.")
	}
	if sendAt == "" {
		return time.Time{}, api.BadRequest(api.CodeInvalidParameter, "SendAt is required when ScheduleType is fixed.")
	}
	t, err := time.Parse(time.RFC3339, sendAt)
	if err != nil {
		return time.Time{}, api.BadRequest(api.CodeInvalidParameter, "SendAt %q is not an RFC 3339 date-time.", sendAt)
	}
	// Compared as durations from now, which cannot overflow: time.Sub saturates.
	if lead := t.Sub(now); lead < minLead || lead > scheduleMaxLead {
		return time.Time{}, api.BadRequest(api.CodeScheduleWindow,
			"Scheduling does not support this timestamp: SendAt must be between %d seconds and 35 days (%d seconds) in the future, inclusive.",
			int64(minLead/time.Second), int64(scheduleMaxLead/time.Second))
	}
	return t.UTC(), nil
}

// FetchMessage implements gen.StrictServerInterface.
func (h *Messages) FetchMessage(ctx context.Context, req gen.FetchMessageRequestObject) (gen.FetchMessageResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	m, err := h.store.GetMessage(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch message: %w", err)
	}
	return gen.FetchMessage200JSONResponse(Out(m)), nil
}

// UpdateMessage implements gen.StrictServerInterface: redaction (Body="") or
// cancellation (Status=canceled), one at a time.
func (h *Messages) UpdateMessage(ctx context.Context, req gen.UpdateMessageRequestObject) (gen.UpdateMessageResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.UpdateMessageRequest{}
	}
	var m store.Message
	switch {
	case in.Body != nil && in.Status != nil:
		return nil, api.BadRequest(api.CodeInvalidParameter, "Set either Body (to redact) or Status (to cancel), not both.")
	case in.Body != nil:
		// The spec allows only the empty string, so this is always a redaction.
		m, err = h.store.RedactMessage(ctx, req.AccountSid, req.Sid, api.Now(h.clock))
	case in.Status != nil:
		m, err = h.messaging.Cancel(ctx, acct, req.Sid)
		if errors.Is(err, store.ErrConflict) {
			return nil, api.BadRequest(api.CodeInvalidParameter, "Message %s is not scheduled; only scheduled messages can be canceled.", req.Sid)
		}
	default:
		return nil, api.BadRequest(api.CodeInvalidParameter, "Nothing to update: set Body to the empty string to redact, or Status to canceled.")
	}
	if err != nil {
		return nil, fmt.Errorf("update message: %w", err)
	}
	return gen.UpdateMessage200JSONResponse(Out(m)), nil
}

// DeleteMessage implements gen.StrictServerInterface.
func (h *Messages) DeleteMessage(ctx context.Context, req gen.DeleteMessageRequestObject) (gen.DeleteMessageResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	if err := h.messaging.Delete(ctx, acct, req.Sid); err != nil {
		return nil, fmt.Errorf("delete message: %w", err)
	}
	return gen.DeleteMessage204Response{}, nil
}

// ListMessages implements gen.StrictServerInterface.
func (h *Messages) ListMessages(ctx context.Context, req gen.ListMessagesRequestObject) (gen.ListMessagesResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.MessageFilter{AccountSid: req.AccountSid, To: api.Deref(p.To), From: api.Deref(p.From)}
	filters := api.GivenFilters(map[string]*string{"To": p.To, "From": p.From, "DateSent": p.DateSent, "DateSent<": p.DateSentBefore, "DateSent>": p.DateSentAfter})
	if err := setDateFilters(&filter, p.DateSent, p.DateSentBefore, p.DateSentAfter); err != nil {
		return nil, err
	}

	path := fmt.Sprintf(messagesPathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListMessages(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}

	var out gen.MessageList
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return newMessagePage(out, rows), nil
}

// messagePage is ListMessages' 200 response, written item by item (api.PageStream).
type messagePage struct{ api.PageStream[gen.Message] }

func (p messagePage) VisitListMessagesResponse(w http.ResponseWriter) error { return p.Write(w) }

func newMessagePage(envelope gen.MessageList, rows []store.Message) messagePage {
	return messagePage{api.PageStream[gen.Message]{Envelope: envelope, Field: "messages", N: len(rows), Item: func(i int) gen.Message { return Out(rows[i]) }}}
}

// setDateFilters turns the DateSent filters into the store's half-open time range.
func setDateFilters(f *store.MessageFilter, on, before, after *string) error {
	var err error
	f.SentFrom, f.SentUntil, err = api.DateRange("DateSent", on, before, after)
	return err
}

// Out renders a stored message in the wire format.
func Out(m store.Message) gen.Message {
	path := "/2010-04-01/Accounts/" + m.AccountSid + "/Messages/" + m.Sid // messagesPathFormat, without fmt's cost per item of a page
	out := gen.Message{
		AccountSid:  m.AccountSid,
		ApiVersion:  api.APIVersion,
		Body:        m.Body,
		DateCreated: api.FormatDate(m.DateCreated),
		DateUpdated: api.FormatDate(m.DateUpdated),
		Direction:   gen.MessageDirection(m.Direction),
		NumMedia:    strconv.Itoa(m.NumMedia),
		NumSegments: strconv.Itoa(m.NumSegments),
		PriceUnit:   "USD",
		Sid:         m.Sid,
		Status:      gen.MessageStatus(m.Status),
		SubresourceUris: map[string]string{
			"media":    path + "/Media.json",
			"feedback": path + "/Feedback.json",
		},
		To:  m.To,
		Uri: path + ".json",
	}
	if !m.DateSent.IsZero() {
		out.DateSent = api.Ptr(api.FormatDate(m.DateSent))
	}
	if m.ErrorCode != 0 {
		out.ErrorCode = api.Ptr(m.ErrorCode)
	}
	out.ErrorMessage = api.NonEmpty(m.ErrorMessage)
	out.Price = api.NonEmpty(m.Price)
	out.From = api.NonEmpty(m.From)
	out.MessagingServiceSid = api.NonEmpty(m.MessagingServiceSid)
	return out
}

// validSender accepts what a carrier would: an E.164 number, a short code, an
// alphanumeric sender ID of at most 11 characters with at least one letter, or a
// WhatsApp address.
func validSender(s string) bool {
	return phone.ValidNumber(s) || phone.IsShortCode(s) || phone.IsAlphaSender(s) || whatsapp.ValidAddress(s)
}
