package messaging

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/switchboard-dev/switchboard/internal/content"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// The WhatsApp channel on the messaging network. Its rules are internal/whatsapp's; this
// file applies them: at create (one media file, the Sandbox's status callback), on a
// message's first step (whatsappFailure), and to what WhatsApp users send
// (receiveWhatsApp). docs/simulator.md documents them for users; keep the two in step.

// whatsappOutbound is what the WhatsApp channel changes of a message when it is created:
// it carries one media file at most (Twilio ignores the others), and a message from the
// Sandbox without a status callback takes the Sandbox's.
func (s *Service) whatsappOutbound(ctx context.Context, account store.Account, out *Outbound) error {
	if len(out.MediaURLs) > 1 {
		out.MediaURLs = out.MediaURLs[:1]
	}
	if out.From != whatsapp.SandboxAddress || out.StatusCallback != "" {
		return nil
	}
	sb, err := s.store.GetWhatsAppSandbox(ctx, account.Sid)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("send message: %w", err)
	}
	out.StatusCallback = sb.StatusCallback
	return nil
}

// whatsappFailure is how the WhatsApp channel fails message m on its way, read at its
// first step, at the simulator's time at (nil when it goes on): a From that is no
// WhatsApp sender of m's account, a Sandbox user who has not joined, a freeform message
// (or a template WhatsApp has not approved) outside the 24-hour window.
func (s *Service) whatsappFailure(ctx context.Context, m store.Message, at time.Time) (*whatsapp.Failure, error) {
	d := whatsapp.Delivery{Sandbox: m.From == whatsapp.SandboxAddress, Template: m.ContentSid != "", Now: at}
	if !d.Sandbox {
		n, err := s.store.PhoneNumberByNumber(ctx, whatsapp.Number(m.From))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		d.Sender = err == nil && n.AccountSid == m.AccountSid && n.WhatsApp
	}
	session, err := s.store.GetWhatsAppSession(ctx, m.AccountSid, m.From, m.To)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	d.Session = whatsapp.Session{LastInbound: session.LastInbound, JoinedAt: session.JoinedAt}
	if d.Template {
		c, err := s.store.GetContent(ctx, m.AccountSid, m.ContentSid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		d.Approved = c.Approval.Status == content.StatusApproved // a deleted template is no approved one
	}
	return whatsapp.Check(d), nil
}

// receiveWhatsApp stores a WhatsApp user's message to one of the account's WhatsApp
// senders or to the Sandbox, opens the user's 24-hour window with the sender (on the
// simulator's clock), and queues the incoming-message webhook with WhatsApp's parameters:
// the number's (or its service's) webhook, or the Sandbox's. On the Sandbox, the
// Sandbox answers itself what is not for the app: "join <keyword>" joins (another
// keyword leaves: it is another account's Sandbox), "stop" leaves, and a user who is not
// a member is told the keyword; none of these reaches the app.
func (s *Service) receiveWhatsApp(ctx context.Context, account store.Account, in Inbound) (store.Message, error) {
	switch {
	case !whatsapp.ValidAddress(in.From) || !whatsapp.ValidAddress(in.To):
		return store.Message{}, phone.RuleErrorf(20001, "A WhatsApp message goes from a whatsapp: address to a whatsapp: address (whatsapp:+14155550100), not from %s to %s.", in.From, in.To)
	case in.WhatsApp.Validate() != "":
		return store.Message{}, phone.RuleErrorf(20001, "%s", in.WhatsApp.Validate())
	case in.Body == "" && len(in.MediaURLs) == 0 && !in.WhatsApp.HasContent():
		return store.Message{}, phone.RuleErrorf(21602, "Message body is required: give Body, a MediaUrl, a location or a button.")
	case len(in.MediaURLs) > 1:
		return store.Message{}, phone.RuleErrorf(20001, "A WhatsApp message carries one media file at most, not %d.", len(in.MediaURLs))
	}
	if err := s.checkInboundMedia(ctx, account, in.MediaURLs); err != nil {
		return store.Message{}, err
	}
	sandbox := in.To == whatsapp.SandboxAddress
	var (
		number    store.PhoneNumber
		svc       store.MessagingService
		inService bool
		err       error
	)
	if !sandbox {
		number, err = s.ownNumber(ctx, account, whatsapp.Number(in.To))
		if err != nil {
			return store.Message{}, err
		}
		if !number.WhatsApp {
			return store.Message{}, phone.RuleErrorf(20001, "The 'To' number %s is not a WhatsApp sender of this account: make it one first (POST /switchboard/v1/Accounts/%s/IncomingPhoneNumbers/%s/WhatsApp), or use the Sandbox, %s.",
				whatsapp.Number(in.To), account.Sid, number.Sid, whatsapp.SandboxAddress)
		}
		if svc, inService, err = s.serviceOfNumber(ctx, number); err != nil {
			return store.Message{}, err
		}
	}

	at := s.clock.Now()
	now := at.UTC().Truncate(time.Second)
	m := store.Message{
		Sid: messageSid(len(in.MediaURLs)), AccountSid: account.Sid, To: in.To, From: in.From, Body: in.Body,
		MediaURLs: in.MediaURLs, NumMedia: len(in.MediaURLs), Status: statusReceived, Direction: DirectionInbound,
		NumSegments: 1, Price: price(1, len(in.MediaURLs)), DateCreated: now, DateUpdated: now, DateSent: now,
	}
	if inService {
		m.MessagingServiceSid = svc.Sid
	}
	opened := store.WhatsAppInbound{AccountSid: account.Sid, Sender: in.To, User: in.From, At: at}
	w := store.Writes{Messages: []store.Message{m}}
	params := incomingParams(m, "")
	mediaURL := ""
	if len(in.MediaURLs) > 0 {
		mediaURL = in.MediaURLs[0]
	}
	maps.Copy(params, in.WhatsApp.Params(in.From, mediaURL))

	var hook *phone.Webhook
	if sandbox {
		reply, err := s.sandboxWord(ctx, account, in, &opened)
		if err != nil {
			return store.Message{}, err
		}
		if reply != "" {
			w.Messages = append(w.Messages, s.sandboxReply(account, in.From, reply, now))
		} else if hook, err = s.sandboxHook(ctx, account, params); err != nil {
			return store.Message{}, err
		}
	} else {
		hook = numberHook(number, svc, inService, params)
	}
	w.WhatsAppInbound = []store.WhatsAppInbound{opened}
	return s.deliverInbound(ctx, m, w, hook, now)
}

// sandboxWord reads a message to the Sandbox as the Sandbox does, sets on opened the
// join or leave it makes, and returns the Sandbox's own reply ("" when the message is
// the app's: a member's message that is neither).
func (s *Service) sandboxWord(ctx context.Context, account store.Account, in Inbound, opened *store.WhatsAppInbound) (string, error) {
	session, err := s.store.GetWhatsAppSession(ctx, account.Sid, in.To, in.From)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("receive message: %w", err)
	}
	member := whatsapp.Session{LastInbound: session.LastInbound, JoinedAt: session.JoinedAt}.Joined(opened.At)
	word := whatsapp.ReadSandboxWord(in.Body)
	switch {
	case word.Join && word.Keyword == whatsapp.Keyword(account.Sid):
		opened.Join = true
		return whatsapp.JoinedReply(), nil
	case word.Join: // another Sandbox's keyword: joining it leaves this one
		opened.Leave = true
		return whatsapp.NotJoinedReply(account.Sid), nil
	case word.Leave && member:
		opened.Leave = true
		return whatsapp.LeftReply(account.Sid), nil
	case !member:
		return whatsapp.NotJoinedReply(account.Sid), nil
	}
	return "", nil
}

// sandboxReply is the Sandbox's own answer to user: a message the network sends and
// delivers at once (no status callbacks; the Sandbox's rules do not apply to it).
func (s *Service) sandboxReply(account store.Account, user, body string, now time.Time) store.Message {
	m, _ := s.planOutbound(account, Outbound{To: user, From: whatsapp.SandboxAddress, Body: body, Direction: DirectionOutboundReply}, now)
	m.Status, m.DateSent, m.Price = statusDelivered, now, price(1, 0)
	return m
}

// sandboxHook is the webhook of a member's message to the account's Sandbox: its
// inbound URL, when the account set one.
func (s *Service) sandboxHook(ctx context.Context, account store.Account, params map[string]string) (*phone.Webhook, error) {
	sb, err := s.store.GetWhatsAppSandbox(ctx, account.Sid)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("receive message: %w", err)
	}
	if sb.InboundURL == "" {
		return nil, nil
	}
	return &phone.Webhook{Event: EventIncomingMessage, URL: sb.InboundURL, Method: twiml.Method(sb.InboundMethod), Params: params}, nil
}
