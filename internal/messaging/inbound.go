package messaging

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// Inbound is a text a phone sends to one of the account's numbers.
type Inbound struct {
	From, To  string
	Body      string
	MediaURLs []string
	// WhatsApp is what a WhatsApp user's message carries beyond a text's.
	WhatsApp whatsapp.Inbound
}

// Twilio's default opt-out handling: the keywords (a whole message, any case) and the
// replies Twilio sends for them.
var (
	stopWords  = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
	startWords = []string{"START", "YES", "UNSTOP"}
	helpWords  = []string{"HELP", "INFO"}
)

const (
	stopReply  = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe."
	startReply = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply."
	helpReply  = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
)

// keyword says which opt-out keyword a body is ("STOP", "START", "HELP"), or "".
func keyword(body string) string {
	word := strings.ToUpper(strings.TrimSpace(body))
	for _, set := range []struct {
		kind  string
		words []string
	}{{"STOP", stopWords}, {"START", startWords}, {"HELP", helpWords}} {
		for _, w := range set.words {
			if word == w {
				return set.kind
			}
		}
	}
	return ""
}

// Receive stores a text sent to one of account's numbers, handles opt-out keywords, and
// queues the incoming-message webhook (after fetching the media, if any), all in one
// transaction. The webhook is the number's SmsUrl, or, for a number in a Messaging
// Service's pool, the service's InboundRequestUrl unless the service defers to its
// numbers (UseInboundWebhookOnNumber). A message of a WhatsApp user is receiveWhatsApp's.
func (s *Service) Receive(ctx context.Context, account store.Account, in Inbound) (store.Message, error) {
	if whatsapp.IsAddress(in.To) || whatsapp.IsAddress(in.From) {
		return s.receiveWhatsApp(ctx, account, in)
	}
	number, err := s.ownNumber(ctx, account, in.To)
	if err != nil {
		return store.Message{}, err
	}
	if !number.Capabilities.SMS {
		return store.Message{}, phone.RuleErrorf(20001, "The 'To' number %s cannot receive texts (it has no SMS capability).", in.To)
	}
	if in.Body == "" && len(in.MediaURLs) == 0 {
		return store.Message{}, phone.RuleErrorf(21602, "Message body is required.")
	}
	if err := s.checkInboundMedia(ctx, account, in.MediaURLs); err != nil {
		return store.Message{}, err
	}
	svc, inService, err := s.serviceOfNumber(ctx, number)
	if err != nil {
		return store.Message{}, err
	}

	now := s.clock.Now().UTC().Truncate(time.Second)
	segments := NumSegments(in.Body)
	m := store.Message{
		Sid: messageSid(len(in.MediaURLs)), AccountSid: account.Sid, To: in.To, From: in.From, Body: in.Body,
		MediaURLs: in.MediaURLs, NumMedia: len(in.MediaURLs), Status: statusReceived, Direction: DirectionInbound,
		NumSegments: segments, Price: price(segments, len(in.MediaURLs)), DateCreated: now, DateUpdated: now, DateSent: now,
	}
	if inService {
		m.MessagingServiceSid = svc.Sid
	}
	w := store.Writes{Messages: []store.Message{m}}

	kw := keyword(in.Body)
	if reply := keywordReply(m, kw); reply != nil {
		w.OptOuts = append(w.OptOuts, store.OptOut{AccountSid: account.Sid, Sender: in.To, Recipient: in.From, Out: kw == "STOP", DateCreated: now})
		_, rw := s.planOutbound(account, *reply, now)
		appendWrites(&w, rw)
	}
	return s.deliverInbound(ctx, m, w, numberHook(number, svc, inService, incomingParams(m, kw)), now)
}

// ownNumber is the account's phone number e164, or the rule error of a text to a number
// that is not the account's.
func (s *Service) ownNumber(ctx context.Context, account store.Account, e164 string) (store.PhoneNumber, error) {
	number, err := s.store.PhoneNumberByNumber(ctx, e164)
	if errors.Is(err, store.ErrNotFound) || (err == nil && number.AccountSid != account.Sid) {
		return store.PhoneNumber{}, phone.RuleErrorf(20001, "The 'To' number %s is not one of this account's phone numbers: buy it first (IncomingPhoneNumbers).", e164)
	}
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("receive message: %w", err)
	}
	return number, nil
}

