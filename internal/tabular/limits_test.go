package tabular

import (
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// stream is an input of a prefix, n copies of fill and a suffix, made as it is read, so a
// test can read a line far longer than anything it holds.
type stream struct {
	prefix, suffix string
	fill           byte
	n              int64
	off            int64
}

func (s *stream) Read(p []byte) (int, error) {
	total := int64(len(s.prefix)) + s.n + int64(len(s.suffix))
	if s.off >= total {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && s.off < total {
		switch o := s.off; {
		case o < int64(len(s.prefix)):
			k := copy(p[i:], s.prefix[o:])
			i += k
			s.off += int64(k)
		case o < int64(len(s.prefix))+s.n:
			k := min(int64(len(p)-i), int64(len(s.prefix))+s.n-o)
			for j := int64(0); j < k; j++ {
				p[i+int(j)] = s.fill
			}
			i += int(k)
			s.off += k
		default:
			k := copy(p[i:], s.suffix[o-int64(len(s.prefix))-s.n:])
			i += k
			s.off += int64(k)
		}
	}
	return i, nil
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func columns(n int, sep string) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	return strings.Join(names, sep)
}

func TestCSVBadInput(t *testing.T) {
	long := strings.Repeat("y", MaxRecord+10)
	tests := []struct {
		name   string
		in     string
		header []string
		rows   []string
		errs   []string
	}{
		{
			name:   "a row over the limit is set aside whole, with its real size",
			in:     "a,b,c,d,e\n1,2,3,4,5\n1," + long + ",3,4,5\n6,7,8,9,0\n",
			header: []string{"a", "b", "c", "d", "e"},
			rows:   []string{"2:1|2|3|4|5", "4:6|7|8|9|0"},
			errs:   []string{fmt.Sprintf("3::row is %d bytes, the limit is %d", MaxRecord+18, MaxRecord)},
		},
		{
			name:   "a row over the limit with CRLF and no final line break",
			in:     "a,b\r\n1,2\r\n" + long + "\r\n3,4\r\n" + long,
			header: []string{"a", "b"},
			rows:   []string{"2:1|2", "4:3|4"},
			errs:   []string{fmt.Sprintf("3::row is %d bytes, the limit is %d", MaxRecord+10, MaxRecord), fmt.Sprintf("5::row is %d bytes, the limit is %d", MaxRecord+10, MaxRecord)},
		},
		{
			name:   "a row exactly at the limit is read",
			in:     "a,b\n1," + strings.Repeat("z", MaxRecord-2) + "\n",
			header: []string{"a", "b"},
			errs:   []string{fmt.Sprintf("2:b:is %d bytes, over the %d-byte limit", MaxRecord-2, MaxField)},
		},
		{
			name:   "a quoted field still open at the limit costs its first line",
			in:     "a,b\n1,\"x\n" + strings.Repeat(strings.Repeat("q", 1000)+"\n", 1100) + "2,3\n",
			header: []string{"a", "b"},
			rows:   []string{"1103:2|3"},
			errs: append([]string{fmt.Sprintf("2::quoted field still open at the %d-byte row limit", MaxRecord)},
				func() []string {
					var e []string
					for i := 3; i < 1103; i++ {
						e = append(e, fmt.Sprintf("%d::has 1 fields, the header has 2", i))
					}
					return e
				}()...),
		},
		{
			name:   "a NUL byte costs its row, named by field",
			in:     "time,kind,note\n1,a,x\n2,b,y\x00z\n3,c,\n",
			header: []string{"time", "kind", "note"},
			rows:   []string{"2:1|a|x", "4:3|c|"},
			errs:   []string{"3:note:holds a NUL byte at byte 2"},
		},
		{
			name:   "bytes that are not UTF-8 cost their row, named by field",
			in:     "time,kind,note\n1,a,x\n2,\"b\xff\",y\n3,c,\n",
			header: []string{"time", "kind", "note"},
			rows:   []string{"2:1|a|x", "4:3|c|"},
			errs:   []string{"3:kind:holds bytes that are not text in the input's encoding, from byte 2"},
		},
		{
			name:   "a truncated UTF-8 character at the end of a field",
			in:     "a,b\n\xe4\xb8,1\n\xe4\xb8\xad,2\n",
			header: []string{"a", "b"},
			rows:   []string{"3:中|2"},
			errs:   []string{"2:a:holds bytes that are not text in the input's encoding, from byte 1"},
		},
		{
			name:   "a header of MaxColumns columns is read",
			in:     columns(MaxColumns, ",") + "\n" + strings.Repeat(",", MaxColumns-1) + "\n",
			header: strings.Split(columns(MaxColumns, ","), ","),
			rows:   []string{"2:" + strings.Repeat("|", MaxColumns-1)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Header(), tc.header) {
				t.Errorf("header %.200q, want %.200q", r.Header(), tc.header)
			}
			got := readAll(t, r)
			if !reflect.DeepEqual(got.rows, tc.rows) {
				t.Errorf("rows\n got %.300q\nwant %.300q", got.rows, tc.rows)
			}
			if !reflect.DeepEqual(got.errs, tc.errs) {
				t.Errorf("errors\n got %.300q\nwant %.300q", got.errs, tc.errs)
			}
		})
	}
}

func TestCSVRefusesHeader(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"one column over the limit", columns(MaxColumns+1, ",") + "\n1\n", "the header has 4097 columns, the limit is 4096"},
		{"200,000 columns, longer than a row may be", columns(200000, ",") + "\n1\n", "the header has 200000 columns, the limit is 4096"},
		{"200,000 columns separated by tabs", columns(200000, "\t") + "\n1\n", "the header has 200000 columns, the limit is 4096"},
		{"quoted commas are not columns", "\"" + strings.Repeat(",", MaxRecord) + "\",a\n", fmt.Sprintf("the header is %d bytes, the limit is %d", MaxRecord+4, MaxRecord)},
		{"a NUL byte", "time,ki\x00nd\n1,2\n", "header: column 2 holds a NUL byte at byte 3"},
		{"bytes that are not UTF-8", "time,k\xffind\n1,2\n", "header: column 2 holds bytes that are not text in the input's encoding, from byte 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCSV(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLongLineIsNotHeld reads a 64 MiB line between two rows: it is set aside, the rows
// around it are read, and reading it allocates a small fraction of its size.
func TestLongLineIsNotHeld(t *testing.T) {
	const size = 64 << 20
	tests := []struct {
		name   string
		open   func(io.Reader) (Reader, error)
		prefix string
		suffix string
		rows   []string
	}{
		{"csv", func(r io.Reader) (Reader, error) { return NewCSV(r) }, "a,b\n1,2\n3,", "\n5,6\n", []string{"2:1|2", "4:5|6"}},
		{"json lines", func(r io.Reader) (Reader, error) { return NewJSONL(r) }, `{"a":1,"b":2}` + "\n" + `{"a":"`, "\"}\n{\"a\":5,\"b\":6}\n", []string{"1:1|2", "3:5|6"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got result
			n := allocated(func() {
				r, err := tc.open(&stream{prefix: tc.prefix, fill: 'x', n: size, suffix: tc.suffix})
				if err != nil {
					t.Fatal(err)
				}
				got = readAll(t, r)
			})
			line := strings.Count(tc.prefix, "\n") + 1
			width := len(tc.prefix) - strings.LastIndexByte(tc.prefix, '\n') - 1 + size + len(tc.suffix) - len(tc.suffix[strings.IndexByte(tc.suffix, '\n'):])
			want := []string{fmt.Sprintf("%d::row is %d bytes, the limit is %d", line, width, MaxRecord)}
			if !reflect.DeepEqual(got.rows, tc.rows) || !reflect.DeepEqual(got.errs, want) {
				t.Errorf("rows %q errors %q, want %q %q", got.rows, got.errs, tc.rows, want)
			}
			if n > 8<<20 {
				t.Errorf("reading a %d-byte line allocated %d bytes", size, n)
			}
		})
	}
}

func TestJSONLBadInput(t *testing.T) {
	big := strings.Repeat("z", 2<<20)
	manyKeys := func(from, n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\"k%d\":1", from+i)
		}
		b.WriteString("}")
		return b.String()
	}
	tests := []struct {
		name   string
		in     string
		width  int      // of the header after the last row
		rows   []string // nil: not compared
		errs   []string
		refuse string
	}{
		{
			name:  "a first line over the limit is a row set aside; the next gives the header",
			in:    `{"time":"1","note":"` + big + `"}` + "\n" + `{"time":"2","kind":"k"}` + "\n",
			width: 2,
			rows:  []string{"2:k|2"},
			errs:  []string{fmt.Sprintf("1::row is %d bytes, the limit is %d", len(big)+22, MaxRecord)},
		},
		{
			name:  "a NUL byte in a value",
			in:    `{"kind":"a","note":"x` + "\x00" + `y"}` + "\n" + `{"kind":"b"}` + "\n",
			width: 1,
			rows:  []string{"2:b"},
			errs:  []string{"1:note:holds a NUL byte at byte 2"},
		},
		{
			name:  "bytes that are not UTF-8 in a value",
			in:    `{"kind":"a"}` + "\n" + `{"kind":"b","note":"x` + "\xc3(" + `"}` + "\n" + `{"kind":"c"}` + "\n",
			width: 1,
			rows:  []string{"1:a", "3:c"},
			errs:  []string{"2:note:holds bytes that are not text in the input's encoding, from byte 2"},
		},
		{
			name:  "keys that would take the header past the limit",
			in:    manyKeys(0, MaxColumns-10) + "\n" + manyKeys(MaxColumns, 11) + "\n" + manyKeys(MaxColumns, 10) + "\n",
			width: MaxColumns,
			errs:  []string{"2::its keys would take the header to 4097 columns, the limit is 4096"},
		},
		{
			name:   "a pretty-printed object",
			in:     "{\n  \"catalogVersion\": \"2024.02.27\",\n  \"count\": 2,\n  \"vulnerabilities\": [\n    {\"cveID\": \"CVE-2024-1\", \"x\": {\"y\": \"}\"}},\n    {\"cveID\": \"CVE-2024-2\"}\n  ]\n}\n",
			refuse: "a JSON document, not a format sitrep reads: top-level keys catalogVersion, count, vulnerabilities",
		},
		{
			name:   "a pretty-printed object whose first line holds a key",
			in:     "{\"catalogVersion\": \"2024\",\n \"vulnerabilities\": []}\n",
			refuse: "a JSON document, not a format sitrep reads: top-level keys catalogVersion, vulnerabilities",
		},
		{
			name:   "a pretty-printed array",
			in:     "[\n  {\"a\": 1},\n  {\"a\": \"[,]\"},\n  {\"a\": [3, 4]}\n]\n",
			refuse: "a JSON document, not a format sitrep reads: an array of 3 objects",
		},
		{
			name:   "an array on one line",
			in:     `[{"a":1},2,"x"]`,
			refuse: "a JSON document, not a format sitrep reads: an array of 3 values",
		},
		{
			name:   "an object with many keys",
			in:     "{\n" + strings.TrimPrefix(manyKeys(0, 12), "{") + "\n",
			refuse: "a JSON document, not a format sitrep reads: top-level keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, … (12 in all)",
		},
		{
			name:   "no line can be read",
			in:     `{"a":` + big + "}\n" + "{oops\n",
			refuse: fmt.Sprintf("no line holds a JSON object that can be read; the first: line 1: row is %d bytes, the limit is %d", len(big)+6, MaxRecord),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewJSONL(strings.NewReader(tc.in))
			if tc.refuse != "" {
				if err == nil || err.Error() != tc.refuse {
					t.Fatalf("err = %v, want %q", err, tc.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r)
			if tc.rows != nil {
				if !reflect.DeepEqual(got.rows, tc.rows) {
					t.Errorf("rows\n got %.300q\nwant %.300q", got.rows, tc.rows)
				}
			}
			if !reflect.DeepEqual(got.errs, tc.errs) {
				t.Errorf("errors\n got %.300q\nwant %.300q", got.errs, tc.errs)
			}
			if len(r.Header()) != tc.width {
				t.Errorf("header of %d columns, want %d", len(r.Header()), tc.width)
			}
		})
	}
}

func TestSnipIsText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x00b", "a\uFFFDb"},
		{"a\xffb", "a\uFFFDb"},
		{"中文字", "中…"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Snip(tc.in, 5); got != tc.want {
				t.Errorf("Snip(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
