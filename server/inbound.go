package server

import (
	"context"
	"fmt"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/messages"
)

// CreateInboundMessage implements gen.StrictServerInterface: "a phone texts your number".
func (s *Server) CreateInboundMessage(ctx context.Context, req gen.CreateInboundMessageRequestObject) (gen.CreateInboundMessageResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, s.creds, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if !messaging.ValidNumber(in.From) {
		return nil, api.BadRequest(api.CodeInvalidParameter, "The 'From' number %s is not a valid phone number.%s", in.From, api.PlusHint(in.From))
	}
	m, err := s.msg.Receive(ctx, acct, messaging.Inbound{From: in.From, To: in.To, Body: api.Deref(in.Body), MediaURLs: api.Deref(in.MediaUrl)})
	if err != nil {
		return nil, fmt.Errorf("inbound message: %w", err)
	}
	return gen.CreateInboundMessage201JSONResponse(messages.Out(m)), nil
}
