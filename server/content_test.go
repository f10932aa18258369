package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

var contentSID = regexp.MustCompile(`^HX[0-9a-f]{32}$`)

// createContent creates a template from a JSON body, as the SDKs send it.
func createContent(t testing.TB, env *servertest.Env, body string) client.Content {
	t.Helper()
	status, data := env.Do(t, http.MethodPost, "/v1/Content", env.Main.Sid, env.Main.AuthToken, strings.NewReader(body), "application/json")
	var c client.Content
	if status != http.StatusCreated || json.Unmarshal(data, &c) != nil {
		t.Fatalf("create content %s: HTTP %d %s", body, status, data)
	}
	return c
}

// approve submits template sid to WhatsApp under name, and checks that it is approved.
func approve(t testing.TB, env *servertest.Env, sid, name string) {
	t.Helper()
	resp, err := env.Client.CreateContentApprovalWithResponse(context.Background(), sid, client.ContentApprovalRequest{Name: name, Category: "UTILITY"})
	if err != nil || resp.JSON201 == nil || resp.JSON201.Status != "approved" {
		t.Fatalf("approve %s: %v %s", sid, err, resp.Body)
	}
}

func TestContentCRUD(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	c := createContent(t, env, `{"friendly_name":"order_update","language":"en","variables":{"1":"customer"},
		"types":{"twilio/text":{"body":"Hi {{1}}, your order has shipped."},
		"twilio/quick-reply":{"body":"Hi {{1}}, rate us?","actions":[{"title":"Good","id":"good"},{"type":"QUICK_REPLY","title":"Bad"}]}}}`)
	self := env.URL + "/v1/Content/" + c.Sid
	switch {
	case !contentSID.MatchString(c.Sid) || c.AccountSid != env.Main.Sid || c.FriendlyName != "order_update" || c.Language != "en":
		t.Errorf("created %+v", c)
	case c.Variables["1"] != "customer" || len(c.Variables) != 1 || len(c.Types) != 2:
		t.Errorf("variables %v, types %v", c.Variables, c.Types)
	case c.Url != self || c.Links["approval_create"] != self+"/ApprovalRequests/whatsapp" || c.Links["approval_fetch"] != self+"/ApprovalRequests":
		t.Errorf("url %s links %v", c.Url, c.Links)
	case time.Since(c.DateCreated) > time.Minute || c.DateCreated.Location() != time.UTC || !c.DateUpdated.Equal(c.DateCreated):
		t.Errorf("dates %v %v", c.DateCreated, c.DateUpdated)
	}
	// The types come back as sent.
	var qr client.ContentQuickReply
	if err := json.Unmarshal(c.Types["twilio/quick-reply"], &qr); err != nil || qr.Body != "Hi {{1}}, rate us?" || len(qr.Actions) != 2 ||
		qr.Actions[0].Title != "Good" || *qr.Actions[0].Id != "good" {
		t.Errorf("quick reply %+v, %v", qr, err)
	}
	bare := createContent(t, env, `{"language":"es","types":{"twilio/text":{"body":"Hola"}}}`)
	if bare.FriendlyName != "" || bare.Variables == nil || len(bare.Variables) != 0 {
		t.Errorf("a bare template %+v", bare)
	}

	got, err := env.Client.FetchContentWithResponse(ctx, c.Sid)
	if err != nil || got.JSON200 == nil || got.JSON200.Sid != c.Sid || string(got.JSON200.Types["twilio/text"]) != string(c.Types["twilio/text"]) {
		t.Errorf("fetch: %v %s", err, got.Body)
	}
	list, err := env.Client.ListContentWithResponse(ctx, &client.ListContentParams{PageSize: ptr(client.PageSize(1))})
	if err != nil || list.JSON200 == nil || len(list.JSON200.Contents) != 1 || list.JSON200.Contents[0].Sid != bare.Sid ||
		list.JSON200.Meta.Key != "contents" || list.JSON200.Meta.NextPageUrl == nil || !strings.HasPrefix(list.JSON200.Meta.Url, env.URL+"/v1/Content?") {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	status, next := env.Do(t, http.MethodGet, strings.TrimPrefix(*list.JSON200.Meta.NextPageUrl, env.URL), env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK || !strings.Contains(string(next), c.Sid) {
		t.Errorf("next page: HTTP %d %s", status, next)
	}

	// Approvals: unsubmitted until submitted, then WhatsApp's verdict at once.
	fetched, err := env.Client.FetchContentApprovalsWithResponse(ctx, c.Sid)
	if err != nil || fetched.JSON200 == nil || fetched.JSON200.Whatsapp.Status != "unsubmitted" || fetched.JSON200.Whatsapp.Name != "" ||
		fetched.JSON200.Whatsapp.Type != "whatsapp" || fetched.JSON200.Url != self+"/ApprovalRequests" {
		t.Errorf("approvals before: %v %s", err, fetched.Body)
	}
	created, err := env.Client.CreateContentApprovalWithResponse(ctx, c.Sid, client.ContentApprovalRequest{Name: "order_update", Category: "UTILITY"})
	if err != nil || created.JSON201 == nil || *created.JSON201 != (client.ContentApproval{Name: "order_update", Category: "UTILITY",
		ContentType: "twilio/quick-reply", Status: "approved"}) {
		t.Errorf("approval: %v %s", err, created.Body)
	}
	fetched, _ = env.Client.FetchContentApprovalsWithResponse(ctx, c.Sid)
	if w := fetched.JSON200.Whatsapp; w.Status != "approved" || w.Name != "order_update" || w.Category != "UTILITY" {
		t.Errorf("approvals after: %s", fetched.Body)
	}
	rejected, err := env.Client.CreateContentApprovalWithResponse(ctx, bare.Sid, client.ContentApprovalRequest{Name: "reject_this", Category: "MARKETING"})
	if err != nil || rejected.JSON201 == nil || rejected.JSON201.Status != "rejected" || rejected.JSON201.RejectionReason == "" {
		t.Errorf("the magic rejection: %v %s", err, rejected.Body)
	}
	both, err := env.Client.ListContentAndApprovalsWithResponse(ctx, &client.ListContentAndApprovalsParams{})
	if err != nil || both.JSON200 == nil || len(both.JSON200.Contents) != 2 || both.JSON200.Contents[0].ApprovalRequests.Status != "rejected" ||
		both.JSON200.Contents[1].ApprovalRequests.Status != "approved" || both.JSON200.Contents[1].FriendlyName != "order_update" {
		t.Errorf("content and approvals: %v %s", err, both.Body)
	}

	// Delete; then it is gone.
	del, err := env.Client.DeleteContentWithResponse(ctx, bare.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Errorf("delete: %v %s", err, del.Body)
	}
	for _, path := range []string{"/v1/Content/" + bare.Sid, "/v1/Content/" + bare.Sid + "/ApprovalRequests"} {
		status, body := env.Do(t, http.MethodGet, path, env.Main.Sid, env.Main.AuthToken, nil, "")
		wantError(t, status, body, 404, 20404)
	}
	status, body := env.Do(t, http.MethodDelete, "/v1/Content/"+bare.Sid, env.Main.Sid, env.Main.AuthToken, nil, "")
	wantError(t, status, body, 404, 20404)

	// Another tenant sees none of it.
	other, _ := secondTenant(t, env)
	token := other.AuthToken
	status, body = env.Do(t, http.MethodGet, "/v1/Content/"+c.Sid, other.Sid, token, nil, "")
	wantError(t, status, body, 404, 20404)
	status, body = env.Do(t, http.MethodGet, "/v1/Content", other.Sid, token, nil, "")
	if status != http.StatusOK || strings.Contains(string(body), c.Sid) {
		t.Errorf("another tenant's list: HTTP %d %s", status, body)
	}
}

func TestContentRefusals(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := createContent(t, env, `{"language":"en","types":{"twilio/location":{"latitude":1,"longitude":2}}}`)
	for _, tc := range []struct {
		name, path, body string
		code             int
	}{
		{"no types", "/v1/Content", `{"language":"en"}`, 20001},
		{"no language", "/v1/Content", `{"types":{"twilio/text":{"body":"Hi"}}}`, 20001},
		{"a language that is none", "/v1/Content", `{"language":"english","types":{"twilio/text":{"body":"Hi"}}}`, 20001},
		{"an empty types", "/v1/Content", `{"language":"en","types":{}}`, 20001},
		{"a type not simulated", "/v1/Content", `{"language":"en","types":{"whatsapp/card":{"body":"Hi"}}}`, 20001},
		{"a text without a body", "/v1/Content", `{"language":"en","types":{"twilio/text":{}}}`, 20001},
		{"a quick reply without buttons", "/v1/Content", `{"language":"en","types":{"twilio/quick-reply":{"body":"Hi","actions":[]}}}`, 20001},
		{"a URL button without its URL", "/v1/Content", `{"language":"en","types":{"twilio/call-to-action":{"body":"Hi","actions":[{"type":"URL","title":"Go"}]}}}`, 20001},
		{"not JSON", "/v1/Content", `language=en`, 20001},
		{"a location submitted", "/v1/Content/" + c.Sid + "/ApprovalRequests/whatsapp", `{"name":"here","category":"UTILITY"}`, 20001},
		{"a name WhatsApp refuses", "/v1/Content/" + c.Sid + "/ApprovalRequests/whatsapp", `{"name":"Here!","category":"UTILITY"}`, 20001},
		{"a category that is none", "/v1/Content/" + c.Sid + "/ApprovalRequests/whatsapp", `{"name":"here","category":"SALES"}`, 20001},
		{"no category", "/v1/Content/" + c.Sid + "/ApprovalRequests/whatsapp", `{"name":"here"}`, 20001},
	} {
		status, body := env.Do(t, http.MethodPost, tc.path, env.Main.Sid, env.Main.AuthToken, strings.NewReader(tc.body), "application/json")
		t.Run(tc.name, func(t *testing.T) { wantError(t, status, body, 400, tc.code) })
	}
	status, body := env.Do(t, http.MethodPost, "/v1/Content", env.Main.Sid, env.Main.AuthToken, strings.NewReader("language=en"), formType)
	wantError(t, status, body, 400, 20001)
	status, body = env.Do(t, http.MethodPost, "/v1/Content/HX00000000000000000000000000000000/ApprovalRequests/whatsapp", env.Main.Sid,
		env.Main.AuthToken, strings.NewReader(`{"name":"x","category":"UTILITY"}`), "application/json")
	wantError(t, status, body, 404, 20404)
}

// TestContentSend: a message made of a template has the template's text, variables
// filled in, on texts (the text or media type) and on WhatsApp (the richest type).
func TestContentSend(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	if err := env.BuyNumber(env.Main.Sid, env.Main.AuthToken, ourNumber); err != nil {
		t.Fatal(err)
	}
	files := servertest.FileServer(t, "image/png", []byte("png"))
	c := createContent(t, env, `{"language":"en","variables":{"1":"friend","2":"soon"},"types":{
		"twilio/text":{"body":"Hi {{1}}, your table is ready {{2}}."},
		"twilio/card":{"title":"Table for {{1}}","subtitle":"Ready {{2}}","actions":[{"type":"QUICK_REPLY","title":"On my way"}]}}}`)
	sms := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), ContentSid: ptr(c.Sid),
		ContentVariables: ptr(`{"1":"Ana"}`)})
	if sms.Body != "Hi Ana, your table is ready soon." || sms.NumSegments != "1" || sms.NumMedia != "0" {
		t.Errorf("on SMS: %+v", sms)
	}
	done := env.WaitForStatus(t, env.Client, env.Main.Sid, sms.Sid, 5*time.Second, "delivered", "failed")
	if done.Status != "delivered" || done.Body != sms.Body {
		t.Errorf("delivered %+v", done)
	}
	wa := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: waUser, From: ptr(waSandbox), ContentSid: ptr(c.Sid),
		ContentVariables: ptr(`{"1":"Ana","2":"now"}`)})
	if wa.Body != "Table for Ana\nReady now" {
		t.Errorf("on WhatsApp: %q", wa.Body)
	}
	// A media template is MMS on SMS, its media fetched as a message's.
	media := createContent(t, env, `{"language":"en","types":{"twilio/media":{"body":"Your ticket","media":["`+files+`"]}}}`)
	mms := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), ContentSid: ptr(media.Sid)})
	if mms.Body != "Your ticket" || mms.NumMedia != "1" {
		t.Errorf("media template: %+v", mms)
	}
	env.WaitForStatus(t, env.Client, env.Main.Sid, mms.Sid, 5*time.Second, "delivered")

	// What the template cannot fill, or the channel cannot show, is refused at once.
	noDefault := createContent(t, env, `{"language":"en","types":{"twilio/text":{"body":"Hi {{name}}"}},"variables":{}}`)
	card := createContent(t, env, `{"language":"en","types":{"twilio/card":{"title":"Sale","subtitle":"Today"}}}`)
	for _, tc := range []struct {
		name, form string
		code       int
	}{
		{"a variable without a value", "ContentSid=" + noDefault.Sid, 21656},
		{"an empty value", "ContentSid=" + noDefault.Sid + "&ContentVariables=%7B%22name%22%3A%22%22%7D", 21656},
		{"variables that are no JSON", "ContentSid=" + noDefault.Sid + "&ContentVariables=name%3DAna", 21656},
		{"a card on SMS", "ContentSid=" + card.Sid, 216602},
	} {
		status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken,
			strings.NewReader("To=%2B14155550100&From=%2B14155550199&"+tc.form), formType)
		t.Run(tc.name, func(t *testing.T) { wantError(t, status, body, 400, tc.code) })
	}
	// Another account's template is no template of this one.
	other, _ := secondTenant(t, env)
	token := other.AuthToken
	status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+other.Sid+"/Messages.json", other.Sid, token,
		strings.NewReader("To=whatsapp:%2B14155550100&From=whatsapp:%2B14155238886&ContentSid="+c.Sid), formType)
	wantError(t, status, body, 400, 21655)
}
