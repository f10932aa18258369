package server

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
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
func checkParams(r *http.Request, single map[string]bool) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest(codeInvalidParameter, "Invalid query string: %s", err)
	}
	if err := checkValues(query, single); err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody || !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		return nil
	}
	body, err := io.ReadAll(r.Body) // bounded by the BodyLimit middleware
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return badRequest(codeInvalidParameter, "Invalid form body: %s", err)
	}
	return checkValues(form, single)
}

func checkValues(values url.Values, single map[string]bool) error {
	for _, name := range slices.Sorted(maps.Keys(values)) { // the same answer every time
		vs := values[name]
		if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return badRequest(codeInvalidParameter, "Invalid parameter %q: a name must be UTF-8 text without NUL characters", name)
		}
		for _, v := range vs {
			switch {
			case !utf8.ValidString(v):
				return badRequest(codeInvalidParameter, "Invalid parameter %s: not valid UTF-8 text", name)
			case strings.ContainsRune(v, 0):
				return badRequest(codeInvalidParameter, "Invalid parameter %s: contains a NUL character", name)
			}
		}
		if len(vs) > 1 && single[name] {
			return badRequest(codeInvalidParameter, "Invalid parameter %s: given %d times; it takes one value", name, len(vs))
		}
	}
	return nil
}
