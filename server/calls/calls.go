// Package calls serves the Calls and Recordings resources of the 2010-04-01 API:
// placing, fetching, listing, updating (redirect, hang up, cancel) and deleting calls,
// and their recordings with the audio. A call's life on the simulated telephone network
// is internal/voice's; these handlers check what the spec cannot say and hand it over.
package calls

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	callsPathFormat = "/2010-04-01/Accounts/%s/Calls"
	// eventsPathFormat is a call's timeline, which Switchboard serves under its own API.
	eventsPathFormat = "/switchboard/v1/Accounts/%s/Calls/%s/Events"
)

// Store is what the Calls and Recordings handlers read; what changes a call or a
// recording goes through Voice.
type Store interface {
	GetCall(ctx context.Context, accountSid, sid string) (store.Call, error)
	ListCalls(ctx context.Context, f store.CallFilter, p store.Page) ([]store.Call, bool, error)
	GetRecording(ctx context.Context, accountSid, sid string) (store.Recording, error)
	ListRecordings(ctx context.Context, f store.RecordingFilter, p store.Page) ([]store.Recording, bool, error)
}

// Voice is the simulated telephone network (package voice), as these handlers use it:
// the rules and the life of the calls and recordings they create and change.
type Voice interface {
	Place(ctx context.Context, account store.Account, out voice.Outbound) (store.Call, error)
	Update(ctx context.Context, account store.Account, sid string, u voice.Update) (store.Call, error)
	Delete(ctx context.Context, account store.Account, sid string) error
	DeleteRecording(ctx context.Context, account store.Account, callSid, sid string) error
}

// Calls holds the handlers of the Calls and Recordings resources.
type Calls struct {
	store    Store
	voice    Voice
	accounts api.AccountFinder // for the checks of the account a path names
	tokens   *pagetoken.Sealer // seals the page tokens of lists
}

// New returns the Calls and Recordings handlers over st and v.
func New(st Store, v Voice, accounts api.AccountFinder, tokens *pagetoken.Sealer) *Calls {
	return &Calls{store: st, voice: v, accounts: accounts, tokens: tokens}
}

// CreateCall implements gen.StrictServerInterface. The spec has checked the shape of each
// parameter; the rules that span several are checked here, and the network's rules
// (magic numbers, an owned caller ID) by the voice service.
func (h *Calls) CreateCall(ctx context.Context, req gen.CreateCallRequestObject) (gen.CreateCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.CreateCallRequest{}
	}
	to, from := string(in.To), in.From
	switch {
	case to == "": // an empty body; the spec checks To whenever there is one
		return nil, api.FixedError(api.CodeCallToRequired, "")
	case strings.HasPrefix(to, "+") && !phone.ValidNumber(to):
		return nil, api.FixedError(api.CodeToInvalid, to)
	case from == "":
		return nil, api.FixedError(api.CodeCallFromRequired, "")
	case !phone.ValidNumber(from):
		return nil, api.BadRequest(api.CodeFromInvalid, "The 'From' number %s is not a valid phone number.%s", from, api.PlusHint(from))
	case in.ApplicationSid != nil:
		return nil, api.BadRequest(api.CodeApplicationSid, "ApplicationSid %s is not an application of this account: Switchboard has no applications; give Url or Twiml.", *in.ApplicationSid)
	case in.Url != nil && in.Twiml != nil:
		return nil, api.BadRequest(api.CodeInvalidParameter, "Give either Url or Twiml, not both.")
	case api.Deref(in.Url) == "" && api.Deref(in.Twiml) == "":
		return nil, api.BadRequest(api.CodeCallURLInvalid, "Url parameter is required: give Url (where the call fetches its TwiML) or Twiml.")
	}
	for _, u := range []struct {
		name, value string
		code        int
	}{
		{"Url", api.Deref(in.Url), api.CodeCallURLInvalid}, {"FallbackUrl", api.Deref(in.FallbackUrl), api.CodeCallURLInvalid},
		{"StatusCallback", api.Deref(in.StatusCallback), api.CodeInvalidParameter},
		{"RecordingStatusCallback", api.Deref(in.RecordingStatusCallback), api.CodeInvalidParameter},
	} {
		if u.value != "" && !api.ValidWebhookURL(u.value) {
			return nil, api.BadRequest(u.code, "%s %q is not a valid URL: use an absolute http or https URL.", u.name, u.value)
		}
	}
	out := voice.Outbound{
		To: to, From: from, URL: api.Deref(in.Url), Method: string(api.Deref(in.Method)), Twiml: api.Deref(in.Twiml),
		FallbackURL: api.Deref(in.FallbackUrl), FallbackMethod: string(api.Deref(in.FallbackMethod)),
		StatusCallback: api.Deref(in.StatusCallback), StatusCallbackMethod: string(api.Deref(in.StatusCallbackMethod)),
		SendDigits: api.Deref(in.SendDigits), Timeout: api.Deref(in.Timeout), TimeLimit: api.Deref(in.TimeLimit), Record: api.Deref(in.Record),
		RecordingStatusCallback:       api.Deref(in.RecordingStatusCallback),
		RecordingStatusCallbackMethod: string(api.Deref(in.RecordingStatusCallbackMethod)),
		Extra:                         acceptedCallParams(in),
	}
	for _, e := range api.Deref(in.StatusCallbackEvent) {
		out.StatusCallbackEvents = append(out.StatusCallbackEvents, string(e))
	}
	if api.Deref(in.RecordingChannels) == gen.CreateCallRequestRecordingChannelsDual {
		out.RecordingChannels = 2
	}
	c, err := h.voice.Place(ctx, acct, out)
	if err != nil {
		return nil, fmt.Errorf("create call: %w", err)
	}
	return gen.CreateCall201JSONResponse(Out(c)), nil
}

