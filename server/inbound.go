package server

import (
	"context"
	"fmt"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/messaging"
)

// CreateInboundMessage implements gen.StrictServerInterface: "a phone texts your number".
func (s *Server) CreateInboundMessage(ctx context.Context, req gen.CreateInboundMessageRequestObject) (gen.CreateInboundMessageResponseObject, error) {
	acct, err := s.activeAccount(ctx, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if !messaging.ValidNumber(in.From) {
		return nil, badRequest(codeInvalidParameter, "The 'From' number %s is not a valid phone number.%s", in.From, plusHint(in.From))
	}
	m, err := s.msg.Receive(ctx, acct, messaging.Inbound{From: in.From, To: in.To, Body: deref(in.Body), MediaURLs: deref(in.MediaUrl)})
	if err != nil {
		return nil, fmt.Errorf("inbound message: %w", err)
	}
	return gen.CreateInboundMessage201JSONResponse(messageOut(m)), nil
}
