package render_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/render"
	"sitrep/internal/synth"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.md from the current bulletins")

// TestGoldenBulletins writes the whole Markdown of two published weeks, the seed's 2024 No. 9
// and 2018 No. 6 (the 2016–2020 form GOLDEN.md quotes whole), in both languages, and compares
// it with the bulletins checked in under testdata/golden, each read against the published
// text when it was written. A change of wording shows here as a diff to review; -update
// rewrites the files.
func TestGoldenBulletins(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests published weeks")
	}
	for _, tc := range []struct{ issue, file string }{
		{synth.Issue2024No9, "2024-W09"},
		{synth.Issue2018No6, "2018-W06"},
	} {
		specs := synth.Published(tc.issue)
		st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
		for _, lang := range []string{"zh", "en"} {
			b := build(t, st, specs[len(specs)-1].Week, lang)
			var md bytes.Buffer
			if err := render.WriteMarkdown(&md, b, render.Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", tc.file+"."+lang+".md"), md.String())
		}
	}
}

// golden compares got with the file at path, which -update rewrites from got.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs:\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines of want and got that differ, by line number.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			fmt.Fprintf(&out, "line %d:\n- %s\n+ %s\n", i+1, a, b)
		}
	}
	return out.String()
}