// acceptedCallParams are the parameters of a call that are accepted and kept but not
// simulated (machine detection, caller ID, SIP user name...), by name. SipAuthPassword is
// accepted and not kept: a secret that nothing here uses.
func acceptedCallParams(in *gen.CreateCallRequest) map[string]string {
	out := map[string]string{}
	add := func(name string, v any) {
		switch v := v.(type) {
		case *string:
			if v != nil {
				out[name] = *v
			}
		case *int:
			if v != nil {
				out[name] = strconv.Itoa(*v)
			}
		}
	}
	add("MachineDetection", (*string)(in.MachineDetection))
	add("MachineDetectionTimeout", in.MachineDetectionTimeout)
	add("MachineDetectionSpeechThreshold", in.MachineDetectionSpeechThreshold)
	add("MachineDetectionSpeechEndThreshold", in.MachineDetectionSpeechEndThreshold)
	add("MachineDetectionSilenceTimeout", in.MachineDetectionSilenceTimeout)
	add("AsyncAmd", (*string)(in.AsyncAmd))
	add("AsyncAmdStatusCallback", in.AsyncAmdStatusCallback)
	add("AsyncAmdStatusCallbackMethod", (*string)(in.AsyncAmdStatusCallbackMethod))
	add("CallerId", in.CallerId)
	add("SipAuthUsername", in.SipAuthUsername)
	add("Byoc", in.Byoc)
	add("CallReason", in.CallReason)
	add("CallToken", in.CallToken)
	add("ClientNotificationUrl", in.ClientNotificationUrl)
	add("RecordingTrack", (*string)(in.RecordingTrack))
	add("Trim", (*string)(in.Trim))
	if len(out) == 0 {
		return nil
	}
	return out
}

// FetchCall implements gen.StrictServerInterface.
func (h *Calls) FetchCall(ctx context.Context, req gen.FetchCallRequestObject) (gen.FetchCallResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	c, err := h.store.GetCall(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch call: %w", err)
	}
	return gen.FetchCall200JSONResponse(Out(c)), nil
}

// UpdateCall implements gen.StrictServerInterface: a redirect to new TwiML, a hang-up or a
// cancel, and new settings.
func (h *Calls) UpdateCall(ctx context.Context, req gen.UpdateCallRequestObject) (gen.UpdateCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.UpdateCallRequest{}
	}
	switch {
	case in.Url != nil && in.Twiml != nil:
		return nil, api.BadRequest(api.CodeInvalidParameter, "Give either Url or Twiml, not both.")
	case in.Status != nil && (in.Url != nil || in.Twiml != nil):
		return nil, api.BadRequest(api.CodeInvalidParameter, "Status cannot be changed together with Url or Twiml.")
	case in.Url != nil && !api.ValidWebhookURL(*in.Url):
		return nil, api.BadRequest(api.CodeCallURLInvalid, "Url %q is not a valid URL: use an absolute http or https URL.", *in.Url)
	}
	for name, u := range map[string]*string{"FallbackUrl": in.FallbackUrl, "StatusCallback": in.StatusCallback} {
		if u != nil && *u != "" && !api.ValidWebhookURL(*u) {
			return nil, api.BadRequest(api.CodeInvalidParameter, "%s %q is not a valid URL: use an absolute http or https URL.", name, *u)
		}
	}
	u := voice.Update{
		URL: in.Url, Method: api.StrPtr(in.Method), Twiml: in.Twiml, Status: api.StrPtr(in.Status),
		FallbackURL: in.FallbackUrl, FallbackMethod: api.StrPtr(in.FallbackMethod),
		StatusCallback: in.StatusCallback, StatusCallbackMethod: api.StrPtr(in.StatusCallbackMethod), TimeLimit: in.TimeLimit,
	}
	c, err := h.voice.Update(ctx, acct, req.Sid, u)
	if err != nil {
		return nil, fmt.Errorf("update call: %w", err)
	}
	return gen.UpdateCall200JSONResponse(Out(c)), nil
}

