// Package phonenumbers serves the phone numbers of the 2010-04-01 API: the numbers an
// account has bought (IncomingPhoneNumbers: buy, configure, move, release) and the pool
// of fictional numbers for sale (AvailablePhoneNumbers, internal/numbers).
package phonenumbers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/numbers"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	phoneNumbersPathFormat = "/2010-04-01/Accounts/%s/IncomingPhoneNumbers"
	methodPOST             = "POST"
	numberInUse            = "in-use"
	originTwilio           = "twilio"
	// buyAttempts bounds the retries of an AreaCode purchase that loses a race for the
	// number it picked to another buyer.
	buyAttempts = 5
)

// Store is what the phone number handlers read and write.
type Store interface {
	CreatePhoneNumber(ctx context.Context, p store.PhoneNumber) (store.PhoneNumber, error)
	GetPhoneNumber(ctx context.Context, accountSid, sid string) (store.PhoneNumber, error)
	UpdatePhoneNumber(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.PhoneNumber) error) (store.PhoneNumber, error)
	DeletePhoneNumber(ctx context.Context, accountSid, sid string) error
	ListPhoneNumbers(ctx context.Context, f store.PhoneNumberFilter, p store.Page) ([]store.PhoneNumber, bool, error)
	// OwnedPhoneNumbers lists the numbers some account owns, whichever, among those
	// starting with prefix: the pool's numbers that are not for sale.
	OwnedPhoneNumbers(ctx context.Context, prefix string) ([]string, error)
}

// PhoneNumbers holds the handlers of the IncomingPhoneNumbers and AvailablePhoneNumbers
// resources.
type PhoneNumbers struct {
	store    Store
	accounts api.AccountFinder // for the checks of the account a path names
	tokens   *pagetoken.Sealer // seals the page tokens of lists
	clock    clock.Clock       // the simulator's time, stamped on what the handlers write
}

// New returns the phone number handlers over st.
func New(st Store, accounts api.AccountFinder, tokens *pagetoken.Sealer, clk clock.Clock) *PhoneNumbers {
	return &PhoneNumbers{store: st, accounts: accounts, tokens: tokens, clock: clk}
}

// CreateIncomingPhoneNumber implements gen.StrictServerInterface: buy a number of the
// pool, given exactly or by area code.
func (h *PhoneNumbers) CreateIncomingPhoneNumber(ctx context.Context, req gen.CreateIncomingPhoneNumberRequestObject) (gen.CreateIncomingPhoneNumberResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.CreateIncomingPhoneNumberRequest{}
	}
	number, areaCode := api.Deref(in.PhoneNumber), api.Deref(in.AreaCode)
	switch {
	case number == "" && areaCode == "":
		return nil, api.BadRequest(api.CodeInvalidParameter, "PhoneNumber or AreaCode is required.")
	case number != "" && areaCode != "":
		return nil, api.BadRequest(api.CodeInvalidParameter, "Give PhoneNumber or AreaCode, not both.")
	}
	settings := createSettings(in)
	if err := settings.validate(); err != nil {
		return nil, err
	}

	var p store.PhoneNumber
	if number != "" {
		p, err = h.buyNumber(ctx, acct.Sid, number, settings)
	} else {
		p, err = h.buyInArea(ctx, acct.Sid, areaCode, settings)
	}
	if err != nil {
		return nil, err
	}
	return gen.CreateIncomingPhoneNumber201JSONResponse(Out(p)), nil
}

// buyNumber buys exactly number for account.
func (h *PhoneNumbers) buyNumber(ctx context.Context, account, number string, settings numberSettings) (store.PhoneNumber, error) {
	if !phone.ValidNumber(number) {
		ae := api.BadRequest(api.CodeNumberInvalid, "PhoneNumber %s is not valid: give an E.164 number that AvailablePhoneNumbers lists.", number)
		ae.Message += api.PlusHint(number)
		return store.PhoneNumber{}, ae
	}
	if number == numbers.MagicUnavailable {
		return store.PhoneNumber{}, errUnavailable(number)
	}
	n, ok := numbers.Lookup(number)
	if !ok {
		return store.PhoneNumber{}, api.BadRequest(api.CodeNumberInvalid, "PhoneNumber %s is not valid: give an E.164 number that AvailablePhoneNumbers lists.", number)
	}
	p, err := h.store.CreatePhoneNumber(ctx, newPhoneNumber(account, n, settings, api.Now(h.clock)))
	if errors.Is(err, store.ErrConflict) {
		return store.PhoneNumber{}, errUnavailable(number)
	}
	if err != nil {
		return store.PhoneNumber{}, fmt.Errorf("buy phone number: %w", err)
	}
	return p, nil
}

