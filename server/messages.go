package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	apiVersion         = "2010-04-01"
	directionOutbound  = "outbound-api"
	messageQueued      = "queued"
	messageScheduled   = "scheduled"
	messagesPathFormat = "/2010-04-01/Accounts/%s/Messages"
)

// CreateMessage implements gen.StrictServerInterface. The spec has already checked To,
// Body's length and the number of media URLs; the rules that span several parameters are
// checked here.
func (s *Server) CreateMessage(ctx context.Context, req gen.CreateMessageRequestObject) (gen.CreateMessageResponseObject, error) {
	acct, err := s.activeAccount(ctx, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.CreateMessageRequest{}
	}
	from, service := deref(in.From), deref(in.MessagingServiceSid)
	body, media := deref(in.Body), deref(in.MediaUrl)
	switch {
	case in.To == "": // an empty body; the spec checks To whenever there is one
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeToRequired, Message: codeMessages[codeToRequired]("")}
	case !messaging.ValidNumber(in.To): // the spec checked the shape; this checks the length for its country
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeToInvalid, Message: codeMessages[codeToInvalid](in.To)}
	case from == "" && service == "":
		return nil, badRequest(codeFromRequired, "A 'From' phone number is required.")
	case from != "" && !validSender(from):
		ae := badRequest(codeFromInvalid, "The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from)
		ae.Message += plusHint(from)
		return nil, ae
	case body == "" && len(media) == 0:
		return nil, badRequest(codeBodyRequired, "Message body is required.")
	}
	for _, u := range media {
		if !messaging.ValidMediaURL(u) {
			return nil, badRequest(codeMediaURLInvalid, "Media URL %s is not a valid http or https URL.", u)
		}
	}

	out := messaging.Outbound{
		To: in.To, From: from, MessagingServiceSid: service, Body: body, MediaURLs: media,
		StatusCallback: deref(in.StatusCallback),
	}
	if in.ScheduleType != nil || in.SendAt != nil {
		if out.SendAt, err = scheduledAt(in.ScheduleType != nil, deref(in.SendAt), now(), s.scheduleMinLead); err != nil {
			return nil, err
		}
	}
	m, err := s.msg.Send(ctx, acct, out)
	if err != nil {
		return nil, fmt.Errorf("create message: %w", err)
	}
	return gen.CreateMessage201JSONResponse(messageOut(m)), nil
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
		return time.Time{}, badRequest(codeInvalidParameter, "ScheduleType=fixed is required when SendAt is set.")
	}
	if sendAt == "" {
		return time.Time{}, badRequest(codeInvalidParameter, "SendAt is required when ScheduleType is fixed.")
	}
	t, err := time.Parse(time.RFC3339, sendAt)
	if err != nil {
		return time.Time{}, badRequest(codeInvalidParameter, "SendAt %q is not an RFC 3339 date-time.", sendAt)
	}
	// Compared as durations from now, which cannot overflow: time.Sub saturates.
	if lead := t.Sub(now); lead < minLead || lead > scheduleMaxLead {
		return time.Time{}, badRequest(codeScheduleWindow,
			"Scheduling does not support this timestamp: SendAt must be between %d seconds and 35 days (%d seconds) in the future, inclusive.",
			int64(minLead/time.Second), int64(scheduleMaxLead/time.Second))
	}
	return t.UTC(), nil
}

// FetchMessage implements gen.StrictServerInterface.
func (s *Server) FetchMessage(ctx context.Context, req gen.FetchMessageRequestObject) (gen.FetchMessageResponseObject, error) {
	if _, err := s.activeAccount(ctx, req.AccountSid); err != nil {
		return nil, err
	}
	m, err := s.store.GetMessage(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch message: %w", err)
	}
	return gen.FetchMessage200JSONResponse(messageOut(m)), nil
}

// UpdateMessage implements gen.StrictServerInterface: redaction (Body="") or
// cancellation (Status=canceled), one at a time.
func (s *Server) UpdateMessage(ctx context.Context, req gen.UpdateMessageRequestObject) (gen.UpdateMessageResponseObject, error) {
	acct, err := s.activeAccount(ctx, req.AccountSid)
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
		return nil, badRequest(codeInvalidParameter, "Set either Body (to redact) or Status (to cancel), not both.")
	case in.Body != nil:
		// The spec allows only the empty string, so this is always a redaction.
		m, err = s.store.RedactMessage(ctx, req.AccountSid, req.Sid, now())
	case in.Status != nil:
		m, err = s.msg.Cancel(ctx, acct, req.Sid)
		if errors.Is(err, store.ErrConflict) {
			return nil, badRequest(codeInvalidParameter, "Message %s is not scheduled; only scheduled messages can be canceled.", req.Sid)
		}
	default:
		return nil, badRequest(codeInvalidParameter, "Nothing to update: set Body to the empty string to redact, or Status to canceled.")
	}
	if err != nil {
		return nil, fmt.Errorf("update message: %w", err)
	}
	return gen.UpdateMessage200JSONResponse(messageOut(m)), nil
}

