package client_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUseFromSeparateModule builds and runs a program in a module of its own that
// imports only this package, as a user's app would, and checks that the client does not
// drag the server's dependencies (Echo, SQLite) into it.
func TestUseFromSeparateModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/userapp\n\ngo 1.26\n\n" +
			"require github.com/switchboard-dev/switchboard v0.0.0\n\n" +
			"replace github.com/switchboard-dev/switchboard => " + root + "\n",
		"main.go": `package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/switchboard-dev/switchboard/client"
)

func main() {
	c, err := client.New(os.Args[1], os.Args[2], os.Args[3])
	if err != nil {
		log.Fatal(err)
	}
	from, body := "+14155550199", "from another module"
	resp, err := c.CreateMessageWithFormdataBodyWithResponse(context.Background(), os.Args[2],
		client.CreateMessageRequest{To: "+14155550100", From: &from, Body: &body})
	if err != nil {
		log.Fatal(err)
	}
	if resp.JSON201 == nil {
		log.Fatalf("HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	fmt.Println(resp.JSON201.Status, resp.JSON201.Body)
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "tidy")
	deps := goCmd("list", "-deps", ".")
	for _, heavy := range []string{"github.com/labstack/echo", "modernc.org/sqlite", "github.com/switchboard-dev/switchboard/server"} {
		if strings.Contains(deps, heavy) {
			t.Errorf("importing client pulls in %s", heavy)
		}
	}
	if got := strings.TrimSpace(goCmd("run", ".", baseURL, accountSid, authToken)); got != "queued from another module" {
		t.Fatalf("program printed %q", got)
	}
}
