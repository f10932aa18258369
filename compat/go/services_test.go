package compat

import (
	"regexp"
	"slices"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

var serviceSID = regexp.MustCompile(`^MG[0-9a-f]{32}$`)

// TestMessagingServicesCRUD drives Messaging v1 through twilio-go's MessagingV1 service:
// its requests go to messaging.twilio.com, which the transport sends to Switchboard.
func TestMessagingServicesCRUD(t *testing.T) {
	t.Parallel()
	e := start(t)
	mv := e.SDK.MessagingV1

	svc, err := mv.CreateService(&messaging.CreateServiceParams{
		FriendlyName: ptr("Reminders"), StatusCallback: ptr("https://example.com/status"), StickySender: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	sid := deref(svc.Sid)
	switch {
	case !serviceSID.MatchString(sid) || deref(svc.AccountSid) != e.Main.Sid || deref(svc.FriendlyName) != "Reminders":
		t.Errorf("created %+v", svc)
	case deref(svc.StatusCallback) != "https://example.com/status" || !deref(svc.StickySender) || deref(svc.InboundMethod) != "POST":
		t.Errorf("settings %+v", svc)
	case svc.ValidityPeriod != 36000 || deref(svc.ScanMessageContent) != "inherit" || deref(svc.Usecase) != "undeclared":
		t.Errorf("defaults %+v", svc)
	case svc.DateCreated == nil || time.Since(*svc.DateCreated) > time.Minute:
		t.Errorf("date_created %v: the SDK reads v1 dates as ISO 8601", svc.DateCreated)
	case svc.Links == nil || (*svc.Links)["phone_numbers"] == nil:
		t.Errorf("links %v", svc.Links)
	}

	up, err := mv.UpdateService(sid, &messaging.UpdateServiceParams{
		InboundRequestUrl: ptr("https://example.com/sms"), InboundMethod: ptr("GET"), UseInboundWebhookOnNumber: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if deref(up.InboundRequestUrl) != "https://example.com/sms" || deref(up.InboundMethod) != "GET" ||
		!deref(up.UseInboundWebhookOnNumber) || deref(up.FriendlyName) != "Reminders" {
		t.Errorf("updated %+v", up)
	}
	got, err := mv.FetchService(sid)
	if err != nil || deref(got.InboundRequestUrl) != "https://example.com/sms" {
		t.Fatalf("fetch: %v %+v", err, got)
	}

	// Paging: the SDK follows meta.next_page_url, an absolute URL, one service a page.
	second, err := mv.CreateService(&messaging.CreateServiceParams{FriendlyName: ptr("Second")})
	if err != nil {
		t.Fatal(err)
	}
	list, err := mv.ListService(&messaging.ListServiceParams{PageSize: ptr(1)})
	if err != nil || len(list) != 2 || deref(list[0].Sid) != deref(second.Sid) || deref(list[1].Sid) != sid {
		t.Fatalf("list: %v %d services", err, len(list))
	}

	// The sender pool: phone numbers and an alpha sender.
	n, err := e.SDK.Api.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+14155550101")})
	if err != nil {
		t.Fatal(err)
	}
	pn, err := mv.CreatePhoneNumber(sid, &messaging.CreatePhoneNumberParams{PhoneNumberSid: n.Sid})
	if err != nil {
		t.Fatal(err)
	}
	if deref(pn.Sid) != deref(n.Sid) || deref(pn.PhoneNumber) != "+14155550101" || deref(pn.CountryCode) != "US" ||
		pn.Capabilities == nil || !slices.Contains(*pn.Capabilities, "SMS") || deref(pn.ServiceSid) != sid {
		t.Errorf("pool number %+v", pn)
	}
	_, err = mv.CreatePhoneNumber(deref(second.Sid), &messaging.CreatePhoneNumberParams{PhoneNumberSid: n.Sid})
	e.wantError(t, err, 400, 21712)
	pns, err := mv.ListPhoneNumber(sid, nil)
	if err != nil || len(pns) != 1 {
		t.Fatalf("list pool: %v %+v", err, pns)
	}
	if f, err := mv.FetchPhoneNumber(sid, deref(n.Sid)); err != nil || deref(f.PhoneNumber) != "+14155550101" {
		t.Fatalf("fetch pool number: %v", err)
	}
	alpha, err := mv.CreateAlphaSender(sid, &messaging.CreateAlphaSenderParams{AlphaSender: ptr("Acme")})
	if err != nil || deref(alpha.AlphaSender) != "Acme" {
		t.Fatalf("alpha sender: %v %+v", err, alpha)
	}
	if as, err := mv.ListAlphaSender(sid, nil); err != nil || len(as) != 1 || deref(as[0].Sid) != deref(alpha.Sid) {
		t.Fatalf("list alpha senders: %v", err)
	}
	if f, err := mv.FetchAlphaSender(sid, deref(alpha.Sid)); err != nil || deref(f.AlphaSender) != "Acme" {
		t.Fatalf("fetch alpha sender: %v", err)
	}
	if err := mv.DeleteAlphaSender(sid, deref(alpha.Sid)); err != nil {
		t.Fatal(err)
	}
	if err := mv.DeletePhoneNumber(sid, deref(n.Sid)); err != nil {
		t.Fatal(err)
	}
	if pns, err := mv.ListPhoneNumber(sid, nil); err != nil || len(pns) != 0 {
		t.Fatalf("pool after delete: %v %+v", err, pns)
	}

	if err := mv.DeleteService(sid); err != nil {
		t.Fatal(err)
	}
	_, err = mv.FetchService(sid)
	e.wantError(t, err, 404, 20404)
}

// TestSendWithMessagingService: the SDK sends with MessagingServiceSid and no From; the
// message is accepted without a sender and then carries the pool's number.
func TestSendWithMessagingService(t *testing.T) {
	t.Parallel()
	e := startWith(t, servertest.Options{StepDelay: 20 * time.Millisecond})
	n, err := e.SDK.Api.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+14155550101")})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := e.SDK.MessagingV1.CreateService(&messaging.CreateServiceParams{FriendlyName: ptr("app")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SDK.MessagingV1.CreatePhoneNumber(*svc.Sid, &messaging.CreatePhoneNumberParams{PhoneNumberSid: n.Sid}); err != nil {
		t.Fatal(err)
	}
	m, err := e.SDK.Api.CreateMessage(&api.CreateMessageParams{To: ptr(to), MessagingServiceSid: svc.Sid, Body: ptr("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Status) != "accepted" || m.From != nil || deref(m.MessagingServiceSid) != *svc.Sid {
		t.Fatalf("created: status %s from %v service %v", deref(m.Status), m.From, m.MessagingServiceSid)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := e.SDK.Api.FetchMessage(*m.Sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(got.Status) == "delivered" {
			if deref(got.From) != "+14155550101" {
				t.Errorf("delivered from %v", got.From)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %s after 10s", deref(got.Status))
		}
		time.Sleep(20 * time.Millisecond)
	}

	_, err = e.SDK.Api.CreateMessage(&api.CreateMessageParams{To: ptr(to), MessagingServiceSid: ptr("MG00000000000000000000000000000000"), Body: ptr("x")})
	e.wantError(t, err, 400, 21701)
}