// DeleteMessage implements gen.StrictServerInterface.
func (s *Server) DeleteMessage(ctx context.Context, req gen.DeleteMessageRequestObject) (gen.DeleteMessageResponseObject, error) {
	acct, err := s.activeAccount(ctx, req.AccountSid)
	if err != nil {
		return nil, err
	}
	if err := s.msg.Delete(ctx, acct, req.Sid); err != nil {
		return nil, fmt.Errorf("delete message: %w", err)
	}
	return gen.DeleteMessage204Response{}, nil
}

// ListMessages implements gen.StrictServerInterface.
func (s *Server) ListMessages(ctx context.Context, req gen.ListMessagesRequestObject) (gen.ListMessagesResponseObject, error) {
	if _, err := s.activeAccount(ctx, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.MessageFilter{AccountSid: req.AccountSid, To: deref(p.To), From: deref(p.From)}
	filters := givenFilters(map[string]*string{"To": p.To, "From": p.From, "DateSent": p.DateSent, "DateSent<": p.DateSentBefore, "DateSent>": p.DateSentAfter})
	if err := setDateFilters(&filter, p.DateSent, p.DateSentBefore, p.DateSentAfter); err != nil {
		return nil, err
	}

	path := fmt.Sprintf(messagesPathFormat, req.AccountSid) + ".json"
	pr := newPageRequest(caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.storePage(s.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := s.store.ListMessages(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}

	var out gen.MessageList
	l := pr.links(s.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return newMessagePage(out, rows), nil
}

// setDateFilters turns the DateSent filters into the store's half-open time range.
func setDateFilters(f *store.MessageFilter, on, before, after *string) error {
	var err error
	f.SentFrom, f.SentUntil, err = dateRange("DateSent", on, before, after)
	return err
}

// dateRange turns a date filter of Twilio's lists (DateSent, StartTime, EndTime,
// DateCreated) and its `<` and `>` forms into a half-open time range [from, until); a
// zero bound is open. A date alone means the whole UTC day; `<` and `>` include their
// bound.
func dateRange(name string, on, before, after *string) (from, until time.Time, err error) {
	narrow := func(f, u time.Time) {
		if !f.IsZero() && (from.IsZero() || f.After(from)) {
			from = f
		}
		if !u.IsZero() && (until.IsZero() || u.Before(until)) {
			until = u
		}
	}
	for _, d := range []struct {
		name  string
		value *string
	}{{name, on}, {name + "<", before}, {name + ">", after}} {
		if d.value == nil {
			continue
		}
		t, dayOnly, err := parseDateFilter(*d.value)
		if err != nil {
			return time.Time{}, time.Time{}, badRequest(codeInvalidParameter,
				"Invalid parameter %s: %q is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time.", d.name, *d.value)
		}
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		switch {
		case d.name == name:
			narrow(day, day.AddDate(0, 0, 1))
		case d.name == name+"<" && dayOnly:
			narrow(time.Time{}, day.AddDate(0, 0, 1))
		case d.name == name+"<":
			narrow(time.Time{}, t.Add(time.Nanosecond))
		default: // name>
			narrow(t, time.Time{})
		}
	}
	return from, until, nil
}

func parseDateFilter(s string) (t time.Time, dayOnly bool, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339, s)
	return t.UTC(), false, err
}

// messageOut renders a stored message in the wire format.
func messageOut(m store.Message) gen.Message {
	path := "/2010-04-01/Accounts/" + m.AccountSid + "/Messages/" + m.Sid // messagesPathFormat, without fmt's cost per item of a page
	out := gen.Message{
		AccountSid:  m.AccountSid,
		ApiVersion:  apiVersion,
		Body:        m.Body,
		DateCreated: formatDate(m.DateCreated),
		DateUpdated: formatDate(m.DateUpdated),
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
		out.DateSent = ptr(formatDate(m.DateSent))
	}
	if m.ErrorCode != 0 {
		out.ErrorCode = ptr(m.ErrorCode)
	}
	out.ErrorMessage = nonEmpty(m.ErrorMessage)
	out.Price = nonEmpty(m.Price)
	out.From = nonEmpty(m.From)
	out.MessagingServiceSid = nonEmpty(m.MessagingServiceSid)
	return out
}
