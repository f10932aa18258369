// Package compat checks Switchboard against the official Twilio Go SDK
// (github.com/twilio/twilio-go), pinned in this module's go.mod.
//
// It is a module of its own so that the SDK and its dependencies stay out of the
// server's module graph; a replace directive builds it against the Switchboard source in
// the parent directory. The package holds no code: everything is in its tests, which start
// a real Switchboard on a loopback port (app/servertest) and drive it only through
// the SDK's public API. The SDK is pointed at the server by configuration alone, as a user
// would: a client.Client whose HTTP transport sends requests for api.twilio.com to the
// local server. Every response the SDK receives is also checked against openapi.yaml.
//
// A failure here is a bug in Switchboard (or in its spec), never a reason to bend a test.
//
//	cd compat/go && go test -count=1 ./...
package compat
