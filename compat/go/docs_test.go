package compat

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	lookups "github.com/twilio/twilio-go/rest/lookups/v2"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// The code docs/clients.md quotes: twilio-go pointed at Switchboard the way a user
// would write it, without the test harness. The suite's other tests check the same calls
// against the spec.

// snippet:start twilio-go-transport
// toSwitchboard sends the requests twilio-go addresses to api.twilio.com (and to
// lookups.twilio.com for Lookup v2, messaging.twilio.com for Messaging Services,
// verify.twilio.com for Verify, content.twilio.com for Content templates) to Switchboard.
type toSwitchboard struct{ base *url.URL }

func (t toSwitchboard) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = t.base.Scheme, t.base.Host
	return http.DefaultTransport.RoundTrip(req)
}

// snippet:end

func TestDocsSnippet(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	switchboardURL, accountSid, authToken := env.URL, env.Main.Sid, env.Main.AuthToken
	if err := env.BuyNumber(accountSid, authToken, "+14155550199"); err != nil { // the snippet's From
		t.Fatal(err)
	}

	// snippet:start twilio-go
	base, err := url.Parse(switchboardURL) // such as http://127.0.0.1:8080
	if err != nil {
		t.Fatal(err)
	}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(accountSid, authToken),
		HTTPClient:  &http.Client{Transport: toSwitchboard{base}},
	}
	c.SetAccountSid(accountSid) // required: ClientParams' own AccountSid is ignored with Client
	tw := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})

	params := &api.CreateMessageParams{}
	params.SetTo("+14155550100")
	params.SetFrom("+14155550199")
	params.SetBody("Hello from twilio-go")
	m, err := tw.Api.CreateMessage(params)
	// snippet:end
	if err != nil {
		t.Fatal(err)
	}
	if m.Sid == nil || m.Status == nil || *m.Status != "queued" || m.Body == nil || *m.Body != "Hello from twilio-go" {
		t.Fatalf("created %+v", m)
	}
}

func TestDocsSnippetLookup(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	base, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(env.Main.Sid, env.Main.AuthToken),
		HTTPClient:  &http.Client{Transport: toSwitchboard{base}},
	}
	c.SetAccountSid(env.Main.Sid)
	tw := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})

	// snippet:start twilio-go-lookup
	params := &lookups.FetchPhoneNumberParams{}
	params.SetCountryCode("GB") // for numbers in national format
	params.SetFields("line_type_intelligence")
	n, err := tw.LookupsV2.FetchPhoneNumber("020 7946 0018", params)
	// snippet:end
	if err != nil {
		t.Fatal(err)
	}
	if !n.Valid || deref(n.PhoneNumber) != "+442079460018" || n.LineTypeIntelligence.Type != "landline" {
		t.Fatalf("lookup %+v", n)
	}
}

func TestDocsSnippetAPIKeyAndMessagingService(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: 20 * time.Millisecond})
	base, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	accountSid := env.Main.Sid
	admin := &twclient.Client{
		Credentials: twclient.NewCredentials(accountSid, env.Main.AuthToken),
		HTTPClient:  &http.Client{Transport: toSwitchboard{base}},
	}
	admin.SetAccountSid(accountSid)
	key, err := api.NewApiServiceWithClient(admin).CreateNewKey(&api.CreateNewKeyParams{})
	if err != nil {
		t.Fatal(err)
	}
	apiKeySid, apiKeySecret := *key.Sid, *key.Secret
	number, err := api.NewApiServiceWithClient(admin).CreateIncomingPhoneNumber(
		(&api.CreateIncomingPhoneNumberParams{}).SetPhoneNumber("+14155550199"))
	if err != nil {
		t.Fatal(err)
	}
	numberSid := *number.Sid

	// snippet:start twilio-go-api-key
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(apiKeySid, apiKeySecret), // SK… and its secret
		HTTPClient:  &http.Client{Transport: toSwitchboard{base}},
	}
	c.SetAccountSid(accountSid) // the account the key belongs to
	tw := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	// snippet:end

	// snippet:start twilio-go-messaging-service
	svc, err := tw.MessagingV1.CreateService((&messaging.CreateServiceParams{}).
		SetFriendlyName("Reminders").
		SetStatusCallback("https://example.com/status"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tw.MessagingV1.CreatePhoneNumber(*svc.Sid, (&messaging.CreatePhoneNumberParams{}).SetPhoneNumberSid(numberSid))
	if err != nil {
		t.Fatal(err)
	}
	params := &api.CreateMessageParams{}
	params.SetTo("+14155550100")
	params.SetMessagingServiceSid(*svc.Sid) // no From: the service picks it
	params.SetBody("Your appointment is tomorrow at 9:00")
	m, err := tw.Api.CreateMessage(params) // m.Status is "accepted" and m.From nil, for now
	// snippet:end
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Status) != "accepted" || m.From != nil {
		t.Fatalf("created %+v", m)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := tw.Api.FetchMessage(*m.Sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(got.From) == "+14155550199" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("from %v after 10s", got.From)
		}
	}
}
