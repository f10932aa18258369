package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboard-dev/switchboard/server/api"
)

// sameOriginWrites refuses a request that changes something (any method but GET, HEAD
// and OPTIONS) when a browser says it comes from another origin: the
// Sec-Fetch-Site header, or else an Origin that is not this server's. Without it, a page
// of any site could make a browser that remembers the user's Basic credentials for
// Switchboard (typed into the browser's own dialog) create or delete resources with
// them: a form POST is a "simple" request, sent without asking first. Clients that are
// not browsers (SDKs, curl) send neither header and pass; so do Swagger UI and the inbox,
// which are pages of this origin. net/http's CrossOriginProtection does the checking.
func sameOriginWrites() echo.MiddlewareFunc {
	protection := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := protection.Check(c.Request()); err != nil {
				return &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden,
					Message: "Cross-origin request refused: a page of another site cannot change anything here with your credentials. Call the API from your server, the SDKs or curl (they send no Origin), or from this server's own pages."}
			}
			return next(c)
		}
	}
}
