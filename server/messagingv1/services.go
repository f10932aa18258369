// Package messagingv1 serves Twilio's Messaging v1 API: Messaging Services
// (/v1/Services) and their senders, the pool of phone numbers and the alphanumeric
// sender ID that a message sent with a MessagingServiceSid goes out from. v1 paths name
// no account: the services are the caller's (the account of the auth token or API key).
package messagingv1

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	servicesPath   = "/v1/Services"
	methodPOST     = "POST"
	maxPoolNumbers = 400 // Twilio's limit on a service's pool (21714)

	scanInherit       = "inherit"
	usecaseUndeclared = "undeclared"
	// defaultValidityPeriod is Twilio's default, in seconds.
	defaultValidityPeriod = 36000
)

// Store is what the Messaging v1 handlers read and write.
type Store interface {
	CreateMessagingService(ctx context.Context, m store.MessagingService) (store.MessagingService, error)
	GetMessagingService(ctx context.Context, accountSid, sid string) (store.MessagingService, error)
	UpdateMessagingService(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.MessagingService) error) (store.MessagingService, error)
	DeleteMessagingService(ctx context.Context, accountSid, sid string) error
	ListMessagingServices(ctx context.Context, accountSid string, p store.Page) ([]store.MessagingService, bool, error)

	AddServiceNumber(ctx context.Context, accountSid, serviceSid, phoneNumberSid string, limit int, now time.Time) (store.ServiceNumber, bool, error)
	GetServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) (store.ServiceNumber, error)
	RemoveServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) error
	ListServiceNumbers(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.ServiceNumber, bool, error)

	CreateAlphaSender(ctx context.Context, a store.AlphaSender) (store.AlphaSender, error)
	GetAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) (store.AlphaSender, error)
	DeleteAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) error
	ListAlphaSenders(ctx context.Context, accountSid, serviceSid string, p store.Page) ([]store.AlphaSender, bool, error)

	// GetPhoneNumber reads a number of the caller's that is to join a pool.
	GetPhoneNumber(ctx context.Context, accountSid, sid string) (store.PhoneNumber, error)
}

// Services holds the handlers of Messaging v1.
type Services struct {
	store  Store
	tokens *pagetoken.Sealer // seals the page tokens of lists
	clock  clock.Clock       // the simulator's time, stamped on what the handlers write
}

// New returns the Messaging v1 handlers over st.
func New(st Store, tokens *pagetoken.Sealer, clk clock.Clock) *Services {
	return &Services{store: st, tokens: tokens, clock: clk}
}

// CreateMessagingService implements gen.StrictServerInterface.
func (h *Services) CreateMessagingService(ctx context.Context, req gen.CreateMessagingServiceRequestObject) (gen.CreateMessagingServiceResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.CreateMessagingServiceRequest{}
	}
	settings := createServiceSettings(in)
	if err := settings.validate(); err != nil {
		return nil, err
	}
	t := api.Now(h.clock)
	m := store.MessagingService{
		Sid: sid.New("MG"), AccountSid: api.Caller(ctx).Sid, FriendlyName: in.FriendlyName,
		InboundMethod: methodPOST, FallbackMethod: methodPOST,
		// Twilio's defaults.
		StickySender: true, MMSConverter: true, SmartEncoding: true, ScanMessageContent: scanInherit,
		FallbackToLongCode: true, AreaCodeGeomatch: true, ValidityPeriod: defaultValidityPeriod,
		Usecase: usecaseUndeclared, DateCreated: t, DateUpdated: t,
	}
	settings.apply(&m)
	m, err := h.store.CreateMessagingService(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("create messaging service: %w", err)
	}
	return gen.CreateMessagingService201JSONResponse(serviceOut(ctx, m)), nil
}

// FetchMessagingService implements gen.StrictServerInterface.
func (h *Services) FetchMessagingService(ctx context.Context, req gen.FetchMessagingServiceRequestObject) (gen.FetchMessagingServiceResponseObject, error) {
	m, err := h.store.GetMessagingService(ctx, api.Caller(ctx).Sid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch messaging service: %w", err)
	}
	return gen.FetchMessagingService200JSONResponse(serviceOut(ctx, m)), nil
}