// DeleteCall implements gen.StrictServerInterface.
func (h *Calls) DeleteCall(ctx context.Context, req gen.DeleteCallRequestObject) (gen.DeleteCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	if err := h.voice.Delete(ctx, acct, req.Sid); err != nil {
		return nil, fmt.Errorf("delete call: %w", err)
	}
	return gen.DeleteCall204Response{}, nil
}

// ListCalls implements gen.StrictServerInterface.
func (h *Calls) ListCalls(ctx context.Context, req gen.ListCallsRequestObject) (gen.ListCallsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.CallFilter{AccountSid: req.AccountSid, To: api.Deref(p.To), From: api.Deref(p.From),
		ParentCallSid: api.Deref(p.ParentCallSid), Status: string(api.Deref(p.Status))}
	filters := api.GivenFilters(map[string]*string{"To": p.To, "From": p.From, "ParentCallSid": p.ParentCallSid, "Status": api.StrPtr(p.Status),
		"StartTime": p.StartTime, "StartTime<": p.StartTimeBefore, "StartTime>": p.StartTimeAfter,
		"EndTime": p.EndTime, "EndTime<": p.EndTimeBefore, "EndTime>": p.EndTimeAfter})
	var err error
	if filter.StartFrom, filter.StartUntil, err = api.DateRange("StartTime", p.StartTime, p.StartTimeBefore, p.StartTimeAfter); err != nil {
		return nil, err
	}
	if filter.EndFrom, filter.EndUntil, err = api.DateRange("EndTime", p.EndTime, p.EndTimeBefore, p.EndTimeAfter); err != nil {
		return nil, err
	}
	path := fmt.Sprintf(callsPathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListCalls(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	var out gen.CallList
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return newCallPage(out, rows), nil
}

// callPage is ListCalls' 200 response, written item by item (api.PageStream).
type callPage struct{ api.PageStream[gen.Call] }

func (p callPage) VisitListCallsResponse(w http.ResponseWriter) error { return p.Write(w) }

func newCallPage(envelope gen.CallList, rows []store.Call) callPage {
	return callPage{api.PageStream[gen.Call]{Envelope: envelope, Field: "calls", N: len(rows), Item: func(i int) gen.Call { return Out(rows[i]) }}}
}

// Out renders a stored call in the wire format.
func Out(c store.Call) gen.Call {
	path := "/2010-04-01/Accounts/" + c.AccountSid + "/Calls/" + c.Sid // callsPathFormat, without fmt's cost per item of a page
	out := gen.Call{
		Sid:            c.Sid,
		AccountSid:     c.AccountSid,
		DateCreated:    api.FormatDate(c.DateCreated),
		DateUpdated:    api.FormatDate(c.DateUpdated),
		ParentCallSid:  api.NonEmpty(c.ParentCallSid),
		To:             c.To,
		ToFormatted:    displayNumber(c.To),
		From:           c.From,
		FromFormatted:  displayNumber(c.From),
		PhoneNumberSid: api.NonEmpty(c.PhoneNumberSid),
		Status:         gen.CallStatus(c.Status),
		PriceUnit:      "USD",
		Direction:      gen.CallDirection(c.Direction),
		ApiVersion:     api.APIVersion,
		ForwardedFrom:  api.NonEmpty(c.ForwardedFrom),
		CallerName:     api.NonEmpty(c.CallerName),
		QueueTime:      "0",
		Uri:            path + ".json",
		SubresourceUris: map[string]string{
			"recordings": path + "/Recordings.json",
			"events":     fmt.Sprintf(eventsPathFormat, c.AccountSid, c.Sid),
		},
	}
	if !c.StartTime.IsZero() {
		out.StartTime = api.Ptr(api.FormatDate(c.StartTime))
	}
	if !c.EndTime.IsZero() {
		out.EndTime = api.Ptr(api.FormatDate(c.EndTime))
		out.Duration = api.Ptr(strconv.Itoa(c.Duration))
		out.Price = api.NonEmpty(c.Price)
	}
	return out
}

// displayNumber is a number as Twilio shows it beside the number itself: national format
// for North American numbers, the number as it is otherwise.
func displayNumber(s string) string {
	if !strings.HasPrefix(s, "+1") {
		return s
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil {
		return s
	}
	return phonenumbers.Format(n, phonenumbers.NATIONAL)
}
