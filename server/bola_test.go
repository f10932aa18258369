package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/store"
)

// TestBOLAMatrix walks every operation in openapi.yaml and, for every pair of a caller
// and an owner among a main account, its two subaccounts and a second tenant, sends the
// operation at the owner's resources with the caller's credentials. Where the caller may
// not act for the owner (anyone but the owner itself and its parent), the answer must be
// a 4xx, carry nothing of the owner's, and change nothing of the owner's. Where it may,
// the operation must reach the resource (no 401 or 404), which shows that the request
// was built right. New operations are covered as soon as they are in the spec; one whose
// path parameters the test cannot fill fails it, so that it gets a resource below.
func TestBOLAMatrix(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	doc := loadDoc(t)
	parent := &actor{name: "parent", sid: env.Main.Sid, token: env.Main.AuthToken}
	var actors []*actor
	actors = append(actors, parent)
	for _, name := range []string{"sub1", "sub2"} {
		a := createSubaccount(t, env, name)
		actors = append(actors, &actor{name: name, sid: a.Sid, token: a.AuthToken, parent: parent})
	}
	other, _ := secondTenant(t, env)
	actors = append(actors, &actor{name: "tenant2", sid: other.Sid, token: other.AuthToken})
	for _, a := range actors {
		// Every actor has a message of its own that no request names, so that a list or an
		// error that leaked it would show, and a WhatsApp Sandbox set up.
		a.secrets = append(a.secrets, a.token, send(t, env.ClientFor(a.sid, a.token), a.sid, text("+14155550100", testSender, "secret of "+a.name)).Sid)
		inbound := "http://127.0.0.1:1/secret-sandbox-of-" + a.name
		if _, err := env.DB.UpdateWhatsAppSandbox(context.Background(), a.sid, time.Now(), func(b *store.WhatsAppSandbox) error {
			b.InboundURL = inbound
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a.secrets = append(a.secrets, inbound)
	}

	for _, op := range operations(doc) {
		if op.public {
			continue // security: [] — nothing of anyone's (CheckHealth)
		}
		for _, example := range op.bodies {
			for _, caller := range actors {
				for _, owner := range actors {
					// Each path parameter names the owner's resource or, to catch a
					// resource looked up without its account, the caller's own.
					for mix := range 1 << len(op.params) {
						owners := make([]*actor, len(op.params))
						for i := range owners {
							owners[i] = owner
							if mix&(1<<i) != 0 {
								owners[i] = caller
							}
						}
						if (caller == owner && mix != 0) || (len(op.params) > 0 && mix == 1<<len(op.params)-1) {
							continue // the same request as another combination
						}
						name := fmt.Sprintf("%s/%s/%s_as_%s/%b", op.id, example.name, owner.name, caller.name, mix)
						t.Run(name, func(t *testing.T) {
							checkPair(t, env, op, example, caller, owners, actors)
						})
					}
				}
			}
		}
	}
}

type actor struct {
	name, sid, token string
	parent           *actor
	secrets          []string        // what only this actor and its parent may see
	lastMedia        store.Media     // the media file of the message last made for it
	lastRecording    store.Recording // the recording of the call last made for it
	// recordingFresh: lastRecording was made for the request being built (by its
	// Calls/{CallSid}), so that Recordings/{Sid} names that call's recording.
	recordingFresh bool
	// The Messaging Service last made for it, with one pool number and one alpha
	// sender, so that a path naming the service and one of them reaches both.
	lastService, lastPoolNumber, lastAlphaSender string
	// The Verify Service last made for it, whose verifications its Verifications/{Sid}
	// makes.
	lastVerifyService string
}

// seedContent stores a Content template of owner, straight into the store.
func seedContent(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	t.Helper()
	seq++
	now := time.Now().UTC()
	c, err := env.DB.CreateContent(context.Background(), store.Content{Sid: fmt.Sprintf("HX%032x", seq), AccountSid: owner.sid,
		FriendlyName: "secret template of " + owner.name, Language: "en", Variables: map[string]string{"1": "friend"},
		Types: []byte(`{"twilio/text":{"body":"Hi {{1}}"}}`), DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	owner.secrets = append(owner.secrets, c.Sid, c.FriendlyName)
	return c.Sid, func() any {
		got, err := env.DB.GetContent(context.Background(), owner.sid, c.Sid)
		return fmt.Sprint(got, err)
	}
}

// mayActFor: an account acts for itself, and a parent for its subaccounts.
func (a *actor) mayActFor(owner *actor) bool { return a == owner || owner.parent == a }

// mayReach says whether the caller may reach the owner's resources through op. Paths
// that name no account (Messaging v1) serve the credentials' own account only, so a
// parent's credentials reach its subaccounts' resources through 2010 paths alone.
func (a *actor) mayReach(owner *actor, op operation) bool {
	if !strings.Contains(op.path, "{AccountSid}") && !strings.HasPrefix(op.path, "/2010-04-01/Accounts/") {
		return a == owner
	}
	return a.mayActFor(owner)
}

// resource makes one resource of kind for owner, and returns its identifier for the path
// and a snapshot of its state to compare after the request.
type resource func(t *testing.T, env *servertest.Env, owner *actor) (id string, snapshot func() any)

// resources fills path parameters, keyed by the path segment before the parameter and the
// parameter: "Messages/{Sid}" is a message SID; under /v2/, whose Services are Verify's
// while /v1/'s are Messaging's, the key starts with "v2/". Add an entry for each new kind
// of path parameter; TestBOLAMatrix fails on one it does not find here.
var resources = map[string]resource{
	"Accounts/{AccountSid}": ownerAccount,
	"Accounts/{Sid}":        ownerAccount,
	"Messages/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		// Scheduled, so that both updates (redact and cancel) apply to it.
		m := send(t, env.ClientFor(owner.sid, owner.token), owner.sid, client.CreateMessageRequest{
			To: "+14155550100", From: ptrTo(testSender), Body: ptrTo("secret of " + owner.name),
			ScheduleType: ptrTo(client.CreateMessageRequestScheduleTypeFixed),
			SendAt:       ptrTo(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
		})
		owner.secrets = append(owner.secrets, m.Sid)
		return m.Sid, func() any {
			got, err := env.DB.GetMessage(context.Background(), owner.sid, m.Sid)
			return fmt.Sprint(got, err)
		}
	},
	// A message with a fetched media file; the owner's Media/{Sid} is that file, so that a
	// path naming both reaches one message's media.
	"Messages/{MessageSid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		m, md := seedMediaMessage(t, env, owner)
		owner.lastMedia = md
		return m, func() any {
			got, err := env.DB.GetMessage(context.Background(), owner.sid, m)
			media, merr := env.DB.MessageMedia(context.Background(), owner.sid, m)
			return fmt.Sprint(got, err, media, merr)
		}
	},
	"Media/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		if owner.lastMedia.Sid == "" {
			seedMediaMessage(t, env, owner)
		}
		md := owner.lastMedia
		return md.Sid, func() any {
			got, err := env.DB.MediaContent(context.Background(), owner.sid, md.MessageSid, md.Sid)
			return fmt.Sprint(got, err)
		}
	},
	"IncomingPhoneNumbers/{Sid}": seedPhoneNumber,
	"Keys/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		seq++
		now := time.Now().UTC()
		k, err := env.DB.CreateKey(context.Background(), store.APIKey{Sid: fmt.Sprintf("SK%032x", seq), AccountSid: owner.sid,
			FriendlyName: "secret key of " + owner.name, Type: store.KeyStandard, SecretSalt: []byte("salt"),
			SecretHash: []byte("hash"), DateCreated: now, DateUpdated: now})
		if err != nil {
			t.Fatal(err)
		}
		owner.secrets = append(owner.secrets, k.Sid, k.FriendlyName)
		return k.Sid, func() any {
			got, err := env.DB.GetKey(context.Background(), owner.sid, k.Sid)
			return fmt.Sprint(got, err)
		}
	},
	"Services/{Sid}":        seedService,
	"Services/{ServiceSid}": seedService,
	"PhoneNumbers/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		if owner.lastPoolNumber == "" {
			seedService(t, env, owner)
		}
		svc, pn := owner.lastService, owner.lastPoolNumber
		return pn, func() any {
			got, err := env.DB.GetServiceNumber(context.Background(), owner.sid, svc, pn)
			return fmt.Sprint(got, err)
		}
	},
	"AlphaSenders/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		if owner.lastAlphaSender == "" {
			seedService(t, env, owner)
		}
		svc, ai := owner.lastService, owner.lastAlphaSender
		return ai, func() any {
			got, err := env.DB.GetAlphaSender(context.Background(), owner.sid, svc, ai)
			return fmt.Sprint(got, err)
		}
	},
	// Calls have ended (so that nothing runs on them after the request), each with a
	// recording; the owner's Recordings/{Sid} is that recording, so that a path naming
	// both reaches one call's recording.
	"Calls/{Sid}": seededCall,
	"Calls/{CallSid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		sid, snapshot := seededCall(t, env, owner)
		owner.recordingFresh = true
		return sid, snapshot
	},
	"Recordings/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		if !owner.recordingFresh { // an earlier request may have deleted the last one
			seedCall(t, env, owner)
		}
		owner.recordingFresh = false
		r := owner.lastRecording
		return r.Sid, func() any {
			got, err := env.DB.GetRecording(context.Background(), owner.sid, r.Sid)
			return fmt.Sprint(got, err)
		}
	},
	"v2/Services/{Sid}":        seedVerifyService,
	"v2/Services/{ServiceSid}": seedVerifyService,
	// A pending verification to the number the examples check, in the Verify Service last
	// made for the owner (a new service when it has none).
	"Verifications/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		if owner.lastVerifyService == "" {
			seedVerifyService(t, env, owner)
		}
		return seedVerification(t, env, owner, owner.lastVerifyService)
	},
	"Content/{Sid}":        seedContent,
	"Content/{ContentSid}": seedContent,
	"WebhookDeliveries/{Sid}": func(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
		seq++
		d := store.WebhookDelivery{Sid: fmt.Sprintf("WH%032x", seq), AccountSid: owner.sid, ResourceSid: fmt.Sprintf("SM%032x", seq),
			Event: "message-status", URL: "http://127.0.0.1:1/secret-of-" + owner.name, Method: "POST",
			Params: map[string]string{"MessageStatus": "sent"}, Attempt: 1, DateCreated: time.Now()}
		if err := env.DB.Apply(context.Background(), store.Writes{Deliveries: []store.WebhookDelivery{d}}); err != nil {
			t.Fatal(err)
		}
		owner.secrets = append(owner.secrets, d.Sid, d.URL)
		return d.Sid, func() any {
			got, err := env.DB.GetDelivery(context.Background(), owner.sid, d.Sid)
			return fmt.Sprint(got, err)
		}
	},
}

