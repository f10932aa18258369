// Package verifyv2 serves Twilio's Verify v2 API: Verify Services (/v2/Services), the
// verification codes sent through them, and the checks of those codes. v2 paths name no
// account: the services are the caller's (the account of the auth token or API key).
// What a verification does is package verify's; this package is its wire format: ISO
// 8601 dates, the v2 `meta` paging block, absolute URLs.
package verifyv2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/verify"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const servicesPath = "/v2/Services"

// Store is what the handlers read and write of Verify Services; verifications go
// through Verify.
type Store interface {
	CreateVerifyService(ctx context.Context, s store.VerifyService) (store.VerifyService, error)
	GetVerifyService(ctx context.Context, accountSid, sid string) (store.VerifyService, error)
	UpdateVerifyService(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.VerifyService) error) (store.VerifyService, error)
	DeleteVerifyService(ctx context.Context, accountSid, sid string) error
	ListVerifyServices(ctx context.Context, accountSid string, p store.Page) ([]store.VerifyService, bool, error)
}

// Verify is the Verify network (package verify), as the API drives it.
type Verify interface {
	Start(ctx context.Context, account store.Account, serviceSid string, st verify.Start) (store.Verification, error)
	CheckCode(ctx context.Context, account store.Account, serviceSid, sid, to string, c verify.Check) (store.Verification, error)
	SetStatus(ctx context.Context, account store.Account, serviceSid, sid, status string) (store.Verification, error)
	Get(ctx context.Context, account store.Account, serviceSid, sid string) (store.Verification, error)
	// Now is the simulator's time, to the second: the time services are stamped with.
	Now() time.Time
}

// VerifyV2 holds the handlers of Verify v2.
type VerifyV2 struct {
	store  Store
	verify Verify
	tokens *pagetoken.Sealer // seals the page tokens of lists
}

// New returns the Verify v2 handlers.
func New(st Store, v Verify, tokens *pagetoken.Sealer) *VerifyV2 {
	return &VerifyV2{store: st, verify: v, tokens: tokens}
}

// notFound is Verify's 404 for path (without /v2, as Twilio quotes it) when err is a
// store.ErrNotFound, else err wrapped with what failed.
func notFound(err error, path, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return verify.NotFound(strings.TrimPrefix(path, "/v2"))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// CreateVerifyService implements gen.StrictServerInterface.
func (h *VerifyV2) CreateVerifyService(ctx context.Context, req gen.CreateVerifyServiceRequestObject) (gen.CreateVerifyServiceResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.CreateVerifyServiceRequest{}
	}
	now := h.verify.Now()
	s := store.VerifyService{Sid: sid.New("VA"), AccountSid: api.Caller(ctx).Sid, FriendlyName: in.FriendlyName,
		CodeLength: verify.DefaultCodeLength, DateCreated: now, DateUpdated: now}
	if err := createSettings(in).apply(&s); err != nil {
		return nil, err
	}
	s, err := h.store.CreateVerifyService(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("create verify service: %w", err)
	}
	return gen.CreateVerifyService201JSONResponse(serviceOut(ctx, s)), nil
}

// FetchVerifyService implements gen.StrictServerInterface.
func (h *VerifyV2) FetchVerifyService(ctx context.Context, req gen.FetchVerifyServiceRequestObject) (gen.FetchVerifyServiceResponseObject, error) {
	s, err := h.store.GetVerifyService(ctx, api.Caller(ctx).Sid, req.Sid)
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.Sid, "fetch verify service")
	}
	return gen.FetchVerifyService200JSONResponse(serviceOut(ctx, s)), nil
}

// UpdateVerifyService implements gen.StrictServerInterface: the settings given change,
// the others stay.
func (h *VerifyV2) UpdateVerifyService(ctx context.Context, req gen.UpdateVerifyServiceRequestObject) (gen.UpdateVerifyServiceResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.UpdateVerifyServiceRequest{}
	}
	s, err := h.store.UpdateVerifyService(ctx, api.Caller(ctx).Sid, req.Sid, h.verify.Now(), updateSettings(in).apply)
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.Sid, "update verify service")
	}
	return gen.UpdateVerifyService200JSONResponse(serviceOut(ctx, s)), nil
}

