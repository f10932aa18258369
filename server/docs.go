package server

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/switchboard-dev/switchboard"
)

//go:embed swagger-ui-plugin.js
var swaggerUIPlugin string

// registerDocs serves the spec and Swagger UI, all from the binary (no CDN), so that the
// docs work offline and "Try it out" calls this very server.
func registerDocs(e *echo.Echo, specJSON []byte) {
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", switchboard.OpenAPI)
	})
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, specJSON)
	})
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Switchboard API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
		AppendHead:  template.HTML("<script>\n" + swaggerUIPlugin + "</script>"),
		SettingsUI: map[string]string{
			"plugins": "[SwaggerUIBundle.plugins.DownloadUrl, SwitchboardFormExamples]",
		},
	})
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/docs/") })
	e.GET("/docs/*", echo.WrapHandler(ui))
}