// ownerless path parameters name nothing of any account: they are filled with a value and
// are not part of the matrix.
var ownerless = map[string]string{
	"AvailablePhoneNumbers/{CountryCode}": "GB", // Local, Mobile and TollFree in the pool
	"v2/PhoneNumbers/{PhoneNumber}":       "+14155550100",
}

// seq numbers the resources the matrix stores directly, so that each is unique.
var seq int

// seedMediaMessage stores a delivered message of owner with one fetched media file,
// straight into the store (the matrix is about who may reach it, not how it was fetched).
// It has media, so its SID is MM…, as Twilio's: every path naming a message takes both.
func seedMediaMessage(t *testing.T, env *servertest.Env, owner *actor) (string, store.Media) {
	t.Helper()
	seq++
	now := time.Now().UTC()
	m := store.Message{Sid: fmt.Sprintf("MM%032x", seq), AccountSid: owner.sid, To: "+14155550100", From: testSender,
		Body: "secret media of " + owner.name, Status: "delivered", Direction: "outbound-api", NumSegments: 1, NumMedia: 1,
		DateCreated: now, DateUpdated: now, DateSent: now}
	md := store.Media{Sid: fmt.Sprintf("ME%032x", seq), AccountSid: owner.sid, MessageSid: m.Sid, URL: "http://127.0.0.1:1/x",
		ContentType: "text/plain", Content: []byte("secret file of " + owner.name), DateCreated: now, DateUpdated: now}
	if err := env.DB.Apply(context.Background(), store.Writes{Messages: []store.Message{m}, Media: []store.Media{md}}); err != nil {
		t.Fatal(err)
	}
	owner.secrets = append(owner.secrets, m.Sid, md.Sid, string(md.Content))
	owner.lastMedia = md
	return m.Sid, md
}