// DeleteVerifyService implements gen.StrictServerInterface.
func (h *VerifyV2) DeleteVerifyService(ctx context.Context, req gen.DeleteVerifyServiceRequestObject) (gen.DeleteVerifyServiceResponseObject, error) {
	if err := h.store.DeleteVerifyService(ctx, api.Caller(ctx).Sid, req.Sid); err != nil {
		return nil, notFound(err, servicesPath+"/"+req.Sid, "delete verify service")
	}
	return gen.DeleteVerifyService204Response{}, nil
}

// ListVerifyServices implements gen.StrictServerInterface.
func (h *VerifyV2) ListVerifyServices(ctx context.Context, req gen.ListVerifyServicesRequestObject) (gen.ListVerifyServicesResponseObject, error) {
	p := req.Params
	pr := api.NewPageRequest(api.Caller(ctx).Sid, servicesPath, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListVerifyServices(ctx, api.Caller(ctx).Sid, page)
	if err != nil {
		return nil, fmt.Errorf("list verify services: %w", err)
	}
	out := gen.ListVerifyServices200JSONResponse{Services: make([]gen.VerifyService, len(rows))}
	for i, s := range rows {
		out.Services[i] = serviceOut(ctx, s)
	}
	out.Meta = api.V1Meta(ctx, "services", pr.Links(h.tokens, servicesPath, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more))
	return out, nil
}

// CreateVerification implements gen.StrictServerInterface: a code sent, or sent again.
func (h *VerifyV2) CreateVerification(ctx context.Context, req gen.CreateVerificationRequestObject) (gen.CreateVerificationResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.CreateVerificationRequest{}
	}
	v, err := h.verify.Start(ctx, api.Caller(ctx), req.ServiceSid, verify.Start{
		To: in.To, Channel: string(in.Channel), CustomFriendlyName: api.Deref(in.CustomFriendlyName),
		Locale: api.Deref(in.Locale), CustomCode: api.Deref(in.CustomCode), SendDigits: api.Deref(in.SendDigits),
		AppHash: api.Deref(in.AppHash), Amount: api.Deref(in.Amount), Payee: api.Deref(in.Payee),
	})
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.ServiceSid+"/Verifications", "create verification")
	}
	return gen.CreateVerification201JSONResponse(verificationOut(ctx, v)), nil
}

// FetchVerification implements gen.StrictServerInterface.
func (h *VerifyV2) FetchVerification(ctx context.Context, req gen.FetchVerificationRequestObject) (gen.FetchVerificationResponseObject, error) {
	v, err := h.verify.Get(ctx, api.Caller(ctx), req.ServiceSid, req.Sid)
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.ServiceSid+"/Verifications/"+req.Sid, "fetch verification")
	}
	return gen.FetchVerification200JSONResponse(verificationOut(ctx, v)), nil
}

// UpdateVerification implements gen.StrictServerInterface: cancel or approve.
func (h *VerifyV2) UpdateVerification(ctx context.Context, req gen.UpdateVerificationRequestObject) (gen.UpdateVerificationResponseObject, error) {
	var status string
	if req.Body != nil {
		status = string(req.Body.Status)
	}
	v, err := h.verify.SetStatus(ctx, api.Caller(ctx), req.ServiceSid, req.Sid, status)
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.ServiceSid+"/Verifications/"+req.Sid, "update verification")
	}
	return gen.UpdateVerification200JSONResponse(verificationOut(ctx, v)), nil
}

// CreateVerificationCheck implements gen.StrictServerInterface. A wrong code is no
// error: the answer is 200 with the verification still pending.
func (h *VerifyV2) CreateVerificationCheck(ctx context.Context, req gen.CreateVerificationCheckRequestObject) (gen.CreateVerificationCheckResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.CreateVerificationCheckRequest{}
	}
	to, verificationSid := api.Deref(in.To), api.Deref(in.VerificationSid)
	if to == "" && verificationSid == "" {
		return nil, verify.InvalidParameter("To", "give To or VerificationSid")
	}
	if in.Code == nil {
		return nil, verify.InvalidParameter("Code", "the code to check is required")
	}
	v, err := h.verify.CheckCode(ctx, api.Caller(ctx), req.ServiceSid, verificationSid, to,
		verify.Check{Code: *in.Code, Amount: api.Deref(in.Amount), Payee: api.Deref(in.Payee)})
	if err != nil {
		return nil, notFound(err, servicesPath+"/"+req.ServiceSid+"/VerificationCheck", "check verification")
	}
	return gen.CreateVerificationCheck200JSONResponse(checkOut(v)), nil
}