// buyInArea buys the first free number of a US or Canadian area code for account. If
// another buyer takes that number between the search and the purchase, it tries the next.
func (h *PhoneNumbers) buyInArea(ctx context.Context, account, areaCode string, settings numberSettings) (store.PhoneNumber, error) {
	for range buyAttempts {
		taken, err := h.ownedNumbers(ctx, "+1"+areaCode)
		if err != nil {
			return store.PhoneNumber{}, err
		}
		found, err := numbers.Search(numbers.Query{AreaCode: areaCode}, taken, 1)
		if err != nil {
			return store.PhoneNumber{}, fmt.Errorf("buy in area %s: %w", areaCode, err)
		}
		if len(found) == 0 {
			return store.PhoneNumber{}, api.BadRequest(api.CodeAreaCodeEmpty, "No phone numbers found in area code %s.", areaCode)
		}
		p, err := h.store.CreatePhoneNumber(ctx, newPhoneNumber(account, found[0], settings, api.Now(h.clock)))
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return store.PhoneNumber{}, fmt.Errorf("buy in area %s: %w", areaCode, err)
		}
		return p, nil
	}
	return store.PhoneNumber{}, fmt.Errorf("buy in area %s: lost the race for a number %d times", areaCode, buyAttempts)
}

// ownedNumbers returns a set of the numbers some account owns among those starting
// with prefix, as the "taken" test of a pool search.
func (h *PhoneNumbers) ownedNumbers(ctx context.Context, prefix string) (func(string) bool, error) {
	list, err := h.store.OwnedPhoneNumbers(ctx, prefix)
	if err != nil {
		return nil, err
	}
	owned := make(map[string]bool, len(list))
	for _, n := range list {
		owned[n] = true
	}
	return func(e164 string) bool { return owned[e164] }, nil
}

func errUnavailable(number string) *api.Error {
	return api.BadRequest(api.CodeNumberUnavailable, "PhoneNumber %s is not available.", number)
}

// newPhoneNumber is pool number n as bought by account, with Twilio's defaults under the
// settings given.
func newPhoneNumber(account string, n numbers.Number, settings numberSettings, t time.Time) store.PhoneNumber {
	p := store.PhoneNumber{
		Sid:                 sid.New("PN"),
		AccountSid:          account,
		PhoneNumber:         n.E164,
		IsoCountry:          n.Country,
		Type:                string(n.Type),
		AddressRequirements: n.AddressRequirements,
		Capabilities:        store.Capabilities(n.Capabilities),
		Origin:              originTwilio,
		PhoneNumberSettings: store.PhoneNumberSettings{
			APIVersion:           api.APIVersion,
			SmsMethod:            methodPOST,
			SmsFallbackMethod:    methodPOST,
			StatusCallbackMethod: methodPOST,
			VoiceMethod:          methodPOST,
			VoiceFallbackMethod:  methodPOST,
			VoiceReceiveMode:     string(gen.IncomingPhoneNumberVoiceReceiveModeVoice),
			EmergencyStatus:      string(gen.IncomingPhoneNumberEmergencyStatusInactive),
		},
		DateCreated: t,
		DateUpdated: t,
	}
	settings.apply(&p)
	return p
}

// FetchIncomingPhoneNumber implements gen.StrictServerInterface.
func (h *PhoneNumbers) FetchIncomingPhoneNumber(ctx context.Context, req gen.FetchIncomingPhoneNumberRequestObject) (gen.FetchIncomingPhoneNumberResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p, err := h.store.GetPhoneNumber(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch phone number: %w", err)
	}
	return gen.FetchIncomingPhoneNumber200JSONResponse(Out(p)), nil
}

