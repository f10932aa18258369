package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/app"
	"github.com/switchboard-dev/switchboard/app/servertest"
)

func TestHelpGoesToStandardOutput(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{arg}, func(string) string { return "" }, &stdout, &stderr)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: %v", arg, err)
		}
		if !strings.Contains(stdout.String(), "Usage: switchboard") || !strings.Contains(stdout.String(), "-inbox-auto-signin") || stderr.Len() > 0 {
			t.Fatalf("%s: stdout %q, stderr %q", arg, stdout.String(), stderr.String())
		}
	}
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--nope"}, func(string) string { return "" }, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--help") || stdout.Len() > 0 {
		t.Fatalf("unknown flag: %v, stdout %q", err, stdout.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--version"}, func(string) string { return "" }, &stdout, io.Discard)
	if !errors.Is(err, flag.ErrHelp) || !regexp.MustCompile(`^switchboard \S+ .*go1\.\d+`).MatchString(stdout.String()) {
		t.Fatalf("--version: %v %q", err, stdout.String())
	}
}

// Every flag is in the README's table, so that nobody has to read the source to find one.
func TestEveryFlagIsInTheReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	_ = run(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, io.Discard)
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(stdout.String(), -1)
	if len(flags) < 10 {
		t.Fatalf("found only %d flags in --help:\n%s", len(flags), stdout.String())
	}
	for _, f := range flags {
		if !bytes.Contains(readme, []byte("`--"+f[1]+"`")) {
			t.Errorf("flag --%s is not in README.md's flag table", f[1])
		}
	}
}

func TestBanner(t *testing.T) {
	db := servertest.Database(t)
	shown := db
	if app.IsPostgres(db) {
		// The test cluster trusts every connection, so a password in the URL is accepted
		// and ignored: it must not be printed.
		shown = strings.Replace(db, "postgres@", "postgres:xxxxx@", 1)
		db = strings.Replace(db, "postgres@", "postgres:s3cretPassword@", 1)
	}
	sid := "AC" + strings.Repeat("cd", 16)
	args := []string{"--addr", "127.0.0.1:0", "--db", db}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		notWant string
	}{
		{"fixed token, new account", []string{"--account-sid", sid, "--auth-token", "tokenOne1"}, nil, "Auth token:  from --auth-token\n", "tokenOne1"},
		{"same token again", []string{"--account-sid", sid}, map[string]string{"SWITCHBOARD_AUTH_TOKEN": "tokenOne1"}, "Auth token:  from SWITCHBOARD_AUTH_TOKEN\n", "tokenOne1"},
		{"token changed", []string{"--account-sid", sid, "--auth-token", "tokenTwo2"}, nil, "from --auth-token (it replaced the token stored in " + shown + ")", "tokenTwo2"},
		{"no token given", nil, nil, "the one printed when " + shown + " was created", "tokenTwo2"},
	}
	for _, tt := range tests {
		_, out, stop := start(t, append(append([]string{}, args...), tt.args...), tt.env)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tt.want) || strings.Contains(out.String(), tt.notWant) || strings.Contains(out.String(), "shown once") {
			t.Errorf("%s: want %q without %q in:\n%s", tt.name, tt.want, tt.notWant, out)
		}
		if !strings.Contains(out.String(), "/inbox/") {
			t.Errorf("%s: the banner does not show the inbox:\n%s", tt.name, out)
		}
		if !strings.Contains(out.String(), "(database "+shown+")") || strings.Contains(out.String(), "s3cretPassword") {
			t.Errorf("%s: the banner does not name the database as %s:\n%s", tt.name, shown, out)
		}
	}
}

func TestStartupErrorsSayWhatToDo(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"port in use", []string{"--addr", busy.Addr().String(), "--db", filepath.Join(dir, "a.db")}, []string{"in use", "--addr"}},
		{"database directory missing", []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "nope", "sb.db")}, []string{filepath.Join(dir, "nope") + " does not exist", "mkdir -p"}},
		{"auto sign-in off loopback", []string{"--addr", "0.0.0.0:0", "--db", filepath.Join(dir, "b.db"), "--inbox-auto-signin"}, []string{"--inbox-auto-signin", "loopback"}},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, func(string) string { return "" }, io.Discard, io.Discard)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want it to mention %q", tt.name, err, w)
			}
		}
	}
}

// TestPostgresSettings: with a PostgreSQL URL, SQLite's settings are refused rather than
// ignored, and no message shows the URL's password.
func TestPostgresSettings(t *testing.T) {
	const secret = "s3cretPassword"
	// Nothing listens on port 1: the server cannot be reached.
	unreachable := "postgres://sb:" + secret + "@127.0.0.1:1/switchboard?connect_timeout=2"
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"--sync", []string{"--db", unreachable, "--sync", "full"}, nil, []string{"--sync", "SQLite", "synchronous_commit"}},
		{"--group-commit", []string{"--db", unreachable, "--group-commit=false"}, nil, []string{"--group-commit", "SQLite"}},
		{"SWITCHBOARD_SYNC", nil, map[string]string{"SWITCHBOARD_DB": unreachable, "SWITCHBOARD_SYNC": "normal"}, []string{"SWITCHBOARD_SYNC", "SQLite"}},
		{"SWITCHBOARD_GROUP_COMMIT", []string{"--db", unreachable}, map[string]string{"SWITCHBOARD_GROUP_COMMIT": "false"}, []string{"SWITCHBOARD_GROUP_COMMIT", "SQLite"}},
		{"unreachable server", []string{"--db", unreachable}, nil, []string{"database postgres://sb:xxxxx@127.0.0.1:1/switchboard", "unavailable"}},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, tt.args...), func(k string) string { return tt.env[k] }, io.Discard, &stderr)
		if err == nil {
			t.Errorf("%s: started", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want it to mention %q", tt.name, err, w)
			}
		}
		if strings.Contains(err.Error()+stderr.String(), secret) {
			t.Errorf("%s: the password shows: %v\n%s", tt.name, err, stderr.String())
		}
	}
	// --help shows SWITCHBOARD_DB as the default of --db, without its password.
	var stdout bytes.Buffer
	_ = run(context.Background(), []string{"--help"}, func(k string) string { return map[string]string{"SWITCHBOARD_DB": unreachable}[k] }, &stdout, io.Discard)
	if !strings.Contains(stdout.String(), "postgres://sb:xxxxx@127.0.0.1:1/switchboard") || strings.Contains(stdout.String(), secret) {
		t.Errorf("--help with SWITCHBOARD_DB set:\n%s", stdout.String())
	}
}

// TestHelpNamesEveryAPI: the first paragraph of --help names every API family of
// openapi.yaml (by its tag), so that a new one cannot be left out.
func TestHelpNamesEveryAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(switchboard.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	_ = run(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, io.Discard)
	paragraphs := strings.Split(stdout.String(), "\n\n")
	if len(paragraphs) < 2 {
		t.Fatalf("--help: %q", stdout.String())
	}
	intro := strings.Join(strings.Fields(paragraphs[1]), " ") // as one line, whatever the wrapping
	// How the help names the tags that are not the resource's own name.
	named := map[string]string{
		"MessagingServices": "Messaging v1 Services",
		"Lookup":            "Lookup v2 PhoneNumbers",
		"Simulator":         "/switchboard/v1/",
		"Service":           "", // /healthz, an operator's endpoint
	}
	for _, tag := range doc.Tags {
		want, ok := named[tag.Name]
		if !ok {
			want = tag.Name
		}
		if want != "" && !strings.Contains(intro, want) {
			t.Errorf("--help does not name %q (tag %s):\n%s", want, tag.Name, intro)
		}
	}
}
