package lookup

import (
	"fmt"
	"strings"
)

// Package is one data package that Fields can ask for.
type Package uint16

const (
	LineTypeIntelligencePackage Package = 1 << iota
	CallerNamePackage
	SimSwapPackage
	CallForwardingPackage
	LineStatusPackage
	IdentityMatchPackage
	ReassignedNumberPackage
	SMSPumpingRiskPackage
	QualityScorePackage
	PreFillPackage
)

// packageNames are the names Fields accepts. "validation" is a package Twilio lists that
// adds nothing: validation is always done.
var packageNames = map[string]Package{
	"validation":                 0,
	"line_type_intelligence":     LineTypeIntelligencePackage,
	"caller_name":                CallerNamePackage,
	"sim_swap":                   SimSwapPackage,
	"call_forwarding":            CallForwardingPackage,
	"line_status":                LineStatusPackage,
	"identity_match":             IdentityMatchPackage,
	"reassigned_number":          ReassignedNumberPackage,
	"sms_pumping_risk":           SMSPumpingRiskPackage,
	"phone_number_quality_score": QualityScorePackage,
	"pre_fill":                   PreFillPackage,
}

// Packages is a set of requested packages.
type Packages Package

// Has reports whether p is in the set.
func (ps Packages) Has(p Package) bool { return Package(ps)&p != 0 }

// ParseFields reads the Fields parameter: package names separated by commas. Spaces
// around a name and empty entries are ignored, since they cannot mean anything else; a
// name that is not a package is an error rather than silently no data.
func ParseFields(s string) (Packages, error) {
	var ps Packages
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p, ok := packageNames[name]
		if !ok {
			return 0, &ParamError{Param: "Fields", Reason: fmt.Sprintf("unknown data package %q", name)}
		}
		ps |= Packages(p)
	}
	return ps, nil
}
