package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/store"
)

// seedMediaFile stores a delivered message of account with one fetched media file,
// straight into the store, and returns the file's path (the resource's URI without
// .json) and its content.
func seedMediaFile(t *testing.T, env *servertest.Env, account string) (string, string) {
	t.Helper()
	seq++
	now := time.Now().UTC().Truncate(time.Second)
	m := store.Message{Sid: fmt.Sprintf("MM%032x", seq), AccountSid: account, To: "+14155550100", From: testSender,
		Status: "delivered", Direction: "outbound-api", NumSegments: 1, NumMedia: 1, DateCreated: now, DateUpdated: now, DateSent: now}
	content := fmt.Sprintf("the picture of %s", m.Sid)
	md := store.Media{Sid: fmt.Sprintf("ME%032x", seq), AccountSid: account, MessageSid: m.Sid, URL: "http://127.0.0.1:1/x",
		ContentType: "image/png", Content: []byte(content), DateCreated: now, DateUpdated: now}
	if err := env.DB.Apply(context.Background(), store.Writes{Messages: []store.Message{m}, Media: []store.Media{md}}); err != nil {
		t.Fatal(err)
	}
	return "/2010-04-01/Accounts/" + account + "/Messages/" + m.Sid + "/Media/" + md.Sid, content
}

// get fetches path with the credentials (none when sid is ""), and returns the status,
// the WWW-Authenticate header and the body.
func get(t *testing.T, env *servertest.Env, path, sid, token string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sid != "" {
		req.SetBasicAuth(sid, token)
	}
	resp, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(readBody(t, resp))
}

// setFileAuth changes the account's settings through the API, as its owner.
func setFileAuth(t *testing.T, env *servertest.Env, account, token string, media, recordings *bool) client.AccountSettings {
	t.Helper()
	resp, err := env.ClientFor(account, token).UpdateAccountSettingsWithFormdataBodyWithResponse(context.Background(), account,
		client.UpdateAccountSettingsRequest{MediaAuth: media, RecordingAuth: recordings})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("update settings: %v %s", err, resp.Body)
	}
	return *resp.JSON200
}

