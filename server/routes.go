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
)

// apiRoutes is the gen.EchoRouter that the generated RegisterHandlers fills. It is where
// every API route gets what it needs from the spec, once, at start-up:
//
//   - the `.json` fix: Echo reads `/Messages/:Sid.json` as a parameter named "Sid.json"
//     whose value is "SM….json", so the generated code would never see "Sid". Rather
//     than bend the spec (the `.json` paths are the wire format the SDKs call) or patch
//     every handler, each route's parameters are renamed and trimmed before the handler
//     runs;
//   - authentication and rate limiting, unless the operation opts out with `security: []`;
//   - validation against the operation in openapi.yaml;
//   - when asked (Config.CheckResponses), a check of the response against the spec.
//
// It also records each route's operationId, by which the metrics count requests.
type apiRoutes struct {
	echo  *echo.Echo
	doc   *openapi3.T
	auth  echo.MiddlewareFunc
	limit echo.MiddlewareFunc                      // nil when rate limiting is off
	check func(*routers.Route) echo.MiddlewareFunc // nil unless responses are checked
	err   error                                    // the first route the spec does not know

	operations map[routeKey]string // operationId by method and Echo path
}

// routeKey names a registered route: the method and the path as registered with Echo,
// which is what echo.Context.Path returns for a request it matched.
type routeKey struct{ method, path string }

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

	r.operations[routeKey{method, path}] = op.OperationID
	route := &routers.Route{Spec: r.doc, Path: specPath, PathItem: item, Method: method, Operation: op}
	chain := []echo.MiddlewareFunc{splitJSONSuffix}
	if r.check != nil {
		chain = append(chain, r.check(route))
	}
	if op.Security == nil || len(*op.Security) > 0 { // nil: the document's default applies
		chain = append(chain, r.auth)
		if r.limit != nil {
			chain = append(chain, r.limit)
		}
	}
	chain = append(chain, validate(route))
	return r.echo.Add(method, path, h, append(chain, m...)...)
}

// splitJSONSuffix turns Echo's parameter "Sid.json" = "SM….json" into "Sid" = "SM…".
// A value without the suffix means the path was not a `.json` path at all: not found.
func splitJSONSuffix(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		names := c.ParamNames()
		last := len(names) - 1
		if last < 0 || !strings.HasSuffix(names[last], ".json") {
			return next(c)
		}
		value, ok := strings.CutSuffix(c.ParamValues()[last], ".json")
		if !ok || value == "" {
			return echo.ErrNotFound
		}
		// Echo shares the names slice between requests: build new slices, never edit it.
		newNames := append([]string(nil), names...)
		newNames[last] = strings.TrimSuffix(names[last], ".json")
		newValues := append([]string(nil), c.ParamValues()...)
		newValues[last] = value
		c.SetParamNames(newNames...)
		c.SetParamValues(newValues...)
		return next(c)
	}
}
