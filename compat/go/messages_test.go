package compat

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/switchboard-dev/switchboard/client"
)

var (
	messageSID      = regexp.MustCompile(`^SM[0-9a-f]{32}$`)
	mediaMessageSID = regexp.MustCompile(`^MM[0-9a-f]{32}$`)
	accountSID      = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
)

const (
	to   = "+14155550100"
	from = "+14155550199"
)

func ptr[T any](v T) *T { return &v }

// text builds CreateMessageParams for a plain text message.
func text(body string) *api.CreateMessageParams {
	return &api.CreateMessageParams{To: ptr(to), From: ptr(from), Body: ptr(body)}
}

// checkMessage asserts the fields every new outbound message has.
func checkMessage(t *testing.T, m *api.ApiV2010Message, account string) {
	t.Helper()
	// A message with media is MM…, one without SM…, as on Twilio.
	sid, want := deref(m.Sid), messageSID
	if deref(m.NumMedia) != "0" {
		want = mediaMessageSID
	}
	if !want.MatchString(sid) {
		t.Fatalf("sid %q with %s media does not match %s", sid, deref(m.NumMedia), want)
	}
	path := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s", account, sid)
	for _, c := range []struct{ field, got, want string }{
		{"account_sid", deref(m.AccountSid), account},
		{"api_version", deref(m.ApiVersion), "2010-04-01"},
		{"direction", deref(m.Direction), "outbound-api"},
		{"price_unit", deref(m.PriceUnit), "USD"},
		{"uri", deref(m.Uri), path + ".json"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if m.Price != nil || m.ErrorCode != nil || m.ErrorMessage != nil {
		t.Errorf("price, error_code, error_message = %v, %v, %v; want all null", m.Price, m.ErrorCode, m.ErrorMessage)
	}
	if m.SubresourceUris == nil || (*m.SubresourceUris)["media"] != path+"/Media.json" {
		t.Errorf("subresource_uris = %v, want media %s/Media.json", m.SubresourceUris, path)
	}
}

func TestCreateMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	before := time.Now().UTC().Truncate(time.Second)
	m, err := e.SDK.Api.CreateMessage(text("Hello from twilio-go"))
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	checkMessage(t, m, e.Main.Sid)
	for _, c := range []struct{ field, got, want string }{
		{"to", deref(m.To), to},
		{"from", deref(m.From), from},
		{"body", deref(m.Body), "Hello from twilio-go"},
		{"status", deref(m.Status), "queued"},
		{"num_segments", deref(m.NumSegments), "1"},
		{"num_media", deref(m.NumMedia), "0"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if m.MessagingServiceSid != nil || m.DateSent != nil {
		t.Errorf("messaging_service_sid, date_sent = %v, %v; want null", m.MessagingServiceSid, m.DateSent)
	}
	created := parseDate(t, "date_created", m.DateCreated)
	if created.Before(before) || created.After(after) {
		t.Errorf("date_created %v is not between %v and %v", created, before, after)
	}
	if updated := parseDate(t, "date_updated", m.DateUpdated); !updated.Equal(created) {
		t.Errorf("date_updated %v != date_created %v on a new message", updated, created)
	}

	// What the SDK sent: one form POST to the production host, with the account in the path.
	reqs := e.log.since(0)
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].URL.Host != "api.twilio.com" ||
		reqs[0].URL.Path != "/2010-04-01/Accounts/"+e.Main.Sid+"/Messages.json" {
		t.Errorf("requests = %v, want one POST to api.twilio.com/.../Messages.json", reqs)
	}
}

func TestCreateMessageVariants(t *testing.T) {
	t.Parallel()
	e := start(t)
	svc, err := e.SDK.MessagingV1.CreateService(&messaging.CreateServiceParams{FriendlyName: ptr("variants")})
	if err != nil {
		t.Fatal(err)
	}
	gsm160, gsm161 := strings.Repeat("a", 160), strings.Repeat("a", 161)
	ucs70, ucs71 := strings.Repeat("ж", 70), strings.Repeat("ж", 71)
	for _, c := range []struct {
		name     string
		params   *api.CreateMessageParams
		segments string
		numMedia string
		status   string
		noFrom   bool
		wantBody string
	}{
		{name: "160 GSM-7 characters", params: text(gsm160), segments: "1", numMedia: "0", status: "queued", wantBody: gsm160},
		{name: "161 GSM-7 characters", params: text(gsm161), segments: "2", numMedia: "0", status: "queued", wantBody: gsm161},
		{name: "70 UCS-2 characters", params: text(ucs70), segments: "1", numMedia: "0", status: "queued", wantBody: ucs70},
		{name: "71 UCS-2 characters", params: text(ucs71), segments: "2", numMedia: "0", status: "queued", wantBody: ucs71},
		{name: "35 emoji are 70 UTF-16 units", params: text(strings.Repeat("😀", 35)), segments: "1", numMedia: "0", status: "queued", wantBody: strings.Repeat("😀", 35)},
		{name: "36 emoji are 72 UTF-16 units", params: text(strings.Repeat("😀", 36)), segments: "2", numMedia: "0", status: "queued", wantBody: strings.Repeat("😀", 36)},
		{name: "80 euro signs are 160 GSM-7 septets", params: text(strings.Repeat("€", 80)), segments: "1", numMedia: "0", status: "queued", wantBody: strings.Repeat("€", 80)},
		{name: "81 euro signs are 162 GSM-7 septets", params: text(strings.Repeat("€", 81)), segments: "2", numMedia: "0", status: "queued", wantBody: strings.Repeat("€", 81)},
		{name: "new lines survive form encoding", params: text("line 1\nline 2\n"), segments: "1", numMedia: "0", status: "queued", wantBody: "line 1\nline 2\n"},
		{name: "Twilio's test sender", params: &api.CreateMessageParams{To: ptr(to), From: ptr("+15005550006"), Body: ptr("test")}, segments: "1", numMedia: "0", status: "queued", wantBody: "test"},
		{name: "spaces, plus and ampersand survive form encoding", params: text("a + b & c = d?"), segments: "1", numMedia: "0", status: "queued", wantBody: "a + b & c = d?"},
		{
			name: "media only, repeated MediaUrl keys",
			params: &api.CreateMessageParams{To: ptr(to), From: ptr(from),
				MediaUrl: &[]string{"https://example.com/a.png", "https://example.com/b.jpg"}},
			segments: "1", numMedia: "2", status: "queued", // an empty body still takes a segment
		},
		{
			name: "alphanumeric sender and every optional parameter the SDK has",
			params: &api.CreateMessageParams{To: ptr(to), From: ptr("Switchboard"), Body: ptr("opts"),
				StatusCallback: ptr("https://example.com/status"), ApplicationSid: ptr("AP" + strings.Repeat("0", 32)),
				MaxPrice: ptr(float32(0.5)), ProvideFeedback: ptr(true), Attempt: ptr(1), ValidityPeriod: ptr(600),
				ForceDelivery: ptr(false), ContentRetention: ptr("retain"), AddressRetention: ptr("retain"),
				SmartEncoded: ptr(true), PersistentAction: &[]string{"geo:37.787890,-122.391664|Twilio"},
				TrafficType: ptr("free"), ShortenUrls: ptr(false), SendAsMms: ptr(false),
				RiskCheck: ptr("enable")}, // ContentVariables goes with ContentSid: see TestContentTemplates
			segments: "1", numMedia: "0", status: "queued", wantBody: "opts",
		},
		{
			name: "scheduled through a messaging service",
			params: &api.CreateMessageParams{To: ptr(to), MessagingServiceSid: svc.Sid,
				Body: ptr("later"), ScheduleType: ptr("fixed"), SendAt: ptr(time.Now().Add(2 * time.Hour))},
			segments: "1", numMedia: "0", status: "scheduled", noFrom: true, wantBody: "later",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := e.SDK.Api.CreateMessage(c.params)
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, m, e.Main.Sid)
			if got := deref(m.NumSegments); got != c.segments {
				t.Errorf("num_segments = %q, want %q", got, c.segments)
			}
			if got := deref(m.NumMedia); got != c.numMedia {
				t.Errorf("num_media = %q, want %q", got, c.numMedia)
			}
			if got := deref(m.Status); got != c.status {
				t.Errorf("status = %q, want %q", got, c.status)
			}
			if got := deref(m.Body); got != c.wantBody {
				t.Errorf("body = %q, want %q", got, c.wantBody)
			}
			if c.noFrom != (m.From == nil) {
				t.Errorf("from = %v, want null: %v", m.From, c.noFrom)
			}
			if c.params.MessagingServiceSid != nil && deref(m.MessagingServiceSid) != *c.params.MessagingServiceSid {
				t.Errorf("messaging_service_sid = %v, want %s", m.MessagingServiceSid, *c.params.MessagingServiceSid)
			}
		})
	}
}

func TestFetchMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	created, err := e.SDK.Api.CreateMessage(text("fetch me"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.SDK.Api.FetchMessage(*created.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, got, e.Main.Sid)
	// The fetched message is the created one, field for field.
	if !sameMessage(created, got) {
		t.Errorf("fetched %+v\ncreated %+v", summary(got), summary(created))
	}

	// PathAccountSid names the account explicitly; the same message comes back.
	again, err := e.SDK.Api.FetchMessage(*created.Sid, &api.FetchMessageParams{PathAccountSid: ptr(e.Main.Sid)})
	if err != nil {
		t.Fatal(err)
	}
	if !sameMessage(created, again) {
		t.Errorf("fetched with PathAccountSid %+v, want %+v", summary(again), summary(created))
	}
}

func TestRedactMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	m, err := e.SDK.Api.CreateMessage(text("a secret"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // so that date_updated visibly moves (dates have 1 s precision)
	red, err := e.SDK.Api.UpdateMessage(*m.Sid, &api.UpdateMessageParams{Body: ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	if red.Body == nil || *red.Body != "" {
		t.Errorf("body after redaction = %v, want \"\"", red.Body)
	}
	if deref(red.Sid) != *m.Sid || deref(red.To) != to || deref(red.Status) != deref(m.Status) || deref(red.NumSegments) != "1" {
		t.Errorf("redaction changed more than the body: %+v", summary(red))
	}
	if c, u := parseDate(t, "date_created", red.DateCreated), parseDate(t, "date_updated", red.DateUpdated); !u.After(c) {
		t.Errorf("date_updated %v is not after date_created %v", u, c)
	}
	got, err := e.SDK.Api.FetchMessage(*m.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body == nil || *got.Body != "" {
		t.Errorf("fetched body after redaction = %v, want \"\"", got.Body)
	}
}

func TestCancelScheduledMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	m, err := e.SDK.Api.CreateMessage(&api.CreateMessageParams{To: ptr(to), From: ptr(from), Body: ptr("tomorrow"),
		// An offset, so that a '+' goes through the form body.
		ScheduleType: ptr("fixed"), SendAt: ptr(time.Now().Add(24 * time.Hour).In(time.FixedZone("IST", 5*3600+1800)))})
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Status) != "scheduled" {
		t.Fatalf("status = %q, want scheduled", deref(m.Status))
	}
	c, err := e.SDK.Api.UpdateMessage(*m.Sid, &api.UpdateMessageParams{Status: ptr("canceled")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(c.Status) != "canceled" || deref(c.Body) != "tomorrow" {
		t.Errorf("after cancel: status %q body %q, want canceled and the body kept", deref(c.Status), deref(c.Body))
	}
	// Only a scheduled message can be canceled.
	_, err = e.SDK.Api.UpdateMessage(*m.Sid, &api.UpdateMessageParams{Status: ptr("canceled")})
	e.wantError(t, err, 400, 20001)
}

func TestDeleteMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	keep, err := e.SDK.Api.CreateMessage(text("keep"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.SDK.Api.CreateMessage(text("delete me"))
	if err != nil {
		t.Fatal(err)
	}
	// A message on its way cannot be deleted yet.
	e.wantError(t, e.SDK.Api.DeleteMessage(*m.Sid, nil), 400, 20009)
	e.forceStatus(t, *m.Sid, "delivered")
	meta, err := e.SDK.Api.DeleteMessageWithMetadata(*m.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if meta.GetStatusCode() != 204 {
		t.Errorf("delete: HTTP %d, want 204", meta.GetStatusCode())
	}

	_, err = e.SDK.Api.FetchMessage(*m.Sid, nil)
	re := e.wantError(t, err, 404, 20404)
	path := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", e.Main.Sid, *m.Sid)
	if !strings.Contains(re.Message, path) {
		t.Errorf("404 message %q does not name %s", re.Message, path)
	}
	e.wantError(t, e.SDK.Api.DeleteMessage(*m.Sid, nil), 404, 20404)

	// The other message is untouched, and the list no longer has the deleted one.
	list, err := e.SDK.Api.ListMessage(nil)
	if err != nil {
		t.Fatal(err)
	}
	if sids := sidsOf(list); !slices.Equal(sids, []string{*keep.Sid}) {
		t.Errorf("list after delete = %v, want [%s]", sids, *keep.Sid)
	}
}

// summary is a message without pointers, for readable failures.
func summary(m *api.ApiV2010Message) map[string]any {
	return map[string]any{
		"sid": deref(m.Sid), "account_sid": deref(m.AccountSid), "to": deref(m.To), "from": deref(m.From),
		"body": deref(m.Body), "status": deref(m.Status), "num_segments": deref(m.NumSegments),
		"num_media": deref(m.NumMedia), "date_created": deref(m.DateCreated), "date_updated": deref(m.DateUpdated),
		"date_sent": deref(m.DateSent), "uri": deref(m.Uri), "direction": deref(m.Direction),
		"messaging_service_sid": deref(m.MessagingServiceSid),
	}
}

func sameMessage(a, b *api.ApiV2010Message) bool {
	sa, sb := summary(a), summary(b)
	for k, v := range sa {
		if sb[k] != v {
			return false
		}
	}
	return true
}

func sidsOf(ms []api.ApiV2010Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = deref(m.Sid)
	}
	return out
}

// forceStatus moves a message to status through Switchboard's simulator endpoint (the
// official SDK has no such call).
func (e *sdkEnv) forceStatus(t *testing.T, sid, status string) {
	t.Helper()
	resp, err := e.Client.ForceMessageStatusWithFormdataBodyWithResponse(t.Context(), e.Main.Sid, sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatus(status)})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("force %s to %s: %v %s", sid, status, err, resp.Body)
	}
}

// A message observed through the SDK's own fetches walks to delivered, with the fields
// the SDK reads set on the way.
func TestMessageDeliveredThroughSDKFetches(t *testing.T) {
	t.Parallel()
	e := startLive(t)
	m, err := e.SDK.Api.CreateMessage(text("watch me go"))
	if err != nil {
		t.Fatal(err)
	}
	seen := []string{deref(m.Status)}
	deadline := time.Now().Add(10 * time.Second)
	for deref(m.Status) != "delivered" {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered in time; statuses seen %v", seen)
		}
		time.Sleep(10 * time.Millisecond)
		if m, err = e.SDK.Api.FetchMessage(*m.Sid, nil); err != nil {
			t.Fatal(err)
		}
		if s := deref(m.Status); s != seen[len(seen)-1] {
			seen = append(seen, s)
		}
	}
	order := []string{"queued", "sending", "sent", "delivered"}
	for i := 1; i < len(seen); i++ {
		if slices.Index(order, seen[i]) <= slices.Index(order, seen[i-1]) {
			t.Errorf("statuses out of order: %v", seen)
		}
	}
	if deref(m.Sid) == "" || deref(m.AccountSid) != e.Main.Sid || m.DateSent == nil || m.Price == nil || deref(m.Price) != "-0.00790" || deref(m.PriceUnit) != "USD" || m.ErrorCode != nil {
		t.Errorf("delivered message: date_sent %v price %v unit %v error_code %v", m.DateSent, m.Price, m.PriceUnit, m.ErrorCode)
	}
}
