package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Twilio sends "&", "<" and ">" as they are in JSON (page URIs hold "&", and must read,
// and paste from curl's output, as the URLs they are), where encoding/json escapes them
// by default. The generated handlers encode without escaping (gen/templates); so does
// plainJSONSerializer, for what Echo itself writes (the error objects).

// plainJSONSerializer is Echo's JSON serializer without HTML escaping.
type plainJSONSerializer struct{}

func (plainJSONSerializer) Serialize(c echo.Context, i any, indent string) error {
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(i)
}

func (plainJSONSerializer) Deserialize(c echo.Context, i any) error {
	err := json.NewDecoder(c.Request().Body).Decode(i)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("invalid JSON: %v", err)).SetInternal(err)
	}
	return nil
}