// isoDate renders a time the way Twilio's v2 APIs do: RFC 3339, UTC, whole seconds.
func isoDate(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// settings are the settings a create or update request gives; nil fields are not
// given. As with Messaging Services, the two generated request types are copied into
// this one shape.
type settings struct {
	FriendlyName                                                   *string
	CodeLength                                                     *int
	LookupEnabled, SkipSmsToLandlines, DtmfInputRequired           *bool
	TtsName                                                        *string
	Psd2Enabled, DoNotShareWarningEnabled, CustomCodeEnabled       *bool
	DefaultTemplateSid                                             *string
	VerifyEventSubscriptionEnabled                                 *bool
	PushIncludeDate                                                *bool
	PushApnCredentialSid, PushFcmCredentialSid                     *string
	TotpIssuer                                                     *string
	TotpTimeStep, TotpCodeLength, TotpSkew                         *int
	WhatsappMsgServiceSid, WhatsappFrom                            *string
	PasskeysID, PasskeysName, PasskeysOrigins                      *string
	PasskeysAttachment, PasskeysDiscoverable, PasskeysVerification *string
}

func createSettings(in *gen.CreateVerifyServiceRequest) settings {
	return settings{
		FriendlyName: &in.FriendlyName, CodeLength: in.CodeLength, LookupEnabled: in.LookupEnabled,
		SkipSmsToLandlines: in.SkipSmsToLandlines, DtmfInputRequired: in.DtmfInputRequired, TtsName: in.TtsName,
		Psd2Enabled: in.Psd2Enabled, DoNotShareWarningEnabled: in.DoNotShareWarningEnabled, CustomCodeEnabled: in.CustomCodeEnabled,
		DefaultTemplateSid: in.DefaultTemplateSid, VerifyEventSubscriptionEnabled: in.VerifyEventSubscriptionEnabled,
		PushIncludeDate: in.PushIncludeDate, PushApnCredentialSid: in.PushApnCredentialSid, PushFcmCredentialSid: in.PushFcmCredentialSid,
		TotpIssuer: in.TotpIssuer, TotpTimeStep: in.TotpTimeStep, TotpCodeLength: in.TotpCodeLength, TotpSkew: in.TotpSkew,
		WhatsappMsgServiceSid: in.WhatsappMsgServiceSid, WhatsappFrom: in.WhatsappFrom,
		PasskeysID: in.PasskeysRelyingPartyId, PasskeysName: in.PasskeysRelyingPartyName, PasskeysOrigins: in.PasskeysRelyingPartyOrigins,
		PasskeysAttachment: api.StrPtr(in.PasskeysAuthenticatorAttachment), PasskeysDiscoverable: api.StrPtr(in.PasskeysDiscoverableCredentials),
		PasskeysVerification: api.StrPtr(in.PasskeysUserVerification),
	}
}

func updateSettings(in *gen.UpdateVerifyServiceRequest) settings {
	return settings{
		FriendlyName: in.FriendlyName, CodeLength: in.CodeLength, LookupEnabled: in.LookupEnabled,
		SkipSmsToLandlines: in.SkipSmsToLandlines, DtmfInputRequired: in.DtmfInputRequired, TtsName: in.TtsName,
		Psd2Enabled: in.Psd2Enabled, DoNotShareWarningEnabled: in.DoNotShareWarningEnabled, CustomCodeEnabled: in.CustomCodeEnabled,
		DefaultTemplateSid: in.DefaultTemplateSid, VerifyEventSubscriptionEnabled: in.VerifyEventSubscriptionEnabled,
		PushIncludeDate: in.PushIncludeDate, PushApnCredentialSid: in.PushApnCredentialSid, PushFcmCredentialSid: in.PushFcmCredentialSid,
		TotpIssuer: in.TotpIssuer, TotpTimeStep: in.TotpTimeStep, TotpCodeLength: in.TotpCodeLength, TotpSkew: in.TotpSkew,
		WhatsappMsgServiceSid: in.WhatsappMsgServiceSid, WhatsappFrom: in.WhatsappFrom,
		PasskeysID: in.PasskeysRelyingPartyId, PasskeysName: in.PasskeysRelyingPartyName, PasskeysOrigins: in.PasskeysRelyingPartyOrigins,
		PasskeysAttachment: api.StrPtr(in.PasskeysAuthenticatorAttachment), PasskeysDiscoverable: api.StrPtr(in.PasskeysDiscoverableCredentials),
		PasskeysVerification: api.StrPtr(in.PasskeysUserVerification),
	}
}

// extra is the settings kept but not simulated, as store.VerifyService.Extra keeps them
// (JSON): the wire's objects, each member null until given.
type extra struct {
	Push     gen.VerifyServicePush     `json:"push"`
	Totp     gen.VerifyServiceTotp     `json:"totp"`
	Whatsapp gen.VerifyServiceWhatsapp `json:"whatsapp"`
	Passkeys gen.VerifyServicePasskeys `json:"passkeys"`
}

// readExtra reads a service's Extra; what cannot be read (nothing stored yet) is empty.
func readExtra(b []byte) extra {
	var x extra
	_ = json.Unmarshal(b, &x) // written by apply only; "{}" or nothing reads as empty
	return x
}

// apply sets the settings given on s.
func (in settings) apply(s *store.VerifyService) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.FriendlyName, in.FriendlyName)
	if in.CodeLength != nil {
		s.CodeLength = *in.CodeLength
	}
	setBool(&s.LookupEnabled, in.LookupEnabled)
	setBool(&s.SkipSmsToLandlines, in.SkipSmsToLandlines)
	setBool(&s.DtmfInputRequired, in.DtmfInputRequired)
	set(&s.TtsName, in.TtsName)
	setBool(&s.Psd2Enabled, in.Psd2Enabled)
	setBool(&s.DoNotShareWarningEnabled, in.DoNotShareWarningEnabled)
	setBool(&s.CustomCodeEnabled, in.CustomCodeEnabled)
	set(&s.DefaultTemplateSid, in.DefaultTemplateSid)
	setBool(&s.VerifyEventSubscriptionEnabled, in.VerifyEventSubscriptionEnabled)

	// The kept settings: a value given replaces the one kept ("" clears a text).
	x := readExtra(s.Extra)
	keep := func(dst **string, v *string) {
		if v != nil {
			*dst = api.NonEmpty(*v)
		}
	}
	keepInt := func(dst **int, v *int) {
		if v != nil {
			*dst = v
		}
	}
	if in.PushIncludeDate != nil {
		x.Push.IncludeDate = in.PushIncludeDate
	}
	keep(&x.Push.ApnCredentialSid, in.PushApnCredentialSid)
	keep(&x.Push.FcmCredentialSid, in.PushFcmCredentialSid)
	keep(&x.Totp.Issuer, in.TotpIssuer)
	keepInt(&x.Totp.TimeStep, in.TotpTimeStep)
	keepInt(&x.Totp.CodeLength, in.TotpCodeLength)
	keepInt(&x.Totp.Skew, in.TotpSkew)
	keep(&x.Whatsapp.MsgServiceSid, in.WhatsappMsgServiceSid)
	keep(&x.Whatsapp.From, in.WhatsappFrom)
	keep(&x.Passkeys.RelyingParty.Id, in.PasskeysID)
	keep(&x.Passkeys.RelyingParty.Name, in.PasskeysName)
	if in.PasskeysOrigins != nil {
		x.Passkeys.RelyingParty.Origins = nil
		if *in.PasskeysOrigins != "" {
			origins := strings.Split(*in.PasskeysOrigins, ",")
			for i := range origins {
				origins[i] = strings.TrimSpace(origins[i])
			}
			x.Passkeys.RelyingParty.Origins = &origins
		}
	}
	keep(&x.Passkeys.AuthenticatorAttachment, in.PasskeysAttachment)
	keep(&x.Passkeys.DiscoverableCredentials, in.PasskeysDiscoverable)
	keep(&x.Passkeys.UserVerification, in.PasskeysVerification)
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Errorf("verify service settings: %w", err)
	}
	s.Extra = b
	return nil
}

