package phonenumbers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/numbers"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const availablePathFormat = "/2010-04-01/Accounts/%s/AvailablePhoneNumbers"

// searchPaths names each number type as the search paths and subresource_uris do.
var searchPaths = []struct {
	typ      numbers.Type
	path     string // Local.json
	resource string // local
}{
	{numbers.Local, "Local", "local"},
	{numbers.Mobile, "Mobile", "mobile"},
	{numbers.TollFree, "TollFree", "toll_free"},
}

// ListAvailablePhoneNumberCountries implements gen.StrictServerInterface.
func (h *PhoneNumbers) ListAvailablePhoneNumberCountries(ctx context.Context, req gen.ListAvailablePhoneNumberCountriesRequestObject) (gen.ListAvailablePhoneNumberCountriesResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	path := fmt.Sprintf(availablePathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, url.Values{}, req.Params.PageSize, nil, nil)
	countries := numbers.Countries()
	countries = countries[:min(len(countries), pr.Size())]
	out := gen.ListAvailablePhoneNumberCountries200JSONResponse{Countries: make([]gen.AvailablePhoneNumberCountry, len(countries))}
	for i, c := range countries {
		out.Countries[i] = countryOut(req.AccountSid, c)
	}
	// One page: the list is short, and Twilio does not page it either.
	l := pr.Links(h.tokens, path, url.Values{}, len(countries), api.Unpaged, false)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// FetchAvailablePhoneNumberCountry implements gen.StrictServerInterface.
func (h *PhoneNumbers) FetchAvailablePhoneNumberCountry(ctx context.Context, req gen.FetchAvailablePhoneNumberCountryRequestObject) (gen.FetchAvailablePhoneNumberCountryResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	c, ok := numbers.FindCountry(req.CountryCode)
	if !ok {
		return nil, fmt.Errorf("no numbers for sale in %s: %w", req.CountryCode, store.ErrNotFound)
	}
	return gen.FetchAvailablePhoneNumberCountry200JSONResponse(countryOut(req.AccountSid, c)), nil
}

func countryOut(account string, c numbers.Country) gen.AvailablePhoneNumberCountry {
	path := fmt.Sprintf(availablePathFormat+"/%s", account, c.Code)
	out := gen.AvailablePhoneNumberCountry{Country: c.Name, CountryCode: c.Code, Uri: path + ".json",
		SubresourceUris: map[string]string{}}
	for _, sp := range searchPaths {
		if slices.Contains(c.Types, sp.typ) {
			out.SubresourceUris[sp.resource] = path + "/" + sp.path + ".json"
		}
	}
	return out
}

// ListAvailablePhoneNumbersLocal implements gen.StrictServerInterface.
func (h *PhoneNumbers) ListAvailablePhoneNumbersLocal(ctx context.Context, req gen.ListAvailablePhoneNumbersLocalRequestObject) (gen.ListAvailablePhoneNumbersLocalResponseObject, error) {
	out, err := h.searchNumbers(ctx, req.AccountSid, req.CountryCode, numbers.Local, req.Params)
	if err != nil {
		return nil, err
	}
	return gen.ListAvailablePhoneNumbersLocal200JSONResponse(out), nil
}

// ListAvailablePhoneNumbersMobile implements gen.StrictServerInterface.
func (h *PhoneNumbers) ListAvailablePhoneNumbersMobile(ctx context.Context, req gen.ListAvailablePhoneNumbersMobileRequestObject) (gen.ListAvailablePhoneNumbersMobileResponseObject, error) {
	// The three searches share their parameters in the spec, so their generated
	// parameter types are the same struct under three names.
	out, err := h.searchNumbers(ctx, req.AccountSid, req.CountryCode, numbers.Mobile, gen.ListAvailablePhoneNumbersLocalParams(req.Params))
	if err != nil {
		return nil, err
	}
	return gen.ListAvailablePhoneNumbersMobile200JSONResponse(out), nil
}

// ListAvailablePhoneNumbersTollFree implements gen.StrictServerInterface.
func (h *PhoneNumbers) ListAvailablePhoneNumbersTollFree(ctx context.Context, req gen.ListAvailablePhoneNumbersTollFreeRequestObject) (gen.ListAvailablePhoneNumbersTollFreeResponseObject, error) {
	out, err := h.searchNumbers(ctx, req.AccountSid, req.CountryCode, numbers.TollFree, gen.ListAvailablePhoneNumbersLocalParams(req.Params))
	if err != nil {
		return nil, err
	}
	return gen.ListAvailablePhoneNumbersTollFree200JSONResponse(out), nil
}

// searchNumbers answers a search of the pool: at most PageSize numbers nobody owns, on
// one page. A country with no numbers of the type is not found, as with Twilio.
func (h *PhoneNumbers) searchNumbers(ctx context.Context, account, countryCode string, typ numbers.Type, p gen.ListAvailablePhoneNumbersLocalParams) (gen.AvailablePhoneNumberList, error) {
	var out gen.AvailablePhoneNumberList
	if _, err := api.ActiveAccount(ctx, h.accounts, account); err != nil {
		return out, err
	}
	country, ok := numbers.FindCountry(countryCode)
	if !ok || !slices.Contains(country.Types, typ) {
		return out, fmt.Errorf("no %s numbers for sale in %s: %w", typ, countryCode, store.ErrNotFound)
	}

	q := numbers.Query{
		Country: country.Code, Type: typ, Contains: api.Deref(p.Contains),
		SMS: p.SmsEnabled, MMS: p.MmsEnabled, Voice: p.VoiceEnabled, Fax: p.FaxEnabled,
		ExcludeAllAddressRequired:     api.Deref(p.ExcludeAllAddressRequired),
		ExcludeLocalAddressRequired:   api.Deref(p.ExcludeLocalAddressRequired),
		ExcludeForeignAddressRequired: api.Deref(p.ExcludeForeignAddressRequired),
		Region:                        api.Deref(p.InRegion), Locality: api.Deref(p.InLocality), PostalCode: api.Deref(p.InPostalCode),
		LATA: api.Deref(p.InLata), RateCenter: api.Deref(p.InRateCenter),
	}
	if p.AreaCode != nil {
		q.AreaCode = strconv.Itoa(*p.AreaCode)
	}
	path := fmt.Sprintf(availablePathFormat+"/%s/%s.json", account, country.Code, searchPath(typ))
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, searchFilters(p), p.PageSize, nil, nil)
	taken, err := h.ownedNumbers(ctx, numbers.CallingCode(country.Code))
	if err != nil {
		return out, fmt.Errorf("search numbers: %w", err)
	}
	found, err := numbers.Search(q, taken, pr.Size())
	if errors.Is(err, numbers.ErrBadPattern) {
		return out, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter Contains: %q is not a pattern of digits, letters, '*' and '%%'.", q.Contains)
	}
	if err != nil {
		return out, fmt.Errorf("search numbers: %w", err)
	}

	out.AvailablePhoneNumbers = make([]gen.AvailablePhoneNumber, len(found))
	for i, n := range found {
		out.AvailablePhoneNumbers[i] = availableOut(n)
	}
	l := pr.Links(h.tokens, path, searchFilters(p), len(found), api.Unpaged, false)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

func searchPath(typ numbers.Type) string {
	for _, sp := range searchPaths {
		if sp.typ == typ {
			return sp.path
		}
	}
	return string(typ)
}

// searchFilters are the search parameters as given, for the page URIs.
func searchFilters(p gen.ListAvailablePhoneNumbersLocalParams) url.Values {
	v := url.Values{}
	for name, s := range map[string]*string{
		"Contains": p.Contains, "NearNumber": p.NearNumber, "NearLatLong": p.NearLatLong,
		"InPostalCode": p.InPostalCode, "InRegion": p.InRegion, "InRateCenter": p.InRateCenter,
		"InLata": p.InLata, "InLocality": p.InLocality,
	} {
		if s != nil {
			v.Set(name, *s)
		}
	}
	for name, b := range map[string]*bool{
		"SmsEnabled": p.SmsEnabled, "MmsEnabled": p.MmsEnabled, "VoiceEnabled": p.VoiceEnabled,
		"FaxEnabled": p.FaxEnabled, "Beta": p.Beta, "ExcludeAllAddressRequired": p.ExcludeAllAddressRequired,
		"ExcludeLocalAddressRequired":   p.ExcludeLocalAddressRequired,
		"ExcludeForeignAddressRequired": p.ExcludeForeignAddressRequired,
	} {
		if b != nil {
			v.Set(name, strconv.FormatBool(*b))
		}
	}
	for name, n := range map[string]*int{"AreaCode": p.AreaCode, "Distance": p.Distance} {
		if n != nil {
			v.Set(name, strconv.Itoa(*n))
		}
	}
	return v
}

// availableOut renders a pool number in the wire format. Coordinates are decimal
// strings, as Twilio sends them.
func availableOut(n numbers.Number) gen.AvailablePhoneNumber {
	out := gen.AvailablePhoneNumber{
		AddressRequirements: gen.AddressRequirement(n.AddressRequirements),
		Capabilities:        gen.PhoneNumberCapabilities{Voice: n.Capabilities.Voice, Sms: n.Capabilities.SMS, Mms: n.Capabilities.MMS, Fax: n.Capabilities.Fax},
		FriendlyName:        n.National(),
		IsoCountry:          n.Country,
		Lata:                api.NonEmpty(n.Place.LATA),
		Locality:            api.NonEmpty(n.Place.Locality),
		PhoneNumber:         n.E164,
		PostalCode:          api.NonEmpty(n.Place.PostalCode),
		RateCenter:          api.NonEmpty(n.Place.RateCenter),
		Region:              api.NonEmpty(n.Place.Region),
	}
	if pos := n.Place.Position; pos != nil {
		out.Latitude = api.Ptr(strconv.FormatFloat(pos.Latitude, 'f', 6, 64))
		out.Longitude = api.Ptr(strconv.FormatFloat(pos.Longitude, 'f', 6, 64))
	}
	return out
}
