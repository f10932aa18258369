package calls

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const recordingsPathFormat = "/2010-04-01/Accounts/%s/Recordings"

// ListRecordings implements gen.StrictServerInterface.
func (h *Calls) ListRecordings(ctx context.Context, req gen.ListRecordingsRequestObject) (gen.ListRecordingsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.RecordingFilter{AccountSid: req.AccountSid, CallSid: api.Deref(p.CallSid)}
	filters := api.GivenFilters(map[string]*string{"CallSid": p.CallSid, "ConferenceSid": p.ConferenceSid,
		"DateCreated": p.DateCreated, "DateCreated<": p.DateCreatedBefore, "DateCreated>": p.DateCreatedAfter})
	if p.IncludeSoftDeleted != nil {
		filters.Set("IncludeSoftDeleted", strconv.FormatBool(*p.IncludeSoftDeleted))
	}
	var err error
	if filter.CreatedFrom, filter.CreatedUntil, err = api.DateRange("DateCreated", p.DateCreated, p.DateCreatedBefore, p.DateCreatedAfter); err != nil {
		return nil, err
	}
	path := fmt.Sprintf(recordingsPathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	var rows []store.Recording
	more := false
	if p.ConferenceSid == nil { // Switchboard has no conferences: none of their recordings
		if rows, more, err = h.store.ListRecordings(ctx, filter, page); err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
	}
	out := gen.ListRecordings200JSONResponse{Recordings: make([]gen.Recording, len(rows))}
	for i, r := range rows {
		out.Recordings[i] = recordingOut(ctx, r)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// FetchRecording implements gen.StrictServerInterface.
func (h *Calls) FetchRecording(ctx context.Context, req gen.FetchRecordingRequestObject) (gen.FetchRecordingResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	r, err := h.store.GetRecording(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch recording: %w", err)
	}
	return gen.FetchRecording200JSONResponse(recordingOut(ctx, r)), nil
}

// DeleteRecording implements gen.StrictServerInterface.
func (h *Calls) DeleteRecording(ctx context.Context, req gen.DeleteRecordingRequestObject) (gen.DeleteRecordingResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	if err := h.voice.DeleteRecording(ctx, acct, "", req.Sid); err != nil {
		return nil, fmt.Errorf("delete recording: %w", err)
	}
	return gen.DeleteRecording204Response{}, nil
}

// FetchRecordingWav implements gen.StrictServerInterface: the audio.
func (h *Calls) FetchRecordingWav(ctx context.Context, req gen.FetchRecordingWavRequestObject) (gen.FetchRecordingWavResponseObject, error) {
	r, err := h.completedRecording(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, err
	}
	body, size := voice.WAV(r.Duration, r.Channels)
	return gen.FetchRecordingWav200AudiowavResponse{Body: body, ContentLength: size}, nil
}

// FetchRecordingMedia implements gen.StrictServerInterface: the audio at the URI without
// an extension, which Twilio serves as WAV too, and at `.mp3` (the spec lets the
// extension through to here, the `.wav` URI being an operation of its own) as MP3.
func (h *Calls) FetchRecordingMedia(ctx context.Context, req gen.FetchRecordingMediaRequestObject) (gen.FetchRecordingMediaResponseObject, error) {
	sid, mp3 := strings.CutSuffix(req.Sid, ".mp3")
	r, err := h.completedRecording(ctx, req.AccountSid, sid)
	if err != nil {
		return nil, err
	}
	if mp3 {
		body, size, err := voice.MP3(r.Duration, r.Channels)
		if err != nil {
			return nil, fmt.Errorf("recording %s as MP3: %w", sid, err)
		}
		return gen.FetchRecordingMedia200AudiompegResponse{Body: body, ContentLength: size}, nil
	}
	body, size := voice.WAV(r.Duration, r.Channels)
	return gen.FetchRecordingMedia200AudiowavResponse{Body: body, ContentLength: size}, nil
}

// completedRecording is a recording whose audio can be had: a recording still being made
// has none yet (not found). Without credentials (api.Anonymous), the recording is looked
// up under the path's account first, so that a wrong SID is 404 whether or not the
// account lets its recordings out.
func (h *Calls) completedRecording(ctx context.Context, accountSid, sid string) (store.Recording, error) {
	anonymous := api.Anonymous(ctx)
	if !anonymous {
		if _, err := api.ActiveAccount(ctx, h.accounts, accountSid); err != nil {
			return store.Recording{}, err
		}
	}
	r, err := h.store.GetRecording(ctx, accountSid, sid)
	if err != nil {
		return store.Recording{}, fmt.Errorf("fetch recording audio: %w", err)
	}
	if r.Status != voice.RecordingCompleted {
		return store.Recording{}, fmt.Errorf("recording %s is %s: %w", sid, r.Status, store.ErrNotFound)
	}
	if anonymous {
		if err := api.FileAccess(ctx, h.accounts, accountSid, api.RecordingFile); err != nil {
			return store.Recording{}, err
		}
	}
	return r, nil
}

// ListCallRecordings implements gen.StrictServerInterface.
func (h *Calls) ListCallRecordings(ctx context.Context, req gen.ListCallRecordingsRequestObject) (gen.ListCallRecordingsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	// A call of another account (or none) is not found, not an empty list. A deleted
	// call's recordings stay in the account's list.
	if _, err := h.store.GetCall(ctx, req.AccountSid, req.CallSid); err != nil {
		return nil, fmt.Errorf("list call recordings: %w", err)
	}
	p := req.Params
	filter := store.RecordingFilter{AccountSid: req.AccountSid, CallSid: req.CallSid}
	filters := api.GivenFilters(map[string]*string{"DateCreated": p.DateCreated, "DateCreated<": p.DateCreatedBefore, "DateCreated>": p.DateCreatedAfter})
	var err error
	if filter.CreatedFrom, filter.CreatedUntil, err = api.DateRange("DateCreated", p.DateCreated, p.DateCreatedBefore, p.DateCreatedAfter); err != nil {
		return nil, err
	}
	path := fmt.Sprintf(callsPathFormat+"/%s/Recordings.json", req.AccountSid, req.CallSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListRecordings(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list call recordings: %w", err)
	}
	out := gen.ListCallRecordings200JSONResponse{Recordings: make([]gen.CallRecording, len(rows))}
	for i, r := range rows {
		out.Recordings[i] = callRecordingOut(r)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// FetchCallRecording implements gen.StrictServerInterface.
func (h *Calls) FetchCallRecording(ctx context.Context, req gen.FetchCallRecordingRequestObject) (gen.FetchCallRecordingResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	r, err := h.store.GetRecording(ctx, req.AccountSid, req.Sid)
	if err == nil && r.CallSid != req.CallSid {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("fetch call recording: %w", err)
	}
	return gen.FetchCallRecording200JSONResponse(callRecordingOut(r)), nil
}

// DeleteCallRecording implements gen.StrictServerInterface.
func (h *Calls) DeleteCallRecording(ctx context.Context, req gen.DeleteCallRecordingRequestObject) (gen.DeleteCallRecordingResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	if err := h.voice.DeleteRecording(ctx, acct, req.CallSid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete call recording: %w", err)
	}
	return gen.DeleteCallRecording204Response{}, nil
}

// recordingOut renders a recording as the account's Recordings list shows it.
func recordingOut(ctx context.Context, r store.Recording) gen.Recording {
	path := fmt.Sprintf(recordingsPathFormat+"/%s", r.AccountSid, r.Sid)
	out := gen.Recording{
		AccountSid:  r.AccountSid,
		ApiVersion:  api.APIVersion,
		CallSid:     r.CallSid,
		DateCreated: api.FormatDate(r.DateCreated),
		DateUpdated: api.FormatDate(r.DateUpdated),
		StartTime:   api.FormatDate(r.StartTime),
		Sid:         r.Sid,
		PriceUnit:   "USD",
		Status:      gen.RecordingStatus(r.Status),
		Channels:    gen.RecordingChannels(r.Channels),
		Source:      gen.RecordingSource(r.Source),
		Uri:         path + ".json",
		SubresourceUris: map[string]string{
			"add_on_results": path + "/AddOnResults.json",
			"transcriptions": path + "/Transcriptions.json",
		},
		MediaUrl: api.BaseURL(ctx) + path,
	}
	if r.Status == voice.RecordingCompleted {
		out.Duration = api.Ptr(strconv.Itoa(r.Duration))
		out.Price = api.NonEmpty(r.Price)
	}
	return out
}

// callRecordingOut renders a recording as its call's Recordings list shows it: under the
// call's path, with a numeric price and a track, as Twilio's call-recording
// representation has them.
func callRecordingOut(r store.Recording) gen.CallRecording {
	out := gen.CallRecording{
		AccountSid:  r.AccountSid,
		ApiVersion:  api.APIVersion,
		CallSid:     r.CallSid,
		DateCreated: api.FormatDate(r.DateCreated),
		DateUpdated: api.FormatDate(r.DateUpdated),
		StartTime:   api.FormatDate(r.StartTime),
		Sid:         r.Sid,
		PriceUnit:   "USD",
		Status:      gen.RecordingStatus(r.Status),
		Channels:    gen.CallRecordingChannels(r.Channels),
		Source:      gen.RecordingSource(r.Source),
		Track:       gen.CallRecordingTrackBoth,
		Uri:         fmt.Sprintf(callsPathFormat+"/%s/Recordings/%s.json", r.AccountSid, r.CallSid, r.Sid),
	}
	if r.Status == voice.RecordingCompleted {
		out.Duration = api.Ptr(strconv.Itoa(r.Duration))
		if f, err := strconv.ParseFloat(r.Price, 32); err == nil {
			out.Price = api.Ptr(float32(f))
		}
	}
	return out
}
