// Package lookupv2 serves Twilio's Lookup v2 API, GET /v2/PhoneNumbers/{PhoneNumber}.
// The answer is internal/lookup's, worked out from the number alone; this package moves
// the parameters in and the result out, and needs no store.
package lookupv2

import (
	"context"
	"net/url"
	"strconv"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/lookup"
	"github.com/switchboard-dev/switchboard/server/api"
)

const lookupPath = "/v2/PhoneNumbers/"

// Lookup holds the handlers of Lookup v2.
type Lookup struct{}

// FetchPhoneNumber implements gen.StrictServerInterface: Lookup v2. The lookup itself is
// internal/lookup's; this only moves parameters in and the result out.
func (Lookup) FetchPhoneNumber(ctx context.Context, req gen.FetchPhoneNumberRequestObject) (gen.FetchPhoneNumberResponseObject, error) {
	p := req.Params
	res, err := lookup.Lookup(lookup.Request{
		PhoneNumber:        req.PhoneNumber,
		CountryCode:        api.Deref(p.CountryCode),
		Fields:             api.Deref(p.Fields),
		FirstName:          api.Deref(p.FirstName),
		LastName:           api.Deref(p.LastName),
		AddressLine1:       api.Deref(p.AddressLine1),
		AddressLine2:       api.Deref(p.AddressLine2),
		City:               api.Deref(p.City),
		State:              api.Deref(p.State),
		PostalCode:         api.Deref(p.PostalCode),
		AddressCountryCode: api.Deref(p.AddressCountryCode),
		NationalID:         api.Deref(p.NationalId),
		DateOfBirth:        api.Deref(p.DateOfBirth),
		LastVerifiedDate:   api.Deref(p.LastVerifiedDate),
	})
	if err != nil {
		return nil, err // a *lookup.ParamError: toAPIError makes it a 60200
	}
	return gen.FetchPhoneNumber200JSONResponse(lookupOut(res, api.BaseURL(ctx))), nil
}

