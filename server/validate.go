package server

import (
	"context"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
)

// validationOptions: authentication is checked earlier by our own middleware, so the
// validator skips security requirements; the first failure is enough for the answer.
var validationOptions = &openapi3filter.Options{
	AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	MultiError:         false,
}

// validate checks a request against its operation in openapi.yaml before the generated
// code binds it. The route is resolved once, at registration, so no second router runs
// per request. A failure is returned as kin-openapi's RequestError, which toAPIError maps
// to Twilio's codes.
func validate(route *routers.Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
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