// UpdateIncomingPhoneNumber implements gen.StrictServerInterface: change the settings
// given, and with AccountSid move the number to another account of the caller's.
func (h *PhoneNumbers) UpdateIncomingPhoneNumber(ctx context.Context, req gen.UpdateIncomingPhoneNumberRequestObject) (gen.UpdateIncomingPhoneNumberResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	if in == nil {
		in = &gen.UpdateIncomingPhoneNumberRequest{}
	}
	settings := updateSettings(in)
	if err := settings.validate(); err != nil {
		return nil, err
	}
	owner := acct.Sid
	if in.AccountSid != nil && *in.AccountSid != acct.Sid {
		// Only within the caller's own family, as Twilio moves numbers only between a
		// parent and its subaccounts; any other SID gets one answer, existing or not.
		target, err := api.OwnAccount(ctx, h.accounts, *in.AccountSid)
		if errors.Is(err, api.ErrAuthenticate) || (err == nil && target.Status != api.AccountActive) {
			return nil, api.BadRequest(api.CodeInvalidParameter, "AccountSid %s is not an active account of yours: a number moves only to your account or one of its subaccounts.", *in.AccountSid)
		}
		if err != nil {
			return nil, err
		}
		owner = target.Sid
	}
	p, err := h.store.UpdatePhoneNumber(ctx, acct.Sid, req.Sid, api.Now(h.clock), func(p *store.PhoneNumber) error {
		settings.apply(p)
		p.AccountSid = owner
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update phone number: %w", err)
	}
	return gen.UpdateIncomingPhoneNumber200JSONResponse(Out(p)), nil
}

// DeleteIncomingPhoneNumber implements gen.StrictServerInterface: release the number,
// which goes back on sale.
func (h *PhoneNumbers) DeleteIncomingPhoneNumber(ctx context.Context, req gen.DeleteIncomingPhoneNumberRequestObject) (gen.DeleteIncomingPhoneNumberResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	if err := h.store.DeletePhoneNumber(ctx, req.AccountSid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete phone number: %w", err)
	}
	return gen.DeleteIncomingPhoneNumber204Response{}, nil
}

// ListIncomingPhoneNumbers implements gen.StrictServerInterface.
func (h *PhoneNumbers) ListIncomingPhoneNumbers(ctx context.Context, req gen.ListIncomingPhoneNumbersRequestObject) (gen.ListIncomingPhoneNumbersResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	// Beta is not a filter here: it would only leave out numbers new to the platform,
	// and no Switchboard number is. It still goes into the page URIs.
	filter := store.PhoneNumberFilter{AccountSid: req.AccountSid, PhoneNumber: api.Deref(p.PhoneNumber),
		FriendlyName: api.Deref(p.FriendlyName), Origin: api.Deref(p.Origin)}
	filters := api.GivenFilters(map[string]*string{"PhoneNumber": p.PhoneNumber, "FriendlyName": p.FriendlyName, "Origin": p.Origin})
	if p.Beta != nil {
		filters.Set("Beta", fmt.Sprint(*p.Beta))
	}

	path := fmt.Sprintf(phoneNumbersPathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListPhoneNumbers(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list phone numbers: %w", err)
	}

	out := gen.ListIncomingPhoneNumbers200JSONResponse{IncomingPhoneNumbers: make([]gen.IncomingPhoneNumber, len(rows))}
	for i, n := range rows {
		out.IncomingPhoneNumbers[i] = Out(n)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// numberSettings are the settings a create or update request gives; nil fields are not
// given. Create and update requests are different generated types with the same
// settings, so each is copied into this one shape.
type numberSettings struct {
	FriendlyName, APIVersion                                                                  *string
	SmsURL, SmsMethod, SmsFallbackURL, SmsFallbackMethod, SmsApplicationSid                   *string
	StatusCallback, StatusCallbackMethod                                                      *string
	VoiceURL, VoiceMethod, VoiceFallbackURL, VoiceFallbackMethod, VoiceApplicationSid         *string
	VoiceCallerIDLookup                                                                       *bool
	VoiceReceiveMode, TrunkSid, IdentitySid, AddressSid, EmergencyStatus, EmergencyAddressSid *string
	BundleSid                                                                                 *string
}

func createSettings(in *gen.CreateIncomingPhoneNumberRequest) numberSettings {
	return numberSettings{
		FriendlyName: in.FriendlyName, APIVersion: api.StrPtr(in.ApiVersion),
		SmsURL: in.SmsUrl, SmsMethod: api.StrPtr(in.SmsMethod), SmsFallbackURL: in.SmsFallbackUrl,
		SmsFallbackMethod: api.StrPtr(in.SmsFallbackMethod), SmsApplicationSid: in.SmsApplicationSid,
		StatusCallback: in.StatusCallback, StatusCallbackMethod: api.StrPtr(in.StatusCallbackMethod),
		VoiceURL: in.VoiceUrl, VoiceMethod: api.StrPtr(in.VoiceMethod), VoiceFallbackURL: in.VoiceFallbackUrl,
		VoiceFallbackMethod: api.StrPtr(in.VoiceFallbackMethod), VoiceApplicationSid: in.VoiceApplicationSid,
		VoiceCallerIDLookup: in.VoiceCallerIdLookup, VoiceReceiveMode: api.StrPtr(in.VoiceReceiveMode),
		TrunkSid: in.TrunkSid, IdentitySid: in.IdentitySid, AddressSid: in.AddressSid,
		EmergencyStatus: api.StrPtr(in.EmergencyStatus), EmergencyAddressSid: in.EmergencyAddressSid, BundleSid: in.BundleSid,
	}
}

func updateSettings(in *gen.UpdateIncomingPhoneNumberRequest) numberSettings {
	return numberSettings{
		FriendlyName: in.FriendlyName, APIVersion: api.StrPtr(in.ApiVersion),
		SmsURL: in.SmsUrl, SmsMethod: api.StrPtr(in.SmsMethod), SmsFallbackURL: in.SmsFallbackUrl,
		SmsFallbackMethod: api.StrPtr(in.SmsFallbackMethod), SmsApplicationSid: in.SmsApplicationSid,
		StatusCallback: in.StatusCallback, StatusCallbackMethod: api.StrPtr(in.StatusCallbackMethod),
		VoiceURL: in.VoiceUrl, VoiceMethod: api.StrPtr(in.VoiceMethod), VoiceFallbackURL: in.VoiceFallbackUrl,
		VoiceFallbackMethod: api.StrPtr(in.VoiceFallbackMethod), VoiceApplicationSid: in.VoiceApplicationSid,
		VoiceCallerIDLookup: in.VoiceCallerIdLookup, VoiceReceiveMode: api.StrPtr(in.VoiceReceiveMode),
		TrunkSid: in.TrunkSid, IdentitySid: in.IdentitySid, AddressSid: in.AddressSid,
		EmergencyStatus: api.StrPtr(in.EmergencyStatus), EmergencyAddressSid: in.EmergencyAddressSid, BundleSid: in.BundleSid,
	}
}

// validate checks what the spec cannot: that each URL given is one a webhook could be
// sent to. The empty string is allowed; it clears the URL.
func (in numberSettings) validate() error {
	for _, u := range []struct {
		name  string
		value *string
	}{
		{"SmsUrl", in.SmsURL}, {"SmsFallbackUrl", in.SmsFallbackURL}, {"StatusCallback", in.StatusCallback},
		{"VoiceUrl", in.VoiceURL}, {"VoiceFallbackUrl", in.VoiceFallbackURL},
	} {
		if v := api.Deref(u.value); v != "" && !api.ValidWebhookURL(v) {
			return api.BadRequest(api.CodeURLInvalid, "%s %q is not a valid URL: use an absolute http or https URL.", u.name, v)
		}
	}
	return nil
}

// apply sets the settings given on p. A friendly name set to "" goes back to the
// default, the number in national format.
func (in numberSettings) apply(p *store.PhoneNumber) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	c := &p.PhoneNumberSettings
	set(&p.FriendlyName, in.FriendlyName)
	set(&c.APIVersion, in.APIVersion)
	set(&c.SmsURL, in.SmsURL)
	set(&c.SmsMethod, in.SmsMethod)
	set(&c.SmsFallbackURL, in.SmsFallbackURL)
	set(&c.SmsFallbackMethod, in.SmsFallbackMethod)
	set(&c.SmsApplicationSid, in.SmsApplicationSid)
	set(&c.StatusCallback, in.StatusCallback)
	set(&c.StatusCallbackMethod, in.StatusCallbackMethod)
	set(&c.VoiceURL, in.VoiceURL)
	set(&c.VoiceMethod, in.VoiceMethod)
	set(&c.VoiceFallbackURL, in.VoiceFallbackURL)
	set(&c.VoiceFallbackMethod, in.VoiceFallbackMethod)
	set(&c.VoiceApplicationSid, in.VoiceApplicationSid)
	if in.VoiceCallerIDLookup != nil {
		c.VoiceCallerIDLookup = *in.VoiceCallerIDLookup
	}
	set(&c.VoiceReceiveMode, in.VoiceReceiveMode)
	set(&c.TrunkSid, in.TrunkSid)
	set(&c.IdentitySid, in.IdentitySid)
	set(&c.AddressSid, in.AddressSid)
	set(&c.EmergencyStatus, in.EmergencyStatus)
	set(&c.EmergencyAddressSid, in.EmergencyAddressSid)
	set(&c.BundleSid, in.BundleSid)
	if p.FriendlyName == "" {
		p.FriendlyName = nationalFormat(p.PhoneNumber)
	}
}

// nationalFormat is Twilio's default friendly name: "(415) 555-0100".
func nationalFormat(e164 string) string {
	if n, ok := numbers.Lookup(e164); ok {
		return n.National()
	}
	return e164
}

// Out renders a stored phone number in the wire format.
func Out(p store.PhoneNumber) gen.IncomingPhoneNumber {
	c := p.PhoneNumberSettings
	addressStatus := gen.IncomingPhoneNumberEmergencyAddressStatusUnregistered
	if c.EmergencyAddressSid != "" {
		addressStatus = gen.IncomingPhoneNumberEmergencyAddressStatusRegistered
	}
	return gen.IncomingPhoneNumber{
		AccountSid:             p.AccountSid,
		AddressRequirements:    gen.AddressRequirement(p.AddressRequirements),
		AddressSid:             api.NonEmpty(c.AddressSid),
		ApiVersion:             gen.IncomingPhoneNumberApiVersion(c.APIVersion),
		Beta:                   false,
		BundleSid:              api.NonEmpty(c.BundleSid),
		Capabilities:           gen.PhoneNumberCapabilities{Voice: p.Capabilities.Voice, Sms: p.Capabilities.SMS, Mms: p.Capabilities.MMS, Fax: p.Capabilities.Fax},
		DateCreated:            api.FormatDate(p.DateCreated),
		DateUpdated:            api.FormatDate(p.DateUpdated),
		EmergencyAddressSid:    api.NonEmpty(c.EmergencyAddressSid),
		EmergencyAddressStatus: addressStatus,
		EmergencyStatus:        gen.IncomingPhoneNumberEmergencyStatus(c.EmergencyStatus),
		FriendlyName:           p.FriendlyName,
		IdentitySid:            api.NonEmpty(c.IdentitySid),
		Origin:                 gen.IncomingPhoneNumberOrigin(p.Origin),
		PhoneNumber:            p.PhoneNumber,
		Sid:                    p.Sid,
		SmsApplicationSid:      api.NonEmpty(c.SmsApplicationSid),
		SmsFallbackMethod:      gen.HttpMethod(c.SmsFallbackMethod),
		SmsFallbackUrl:         c.SmsFallbackURL,
		SmsMethod:              gen.HttpMethod(c.SmsMethod),
		SmsUrl:                 c.SmsURL,
		Status:                 numberInUse,
		StatusCallback:         c.StatusCallback,
		StatusCallbackMethod:   gen.HttpMethod(c.StatusCallbackMethod),
		TrunkSid:               api.NonEmpty(c.TrunkSid),
		Type:                   gen.IncomingPhoneNumberType(p.Type),
		Uri:                    fmt.Sprintf(phoneNumbersPathFormat+"/%s.json", p.AccountSid, p.Sid),
		VoiceApplicationSid:    api.NonEmpty(c.VoiceApplicationSid),
		VoiceCallerIdLookup:    c.VoiceCallerIDLookup,
		VoiceFallbackMethod:    gen.HttpMethod(c.VoiceFallbackMethod),
		VoiceFallbackUrl:       c.VoiceFallbackURL,
		VoiceMethod:            gen.HttpMethod(c.VoiceMethod),
		VoiceReceiveMode:       gen.IncomingPhoneNumberVoiceReceiveMode(c.VoiceReceiveMode),
		VoiceUrl:               c.VoiceURL,
	}
}
