package server_test

import (
	"context"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// BenchmarkSearchAvailableNumbers: a search of 50 numbers with some owned, the usual
// first step before buying.
func BenchmarkSearchAvailableNumbers(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	for range 20 {
		buy(b, env.Client, env.Main.Sid, areaCode("202"))
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.ListAvailablePhoneNumbersLocalWithResponse(ctx, env.Main.Sid, "US", nil)
		if err != nil || resp.JSON200 == nil || len(resp.JSON200.AvailablePhoneNumbers) != 50 {
			b.Fatalf("search: %v %s", err, resp.Body)
		}
	}
}

// BenchmarkBuyAndRelease buys the first free number of an area code and releases it.
func BenchmarkBuyAndRelease(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	req := areaCode("415")
	b.ReportAllocs()
	for b.Loop() {
		p := buy(b, env.Client, env.Main.Sid, req)
		if resp, err := env.Client.DeleteIncomingPhoneNumberWithResponse(ctx, env.Main.Sid, p.Sid); err != nil || resp.StatusCode() != 204 {
			b.Fatalf("release: %v %s", err, resp.Body)
		}
	}
}