// checkInboundMedia checks the media URLs of an incoming message, and the account's
// room for them.
func (s *Service) checkInboundMedia(ctx context.Context, account store.Account, urls []string) error {
	for _, u := range urls {
		if !ValidMediaURL(u) {
			return phone.RuleErrorf(21620, "Media URL %s is not a valid http or https URL.", u)
		}
	}
	if len(urls) > 0 {
		return s.roomForMedia(ctx, account.Sid)
	}
	return nil
}

// serviceOfNumber is the Messaging Service whose pool holds number, if any.
func (s *Service) serviceOfNumber(ctx context.Context, number store.PhoneNumber) (store.MessagingService, bool, error) {
	svc, err := s.store.ServiceOfNumber(ctx, number.Sid)
	if errors.Is(err, store.ErrNotFound) {
		return store.MessagingService{}, false, nil
	}
	if err != nil {
		return store.MessagingService{}, false, fmt.Errorf("receive message: %w", err)
	}
	return svc, true, nil
}

// numberHook is the incoming-message webhook of a message to number (in svc's pool when
// inService) with params, or nil when nothing is configured to receive it.
func numberHook(number store.PhoneNumber, svc store.MessagingService, inService bool, params map[string]string) *phone.Webhook {
	if inService && !svc.UseInboundWebhookOnNumber {
		if svc.InboundRequestURL == "" {
			return nil
		}
		return &phone.Webhook{
			Event: EventIncomingMessage, URL: svc.InboundRequestURL, Method: twiml.Method(svc.InboundMethod),
			FallbackURL: svc.FallbackURL, FallbackMethod: twiml.Method(svc.FallbackMethod), Params: params,
		}
	}
	if number.SmsURL == "" {
		return nil
	}
	return &phone.Webhook{
		Event: EventIncomingMessage, URL: number.SmsURL, Method: twiml.Method(number.SmsMethod),
		FallbackURL: number.SmsFallbackURL, FallbackMethod: twiml.Method(number.SmsFallbackMethod), Params: params,
	}
}

// deliverInbound writes incoming message m with w (which holds m) and what reaches the
// app: hook (nil for none) at once, or once m's media are fetched.
func (s *Service) deliverInbound(ctx context.Context, m store.Message, w store.Writes, hook *phone.Webhook, now time.Time) (store.Message, error) {
	if len(m.MediaURLs) == 0 {
		if hook != nil {
			w.Jobs = append(w.Jobs, s.webhookJob(m, *hook, now))
		}
	} else {
		for _, u := range m.MediaURLs {
			w.Media = append(w.Media, store.Media{Sid: sid.New("ME"), AccountSid: m.AccountSid, MessageSid: m.Sid, URL: u,
				DateCreated: now, DateUpdated: now})
		}
		w.Jobs = append(w.Jobs, s.mediaJob(m, mediaThen{Webhook: hook}))
	}
	if err := s.store.Apply(ctx, w); err != nil {
		return store.Message{}, fmt.Errorf("receive message: %w", err)
	}
	return m, nil
}

// keywordReply is Twilio's automatic answer to an opt-out keyword, or nil.
func keywordReply(in store.Message, kw string) *Outbound {
	text := map[string]string{"STOP": stopReply, "START": startReply, "HELP": helpReply}[kw]
	if text == "" {
		return nil
	}
	return &Outbound{To: in.From, From: in.To, Body: text, Direction: DirectionOutboundReply}
}

// incomingParams are the parameters of an incoming-message webhook (before media).
func incomingParams(m store.Message, kw string) map[string]string {
	p := map[string]string{
		"MessageSid":    m.Sid,
		"SmsSid":        m.Sid,
		"SmsMessageSid": m.Sid,
		"AccountSid":    m.AccountSid,
		"From":          m.From,
		"To":            m.To,
		"Body":          m.Body,
		"NumMedia":      strconv.Itoa(m.NumMedia),
		"NumSegments":   strconv.Itoa(m.NumSegments),
		"SmsStatus":     statusReceived,
		"ApiVersion":    "2010-04-01",
	}
	if m.MessagingServiceSid != "" {
		p["MessagingServiceSid"] = m.MessagingServiceSid
	}
	phone.AddPlaces(p, m.From, m.To)
	if kw != "" {
		p["OptOutType"] = kw
	}
	return p
}
