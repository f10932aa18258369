package compat

import (
	"regexp"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
	content "github.com/twilio/twilio-go/rest/content/v1"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

const (
	sandbox = "whatsapp:+14155238886"
	waUser  = "whatsapp:+14155550100"
)

var contentSID = regexp.MustCompile(`^HX[0-9a-f]{32}$`)

// userWrites is a WhatsApp user's message to the Sandbox, through Switchboard's simulator
// (the official SDK has no such call).
func (e *sdkEnv) userWrites(t *testing.T, body string) {
	t.Helper()
	resp, err := e.Client.CreateInboundMessageWithFormdataBodyWithResponse(t.Context(), e.Main.Sid,
		client.InboundMessageRequest{From: waUser, To: sandbox, Body: &body})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("the user writes %q: %v %s", body, err, resp.Body)
	}
}

// waitFinal fetches message sid through the SDK until it is read or failed.
func (e *sdkEnv) waitFinal(t *testing.T, sid string) *api.ApiV2010Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := e.SDK.Api.FetchMessage(sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s := deref(m.Status); s == "read" || s == "failed" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s still %s", sid, deref(m.Status))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func whatsAppParams(body string) *api.CreateMessageParams {
	p := &api.CreateMessageParams{}
	p.SetTo(waUser)
	p.SetFrom(sandbox)
	p.SetBody(body)
	return p
}

// newTemplate creates a Content template through twilio-go's ContentV1, whose requests go
// to content.twilio.com, which the transport sends to Switchboard.
func newTemplate(t *testing.T, e *sdkEnv, req content.ContentCreateRequest) *content.ContentV1Content {
	t.Helper()
	c, err := e.SDK.ContentV1.CreateContent(&content.CreateContentParams{ContentCreateRequest: &req})
	if err != nil {
		t.Fatal(err)
	}
	if !contentSID.MatchString(deref(c.Sid)) || deref(c.AccountSid) != e.Main.Sid || c.DateCreated == nil || time.Since(*c.DateCreated) > time.Minute {
		t.Fatalf("created %+v", c)
	}
	return c
}

// TestWhatsAppConversation: a user joins the Sandbox, the app answers freeform inside the
// 24-hour window, is refused (63016) once the window has passed on the simulator's
// clock, and reaches the user again with a template WhatsApp approved.
func TestWhatsAppConversation(t *testing.T) {
	t.Parallel()
	e := startWith(t, servertest.Options{})
	sb, err := e.Client.FetchWhatsAppSandboxWithResponse(t.Context(), e.Main.Sid)
	if err != nil || sb.JSON200 == nil {
		t.Fatalf("sandbox: %v", err)
	}
	e.userWrites(t, sb.JSON200.JoinMessage)
	e.userWrites(t, "Is my order on its way?")

	m, err := e.SDK.Api.CreateMessage(whatsAppParams("It ships today."))
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.To) != waUser || deref(m.From) != sandbox || deref(m.Status) != "queued" || deref(m.NumSegments) != "1" {
		t.Errorf("created %+v", m)
	}
	if m = e.waitFinal(t, deref(m.Sid)); deref(m.Status) != "read" || m.ErrorCode != nil {
		t.Errorf("inside the window: %s %v", deref(m.Status), m.ErrorCode)
	}

	// A day and a minute pass in a moment through the Clock endpoint: the window is
	// measured on the simulator's clock.
	e.Advance(t, 24*time.Hour+time.Minute)
	late, err := e.SDK.Api.CreateMessage(whatsAppParams("Anything else?"))
	if err != nil {
		t.Fatalf("a freeform message after the window is refused on its way, not at create: %v", err)
	}
	if late = e.waitFinal(t, deref(late.Sid)); deref(late.Status) != "failed" || deref(late.ErrorCode) != 63016 || late.ErrorMessage == nil {
		t.Errorf("outside the window: %s %v %v", deref(late.Status), late.ErrorCode, late.ErrorMessage)
	}

	tpl := newTemplate(t, e, content.ContentCreateRequest{FriendlyName: "shipping", Language: "en",
		Variables: map[string]string{"1": "customer"},
		Types:     content.Types{TwilioText: &content.TwilioText{Body: "Hi {{1}}, your order {{2}} has shipped."}}})
	approval := &content.CreateApprovalCreateParams{}
	approval.SetContentApprovalRequest(content.ContentApprovalRequest{Name: "shipping_update", Category: "UTILITY"})
	verdict, err := e.SDK.ContentV1.CreateApprovalCreate(deref(tpl.Sid), approval)
	if err != nil || deref(verdict.Status) != "approved" || deref(verdict.Name) != "shipping_update" || deref(verdict.ContentType) != "twilio/text" {
		t.Fatalf("approval: %+v %v", verdict, err)
	}
	fetched, err := e.SDK.ContentV1.FetchApprovalFetch(deref(tpl.Sid))
	if err != nil || fetched.Whatsapp == nil || (*fetched.Whatsapp)["status"] != "approved" {
		t.Errorf("fetched approval: %+v %v", fetched, err)
	}
	p := &api.CreateMessageParams{}
	p.SetTo(waUser)
	p.SetFrom(sandbox)
	p.SetContentSid(deref(tpl.Sid))
	p.SetContentVariables(`{"2":"#1042"}`)
	sent, err := e.SDK.Api.CreateMessage(p)
	if err != nil {
		t.Fatal(err)
	}
	if deref(sent.Body) != "Hi customer, your order #1042 has shipped." {
		t.Errorf("template body %q", deref(sent.Body))
	}
	if sent = e.waitFinal(t, deref(sent.Sid)); deref(sent.Status) != "read" {
		t.Errorf("a template outside the window: %s %v", deref(sent.Status), sent.ErrorCode)
	}
}

