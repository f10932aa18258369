package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard-dev/switchboard/internal/content"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// fillFromContent makes out of its Content template, when it names one: the template
// rendered for out's channel (WhatsApp for a WhatsApp To, else a text) with out's
// ContentVariables becomes its Body and MediaURLs, whatever out had there, as on Twilio.
// What Twilio refuses at once is a *phone.RuleError: ContentVariables without a
// ContentSid (21654), a template that is not the account's (21655), variables that are
// not a JSON object or leave a placeholder without a value (21656), a template with no
// type for the channel (216602).
func (s *Service) fillFromContent(ctx context.Context, account store.Account, out *Outbound) error {
	if out.ContentSid == "" {
		if out.ContentVariables != "" {
			return phone.RuleErrorf(content.CodeSidRequired, "A ContentSid must be specified if ContentVariables are provided in the request.")
		}
		return nil
	}
	c, err := s.store.GetContent(ctx, account.Sid, out.ContentSid)
	if errors.Is(err, store.ErrNotFound) {
		return phone.RuleErrorf(content.CodeInvalidSid, "The ContentSid %s is invalid: no Content template of this account has it.", out.ContentSid)
	}
	if err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	vars, err := content.ParseVariables(out.ContentVariables)
	if err != nil {
		return err
	}
	t, err := template(c)
	if err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	channel := content.SMS
	if whatsapp.IsAddress(out.To) {
		channel = content.WhatsApp
	}
	rendered, err := t.Render(channel, vars)
	if err != nil {
		return err
	}
	out.Body, out.MediaURLs = rendered.Body, rendered.MediaURLs
	return nil
}

// template is the content package's view of a stored template.
func template(c store.Content) (content.Template, error) {
	t := content.Template{Language: c.Language, Variables: c.Variables}
	if err := json.Unmarshal(c.Types, &t.Types); err != nil {
		return content.Template{}, fmt.Errorf("content %s: types: %w", c.Sid, err)
	}
	return t, nil
}
