package compat

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// Media through the SDK: a message's media files are fetched by Switchboard, then
// listed, fetched and deleted with the SDK's own calls.
func TestMedia(t *testing.T) {
	t.Parallel()
	e := startLive(t)
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00")
	fileURL := servertest.FileServer(t, "image/gif", gif)
	m, err := e.SDK.Api.CreateMessage(&api.CreateMessageParams{To: ptr(to), From: ptr(from), Body: ptr("two gifs"),
		MediaUrl: &[]string{fileURL, fileURL}})
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.NumMedia) != "2" || !strings.HasPrefix(deref(m.Sid), "MM") {
		t.Fatalf("num_media %q, sid %q (a message with media is MM…)", deref(m.NumMedia), deref(m.Sid))
	}
	e.WaitForStatus(t, e.Client, e.Main.Sid, *m.Sid, 10*time.Second, "delivered")

	list, err := e.SDK.Api.ListMedia(*m.Sid, &api.ListMediaParams{PageSize: ptr(1)})
	if err != nil || len(list) != 2 {
		t.Fatalf("list media: %d (%v)", len(list), err)
	}
	for _, md := range list {
		if deref(md.ContentType) != "image/gif" || deref(md.ParentSid) != *m.Sid || deref(md.AccountSid) != e.Main.Sid ||
			deref(md.Uri) != "/2010-04-01/Accounts/"+e.Main.Sid+"/Messages/"+*m.Sid+"/Media/"+deref(md.Sid)+".json" {
			t.Errorf("media %+v", md)
		}
	}
	one, err := e.SDK.Api.FetchMedia(*m.Sid, *list[0].Sid, nil)
	if err != nil || deref(one.Sid) != deref(list[0].Sid) || one.DateCreated == nil {
		t.Fatalf("fetch media: %+v (%v)", one, err)
	}

	// The file itself is at the resource's URI without .json, as on Twilio.
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/2010-04-01/Accounts/"+e.Main.Sid+"/Messages/"+*m.Sid+"/Media/"+*one.Sid, nil)
	req.SetBasicAuth(e.Main.Sid, e.Main.AuthToken)
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || !bytes.Equal(body, gif) {
		t.Fatalf("media file: HTTP %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// And without credentials, as Twilio serves media (its URLs are unguessable).
	if got := e.fetchWithoutCredentials(t, "/2010-04-01/Accounts/"+e.Main.Sid+"/Messages/"+*m.Sid+"/Media/"+*one.Sid, "image/gif"); !bytes.Equal(got, gif) {
		t.Fatalf("media file without credentials: %q", got)
	}

	if err := e.SDK.Api.DeleteMedia(*m.Sid, *one.Sid, nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.SDK.Api.FetchMedia(*m.Sid, *one.Sid, nil)
	e.wantError(t, err, 404, 20404)
	left, err := e.SDK.Api.ListMedia(*m.Sid, nil)
	if err != nil || len(left) != 1 || slices.ContainsFunc(left, func(md api.ApiV2010Media) bool { return *md.Sid == *one.Sid }) {
		t.Fatalf("after delete: %d left (%v)", len(left), err)
	}
	after, err := e.SDK.Api.FetchMessage(*m.Sid, nil)
	if err != nil || deref(after.NumMedia) != "1" {
		t.Fatalf("num_media after delete %v (%v)", after.NumMedia, err)
	}
}

// fetchWithoutCredentials GETs path with no Authorization header, as a browser following
// a link does, and returns the body of its 200 answer of contentType.
func (e *sdkEnv) fetchWithoutCredentials(t *testing.T, path, contentType string) []byte {
	t.Helper()
	resp, err := e.HTTP.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("%s without credentials: HTTP %d %s %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 200)])
	}
	return body
}