// lookupOut renders a lookup result in the wire format; origin is the scheme and host of
// the absolute `url`.
func lookupOut(r lookup.Result, origin string) gen.PhoneNumberLookup {
	out := gen.PhoneNumberLookup{
		CallingCountryCode: api.NonEmpty(r.CallingCode),
		CountryCode:        api.NonEmpty(r.Country),
		PhoneNumber:        r.PhoneNumber,
		NationalFormat:     api.NonEmpty(r.NationalFormat),
		Valid:              r.Valid,
		ValidationErrors:   make([]gen.LookupValidationError, len(r.ValidationErrors)),
		Url:                origin + lookupPath + url.PathEscape(r.PhoneNumber),
	}
	for i, e := range r.ValidationErrors {
		out.ValidationErrors[i] = gen.LookupValidationError(e)
	}
	if lt := r.LineTypeIntelligence; lt != nil {
		out.LineTypeIntelligence = &gen.LineTypeIntelligenceInfo{
			Type:              api.Ptr(gen.LineTypeIntelligenceInfoType(lt.Type)),
			CarrierName:       api.NonEmpty(lt.Carrier.Name),
			MobileCountryCode: api.NonEmpty(lt.Carrier.MCC),
			MobileNetworkCode: api.NonEmpty(lt.Carrier.MNC),
		}
	}
	if cn := r.CallerName; cn != nil {
		out.CallerName = &gen.CallerNameInfo{
			CallerName: api.NonEmpty(cn.Name),
			ErrorCode:  api.NonZero(cn.ErrorCode),
		}
		if cn.Type != "" {
			out.CallerName.CallerType = api.Ptr(gen.CallerNameInfoCallerType(cn.Type))
		}
	}
	if ss := r.SimSwap; ss != nil {
		out.SimSwap = &gen.SimSwapInfo{
			LastSimSwap:       &gen.LastSimSwapInfo{SwappedPeriod: &ss.SwappedPeriod, SwappedInPeriod: &ss.SwappedInPeriod},
			CarrierName:       api.NonEmpty(ss.Carrier.Name),
			MobileCountryCode: api.NonEmpty(ss.Carrier.MCC),
			MobileNetworkCode: api.NonEmpty(ss.Carrier.MNC),
		}
	}
	if cf := r.CallForwarding; cf != nil {
		out.CallForwarding = &gen.CallForwardingInfo{CallForwardingEnabled: &cf.Enabled}
	}
	if ls := r.LineStatus; ls != nil {
		out.LineStatus = &gen.LineStatusInfo{Status: api.Ptr(gen.LineStatusInfoStatus(ls.Status))}
	}
	if im := r.IdentityMatch; im != nil {
		m := func(v lookup.Match) *gen.IdentityMatchResult { return api.Ptr(gen.IdentityMatchResult(v)) }
		out.IdentityMatch = &gen.IdentityMatchInfo{
			FirstNameMatch:      m(im.FirstName),
			LastNameMatch:       m(im.LastName),
			AddressLinesMatch:   m(im.AddressLines),
			CityMatch:           m(im.City),
			StateMatch:          m(im.State),
			PostalCodeMatch:     m(im.PostalCode),
			AddressCountryMatch: m(im.AddressCountry),
			NationalIdMatch:     m(im.NationalID),
			DateOfBirthMatch:    m(im.DateOfBirth),
			SummaryScore:        &im.SummaryScore,
		}
	}
	if rn := r.ReassignedNumber; rn != nil {
		out.ReassignedNumber = &gen.ReassignedNumberInfo{LastVerifiedDate: api.NonEmpty(rn.LastVerifiedDate)}
		if rn.IsReassigned != "" {
			out.ReassignedNumber.IsNumberReassigned = api.Ptr(gen.ReassignedNumberInfoIsNumberReassigned(rn.IsReassigned))
		}
		if rn.ErrorCode != 0 { // a string in this package, as Twilio sends it
			out.ReassignedNumber.ErrorCode = api.Ptr(strconv.Itoa(rn.ErrorCode))
		}
	}
	if sp := r.SMSPumpingRisk; sp != nil {
		out.SmsPumpingRisk = &gen.SmsPumpingRiskInfo{
			CarrierRiskCategory: api.Ptr(gen.SmsPumpingRiskInfoCarrierRiskCategory(sp.Category)),
			NumberBlocked:       &sp.Blocked,
			SmsPumpingRiskScore: &sp.Score,
		}
		if sp.Blocked { // else null, as Twilio sends it for a number never blocked
			out.SmsPumpingRisk.NumberBlockedLast3Months = api.Ptr(true)
		}
	}
	if q := r.QualityScore; q != nil {
		score := func(v int) (*int, *gen.LookupScoreCategory) {
			return &v, api.Ptr(gen.LookupScoreCategory(lookup.ScoreCategory(v)))
		}
		var pq gen.PhoneNumberQualityScoreInfo
		pq.QualityScore, pq.QualityCategory = score(q.Quality)
		pq.CarrierRiskScore, pq.CarrierRiskCategory = score(q.CarrierRisk)
		pq.VelocityRiskScore, pq.VelocityRiskCategory = score(q.VelocityRisk)
		pq.DisposablePhoneRiskScore, pq.DisposablePhoneRiskCategory = score(q.DisposableRisk)
		out.PhoneNumberQualityScore = &pq
	}
	if pf := r.PreFill; pf != nil {
		out.PreFill = &gen.PreFillInfo{
			FirstName:   api.NonEmpty(pf.FirstName),
			LastName:    api.NonEmpty(pf.LastName),
			AddressLine: api.NonEmpty(pf.AddressLine),
			City:        api.NonEmpty(pf.City),
			State:       api.NonEmpty(pf.State),
			PostalCode:  api.NonEmpty(pf.PostalCode),
			CountryCode: api.NonEmpty(pf.Country),
			ErrorCode:   api.NonZero(pf.ErrorCode),
		}
	}
	return out
}
