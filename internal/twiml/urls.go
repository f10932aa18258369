package twiml

import "net/url"

// Resolve reads ref, a URL in a TwiML document (an action, a <Redirect>, a <Play>'s file,
// a <Message>'s media), relative to base, the URL the document came from, as a browser
// would. "" stays ""; so does ref when there is no base (inline TwiML) or either cannot
// be read as a URL, for the request to fail on it, where the app sees why.
func Resolve(base, ref string) string {
	if ref == "" || base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// Method is the HTTP method of a request Twilio makes to an app, as a verb's `method`
// attribute or an API parameter gives it: POST unless set.
func Method(m string) string {
	if m == "" {
		return "POST"
	}
	return m
}