// serviceOut renders a stored service in the wire format, its URLs absolute.
func serviceOut(ctx context.Context, s store.VerifyService) gen.VerifyService {
	self := api.BaseURL(ctx) + servicesPath + "/" + s.Sid
	x := readExtra(s.Extra)
	return gen.VerifyService{
		Sid:                            s.Sid,
		AccountSid:                     s.AccountSid,
		FriendlyName:                   s.FriendlyName,
		CodeLength:                     s.CodeLength,
		LookupEnabled:                  s.LookupEnabled,
		Psd2Enabled:                    s.Psd2Enabled,
		SkipSmsToLandlines:             s.SkipSmsToLandlines,
		DtmfInputRequired:              s.DtmfInputRequired,
		TtsName:                        api.NonEmpty(s.TtsName),
		DoNotShareWarningEnabled:       s.DoNotShareWarningEnabled,
		CustomCodeEnabled:              s.CustomCodeEnabled,
		Push:                           x.Push,
		Totp:                           x.Totp,
		DefaultTemplateSid:             api.NonEmpty(s.DefaultTemplateSid),
		Whatsapp:                       x.Whatsapp,
		Passkeys:                       x.Passkeys,
		VerifyEventSubscriptionEnabled: s.VerifyEventSubscriptionEnabled,
		DateCreated:                    isoDate(s.DateCreated),
		DateUpdated:                    isoDate(s.DateUpdated),
		Url:                            self,
		Links: map[string]string{
			"verification_checks":      self + "/VerificationCheck",
			"verifications":            self + "/Verifications",
			"rate_limits":              self + "/RateLimits",
			"messaging_configurations": self + "/MessagingConfigurations",
			"entities":                 self + "/Entities",
			"webhooks":                 self + "/Webhooks",
			"access_tokens":            self + "/AccessTokens",
		},
	}
}