// TestFilesWithoutCredentials: media files and recordings' audio are served without
// credentials, as Twilio serves them, unless the account turns authentication on for
// them; their .json resources need credentials as ever. A wrong SID anywhere in the path
// is 404, whatever the setting and whether the account exists, so that nobody learns
// anything the URL did not already say.
func TestFilesWithoutCredentials(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	media, content := seedMediaFile(t, env, sid)
	recording := seedRecording(t, env, 2, 1)
	other, _ := secondTenant(t, env)
	otherMedia, _ := seedMediaFile(t, env, other.Sid)
	recordingFiles := []string{recording, recording + ".wav", recording + ".mp3"}

	// Without credentials, by default: served.
	if code, _, body := get(t, env, media, "", ""); code != http.StatusOK || body != content {
		t.Fatalf("media file without credentials: HTTP %d %.200s", code, body)
	}
	for _, p := range recordingFiles {
		if code, _, body := get(t, env, p, "", ""); code != http.StatusOK {
			t.Errorf("%s without credentials: HTTP %d %.200s", p, code, body)
		}
	}
	// Their resources need credentials, as every other.
	for _, p := range []string{media + ".json", recording + ".json", "/2010-04-01/Accounts/" + sid + "/Messages.json"} {
		if code, challenge, _ := get(t, env, p, "", ""); code != http.StatusUnauthorized || challenge == "" {
			t.Errorf("%s without credentials: HTTP %d (WWW-Authenticate %q), want 401", p, code, challenge)
		}
	}
	// Credentials given are checked: wrong ones are refused, right ones serve.
	if code, _, _ := get(t, env, media, sid, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("media file with a wrong token: HTTP %d", code)
	}
	if code, _, body := get(t, env, media, sid, token); code != http.StatusOK || body != content {
		t.Errorf("media file with credentials: HTTP %d", code)
	}

	// A wrong SID anywhere: 404, the same for an account that exists and one that does not.
	wrongs := wrongPaths(media, sid, other.Sid, otherMedia)
	recSid := recording[strings.LastIndex(recording, "/")+1:]
	wrongs = append(wrongs, strings.Replace(recording, recSid, missing(recSid), 1), strings.Replace(recording, sid, other.Sid, 1),
		strings.Replace(recording, sid, missing(sid), 1))
	checkNotFound := func(when string) {
		t.Helper()
		for _, p := range wrongs {
			code, _, body := get(t, env, p, "", "")
			if code != http.StatusNotFound || !strings.Contains(body, `"code":20404`) {
				t.Errorf("%s: %s without credentials: HTTP %d %s, want 404", when, p, code, body)
			}
		}
	}
	checkNotFound("by default")

	// The account asks for credentials for its media files: 401 without, 200 with; its
	// recordings are still served; wrong SIDs are still 404.
	on, off := true, false
	if s := setFileAuth(t, env, sid, token, &on, nil); !s.MediaAuth || s.RecordingAuth || s.AccountSid != sid ||
		s.Url != env.URL+"/switchboard/v1/Accounts/"+sid+"/Settings" {
		t.Fatalf("settings after MediaAuth=true: %+v", s)
	}
	if code, challenge, _ := get(t, env, media, "", ""); code != http.StatusUnauthorized || challenge == "" {
		t.Errorf("media file without credentials, MediaAuth on: HTTP %d (WWW-Authenticate %q), want 401", code, challenge)
	}
	if code, _, body := get(t, env, media, sid, token); code != http.StatusOK || body != content {
		t.Errorf("media file with credentials, MediaAuth on: HTTP %d", code)
	}
	if code, _, _ := get(t, env, recording, "", ""); code != http.StatusOK {
		t.Errorf("recording without credentials, MediaAuth on: HTTP %d", code)
	}
	checkNotFound("MediaAuth on")
	// The other tenant's media are still served without credentials.
	if code, _, _ := get(t, env, otherMedia, "", ""); code != http.StatusOK {
		t.Errorf("another account's media file: HTTP %d", code)
	}

	// Its recordings too; then both off again.
	if s := setFileAuth(t, env, sid, token, nil, &on); !s.MediaAuth || !s.RecordingAuth {
		t.Fatalf("settings after RecordingAuth=true: %+v", s)
	}
	for _, p := range recordingFiles {
		if code, _, _ := get(t, env, p, "", ""); code != http.StatusUnauthorized {
			t.Errorf("%s without credentials, RecordingAuth on: HTTP %d, want 401", p, code)
		}
		if code, _, _ := get(t, env, p, sid, token); code != http.StatusOK {
			t.Errorf("%s with credentials, RecordingAuth on: HTTP %d", p, code)
		}
	}
	checkNotFound("both on")
	got, err := env.Client.FetchAccountSettingsWithResponse(context.Background(), sid)
	if err != nil || got.JSON200 == nil || !got.JSON200.MediaAuth || !got.JSON200.RecordingAuth {
		t.Fatalf("fetch settings: %v %s", err, got.Body)
	}
	setFileAuth(t, env, sid, token, &off, &off)
	if code, _, _ := get(t, env, media, "", ""); code != http.StatusOK {
		t.Errorf("media file without credentials, MediaAuth off again: HTTP %d", code)
	}
}

// missing is a SID of the same kind as sid that nothing has.
func missing(sid string) string { return sid[:2] + strings.Repeat("f", 32) }

// wrongPaths are media file paths with one SID or more that does not fit: another
// account's, one that does not exist, another account's file under this account.
func wrongPaths(media, sid, otherSid, otherMedia string) []string {
	parts := strings.Split(media, "/") // "", 2010-04-01, Accounts, AC, Messages, MM, Media, ME
	swap := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "/")
	}
	otherParts := strings.Split(otherMedia, "/")
	return []string{
		swap(3, otherSid),                             // another account that exists
		swap(3, missing(sid)),                         // an account that does not
		swap(5, missing(parts[5])),                    // no such message
		swap(7, missing(parts[7])),                    // no such file
		swap(5, otherParts[5]),                        // another account's message
		swap(7, otherParts[7]),                        // another account's file
		strings.Replace(otherMedia, otherSid, sid, 1), // another account's message and file under this one
		"/2010-04-01/Accounts/" + missing(sid) + "/Messages/" + otherParts[5] + "/Media/" + otherParts[7],
	}
}

