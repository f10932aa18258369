package switchboard_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the docs' snippets from their sources")

// snippetRef marks a code block in Markdown as a copy of a region of a source file that a
// test runs: <!-- snippet: client/example_test.go#new-client -->, then the ``` block.
var snippetRef = regexp.MustCompile("(?m)^<!-- snippet: ([^#\\s]+)#([\\w-]+) -->\n```(\\w*)\n((?s:.*?))```\n")

// TestDocSnippets keeps every code block the docs quote from a tested source identical to
// it, so that a snippet a user copies is one CI ran. `go test -run TestDocSnippets
// -update .` rewrites the docs from the sources.
func TestDocSnippets(t *testing.T) {
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, "README.md", "sdk/typescript/README.md")
	found := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		var failed bool
		out := snippetRef.ReplaceAllFunc(text, func(block []byte) []byte {
			m := snippetRef.FindSubmatch(block)
			found++
			file, name, lang, got := string(m[1]), string(m[2]), string(m[3]), string(m[4])
			want, err := region(file, name)
			if err != nil {
				t.Errorf("%s: %v", doc, err)
				failed = true
				return block
			}
			if got != want && !*update {
				t.Errorf("%s: the snippet %s#%s differs from its source; run `go test -run TestDocSnippets -update .`\n--- doc\n%s--- source\n%s", doc, file, name, got, want)
			}
			return fmt.Appendf(nil, "<!-- snippet: %s#%s -->\n```%s\n%s```\n", file, name, lang, want)
		})
		if *update && !failed && !bytes.Equal(out, text) {
			if err := os.WriteFile(doc, out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if found == 0 {
		t.Fatal("no snippets found: the marker syntax changed?")
	}
}

// region returns the lines of file between the marker lines "snippet:start name" and
// "snippet:end", without their common indentation.
func region(file, name string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var lines []string
	in := false
	for line := range strings.Lines(string(data)) {
		_, marker, isStart := strings.Cut(line, "snippet:start ")
		switch {
		case isStart && strings.TrimSpace(marker) == name:
			in = true
		case in && strings.Contains(line, "snippet:end"):
			for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
				lines = lines[:len(lines)-1] // gofmt may want a blank line before the marker
			}
			return dedent(lines), nil
		case in:
			lines = append(lines, line)
		}
	}
	return "", fmt.Errorf("%s has no complete snippet %q", file, name)
}

// dedent removes the shortest indentation of the non-blank lines from every line.
func dedent(lines []string) string {
	prefix, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first || len(indent) < len(prefix) {
			prefix, first = indent, false
		}
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimPrefix(l, prefix))
	}
	return b.String()
}