// TestContentTemplates: templates made, read, listed and deleted through ContentV1, and
// one rendered on SMS (its twilio/text) and on WhatsApp (its quick reply).
func TestContentTemplates(t *testing.T) {
	t.Parallel()
	e := startLive(t)
	cv := e.SDK.ContentV1
	tpl := newTemplate(t, e, content.ContentCreateRequest{FriendlyName: "rsvp", Language: "en",
		Variables: map[string]string{"1": "guest"},
		Types: content.Types{
			TwilioText:       &content.TwilioText{Body: "Hi {{1}}, are you coming on {{2}}? Reply YES or NO."},
			TwilioQuickReply: &content.TwilioQuickReply{Body: "Hi {{1}}, coming on {{2}}?", Actions: []content.QuickReplyAction{{Title: "Yes", Id: "yes"}, {Title: "No", Id: "no"}}},
		}})
	sid := deref(tpl.Sid)
	if deref(tpl.FriendlyName) != "rsvp" || deref(tpl.Language) != "en" || tpl.Types == nil || len(*tpl.Types) != 2 ||
		tpl.Links == nil || (*tpl.Links)["approval_create"] != deref(tpl.Url)+"/ApprovalRequests/whatsapp" {
		t.Errorf("created %+v", tpl)
	}
	got, err := cv.FetchContent(sid)
	if err != nil || deref(got.Sid) != sid || (*got.Variables)["1"] != "guest" {
		t.Errorf("fetch: %+v %v", got, err)
	}
	list, err := cv.ListContent(&content.ListContentParams{})
	if err != nil || len(list) != 1 || deref(list[0].Sid) != sid {
		t.Errorf("list: %+v %v", list, err)
	}
	both, err := cv.ListContentAndApprovals(&content.ListContentAndApprovalsParams{})
	if err != nil || len(both) != 1 || (*both[0].ApprovalRequests)["status"] != "unsubmitted" {
		t.Errorf("content and approvals: %+v %v", both, err)
	}

	sms := text("")
	sms.Body = nil
	sms.SetContentSid(sid)
	sms.SetContentVariables(`{"1":"Ana","2":"Friday"}`)
	m, err := e.SDK.Api.CreateMessage(sms)
	if err != nil || deref(m.Body) != "Hi Ana, are you coming on Friday? Reply YES or NO." {
		t.Fatalf("on SMS: %+v %v", m, err)
	}
	// The user joins the Sandbox first; then the quick reply goes on WhatsApp.
	sb, _ := e.Client.FetchWhatsAppSandboxWithResponse(t.Context(), e.Main.Sid)
	e.userWrites(t, sb.JSON200.JoinMessage)
	wa := &api.CreateMessageParams{}
	wa.SetTo(waUser)
	wa.SetFrom(sandbox)
	wa.SetContentSid(sid)
	wa.SetContentVariables(`{"2":"Friday"}`)
	w, err := e.SDK.Api.CreateMessage(wa)
	if err != nil || deref(w.Body) != "Hi guest, coming on Friday?" {
		t.Fatalf("on WhatsApp: %+v %v", w, err)
	}
	if w = e.waitFinal(t, deref(w.Sid)); deref(w.Status) != "read" {
		t.Errorf("on WhatsApp: %s %v", deref(w.Status), w.ErrorCode)
	}

	// ContentVariables without ContentSid is refused at once (21654), as on Twilio.
	alone := text("opts")
	alone.SetContentVariables(`{"1":"x"}`)
	_, err = e.apiFor(e.Main.Sid, e.Main.AuthToken).CreateMessage(alone)
	e.wantError(t, err, 400, 21654)

	// A variable without a value is refused at once (21656).
	missing := &api.CreateMessageParams{}
	missing.SetTo(to)
	missing.SetFrom(from)
	missing.SetContentSid(sid)
	_, err = e.apiFor(e.Main.Sid, e.Main.AuthToken).CreateMessage(missing)
	e.wantError(t, err, 400, 21656)

	if err := cv.DeleteContent(sid); err != nil {
		t.Fatal(err)
	}
	_, err = e.apiFor(e.Main.Sid, e.Main.AuthToken).CreateMessage(sms)
	e.wantError(t, err, 400, 21655)
	if list, err := cv.ListContent(&content.ListContentParams{}); err != nil || len(list) != 0 {
		t.Errorf("list after delete: %+v %v", list, err)
	}
}
