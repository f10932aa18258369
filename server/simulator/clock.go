package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/server/api"
)

// Clock is the simulator's clock as its endpoint uses it (clock.Sim): read it, and move
// it forward.
type Clock interface {
	Now() time.Time
	Advance(ctx context.Context, d time.Duration) (time.Time, error)
	Set(ctx context.Context, t time.Time) (time.Time, error)
}

// errClockFixed answers a move on a server whose clock does not move.
var errClockFixed = &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden,
	Message: "The simulator's clock is fixed on this server (--movable-clock=false): it is every account's, and this server is shared."}

// FetchClock implements gen.StrictServerInterface.
func (h *Simulator) FetchClock(ctx context.Context, _ gen.FetchClockRequestObject) (gen.FetchClockResponseObject, error) {
	return gen.FetchClock200JSONResponse(h.clockOut()), nil
}

// UpdateClock implements gen.StrictServerInterface: it moves the clock forward by Advance,
// or to Time.
func (h *Simulator) UpdateClock(ctx context.Context, req gen.UpdateClockRequestObject) (gen.UpdateClockResponseObject, error) {
	if !h.clockMovable {
		return nil, errClockFixed
	}
	in := api.Deref(req.Body)
	var err error
	switch {
	case (in.Advance == nil) == (in.Time == nil):
		return nil, api.BadRequest(api.CodeInvalidParameter, "Give either Advance (a duration such as PT10M, or seconds) or Time (an RFC 3339 time), not both nor neither.")
	case in.Advance != nil:
		var d time.Duration
		if d, err = clock.ParseAdvance(*in.Advance); err != nil {
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter Advance: %v", err)
		}
		_, err = h.clock.Advance(ctx, d)
	default:
		var t time.Time
		if t, err = time.Parse(time.RFC3339Nano, *in.Time); err != nil {
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid parameter Time: %q is not an RFC 3339 time such as 2026-12-24T09:00:00Z", *in.Time)
		}
		_, err = h.clock.Set(ctx, t)
	}
	if errors.Is(err, clock.ErrBackward) {
		return nil, api.BadRequest(api.CodeInvalidParameter, "The simulator's clock only moves forward: %v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("move the clock: %w", err)
	}
	return gen.UpdateClock200JSONResponse(h.clockOut()), nil
}

func (h *Simulator) clockOut() gen.Clock {
	real, now := time.Now(), h.clock.Now()
	return gen.Clock{Now: now.UTC().Truncate(time.Millisecond), RealNow: real.UTC().Truncate(time.Millisecond),
		OffsetSeconds: max(0, now.Sub(real)).Truncate(time.Millisecond).Seconds(), Movable: h.clockMovable}
}
