package simulator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// maxSandboxMembers bounds the members a Sandbox shows.
const maxSandboxMembers = 100

// FetchWhatsAppSandbox implements gen.StrictServerInterface: the account's Sandbox, its
// keyword and its members.
func (h *Simulator) FetchWhatsAppSandbox(ctx context.Context, req gen.FetchWhatsAppSandboxRequestObject) (gen.FetchWhatsAppSandboxResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	sb, err := h.store.GetWhatsAppSandbox(ctx, req.AccountSid)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("fetch whatsapp sandbox: %w", err)
	}
	out, err := h.sandboxOut(ctx, req.AccountSid, sb)
	if err != nil {
		return nil, err
	}
	return gen.FetchWhatsAppSandbox200JSONResponse(out), nil
}

// UpdateWhatsAppSandbox implements gen.StrictServerInterface: the settings given change,
// the others stay.
func (h *Simulator) UpdateWhatsAppSandbox(ctx context.Context, req gen.UpdateWhatsAppSandboxRequestObject) (gen.UpdateWhatsAppSandboxResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.UpdateWhatsAppSandboxRequest{}
	}
	for _, u := range []struct{ name, value string }{{"InboundUrl", api.Deref(in.InboundUrl)}, {"StatusCallback", api.Deref(in.StatusCallback)}} {
		if u.value != "" && !api.ValidWebhookURL(u.value) {
			return nil, api.BadRequest(api.CodeURLInvalid, "%s %q is not a valid URL: use an absolute http or https URL.", u.name, u.value)
		}
	}
	sb, err := h.store.UpdateWhatsAppSandbox(ctx, req.AccountSid, h.clock.Now(), func(b *store.WhatsAppSandbox) error {
		if in.InboundUrl != nil {
			b.InboundURL = *in.InboundUrl
		}
		if in.InboundMethod != nil {
			b.InboundMethod = string(*in.InboundMethod)
		}
		if in.StatusCallback != nil {
			b.StatusCallback = *in.StatusCallback
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update whatsapp sandbox: %w", err)
	}
	out, err := h.sandboxOut(ctx, req.AccountSid, sb)
	if err != nil {
		return nil, err
	}
	return gen.UpdateWhatsAppSandbox200JSONResponse(out), nil
}

// sandboxOut renders account's Sandbox with settings sb, and its members at the
// simulator's time.
func (h *Simulator) sandboxOut(ctx context.Context, account string, sb store.WhatsAppSandbox) (gen.WhatsAppSandbox, error) {
	now := h.clock.Now()
	sessions, err := h.store.JoinedWhatsAppSessions(ctx, account, whatsapp.SandboxAddress, now.Add(-whatsapp.Membership), maxSandboxMembers)
	if err != nil {
		return gen.WhatsAppSandbox{}, fmt.Errorf("whatsapp sandbox members: %w", err)
	}
	members := make([]gen.WhatsAppSandboxMember, 0, len(sessions))
	for _, s := range sessions {
		if !(whatsapp.Session{JoinedAt: s.JoinedAt}).Joined(now) {
			continue // joined at the very bound: over
		}
		m := gen.WhatsAppSandboxMember{User: s.User, JoinedAt: isoDate(s.JoinedAt), MembershipEndsAt: isoDate(s.JoinedAt.Add(whatsapp.Membership))}
		if !s.LastInbound.IsZero() {
			m.WindowClosesAt = api.Ptr(isoDate(s.LastInbound.Add(whatsapp.Window)))
		}
		members = append(members, m)
	}
	return gen.WhatsAppSandbox{
		AccountSid:     account,
		PhoneNumber:    whatsapp.SandboxAddress,
		Keyword:        whatsapp.Keyword(account),
		JoinMessage:    whatsapp.JoinMessage(account),
		InboundUrl:     api.NonEmpty(sb.InboundURL),
		InboundMethod:  gen.WhatsAppSandboxInboundMethod(twiml.Method(sb.InboundMethod)),
		StatusCallback: api.NonEmpty(sb.StatusCallback),
		Members:        members,
		Url:            api.BaseURL(ctx) + fmt.Sprintf(simulatorPathFormat+"/WhatsApp/Sandbox", account),
	}, nil
}

// FetchWhatsAppSender implements gen.StrictServerInterface.
func (h *Simulator) FetchWhatsAppSender(ctx context.Context, req gen.FetchWhatsAppSenderRequestObject) (gen.FetchWhatsAppSenderResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p, err := h.store.GetPhoneNumber(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch whatsapp sender: %w", err)
	}
	return gen.FetchWhatsAppSender200JSONResponse(senderOut(ctx, p)), nil
}

// UpdateWhatsAppSender implements gen.StrictServerInterface: the number becomes a
// WhatsApp sender of its account, or stops being one.
func (h *Simulator) UpdateWhatsAppSender(ctx context.Context, req gen.UpdateWhatsAppSenderRequestObject) (gen.UpdateWhatsAppSenderResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	enabled := req.Body != nil && req.Body.Enabled
	p, err := h.store.UpdatePhoneNumber(ctx, req.AccountSid, req.Sid, api.Now(h.clock), func(p *store.PhoneNumber) error {
		p.WhatsApp = enabled
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update whatsapp sender: %w", err)
	}
	return gen.UpdateWhatsAppSender200JSONResponse(senderOut(ctx, p)), nil
}

func senderOut(ctx context.Context, p store.PhoneNumber) gen.WhatsAppSender {
	return gen.WhatsAppSender{
		AccountSid:      p.AccountSid,
		PhoneNumberSid:  p.Sid,
		PhoneNumber:     p.PhoneNumber,
		Sender:          whatsapp.Address(p.PhoneNumber),
		WhatsappEnabled: p.WhatsApp,
		Url:             api.BaseURL(ctx) + fmt.Sprintf(simulatorPathFormat+"/IncomingPhoneNumbers/%s/WhatsApp", p.AccountSid, p.Sid),
	}
}

// isoDate renders a time as the simulator's dates: RFC 3339, UTC, whole seconds.
func isoDate(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