// seedCall stores a completed call of owner with one recording and one timeline event,
// straight into the store.
func seedCall(t *testing.T, env *servertest.Env, owner *actor) string {
	t.Helper()
	seq++
	now := time.Now().UTC().Truncate(time.Second)
	c := store.Call{Sid: fmt.Sprintf("CA%032x", seq), AccountSid: owner.sid, To: "+14155550100", From: testSender,
		Status: "completed", Direction: "outbound-api", StartTime: now, EndTime: now, Duration: 1, Price: "-0.01400",
		Settings: []byte(`{"url":"http://127.0.0.1:1/secret-of-` + owner.name + `"}`), State: []byte(`{}`),
		DateCreated: now, DateUpdated: now}
	r := store.Recording{Sid: fmt.Sprintf("RE%032x", seq), AccountSid: owner.sid, CallSid: c.Sid, Status: "completed",
		Source: "RecordVerb", Channels: 1, Duration: 1, Price: "-0.00250", StartTime: now, DateCreated: now, DateUpdated: now}
	e := store.CallEvent{AccountSid: owner.sid, CallSid: c.Sid, Type: "verb", Description: "Say: secret words of " + owner.name,
		DateCreated: now}
	if err := env.DB.Apply(context.Background(), store.Writes{Calls: []store.Call{c}, Recordings: []store.Recording{r},
		CallEvents: []store.CallEvent{e}}); err != nil {
		t.Fatal(err)
	}
	owner.secrets = append(owner.secrets, c.Sid, r.Sid, "secret words of "+owner.name)
	owner.lastRecording = r
	return c.Sid
}

