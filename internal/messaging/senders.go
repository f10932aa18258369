package messaging

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// Messaging Services: a message sent with a MessagingServiceSid and no From is created
// `accepted`, and its first delivery step picks the sender from the service's pool (see
// step): for a WhatsApp recipient, one of the pool's WhatsApp senders. docs/simulator.md documents these rules for users; keep the two in step.

// Twilio's codes for messages of a Messaging Service.
const (
	codeServiceNotFound = 21701
	codeNoSender        = 21606
)

// needsSender reports whether m waits for its Messaging Service to pick its sender.
func needsSender(m store.Message) bool {
	return m.From == "" && m.MessagingServiceSid != ""
}

// serviceOf returns the Messaging Service sid of account, or the phone.RuleError Twilio
// answers for a service that does not exist or is another account's.
func (s *Service) serviceOf(ctx context.Context, account, sid string) (store.MessagingService, error) {
	svc, err := s.store.GetMessagingService(ctx, account, sid)
	if errors.Is(err, store.ErrNotFound) {
		return svc, phone.RuleErrorf(codeServiceNotFound, "The Messaging Service %s does not exist or does not belong to this account.", sid)
	}
	if err != nil {
		return svc, fmt.Errorf("messaging service %s: %w", sid, err)
	}
	return svc, nil
}

// chooseSender picks the sender of m from its service's pool:
//
//   - the service's alphanumeric sender ID, when it has one and m goes outside +1 (the
//     US, Canada and the rest of the North American Numbering Plan, whose carriers take
//     no alphanumeric senders);
//   - else a pool number that can carry m (SMS, or MMS for media), one of m's country
//     when the pool has any (Twilio's geomatch);
//   - with Sticky Sender on, the number m's recipient got before, if it can still carry
//     m, else the number that has the fewest recipients so far (so recipients spread
//     over the pool), remembered for next time; with it off, a number drawn from m's
//     SID.
//
// A rule the message breaks (no service any more, no sender for the destination, a
// recipient who opted out of the sender) is returned as a *phone.RuleError: the message fails
// with its code.
func (s *Service) chooseSender(ctx context.Context, m store.Message) (string, error) {
	svc, err := s.serviceOf(ctx, m.AccountSid, m.MessagingServiceSid)
	if err != nil {
		return "", err
	}
	pool, err := s.store.ServicePool(ctx, svc.Sid)
	if err != nil {
		return "", fmt.Errorf("choose sender: %w", err)
	}
	wa := whatsapp.IsAddress(m.To)
	if len(pool.AlphaSenders) > 0 && !strings.HasPrefix(m.To, "+1") && !wa {
		return pool.AlphaSenders[0], nil
	}
	candidates := carriers(pool.Numbers, m)
	if wa {
		candidates = whatsappSenders(pool.Numbers)
	}
	switch {
	case len(candidates) == 0 && wa:
		return "", phone.RuleErrorf(codeNoSender, "Messaging Service %s has no WhatsApp sender for %s: make a number of its pool a WhatsApp sender (POST /switchboard/v1/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}/WhatsApp).", svc.Sid, m.To)
	case len(candidates) == 0:
		return "", phone.RuleErrorf(codeNoSender, "Messaging Service %s has no sender that can send this message to %s: add an SMS-capable phone number (MMS-capable for media) to its pool, or an alphanumeric sender ID for destinations outside +1.", svc.Sid, m.To)
	}
	var sender string
	if svc.StickySender {
		sender, err = s.store.StickySender(ctx, svc.Sid, m.To, s.clock.Now(), func(current string, load map[string]int) string {
			return stickyChoice(candidates, current, load)
		})
		if err != nil {
			return "", fmt.Errorf("choose sender: %w", err)
		}
	} else {
		h := fnv.New32a()
		h.Write([]byte(m.Sid))
		sender = candidates[h.Sum32()%uint32(len(candidates))]
	}
	opted, err := s.store.OptedOut(ctx, m.AccountSid, sender, m.To)
	if err != nil {
		return "", fmt.Errorf("choose sender: %w", err)
	}
	if opted {
		return "", optedOutError(m.To, sender)
	}
	return sender, nil
}

// carriers are the pool numbers that can carry m, in pool order: those of m's country
// when there are any.
func carriers(numbers []store.ServiceNumber, m store.Message) []string {
	var all, local []string
	to := phone.Country(m.To)
	for _, n := range numbers {
		if !n.Capabilities.SMS || (m.NumMedia > 0 && !n.Capabilities.MMS) {
			continue
		}
		all = append(all, n.PhoneNumber)
		if n.IsoCountry == to {
			local = append(local, n.PhoneNumber)
		}
	}
	if len(local) > 0 {
		return local
	}
	return all
}

// whatsappSenders are the pool's WhatsApp senders, as WhatsApp addresses, in pool order.
func whatsappSenders(numbers []store.ServiceNumber) []string {
	var out []string
	for _, n := range numbers {
		if n.WhatsApp {
			out = append(out, whatsapp.Address(n.PhoneNumber))
		}
	}
	return out
}

// stickyChoice keeps the recipient's current sender while it is a candidate, and else
// gives the recipient the candidate with the fewest recipients (the first in pool order
// among equals), so that recipients spread evenly over the pool.
func stickyChoice(candidates []string, current string, load map[string]int) string {
	best := ""
	for _, c := range candidates {
		if c == current {
			return current
		}
		if best == "" || load[c] < load[best] {
			best = c
		}
	}
	return best
}
