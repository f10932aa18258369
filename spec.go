// Package switchboard is the root of Switchboard, a self-hosted, Twilio-compatible
// messaging API. It holds the one thing every other package agrees on: the OpenAPI
// document that defines the wire format.
package switchboard

import _ "embed"

// OpenAPI is openapi.yaml, the source of truth for the API. The server validates requests
// against it and serves it to Swagger UI; gen/ and client/ are generated from it.
//
//go:embed openapi.yaml
var OpenAPI []byte