func seededCall(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	sid := seedCall(t, env, owner)
	return sid, func() any {
		got, err := env.DB.GetCall(context.Background(), owner.sid, sid)
		events, _, eerr := env.DB.ListCallEvents(context.Background(), owner.sid, sid, store.Page{})
		return fmt.Sprint(got, err, events, eerr)
	}
}

// seedPhoneNumber stores a phone number of owner, straight into the store.
func seedPhoneNumber(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	seq++
	now := time.Now().UTC()
	p, err := env.DB.CreatePhoneNumber(context.Background(), store.PhoneNumber{
		Sid: fmt.Sprintf("PN%032x", seq), AccountSid: owner.sid, PhoneNumber: fmt.Sprintf("+1555700%04d", seq),
		FriendlyName: "secret number of " + owner.name, IsoCountry: "US", Type: "local", AddressRequirements: "none",
		Capabilities: store.Capabilities{Voice: true, SMS: true, MMS: true}, Origin: "twilio",
		PhoneNumberSettings: store.PhoneNumberSettings{APIVersion: "2010-04-01", SmsMethod: "POST", SmsFallbackMethod: "POST",
			VoiceMethod: "POST", VoiceFallbackMethod: "POST", StatusCallbackMethod: "POST", VoiceReceiveMode: "voice",
			EmergencyStatus: "Inactive"},
		DateCreated: now, DateUpdated: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	owner.secrets = append(owner.secrets, p.Sid)
	return p.Sid, func() any {
		got, err := env.DB.GetPhoneNumber(context.Background(), owner.sid, p.Sid)
		return fmt.Sprint(got, err)
	}
}

// seedService stores a Messaging Service of owner with one number in its pool and an
// alpha sender, straight into the store.
func seedService(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	t.Helper()
	ctx := context.Background()
	seq++
	now := time.Now().UTC()
	svc, err := env.DB.CreateMessagingService(ctx, store.MessagingService{Sid: fmt.Sprintf("MG%032x", seq), AccountSid: owner.sid,
		FriendlyName: "secret service of " + owner.name, InboundMethod: "POST", FallbackMethod: "POST",
		StatusCallback: "http://127.0.0.1:1/secret-callback-of-" + owner.name, StickySender: true,
		ScanMessageContent: "inherit", ValidityPeriod: 36000, Usecase: "undeclared", DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	pnSid, _ := seedPhoneNumber(t, env, owner)
	if _, _, err := env.DB.AddServiceNumber(ctx, owner.sid, svc.Sid, pnSid, 400, now); err != nil {
		t.Fatal(err)
	}
	ai, err := env.DB.CreateAlphaSender(ctx, store.AlphaSender{Sid: fmt.Sprintf("AI%032x", seq), ServiceSid: svc.Sid,
		AccountSid: owner.sid, AlphaSender: "Secret", DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	owner.lastService, owner.lastPoolNumber, owner.lastAlphaSender = svc.Sid, pnSid, ai.Sid
	owner.secrets = append(owner.secrets, svc.Sid, svc.FriendlyName, svc.StatusCallback, ai.Sid)
	return svc.Sid, func() any {
		got, err := env.DB.GetMessagingService(ctx, owner.sid, svc.Sid)
		pool, perr := env.DB.ServicePool(ctx, svc.Sid)
		return fmt.Sprint(got, err, pool, perr)
	}
}

// seedVerifyService stores a Verify Service of owner, straight into the store, with a
// pending verification to the number the examples name.
func seedVerifyService(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	t.Helper()
	ctx := context.Background()
	seq++
	now := time.Now().UTC()
	svc, err := env.DB.CreateVerifyService(ctx, store.VerifyService{Sid: fmt.Sprintf("VA%032x", seq), AccountSid: owner.sid,
		FriendlyName: "secret verify of " + owner.name, CodeLength: 6, Extra: []byte("{}"), DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	owner.lastVerifyService = svc.Sid
	owner.secrets = append(owner.secrets, svc.Sid, svc.FriendlyName)
	seedVerification(t, env, owner, svc.Sid)
	return svc.Sid, func() any {
		got, err := env.DB.GetVerifyService(ctx, owner.sid, svc.Sid)
		list, _, lerr := env.DB.ListVerifications(ctx, store.VerificationFilter{AccountSid: owner.sid, ServiceSid: svc.Sid}, store.Page{})
		return fmt.Sprint(got, err, list, lerr)
	}
}

// seedVerification stores a pending verification of owner's Verify Service service to
// +14155550100 (the examples' To), with a code of its own.
func seedVerification(t *testing.T, env *servertest.Env, owner *actor, service string) (string, func() any) {
	t.Helper()
	ctx := context.Background()
	seq++
	now := env.Clock.Now().UTC()
	v, err := env.DB.StartVerification(ctx, owner.sid, service, "+14155550100", func(*store.Verification) (store.Verification, error) {
		return store.Verification{Sid: fmt.Sprintf("VE%032x", seq), Channel: "sms", Status: "pending", Code: fmt.Sprintf("9%09d", seq),
			Sends:       []store.VerificationSend{{Sid: fmt.Sprintf("VL%032x", seq), Channel: "sms", Time: now}},
			DateCreated: now, DateUpdated: now, DateExpires: now.Add(10 * time.Minute)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	owner.secrets = append(owner.secrets, v.Sid, v.Code)
	return v.Sid, func() any {
		got, err := env.DB.GetVerification(ctx, owner.sid, "", v.Sid)
		return fmt.Sprint(got, err)
	}
}

func ownerAccount(t *testing.T, env *servertest.Env, owner *actor) (string, func() any) {
	return owner.sid, func() any {
		a, err := env.DB.GetAccount(context.Background(), owner.sid)
		sandbox, serr := env.DB.GetWhatsAppSandbox(context.Background(), owner.sid)
		return fmt.Sprint(a, err, sandbox, serr)
	}
}

// operation is one method on one path of the spec, with the form bodies to try.
type operation struct {
	id, method, path string
	public           bool
	stream           bool     // answers 200 with server-sent events, a body that does not end
	params           []string // path parameter keys, as in resources
	query            url.Values
	bodies           []formExample
}

// formExample is one request body to try: a form, or a JSON body (json set) for the
// operations that take one.
type formExample struct {
	name string
	form url.Values
	json []byte
}

var pathParam = regexp.MustCompile(`([A-Za-z0-9_.-]+)/\{([A-Za-z0-9_]+)\}`)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(bytes.Clone(switchboard.OpenAPI))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// operations lists every operation of the spec in a stable order, failing the test on
// anything it cannot fill.
func operations(doc *openapi3.T) []operation {
	var ops []operation
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		methods := make([]string, 0)
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, method := range methods {
			o := item.Operations()[method]
			op := operation{id: o.OperationID, method: method, path: path, query: url.Values{},
				public: o.Security != nil && len(*o.Security) == 0}
			if ok := o.Responses.Status(http.StatusOK); ok != nil && ok.Value.Content["text/event-stream"] != nil {
				op.stream = true
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				key := m[1] + "/{" + m[2] + "}"
				if strings.HasPrefix(path, "/v2/") && strings.HasPrefix(path[len("/v2/"):], key) {
					key = "v2/" + key
				}
				if value, ok := ownerless[key]; ok {
					op.path = strings.Replace(op.path, "{"+m[2]+"}", url.PathEscape(value), 1)
					continue
				}
				op.params = append(op.params, key)
			}
			params := append(append(openapi3.Parameters{}, item.Parameters...), o.Parameters...)
			for _, p := range params {
				if p.Value.In == openapi3.ParameterInQuery && p.Value.Required {
					op.query.Set(p.Value.Name, fmt.Sprint(p.Value.Example))
				}
			}
			op.bodies = []formExample{{name: "no-body"}}
			if o.RequestBody != nil {
				if mt := o.RequestBody.Value.Content.Get("application/x-www-form-urlencoded"); mt != nil {
					op.bodies = formExamples(mt)
				}
				if mt := o.RequestBody.Value.Content.Get("application/json"); mt != nil {
					op.bodies = jsonExamples(mt)
				}
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// formExamples are a request body's examples as forms, sorted by name.
func formExamples(mt *openapi3.MediaType) []formExample {
	values := map[string]any{}
	if mt.Example != nil {
		values["example"] = mt.Example
	}
	for name, ex := range mt.Examples {
		values[name] = ex.Value.Value
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []formExample
	for _, name := range names {
		form := url.Values{}
		fields, _ := values[name].(map[string]any)
		for k, v := range fields {
			if list, ok := v.([]any); ok {
				for _, item := range list {
					form.Add(k, fmt.Sprint(item))
				}
				continue
			}
			form.Set(k, fmt.Sprint(v))
		}
		out = append(out, formExample{name: name, form: form})
	}
	if len(out) == 0 {
		out = append(out, formExample{name: "empty", form: url.Values{}})
	}
	return out
}

// jsonExamples are a JSON request body's examples, sorted by name.
func jsonExamples(mt *openapi3.MediaType) []formExample {
	var out []formExample
	for _, name := range slices.Sorted(maps.Keys(mt.Examples)) {
		b, err := json.Marshal(mt.Examples[name].Value.Value)
		if err != nil {
			panic(err)
		}
		out = append(out, formExample{name: name, json: b})
	}
	if len(out) == 0 {
		out = append(out, formExample{name: "empty", json: []byte("{}")})
	}
	return out
}

func checkPair(t *testing.T, env *servertest.Env, op operation, example formExample, caller *actor, owners []*actor, actors []*actor) {
	form := example.form
	// A parent may suspend a subaccount (UpdateAccount's example): every pair starts with
	// all accounts active again.
	for _, a := range actors {
		if acct, err := env.DB.GetAccount(context.Background(), a.sid); err != nil {
			t.Fatal(err)
		} else if acct.Status != "active" {
			if _, err := env.DB.UpdateAccount(context.Background(), a.sid, store.AccountUpdate{Status: ptrTo("active"), Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := op.path
	var snapshots []func() any
	// The request reaches something only when every parameter names one account's
	// resources and the caller may act for that account.
	owner, oneOwner := caller, true
	if len(owners) > 0 {
		owner = owners[0]
	}
	for _, o := range owners {
		oneOwner = oneOwner && o == owner
	}
	for i, key := range op.params {
		create, ok := resources[key]
		if !ok {
			t.Fatalf("%s %s: no resource for path parameter %s; add one to resources in bola_test.go", op.method, op.path, key)
		}
		id, snapshot := create(t, env, owners[i])
		snapshots = append(snapshots, snapshot)
		name := key[strings.Index(key, "{"):]
		path = strings.Replace(path, name, url.PathEscape(id), 1)
	}
	// Operations that name no owner (the account list, creating a subaccount) still must
	// not reach anyone the caller may not act for.
	if len(op.params) == 0 {
		for _, a := range actors {
			if !caller.mayActFor(a) {
				_, snap := ownerAccount(t, env, a)
				snapshots = append(snapshots, snap)
			}
		}
	}
	before := make([]any, len(snapshots))
	for i, s := range snapshots {
		before[i] = s()
	}

	uri := env.URL + path
	if len(op.query) > 0 {
		uri += "?" + op.query.Encode()
	}
	var body io.Reader
	sentBody, contentType := form.Encode(), formType
	if example.json != nil {
		sentBody, contentType = string(example.json), "application/json"
	}
	if op.method == http.MethodPost {
		body = strings.NewReader(sentBody)
	}
	req, err := http.NewRequest(op.method, uri, body)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(caller.sid, caller.token)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	var resp *http.Response
	var data []byte
	if op.stream {
		// Not through env.HTTP, which reads a body whole: an open stream is read up to its
		// first event (which must hold nothing of anyone's), an error whole.
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data = readStreamStart(t, resp)
	} else {
		resp, err = env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data = readBody(t, resp)
	}

	allowed := (oneOwner && caller.mayReach(owner, op)) || len(op.params) == 0
	switch {
	case allowed && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound):
		t.Fatalf("%s as %s on %s's resources: HTTP %d %s; the request does not reach what it names", op.id, caller.name, owner.name, resp.StatusCode, data)
	case !allowed && (resp.StatusCode < 400 || resp.StatusCode >= 500):
		t.Fatalf("%s as %s on %s's resources: HTTP %d %s", op.id, caller.name, owner.name, resp.StatusCode, data)
	}
	// Nothing of anyone the caller may not act for shows, except what the request itself
	// named.
	sent := path + sentBody
	for _, a := range actors {
		if caller.mayActFor(a) {
			continue
		}
		for _, secret := range a.secrets {
			if !strings.Contains(sent, secret) && bytes.Contains(data, []byte(secret)) {
				t.Fatalf("%s as %s: the answer holds %s of %s: %s", op.id, caller.name, secret, a.name, data)
			}
		}
	}
	if allowed && len(op.params) > 0 {
		return
	}
	for i, s := range snapshots {
		if after := s(); !reflect.DeepEqual(after, before[i]) {
			t.Fatalf("%s as %s changed %s's state:\n before %v\n after  %v", op.id, caller.name, owner.name, before[i], after)
		}
	}
}

// readStreamStart reads an event stream's first event (up to its blank line) and closes
// it; any other answer is read whole.
func readStreamStart(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		return readBody(t, resp)
	}
	defer resp.Body.Close()
	var data []byte
	buf := make([]byte, 512)
	for !bytes.Contains(data, []byte("\n\n")) {
		n, err := resp.Body.Read(buf)
		data = append(data, buf[:n]...)
		if err != nil {
			t.Fatalf("event stream: %v after %q", err, data)
		}
	}
	return data
}

// TestBOLAMatrixCoversTheSpec: the matrix above fails loudly on an operation it cannot
// fill, rather than skipping it.
func TestBOLAMatrixCoversTheSpec(t *testing.T) {
	ops := operations(loadDoc(t))
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.id)
		for _, key := range op.params {
			if _, ok := resources[key]; !ok && ownerless[key] == "" {
				t.Errorf("%s: path parameter %s has no resource in bola_test.go", op.id, key)
			}
		}
	}
	for _, want := range []string{"ListAccounts", "CreateAccount", "FetchAccount", "UpdateAccount", "ListMessages", "CreateMessage", "FetchMessage", "UpdateMessage", "DeleteMessage"} {
		if !slices.Contains(ids, want) {
			t.Errorf("operation %s is not in the matrix (found %v)", want, ids)
		}
	}
}
