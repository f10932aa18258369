package server

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/switchboard-dev/switchboard/server/api"
)

// validationOptions: the first failure is enough for the answer. Security requirements
// are not the validator's to check (see withoutSecurity); the AuthenticationFunc is
// there in case one reaches it all the same.
var validationOptions = &openapi3filter.Options{
	AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	MultiError:         false,
	RegexCompiler:      compilePattern,
}

// withoutSecurity is route with its operation's security requirements emptied, for the
// validator. Authentication is checked earlier by our own middleware (authenticate);
// left in, the validator walked the requirements on every request only to call an
// AuthenticationFunc that accepts everything, and read a request body whole once more
// to hand it a copy: 2% of a fetch's CPU. The operation is a copy; the spec is unchanged.
func withoutSecurity(route *routers.Route) *routers.Route {
	op := *route.Operation
	op.Security = &openapi3.SecurityRequirements{}
	r := *route
	r.Operation = &op
	return &r
}

// validate checks a request against its operation in openapi.yaml before the generated
// code binds it. The route is resolved once, at registration, so no second router runs
// per request. A failure is returned as kin-openapi's RequestError, which toAPIError maps
// to Twilio's codes.
func validate(route *routers.Route) echo.MiddlewareFunc {
	single := singleValued(route)
	route = withoutSecurity(route)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := checkParams(c.Request(), single); err != nil {
				return err
			}
			input := &openapi3filter.RequestValidationInput{
				Request:    c.Request(),
				PathParams: pathParams(c),
				Route:      route,
				Options:    validationOptions,
			}
			if err := openapi3filter.ValidateRequest(c.Request().Context(), input); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// pathParams gives the route's path parameters (after suffixRoute trims the extension) in the form
// kin-openapi takes them.
func pathParams(c echo.Context) map[string]string {
	names, values := c.ParamNames(), c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		params[name] = values[i]
	}
	return params
}

// singleValued lists the query and form parameters of the route's operation that take one
// value, the ones that may not be repeated.
func singleValued(route *routers.Route) map[string]bool {
	op := route.Operation
	single := map[string]bool{}
	params := op.Parameters
	if route.PathItem != nil {
		params = append(append(openapi3.Parameters{}, route.PathItem.Parameters...), params...)
	}
	for _, p := range params {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && !isArray(p.Value.Schema) {
			single[p.Value.Name] = true
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get(echo.MIMEApplicationForm); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			for name, prop := range mt.Schema.Value.Properties {
				if !isArray(prop) {
					single[name] = true
				}
			}
		}
	}
	return single
}

func isArray(s *openapi3.SchemaRef) bool {
	return s != nil && s.Value != nil && s.Value.Type.Is(openapi3.TypeArray)
}

// checkParams applies the rules for every query and form parameter that the spec cannot
// state: text must be valid UTF-8 without NUL characters (stored as sent, such bytes would
// come back mangled or cut short), and a parameter that takes one value must be given
// once, in the query and the form alike, rather than have one of its values picked
// silently. Parameters the operation does not define are ignored, as Twilio does.
//
// A repeated parameter may also come indexed, "MediaUrl[0]=a&MediaUrl[1]=b", as the
// generated Go client sends it (or "MediaUrl[]=a", as PHP does). Those are rewritten
// here, in the request itself, as the plain repeated parameter: the validator knows only
// "MediaUrl", and saw none of them (11 indexed media URLs went through where 11 repeated
// ones are 21623), while the generated binder read them itself, made a slice as long as
// the largest index said (a 90-byte request took 170 MB), and panicked on "MediaUrl[".
func checkParams(r *http.Request, single map[string]bool) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return api.BadRequest(api.CodeInvalidParameter, "Invalid query string: %s", err)
	}
	query, changed, err := checkValues(query, single)
	if err != nil {
		return err
	}
	if changed {
		r.URL.RawQuery = query.Encode()
	}
	if r.Body == nil || r.Body == http.NoBody || !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		return nil
	}
	body, err := io.ReadAll(r.Body) // bounded by the BodyLimit middleware
	if err != nil {
		return err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return api.BadRequest(api.CodeInvalidParameter, "Invalid form body: %s", err)
	}
	form, changed, err = checkValues(form, single)
	if err != nil {
		return err
	}
	if changed {
		body = []byte(form.Encode())
		r.ContentLength = int64(len(body))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// checkValues checks values by the rules of checkParams, and returns them with indexed
// names rewritten (changed) when there were any.
func checkValues(values url.Values, single map[string]bool) (_ url.Values, changed bool, _ error) {
	names := slices.Sorted(maps.Keys(values)) // the same answer every time
	for _, name := range names {
		if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return nil, false, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %q: a name must be UTF-8 text without NUL characters", name)
		}
		for _, v := range values[name] {
			switch {
			case !utf8.ValidString(v):
				return nil, false, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: not valid UTF-8 text", name)
			case strings.ContainsRune(v, 0):
				return nil, false, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: contains a NUL character", name)
			}
		}
		changed = changed || strings.ContainsAny(name, "[]")
	}
	if changed {
		var err error
		if values, err = unindex(values, names); err != nil {
			return nil, false, err
		}
		names = slices.Sorted(maps.Keys(values))
	}
	for _, name := range names {
		if n := len(values[name]); n > 1 && single[name] {
			return nil, false, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: given %d times; it takes one value", name, n)
		}
	}
	return values, changed, nil
}