// TestMediaAuthFlag: with --media-auth, media files and recordings need credentials for
// every account, whatever its settings say; a wrong SID is still 404.
func TestMediaAuthFlag(t *testing.T) {
	env := servertest.Start(t, servertest.Options{MediaAuth: true})
	sid, token := env.Main.Sid, env.Main.AuthToken
	media, content := seedMediaFile(t, env, sid)
	recording := seedRecording(t, env, 1, 1)
	off := false
	setFileAuth(t, env, sid, token, &off, &off)
	for _, p := range []string{media, recording, recording + ".wav", recording + ".mp3"} {
		if code, challenge, _ := get(t, env, p, "", ""); code != http.StatusUnauthorized || challenge == "" {
			t.Errorf("%s without credentials under --media-auth: HTTP %d (WWW-Authenticate %q), want 401", p, code, challenge)
		}
		if code, _, _ := get(t, env, p, sid, token); code != http.StatusOK {
			t.Errorf("%s with credentials under --media-auth: HTTP %d", p, code)
		}
	}
	if _, _, body := get(t, env, media, sid, token); body != content {
		t.Errorf("media file: %q", body)
	}
	meSid := media[strings.LastIndex(media, "/")+1:]
	for _, p := range []string{strings.Replace(media, meSid, missing(meSid), 1), strings.Replace(media, sid, missing(sid), 1)} {
		if code, _, _ := get(t, env, p, "", ""); code != http.StatusUnauthorized {
			t.Errorf("%s without credentials under --media-auth: HTTP %d, want 401 (nothing is looked up)", p, code)
		}
	}
	if code, _, _ := get(t, env, strings.Replace(media, meSid, missing(meSid), 1), sid, token); code != http.StatusNotFound {
		t.Errorf("a wrong media SID with credentials: HTTP %d", code)
	}
}

// TestAccountSettingsWho: an account's settings are its own and its parent's to read and
// change, as the account itself; a Standard API key may not (the Accounts resource is
// not a Standard key's, as on Twilio).
func TestAccountSettingsWho(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sub := createSubaccount(t, env, "sub")
	on := true
	if s := setFileAuth(t, env, env.Main.Sid, env.Main.AuthToken, nil, nil); s.MediaAuth || s.RecordingAuth {
		t.Errorf("a new account's settings: %+v, want both off", s)
	}
	// The parent changes its subaccount's.
	resp, err := env.Client.UpdateAccountSettingsWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountSettingsRequest{RecordingAuth: &on})
	if err != nil || resp.JSON200 == nil || !resp.JSON200.RecordingAuth || resp.JSON200.AccountSid != sub.Sid {
		t.Fatalf("the parent sets its subaccount's: %v %s", err, resp.Body)
	}
	own, err := env.ClientFor(sub.Sid, sub.AuthToken).FetchAccountSettingsWithResponse(ctx, sub.Sid)
	if err != nil || own.JSON200 == nil || !own.JSON200.RecordingAuth || own.JSON200.MediaAuth {
		t.Fatalf("the subaccount reads its own: %v %s", err, own.Body)
	}
	// Not the subaccount its parent's.
	if r, _ := env.ClientFor(sub.Sid, sub.AuthToken).FetchAccountSettingsWithResponse(ctx, env.Main.Sid); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("a subaccount reads its parent's: HTTP %d", r.StatusCode())
	}
	// Nor a Standard key its own account's.
	key := createKey(t, env, env.Main.Sid, env.Main.AuthToken, env.Main.Sid, "standard")
	kc := env.ClientFor(key.Sid, key.Secret)
	if r, _ := kc.FetchAccountSettingsWithResponse(ctx, env.Main.Sid); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("a Standard key reads the settings: HTTP %d", r.StatusCode())
	}
	if r, _ := kc.UpdateAccountSettingsWithFormdataBodyWithResponse(ctx, env.Main.Sid, client.UpdateAccountSettingsRequest{MediaAuth: &on}); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("a Standard key changes the settings: HTTP %d", r.StatusCode())
	}
	if a, _ := env.DB.GetAccount(ctx, env.Main.Sid); a.MediaAuth {
		t.Errorf("the Standard key's change was made")
	}
}
