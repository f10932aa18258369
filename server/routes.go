package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
)

// apiRoutes is the gen.EchoRouter that the generated RegisterHandlers fills. It is where
// every API route gets what it needs from the spec, once, at start-up:
//
//   - the suffix fix: Echo reads `/Messages/:Sid.json` as a parameter named "Sid.json"
//     whose value is "SM….json", so the generated code would never see "Sid"; and
//     `/Media/:Sid.json` and `/Media/:Sid` (the resource and its file) would be one Echo
//     route. Rather than bend the spec (the `.json` paths are the wire format the SDKs
//     call) or patch every handler, routes that differ only in the extension of their
//     last parameter share one Echo route, which picks the operation by the extension
//     of the value and passes the value on without it (see suffixRoute);
//   - authentication and rate limiting, unless the operation opts out with `security: []`;
//     credentials are optional for the files Twilio serves without them
//     (`security: [{}, {accountAuth: []}]`, authenticateFile);
//   - validation against the operation in openapi.yaml;
//   - when asked (Config.CheckResponses), a check of the response against the spec.
//
// It also records each route's operationId, by which the metrics count requests.
type apiRoutes struct {
	echo *echo.Echo
	doc  *openapi3.T
	auth func(keysRefused bool) echo.MiddlewareFunc
	// fileAuth is auth for the operations whose credentials are optional (security
	// `[{}, {accountAuth: []}]`: media files and recordings' audio); see authenticateFile.
	fileAuth func(keysRefused bool) echo.MiddlewareFunc
	limit    echo.MiddlewareFunc                      // nil when rate limiting is off
	check    func(*routers.Route) echo.MiddlewareFunc // nil unless responses are checked
	err      error                                    // the first route the spec does not know

	shared map[string]*suffixRoute // by method and path without the extension
}

var _ gen.EchoRouter = (*apiRoutes)(nil)

func (r *apiRoutes) CONNECT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodConnect, path, h, m)
}
func (r *apiRoutes) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodDelete, path, h, m)
}
func (r *apiRoutes) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, path, h, m)
}
func (r *apiRoutes) HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodHead, path, h, m)
}
func (r *apiRoutes) OPTIONS(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodOptions, path, h, m)
}
func (r *apiRoutes) PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPatch, path, h, m)
}
func (r *apiRoutes) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPost, path, h, m)
}
func (r *apiRoutes) PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPut, path, h, m)
}
func (r *apiRoutes) TRACE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodTrace, path, h, m)
}

// echoParam matches the `:Name` segments of the paths the generated code registers.
var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func (r *apiRoutes) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	specPath := echoParam.ReplaceAllString(path, "{$1}")
	item := r.doc.Paths.Value(specPath)
	var op *openapi3.Operation
	if item != nil {
		op = item.GetOperation(method)
	}
	if op == nil {
		if r.err == nil {
			r.err = fmt.Errorf("route %s %s is not in openapi.yaml", method, specPath)
		}
		return r.echo.Add(method, path, h, m...)
	}

	route := &routers.Route{Spec: r.doc, Path: specPath, PathItem: item, Method: method, Operation: op}
	chain := []echo.MiddlewareFunc{tagOperation(op.OperationID)}
	if absoluteURLs(specPath) {
		chain = append(chain, withBaseURL)
	}
	if r.check != nil {
		chain = append(chain, r.check(route))
	}
	if op.Security == nil || len(*op.Security) > 0 { // nil: the document's default applies
		auth := r.auth
		if optionalSecurity(op) {
			auth = r.fileAuth
		}
		chain = append(chain, auth(keysRefused(op)))
		if r.limit != nil {
			chain = append(chain, r.limit)
		}
	}
	chain = append(append(chain, validate(route)), m...)

	base, ext, ok := lastParamExtension(path)
	if !ok {
		return r.echo.Add(method, path, h, chain...)
	}
	key := method + " " + base
	if r.shared == nil {
		r.shared = map[string]*suffixRoute{}
	}
	sr, registered := r.shared[key]
	if !registered {
		sr = &suffixRoute{byExt: map[string]echo.HandlerFunc{}}
		r.shared[key] = sr
	}
	for i := len(chain) - 1; i >= 0; i-- {
		h = chain[i](h)
	}
	sr.byExt[ext] = h
	if registered {
		return nil // Echo serves the path already; the generated code ignores the result
	}
	return r.echo.Add(method, base, sr.serve)
}

// optionalSecurity reports whether an operation may be called with credentials or
// without: one of its security requirements is empty.
func optionalSecurity(op *openapi3.Operation) bool {
	if op.Security == nil {
		return false
	}
	for _, req := range *op.Security {
		if len(req) == 0 {
			return true
		}
	}
	return false
}

// lastParamExtension splits a path whose last segment is a parameter into the path with
// that parameter bare and the parameter's extension: "/M/:Sid.json" -> "/M/:Sid", ".json".
// A bare last parameter has extension "". ok is false when the last segment is not a
// parameter (a list such as "/Messages.json" keeps its own route).
func lastParamExtension(path string) (base, ext string, ok bool) {
	slash := strings.LastIndexByte(path, '/')
	last := path[slash+1:]
	if !strings.HasPrefix(last, ":") {
		return path, "", false
	}
	name, ext, _ := strings.Cut(last, ".")
	if ext != "" {
		ext = "." + ext
	}
	return path[:slash+1] + name, ext, true
}

// suffixRoute serves the operations that share a path but for the extension of the
// last parameter (".json", "" and, for recordings, ".wav"...).
type suffixRoute struct {
	byExt map[string]echo.HandlerFunc
}

// serve picks the operation by the extension of the last parameter's value and hands it
// the value without the extension. A value no operation takes is not found.
func (sr *suffixRoute) serve(c echo.Context) error {
	values := c.ParamValues()
	last := len(values) - 1
	value := values[last]
	for ext, h := range sr.byExt {
		if ext == "" {
			continue
		}
		if id, ok := strings.CutSuffix(value, ext); ok && id != "" {
			// Echo shares the values slice between requests: build a new one.
			newValues := append([]string(nil), values...)
			newValues[last] = id
			c.SetParamValues(newValues...)
			return h(c)
		}
	}
	if h, ok := sr.byExt[""]; ok { // the spec's pattern for the parameter judges the rest
		return h(c)
	}
	return echo.ErrNotFound
}

// absoluteURLs reports whether a path belongs to an API whose resources carry absolute
// URLs (Twilio's v1 and v2 APIs: Switchboard's own, Messaging Services, Lookup; and the
// recordings' media_url), which must point back at this server however the client
// reached it.
func absoluteURLs(path string) bool {
	return strings.HasPrefix(path, "/switchboard/v1/") || strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v2/") ||
		strings.Contains(path, "/Recordings")
}

// operationKey is where tagOperation keeps the operationId in the echo.Context.
const operationKey = "switchboard.operation"

// tagOperation records which operation of the spec serves the request, for the metrics:
// a label from the spec, never the raw path, so the number of series stays bounded.
func tagOperation(id string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(operationKey, id)
			return next(c)
		}
	}
}

// withBaseURL puts the scheme and host the client called into the request context
// (api.BaseURL), for the resources that carry absolute URLs.
func withBaseURL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		base := c.Scheme() + "://" + r.Host
		c.SetRequest(r.WithContext(api.WithBaseURL(r.Context(), base)))
		return next(c)
	}
}
