package cnvd

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/tabular"
)

// FuzzReader: arbitrary bytes never panic or loop; rows have the header's width and lines
// only go forward; the reading ends.
func FuzzReader(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "cnvd", "input.xml")); err == nil {
		f.Add(string(b))
	}
	f.Add(`<vulnerabilitys><vulnerability><number>CNVD-1</number><serverity>高</serverity></vulnerability></vulnerabilitys>`)
	f.Add(`<vulnerability><number>`)
	for _, bad := range []string{rec(2, "t &foo;"), rec(2, "t\x00"), rec(2, "t\xff"), "<vulnerability><title>x</vulnerability>", "<vulnerability></vulnerability x>",
		"<vulnerability><title>x</vulnerabilitys>", "<vulnerability><![CDATA[</vulnerability>]]><number>1</number></vulnerability>"} {
		f.Add(prolog + rec(1, "t1") + bad + rec(3, "t3") + "</vulnerabilitys>")
	}
	f.Add("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \">\">]><rss><vulnerability/></rss>")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader(strings.NewReader(in))
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatal("more rows than bytes")
			}
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				if re.Line < last {
					t.Fatalf("reject at line %d after line %d", re.Line, last)
				}
				last = re.Line
				continue
			}
			if err != nil {
				return // a document that is not well-formed ends the reading
			}
			if len(row.Fields) != len(Header) || row.Line < last {
				t.Fatalf("row %+v after line %d", row, last)
			}
			last = row.Line
		}
	})
}
