package server

import (
	"context"
	"net/url"
	"strconv"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/lookup"
)

const lookupPath = "/v2/PhoneNumbers/"

// FetchPhoneNumber implements gen.StrictServerInterface: Lookup v2. The lookup itself is
// internal/lookup's; this only moves parameters in and the result out.
func (s *Server) FetchPhoneNumber(ctx context.Context, req gen.FetchPhoneNumberRequestObject) (gen.FetchPhoneNumberResponseObject, error) {
	p := req.Params
	res, err := lookup.Lookup(lookup.Request{
		PhoneNumber:        req.PhoneNumber,
		CountryCode:        deref(p.CountryCode),
		Fields:             deref(p.Fields),
		FirstName:          deref(p.FirstName),
		LastName:           deref(p.LastName),
		AddressLine1:       deref(p.AddressLine1),
		AddressLine2:       deref(p.AddressLine2),
		City:               deref(p.City),
		State:              deref(p.State),
		PostalCode:         deref(p.PostalCode),
		AddressCountryCode: deref(p.AddressCountryCode),
		NationalID:         deref(p.NationalId),
		DateOfBirth:        deref(p.DateOfBirth),
		LastVerifiedDate:   deref(p.LastVerifiedDate),
	})
	if err != nil {
		return nil, err // a *lookup.ParamError: toAPIError makes it a 60200
	}
	return gen.FetchPhoneNumber200JSONResponse(lookupOut(res, baseURL(ctx))), nil
}

// lookupOut renders a lookup result in the wire format; origin is the scheme and host of
// the absolute `url`.
func lookupOut(r lookup.Result, origin string) gen.PhoneNumberLookup {
	out := gen.PhoneNumberLookup{
		CallingCountryCode: nonEmpty(r.CallingCode),
		CountryCode:        nonEmpty(r.Country),
		PhoneNumber:        r.PhoneNumber,
		NationalFormat:     nonEmpty(r.NationalFormat),
		Valid:              r.Valid,
		ValidationErrors:   make([]gen.LookupValidationError, len(r.ValidationErrors)),
		Url:                origin + lookupPath + url.PathEscape(r.PhoneNumber),
	}
	for i, e := range r.ValidationErrors {
		out.ValidationErrors[i] = gen.LookupValidationError(e)
	}
	if lt := r.LineTypeIntelligence; lt != nil {
		out.LineTypeIntelligence = &gen.LineTypeIntelligenceInfo{
			Type:              ptr(gen.LineTypeIntelligenceInfoType(lt.Type)),
			CarrierName:       nonEmpty(lt.Carrier.Name),
			MobileCountryCode: nonEmpty(lt.Carrier.MCC),
			MobileNetworkCode: nonEmpty(lt.Carrier.MNC),
		}
	}
	if cn := r.CallerName; cn != nil {
		out.CallerName = &gen.CallerNameInfo{
			CallerName: nonEmpty(cn.Name),
			ErrorCode:  nonZero(cn.ErrorCode),
		}
		if cn.Type != "" {
			out.CallerName.CallerType = ptr(gen.CallerNameInfoCallerType(cn.Type))
		}
	}
	if ss := r.SimSwap; ss != nil {
		out.SimSwap = &gen.SimSwapInfo{
			LastSimSwap:       &gen.LastSimSwapInfo{SwappedPeriod: &ss.SwappedPeriod, SwappedInPeriod: &ss.SwappedInPeriod},
			CarrierName:       nonEmpty(ss.Carrier.Name),
			MobileCountryCode: nonEmpty(ss.Carrier.MCC),
			MobileNetworkCode: nonEmpty(ss.Carrier.MNC),
		}
	}
	if cf := r.CallForwarding; cf != nil {
		out.CallForwarding = &gen.CallForwardingInfo{CallForwardingEnabled: &cf.Enabled}
	}
	if ls := r.LineStatus; ls != nil {
		out.LineStatus = &gen.LineStatusInfo{Status: ptr(gen.LineStatusInfoStatus(ls.Status))}
	}
	if im := r.IdentityMatch; im != nil {
		m := func(v lookup.Match) *gen.IdentityMatchResult { return ptr(gen.IdentityMatchResult(v)) }
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
		out.ReassignedNumber = &gen.ReassignedNumberInfo{LastVerifiedDate: nonEmpty(rn.LastVerifiedDate)}
		if rn.IsReassigned != "" {
			out.ReassignedNumber.IsNumberReassigned = ptr(gen.ReassignedNumberInfoIsNumberReassigned(rn.IsReassigned))
		}
		if rn.ErrorCode != 0 { // a string in this package, as Twilio sends it
			out.ReassignedNumber.ErrorCode = ptr(strconv.Itoa(rn.ErrorCode))
		}
	}
	if sp := r.SMSPumpingRisk; sp != nil {
		out.SmsPumpingRisk = &gen.SmsPumpingRiskInfo{
			CarrierRiskCategory: ptr(gen.SmsPumpingRiskInfoCarrierRiskCategory(sp.Category)),
			NumberBlocked:       &sp.Blocked,
			SmsPumpingRiskScore: &sp.Score,
		}
		if sp.Blocked { // else null, as Twilio sends it for a number never blocked
			out.SmsPumpingRisk.NumberBlockedLast3Months = ptr(true)
		}
	}
	if q := r.QualityScore; q != nil {
		score := func(v int) (*int, *gen.LookupScoreCategory) {
			return &v, ptr(gen.LookupScoreCategory(lookup.ScoreCategory(v)))
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
			FirstName:   nonEmpty(pf.FirstName),
			LastName:    nonEmpty(pf.LastName),
			AddressLine: nonEmpty(pf.AddressLine),
			City:        nonEmpty(pf.City),
			State:       nonEmpty(pf.State),
			PostalCode:  nonEmpty(pf.PostalCode),
			CountryCode: nonEmpty(pf.Country),
			ErrorCode:   nonZero(pf.ErrorCode),
		}
	}
	return out
}

// nonZero is nil for 0, the way an absent error code goes on the wire (null).
func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}