// maxParamIndex bounds the index of an indexed parameter: no parameter of the API takes
// more than a few values.
const maxParamIndex = 99

// unindex rewrites the indexed names of values (names, sorted) as plain repeated ones:
// "P[0]", "P[1]"... (indexes from 0, without gaps, each once) in index order, then "P",
// then "P[]" (the order in which the generated binder took them). Any other name with a
// bracket is refused.
func unindex(values url.Values, names []string) (url.Values, error) {
	out := make(url.Values, len(values))
	indexed := map[string]map[int]string{} // base name -> value by index
	for _, name := range names {
		base, index, ok := indexedName(name)
		switch {
		case !ok:
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: a parameter with several values is repeated (MediaUrl=a&MediaUrl=b) or indexed from 0 (MediaUrl[0]=a&MediaUrl[1]=b); this name is neither", name)
		case index > maxParamIndex:
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: an index goes up to %d", name, maxParamIndex)
		case index >= 0 && len(values[name]) > 1:
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: given %d times; it takes one value", name, len(values[name]))
		case index >= 0:
			if indexed[base] == nil {
				indexed[base] = map[int]string{}
			}
			indexed[base][index] = values[name][0]
		}
	}
	for _, base := range slices.Sorted(maps.Keys(indexed)) {
		byIndex := indexed[base]
		for i := range len(byIndex) {
			v, ok := byIndex[i]
			if !ok {
				return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s[%d]: the indexes of a parameter run from 0 without a gap, and this one is missing", base, i)
			}
			out[base] = append(out[base], v)
		}
	}
	for _, name := range names {
		if base, index, _ := indexedName(name); index < 0 {
			out[base] = append(out[base], values[name]...) // "P", then "P[]" (sorted after it)
		}
	}
	return out, nil
}

// indexedName splits "P[3]" into P and 3, "P[]" into P and -1, and "P" into P and -1;
// ok is false for any other name with a bracket.
func indexedName(name string) (base string, index int, ok bool) {
	open := strings.IndexByte(name, '[')
	if open < 0 {
		return name, -1, !strings.Contains(name, "]")
	}
	base, inside, closed := name[:open], name[open+1:], strings.HasSuffix(name, "]")
	if base == "" || !closed {
		return "", 0, false
	}
	inside = inside[:len(inside)-1]
	if inside == "" {
		return base, -1, true
	}
	if strings.ContainsAny(inside, "[]") || (len(inside) > 1 && inside[0] == '0') {
		return "", 0, false
	}
	for _, c := range inside {
		if c < '0' || c > '9' {
			return "", 0, false
		}
	}
	index, err := strconv.Atoi(inside)
	if err != nil { // digits only: past the range of an int
		index = maxParamIndex + 1
	}
	return base, index, true
}
