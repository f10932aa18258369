package messaging

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// mediaThen is what follows a message's media fetch when every file arrived.
type mediaThen struct {
	Step *store.Job `json:"step,omitempty"` // an outbound message's first delivery step
	// Webhook is an incoming message's webhook, to which the media's URLs (on this
	// server) and content types are added.
	Webhook *phone.Webhook `json:"webhook,omitempty"`
}

func (s *Service) mediaJob(m store.Message, then mediaThen) store.Job {
	now := s.clock.Now()
	target := ""
	if len(m.MediaURLs) > 0 {
		target = webhook.Host(m.MediaURLs[0])
	}
	return store.Job{Kind: kindMedia, AccountSid: m.AccountSid, ResourceSid: m.Sid, Target: target, Payload: outbox.Payload(then),
		DueAt: now, DateCreated: now}
}

// fetchMedia is the handler of kindMedia: it downloads every media file of a message
// (bounded in size and time) and stores them, then lets the message go on. A file that
// cannot be fetched fails the message with Twilio's media error code, and its status
// callback tells the app.
func (s *Service) fetchMedia(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var then mediaThen
	if err := outbox.Decode(job, &then); err != nil {
		s.log.ErrorContext(ctx, "media fetch dropped", "error", err)
		return outbox.Outcome{}, nil
	}
	m, err := s.store.GetMessage(ctx, job.AccountSid, job.ResourceSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil // deleted meanwhile
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("fetch media: %w", err)
	}
	media, err := s.store.MessageMedia(ctx, m.AccountSid, m.Sid)
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("fetch media: %w", err)
	}
	var w store.Writes
	now := s.clock.Now().UTC().Truncate(time.Second)
	used := int64(0)
	if s.quota > 0 {
		if used, err = s.store.MediaUsage(ctx, m.AccountSid); err != nil {
			return outbox.Outcome{}, fmt.Errorf("fetch media: %w", err)
		}
	}
	for _, md := range media {
		got := s.webhook.Fetch(ctx, md.URL, s.maxMedia)
		if got.ErrorCode == 0 && s.quota > 0 && used+int64(len(got.Body)) > s.quota {
			got.ErrorCode, got.ErrorMessage = codeMediaQuota, fmt.Sprintf("the account's stored media would pass its quota of %d bytes", s.quota)
		}
		used += int64(len(got.Body))
		if got.ErrorCode != 0 {
			s.log.InfoContext(ctx, "media fetch failed", "message", m.Sid, "url", md.URL, "error", got.ErrorMessage)
			m.Status, m.ErrorCode = statusFailed, got.ErrorCode
			return outbox.Outcome{Writes: store.Writes{StatusChanges: []store.StatusChange{{
				AccountSid: m.AccountSid, Sid: m.Sid, From: []string{statusAccepted, statusQueued, statusScheduled, statusReceived},
				To: statusFailed, ErrorCode: got.ErrorCode, ErrorMessage: errorMessage(got.ErrorCode), DateUpdated: now,
				CancelJobsOfKind: kindStep, Jobs: s.callbackJobs(m, now),
			}}}}, nil
		}
		w.MediaContents = append(w.MediaContents, store.MediaContent{Sid: md.Sid, ContentType: got.ContentType, Content: got.Body, DateUpdated: now})
	}
	if then.Step != nil {
		w.Jobs = append(w.Jobs, *then.Step)
	}
	if hook := then.Webhook; hook != nil {
		for i, md := range media {
			hook.Params[fmt.Sprintf("MediaUrl%d", i)] = s.baseURL +
				fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s/Media/%s", md.AccountSid, md.MessageSid, md.Sid)
			hook.Params[fmt.Sprintf("MediaContentType%d", i)] = w.MediaContents[i].ContentType
		}
		w.Jobs = append(w.Jobs, s.webhookJob(m, *hook, now))
	}
	return outbox.Outcome{Writes: w}, nil
}

// codeMediaQuota is Twilio's code for media too large, which Switchboard also answers
// for an account whose stored media is at its quota (Config.MediaQuota).
const codeMediaQuota = 11751

// roomForMedia refuses new media for an account whose stored media is at its quota
// (HTTP 413): the account must delete media or messages to make room. A file that
// would take an account past the quota fails its message when it is fetched.
func (s *Service) roomForMedia(ctx context.Context, accountSid string) error {
	if s.quota <= 0 {
		return nil
	}
	used, err := s.store.MediaUsage(ctx, accountSid)
	if err != nil {
		return fmt.Errorf("media quota: %w", err)
	}
	if used >= s.quota {
		return &phone.RuleError{Code: codeMediaQuota, Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf(
			"The account stores %d bytes of media, its quota of %d bytes: delete media (DELETE .../Messages/{MessageSid}/Media/{Sid}) or messages to make room.",
			used, s.quota)}
	}
	return nil
}

// ValidMediaURL accepts absolute http(s) URLs with a host: the only kind a carrier could
// fetch.
func ValidMediaURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
