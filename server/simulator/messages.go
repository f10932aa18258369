package simulator

import (
	"context"
	"fmt"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/messages"
)

// CreateInboundMessage implements gen.StrictServerInterface: "a phone texts your number".
func (h *Simulator) CreateInboundMessage(ctx context.Context, req gen.CreateInboundMessageRequestObject) (gen.CreateInboundMessageResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if !phone.ValidNumber(in.From) && !whatsapp.IsAddress(in.From) {
		return nil, api.BadRequest(api.CodeInvalidParameter, "The 'From' number %s is not a valid phone number.%s", in.From, api.PlusHint(in.From))
	}
	m, err := h.messaging.Receive(ctx, acct, messaging.Inbound{From: in.From, To: in.To, Body: api.Deref(in.Body), MediaURLs: api.Deref(in.MediaUrl),
		WhatsApp: whatsapp.Inbound{ProfileName: api.Deref(in.ProfileName), ButtonText: api.Deref(in.ButtonText), ButtonPayload: api.Deref(in.ButtonPayload),
			Latitude: api.Deref(in.Latitude), Longitude: api.Deref(in.Longitude), Address: api.Deref(in.Address), Label: api.Deref(in.Label)}})
	if err != nil {
		return nil, fmt.Errorf("inbound message: %w", err)
	}
	return gen.CreateInboundMessage201JSONResponse(messages.Out(m)), nil
}

// ForceMessageStatus implements gen.StrictServerInterface.
func (h *Simulator) ForceMessageStatus(ctx context.Context, req gen.ForceMessageStatusRequestObject) (gen.ForceMessageStatusResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	m, err := h.messaging.ForceStatus(ctx, acct, req.Sid, string(req.Body.Status), api.Deref(req.Body.ErrorCode))
	if err != nil {
		return nil, fmt.Errorf("force message status: %w", err)
	}
	return gen.ForceMessageStatus200JSONResponse(messages.Out(m)), nil
}

// ClearMessages implements gen.StrictServerInterface.
func (h *Simulator) ClearMessages(ctx context.Context, req gen.ClearMessagesRequestObject) (gen.ClearMessagesResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	n, err := h.messaging.Clear(ctx, acct)
	if err != nil {
		return nil, err
	}
	return gen.ClearMessages200JSONResponse{AccountSid: acct.Sid, Deleted: int(n)}, nil
}