// UpdateMessagingService implements gen.StrictServerInterface: the settings given
// change, the others stay.
func (h *Services) UpdateMessagingService(ctx context.Context, req gen.UpdateMessagingServiceRequestObject) (gen.UpdateMessagingServiceResponseObject, error) {
	in := req.Body
	if in == nil {
		in = &gen.UpdateMessagingServiceRequest{}
	}
	settings := updateServiceSettings(in)
	if err := settings.validate(); err != nil {
		return nil, err
	}
	m, err := h.store.UpdateMessagingService(ctx, api.Caller(ctx).Sid, req.Sid, api.Now(h.clock), func(m *store.MessagingService) error {
		settings.apply(m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update messaging service: %w", err)
	}
	return gen.UpdateMessagingService200JSONResponse(serviceOut(ctx, m)), nil
}

// DeleteMessagingService implements gen.StrictServerInterface.
func (h *Services) DeleteMessagingService(ctx context.Context, req gen.DeleteMessagingServiceRequestObject) (gen.DeleteMessagingServiceResponseObject, error) {
	if err := h.store.DeleteMessagingService(ctx, api.Caller(ctx).Sid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete messaging service: %w", err)
	}
	return gen.DeleteMessagingService204Response{}, nil
}

// ListMessagingServices implements gen.StrictServerInterface.
func (h *Services) ListMessagingServices(ctx context.Context, req gen.ListMessagingServicesRequestObject) (gen.ListMessagingServicesResponseObject, error) {
	p := req.Params
	pr := api.NewPageRequest(api.Caller(ctx).Sid, servicesPath, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListMessagingServices(ctx, api.Caller(ctx).Sid, page)
	if err != nil {
		return nil, fmt.Errorf("list messaging services: %w", err)
	}
	out := gen.ListMessagingServices200JSONResponse{Services: make([]gen.MessagingService, len(rows))}
	for i, m := range rows {
		out.Services[i] = serviceOut(ctx, m)
	}
	out.Meta = api.V1Meta(ctx, "services", pr.Links(h.tokens, servicesPath, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more))
	return out, nil
}

// CreateServicePhoneNumber implements gen.StrictServerInterface: a number of the
// caller's joins the service's pool (200 when it is there already).
func (h *Services) CreateServicePhoneNumber(ctx context.Context, req gen.CreateServicePhoneNumberRequestObject) (gen.CreateServicePhoneNumberResponseObject, error) {
	me := api.Caller(ctx)
	svc, err := h.store.GetMessagingService(ctx, me.Sid, req.ServiceSid)
	if err != nil {
		return nil, fmt.Errorf("add pool number: %w", err)
	}
	var pnSid string
	if req.Body != nil {
		pnSid = req.Body.PhoneNumberSid
	}
	n, err := h.store.GetPhoneNumber(ctx, me.Sid, pnSid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotOurNumber(pnSid)
	}
	if err != nil {
		return nil, fmt.Errorf("add pool number: %w", err)
	}
	if !n.Capabilities.SMS && !n.Capabilities.MMS {
		return nil, api.BadRequest(api.CodeNoMessagingCapability, "Phone number %s (%s) can take neither SMS nor MMS, so it cannot send a Messaging Service's messages.", n.Sid, n.PhoneNumber)
	}
	sn, added, err := h.store.AddServiceNumber(ctx, me.Sid, svc.Sid, n.Sid, maxPoolNumbers, api.Now(h.clock))
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, api.BadRequest(api.CodeNumberInOtherService, "Phone number %s is in the pool of another Messaging Service already; remove it there first.", n.Sid)
	case errors.Is(err, store.ErrLimit):
		return nil, api.BadRequest(api.CodePoolFull, "Messaging Service %s has %d phone numbers already, the most a pool holds.", svc.Sid, maxPoolNumbers)
	case errors.Is(err, store.ErrNotFound): // moved to another account meanwhile
		return nil, errNotOurNumber(pnSid)
	case err != nil:
		return nil, fmt.Errorf("add pool number: %w", err)
	}
	if !added {
		return gen.CreateServicePhoneNumber200JSONResponse(serviceNumberOut(ctx, sn)), nil
	}
	return gen.CreateServicePhoneNumber201JSONResponse(serviceNumberOut(ctx, sn)), nil
}

func errNotOurNumber(sid string) *api.Error {
	return api.BadRequest(api.CodeNumberInvalid, "PhoneNumberSid %s is not a phone number of this account.", sid)
}

// FetchServicePhoneNumber implements gen.StrictServerInterface.
func (h *Services) FetchServicePhoneNumber(ctx context.Context, req gen.FetchServicePhoneNumberRequestObject) (gen.FetchServicePhoneNumberResponseObject, error) {
	n, err := h.store.GetServiceNumber(ctx, api.Caller(ctx).Sid, req.ServiceSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch pool number: %w", err)
	}
	return gen.FetchServicePhoneNumber200JSONResponse(serviceNumberOut(ctx, n)), nil
}

// DeleteServicePhoneNumber implements gen.StrictServerInterface.
func (h *Services) DeleteServicePhoneNumber(ctx context.Context, req gen.DeleteServicePhoneNumberRequestObject) (gen.DeleteServicePhoneNumberResponseObject, error) {
	if err := h.store.RemoveServiceNumber(ctx, api.Caller(ctx).Sid, req.ServiceSid, req.Sid); err != nil {
		return nil, fmt.Errorf("remove pool number: %w", err)
	}
	return gen.DeleteServicePhoneNumber204Response{}, nil
}

// ListServicePhoneNumbers implements gen.StrictServerInterface.
func (h *Services) ListServicePhoneNumbers(ctx context.Context, req gen.ListServicePhoneNumbersRequestObject) (gen.ListServicePhoneNumbersResponseObject, error) {
	me := api.Caller(ctx)
	if _, err := h.store.GetMessagingService(ctx, me.Sid, req.ServiceSid); err != nil {
		return nil, fmt.Errorf("list pool numbers: %w", err)
	}
	p := req.Params
	path := servicesPath + "/" + req.ServiceSid + "/PhoneNumbers"
	pr := api.NewPageRequest(me.Sid, path, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListServiceNumbers(ctx, me.Sid, req.ServiceSid, page)
	if err != nil {
		return nil, fmt.Errorf("list pool numbers: %w", err)
	}
	out := gen.ListServicePhoneNumbers200JSONResponse{PhoneNumbers: make([]gen.ServicePhoneNumber, len(rows))}
	for i, n := range rows {
		out.PhoneNumbers[i] = serviceNumberOut(ctx, n)
	}
	out.Meta = api.V1Meta(ctx, "phone_numbers", pr.Links(h.tokens, path, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more))
	return out, nil
}

// CreateServiceAlphaSender implements gen.StrictServerInterface.
func (h *Services) CreateServiceAlphaSender(ctx context.Context, req gen.CreateServiceAlphaSenderRequestObject) (gen.CreateServiceAlphaSenderResponseObject, error) {
	me := api.Caller(ctx)
	var alpha string
	if req.Body != nil {
		alpha = req.Body.AlphaSender
	}
	t := api.Now(h.clock)
	a, err := h.store.CreateAlphaSender(ctx, store.AlphaSender{Sid: sid.New("AI"), ServiceSid: req.ServiceSid,
		AccountSid: me.Sid, AlphaSender: alpha, DateCreated: t, DateUpdated: t})
	if errors.Is(err, store.ErrConflict) {
		return nil, api.BadRequest(api.CodeInvalidParameter, "Messaging Service %s has an alphanumeric sender ID already; delete it before adding another.", req.ServiceSid)
	}
	if err != nil {
		return nil, fmt.Errorf("create alpha sender: %w", err)
	}
	return gen.CreateServiceAlphaSender201JSONResponse(alphaSenderOut(ctx, a)), nil
}

// FetchServiceAlphaSender implements gen.StrictServerInterface.
func (h *Services) FetchServiceAlphaSender(ctx context.Context, req gen.FetchServiceAlphaSenderRequestObject) (gen.FetchServiceAlphaSenderResponseObject, error) {
	a, err := h.store.GetAlphaSender(ctx, api.Caller(ctx).Sid, req.ServiceSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch alpha sender: %w", err)
	}
	return gen.FetchServiceAlphaSender200JSONResponse(alphaSenderOut(ctx, a)), nil
}

// DeleteServiceAlphaSender implements gen.StrictServerInterface.
func (h *Services) DeleteServiceAlphaSender(ctx context.Context, req gen.DeleteServiceAlphaSenderRequestObject) (gen.DeleteServiceAlphaSenderResponseObject, error) {
	if err := h.store.DeleteAlphaSender(ctx, api.Caller(ctx).Sid, req.ServiceSid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete alpha sender: %w", err)
	}
	return gen.DeleteServiceAlphaSender204Response{}, nil
}

// ListServiceAlphaSenders implements gen.StrictServerInterface.
func (h *Services) ListServiceAlphaSenders(ctx context.Context, req gen.ListServiceAlphaSendersRequestObject) (gen.ListServiceAlphaSendersResponseObject, error) {
	me := api.Caller(ctx)
	if _, err := h.store.GetMessagingService(ctx, me.Sid, req.ServiceSid); err != nil {
		return nil, fmt.Errorf("list alpha senders: %w", err)
	}
	p := req.Params
	path := servicesPath + "/" + req.ServiceSid + "/AlphaSenders"
	pr := api.NewPageRequest(me.Sid, path, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListAlphaSenders(ctx, me.Sid, req.ServiceSid, page)
	if err != nil {
		return nil, fmt.Errorf("list alpha senders: %w", err)
	}
	out := gen.ListServiceAlphaSenders200JSONResponse{AlphaSenders: make([]gen.ServiceAlphaSender, len(rows))}
	for i, a := range rows {
		out.AlphaSenders[i] = alphaSenderOut(ctx, a)
	}
	out.Meta = api.V1Meta(ctx, "alpha_senders", pr.Links(h.tokens, path, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more))
	return out, nil
}

// serviceSettings are the settings a create or update request gives; nil fields are
// not given. As with phone numbers, the two generated request types are copied into
// this one shape.
type serviceSettings struct {
	FriendlyName, InboundRequestURL, InboundMethod, FallbackURL, FallbackMethod, StatusCallback *string
	StickySender, MMSConverter, SmartEncoding, FallbackToLongCode, AreaCodeGeomatch             *bool
	SynchronousValidation, UseInboundWebhookOnNumber                                            *bool
	ScanMessageContent, Usecase                                                                 *string
	ValidityPeriod                                                                              *int
}

func createServiceSettings(in *gen.CreateMessagingServiceRequest) serviceSettings {
	return serviceSettings{
		FriendlyName: &in.FriendlyName, InboundRequestURL: in.InboundRequestUrl, InboundMethod: api.StrPtr(in.InboundMethod),
		FallbackURL: in.FallbackUrl, FallbackMethod: api.StrPtr(in.FallbackMethod), StatusCallback: in.StatusCallback,
		StickySender: in.StickySender, MMSConverter: in.MmsConverter, SmartEncoding: in.SmartEncoding,
		FallbackToLongCode: in.FallbackToLongCode, AreaCodeGeomatch: in.AreaCodeGeomatch,
		SynchronousValidation: in.SynchronousValidation, UseInboundWebhookOnNumber: in.UseInboundWebhookOnNumber,
		ScanMessageContent: api.StrPtr(in.ScanMessageContent), Usecase: api.StrPtr(in.Usecase), ValidityPeriod: in.ValidityPeriod,
	}
}

func updateServiceSettings(in *gen.UpdateMessagingServiceRequest) serviceSettings {
	return serviceSettings{
		FriendlyName: in.FriendlyName, InboundRequestURL: in.InboundRequestUrl, InboundMethod: api.StrPtr(in.InboundMethod),
		FallbackURL: in.FallbackUrl, FallbackMethod: api.StrPtr(in.FallbackMethod), StatusCallback: in.StatusCallback,
		StickySender: in.StickySender, MMSConverter: in.MmsConverter, SmartEncoding: in.SmartEncoding,
		FallbackToLongCode: in.FallbackToLongCode, AreaCodeGeomatch: in.AreaCodeGeomatch,
		SynchronousValidation: in.SynchronousValidation, UseInboundWebhookOnNumber: in.UseInboundWebhookOnNumber,
		ScanMessageContent: api.StrPtr(in.ScanMessageContent), Usecase: api.StrPtr(in.Usecase), ValidityPeriod: in.ValidityPeriod,
	}
}

// validate checks that each URL given is one a webhook could be sent to ("" clears it).
func (in serviceSettings) validate() error {
	for _, u := range []struct {
		name  string
		value *string
	}{{"InboundRequestUrl", in.InboundRequestURL}, {"FallbackUrl", in.FallbackURL}, {"StatusCallback", in.StatusCallback}} {
		if v := api.Deref(u.value); v != "" && !api.ValidWebhookURL(v) {
			return api.BadRequest(api.CodeURLInvalid, "%s %q is not a valid URL: use an absolute http or https URL.", u.name, v)
		}
	}
	return nil
}

// apply sets the settings given on m.
func (in serviceSettings) apply(m *store.MessagingService) {
	setString := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setString(&m.FriendlyName, in.FriendlyName)
	setString(&m.InboundRequestURL, in.InboundRequestURL)
	setString(&m.InboundMethod, in.InboundMethod)
	setString(&m.FallbackURL, in.FallbackURL)
	setString(&m.FallbackMethod, in.FallbackMethod)
	setString(&m.StatusCallback, in.StatusCallback)
	setBool(&m.StickySender, in.StickySender)
	setBool(&m.MMSConverter, in.MMSConverter)
	setBool(&m.SmartEncoding, in.SmartEncoding)
	setBool(&m.FallbackToLongCode, in.FallbackToLongCode)
	setBool(&m.AreaCodeGeomatch, in.AreaCodeGeomatch)
	setBool(&m.SynchronousValidation, in.SynchronousValidation)
	setBool(&m.UseInboundWebhookOnNumber, in.UseInboundWebhookOnNumber)
	setString(&m.ScanMessageContent, in.ScanMessageContent)
	setString(&m.Usecase, in.Usecase)
	if in.ValidityPeriod != nil {
		m.ValidityPeriod = *in.ValidityPeriod
	}
}

// isoDate renders a time the way Twilio's v1 APIs do: RFC 3339, UTC, whole seconds.
func isoDate(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// serviceOut renders a stored service in the wire format, its URLs absolute.
func serviceOut(ctx context.Context, m store.MessagingService) gen.MessagingService {
	self := api.BaseURL(ctx) + servicesPath + "/" + m.Sid
	return gen.MessagingService{
		Sid:                       m.Sid,
		AccountSid:                m.AccountSid,
		FriendlyName:              m.FriendlyName,
		DateCreated:               isoDate(m.DateCreated),
		DateUpdated:               isoDate(m.DateUpdated),
		InboundRequestUrl:         api.NonEmpty(m.InboundRequestURL),
		InboundMethod:             gen.HttpMethod(m.InboundMethod),
		FallbackUrl:               api.NonEmpty(m.FallbackURL),
		FallbackMethod:            gen.HttpMethod(m.FallbackMethod),
		StatusCallback:            api.NonEmpty(m.StatusCallback),
		StickySender:              m.StickySender,
		MmsConverter:              m.MMSConverter,
		SmartEncoding:             m.SmartEncoding,
		ScanMessageContent:        gen.MessagingServiceScanMessageContent(m.ScanMessageContent),
		FallbackToLongCode:        m.FallbackToLongCode,
		AreaCodeGeomatch:          m.AreaCodeGeomatch,
		SynchronousValidation:     m.SynchronousValidation,
		ValidityPeriod:            m.ValidityPeriod,
		Url:                       self,
		Links:                     map[string]string{"phone_numbers": self + "/PhoneNumbers", "alpha_senders": self + "/AlphaSenders"},
		Usecase:                   m.Usecase,
		UsAppToPersonRegistered:   false,
		UseInboundWebhookOnNumber: m.UseInboundWebhookOnNumber,
	}
}

// serviceNumberOut renders a number of a pool in the wire format.
func serviceNumberOut(ctx context.Context, n store.ServiceNumber) gen.ServicePhoneNumber {
	caps := []gen.ServicePhoneNumberCapabilities{}
	for _, c := range []struct {
		has  bool
		name gen.ServicePhoneNumberCapabilities
	}{
		{n.Capabilities.Voice, gen.ServicePhoneNumberCapabilitiesVoice},
		{n.Capabilities.SMS, gen.ServicePhoneNumberCapabilitiesSMS},
		{n.Capabilities.MMS, gen.ServicePhoneNumberCapabilitiesMMS},
		{n.Capabilities.Fax, gen.ServicePhoneNumberCapabilitiesFax},
	} {
		if c.has {
			caps = append(caps, c.name)
		}
	}
	return gen.ServicePhoneNumber{
		Sid:          n.Sid,
		AccountSid:   n.AccountSid,
		ServiceSid:   n.ServiceSid,
		DateCreated:  isoDate(n.DateCreated),
		DateUpdated:  isoDate(n.DateUpdated),
		PhoneNumber:  n.PhoneNumber,
		CountryCode:  n.IsoCountry,
		Capabilities: caps,
		Url:          api.BaseURL(ctx) + servicesPath + "/" + n.ServiceSid + "/PhoneNumbers/" + n.Sid,
	}
}

// alphaSenderOut renders an alphanumeric sender ID in the wire format.
func alphaSenderOut(ctx context.Context, a store.AlphaSender) gen.ServiceAlphaSender {
	return gen.ServiceAlphaSender{
		Sid:          a.Sid,
		AccountSid:   a.AccountSid,
		ServiceSid:   a.ServiceSid,
		DateCreated:  isoDate(a.DateCreated),
		DateUpdated:  isoDate(a.DateUpdated),
		AlphaSender:  a.AlphaSender,
		Capabilities: []gen.ServiceAlphaSenderCapabilities{gen.ServiceAlphaSenderCapabilitiesSMS},
		Url:          api.BaseURL(ctx) + servicesPath + "/" + a.ServiceSid + "/AlphaSenders/" + a.Sid,
	}
}
