package tabular

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestJSONL(t *testing.T) {
	in := `{"time":"2024-02-26 10:00:00","kind":"phishing","asn":4134,"gov":false}

{"kind":"defacement","time":"2024-02-27T10:00:00+08:00","url":null,"tags":["a","b"]}
{"kind": broken
["not", "an", "object"]
{"kind":"ddos","huge":"` + strings.Repeat("y", MaxField+1) + `"}
`
	r, err := NewJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	wantRows := []string{
		"1:4134|false|phishing|2024-02-26 10:00:00",
		"3:||defacement|2024-02-27T10:00:00+08:00|[\"a\",\"b\"]|",
	}
	if !reflect.DeepEqual(got.rows, wantRows) {
		t.Errorf("rows\n got %q\nwant %q", got.rows, wantRows)
	}
	if len(got.errs) != 3 || !strings.HasPrefix(got.errs[0], "4::not a JSON object") ||
		!strings.HasPrefix(got.errs[1], "5::not a JSON object") || got.errs[2] != "6:huge:is 65537 bytes, over the 65536-byte limit" {
		t.Errorf("errors %q", got.errs)
	}
	wantHeader := []string{"asn", "gov", "kind", "time", "tags", "url", "huge"}
	if !reflect.DeepEqual(r.Header(), wantHeader) {
		t.Errorf("header %q, want %q", r.Header(), wantHeader)
	}
}

// FuzzJSONL: arbitrary lines never panic; rows are as wide as the header so far; lines go
// forward; reading ends.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{`{"a":1}` + "\n" + `{"b":"x","a":null}`, `{"a":[1,2]}`, "{\n}", `{"a":"` + "\xff" + `"}`,
		`{"a":"x` + "\x00" + `"}` + "\n" + `{"a":2}`, "{\n \"catalogVersion\": 1,\n \"v\": [\n{}]\n}\n", "[\n {\"a\": 1},\n 2\n]",
		`{"a":1` + "\n" + `{"b":2}`, "{\"\\\"\":\n1}", `{"a":"` + strings.Repeat("x", 300) + `"}` + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := NewJSONL(strings.NewReader(in))
		if err != nil {
			return
		}
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatal("more rows than bytes")
			}
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line <= last {
					t.Fatalf("error line %d after %d", re.Line, last)
				}
				last = re.Line
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(row.Fields) != len(row.Header) || row.Line <= last {
				t.Fatalf("row of %d fields, header %d, line %d after %d", len(row.Fields), len(row.Header), row.Line, last)
			}
			last = row.Line
		}
	})
}