// verificationOut renders a verification in the wire format.
func verificationOut(ctx context.Context, v store.Verification) gen.Verification {
	attempts := make([]gen.VerificationSendAttempt, len(v.Sends))
	for i, s := range v.Sends {
		attempts[i] = gen.VerificationSendAttempt{Time: isoDate(s.Time), Channel: strings.ToUpper(s.Channel), AttemptSid: s.Sid}
	}
	out := gen.Verification{
		Sid:              v.Sid,
		ServiceSid:       v.ServiceSid,
		AccountSid:       v.AccountSid,
		To:               v.To,
		Channel:          gen.VerificationChannel(v.Channel),
		Status:           gen.VerificationStatus(v.Status),
		Valid:            v.Status == verify.StatusApproved,
		Amount:           api.NonEmpty(v.Amount),
		Payee:            api.NonEmpty(v.Payee),
		SendCodeAttempts: attempts,
		DateCreated:      isoDate(v.DateCreated),
		DateUpdated:      isoDate(v.DateUpdated),
		Url:              api.BaseURL(ctx) + servicesPath + "/" + v.ServiceSid + "/Verifications/" + v.Sid,
	}
	if v.WithLookup {
		if c, ok := verify.LookUp(v.To); ok {
			out.Lookup.Carrier = &gen.VerificationCarrier{Name: api.NonEmpty(c.Name), Type: api.NonEmpty(c.Type),
				MobileCountryCode: api.NonEmpty(c.MobileCountryCode), MobileNetworkCode: api.NonEmpty(c.MobileNetworkCode)}
		}
	}
	return out
}

// checkOut renders a verification as the answer to a check.
func checkOut(v store.Verification) gen.VerificationCheck {
	return gen.VerificationCheck{
		Sid:                   v.Sid,
		ServiceSid:            v.ServiceSid,
		AccountSid:            v.AccountSid,
		To:                    v.To,
		Channel:               gen.VerificationChannel(v.Channel),
		Status:                gen.VerificationStatus(v.Status),
		Valid:                 v.Status == verify.StatusApproved,
		Amount:                api.NonEmpty(v.Amount),
		Payee:                 api.NonEmpty(v.Payee),
		DateCreated:           isoDate(v.DateCreated),
		DateUpdated:           isoDate(v.DateUpdated),
		SnaAttemptsErrorCodes: []map[string]any{},
	}
}
