package tabular

import (
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

type result struct {
	rows []string // "line:field|field"
	errs []string // "line:reason"
}

func readAll(t testing.TB, r Reader) result {
	var res result
	for i := 0; i < 1e6; i++ {
		row, err := r.Next()
		if err == io.EOF {
			return res
		}
		var re *RowError
		if errors.As(err, &re) {
			res.errs = append(res.errs, strings.Join([]string{strconv.Itoa(re.Line), re.Field, re.Reason}, ":"))
			continue
		}
		if err != nil {
			t.Fatalf("after %d rows: %v", i, err)
		}
		res.rows = append(res.rows, strconv.Itoa(row.Line)+":"+strings.Join(row.Fields, "|"))
	}
	t.Fatal("reader does not end")
	return res
}

func TestCSV(t *testing.T) {
	big := strings.Repeat("x", MaxField+1)
	tests := []struct {
		name   string
		in     string
		header []string
		rows   []string
		errs   []string
	}{
		{
			name:   "plain",
			in:     "Time,KIND, ip \n2024-02-26 10:00:00,phishing,1.2.3.4\n",
			header: []string{"time", "kind", "ip"},
			rows:   []string{"2:2024-02-26 10:00:00|phishing|1.2.3.4"},
		},
		{
			name:   "crlf, blank lines and quotes",
			in:     "a,b\r\n\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n3,4\r\n",
			header: []string{"a", "b"},
			rows:   []string{"3:x,1|say \"hi\"", "4:3|4"},
		},
		{
			name:   "quoted field over two lines",
			in:     "a,b\n\"line one\nline two\",2\n5,6\n",
			header: []string{"a", "b"},
			rows:   []string{"2:line one\nline two|2", "4:5|6"},
		},
		{
			name:   "unterminated quote costs one line",
			in:     "a,b\n1,\"oops\n3,4\n5,6\n",
			header: []string{"a", "b"},
			rows:   []string{"3:3|4", "4:5|6"},
			errs:   []string{"2::unterminated quoted field"},
		},
		{
			name:   "stray quote paired by a later line",
			in:     "a,b\n1,x\"y\n3,4\n5,\"z\n7,8\n",
			header: []string{"a", "b"},
			rows:   []string{"3:3|4", "5:7|8"},
			errs:   []string{"2::bare \" in non-quoted-field", "4::unterminated quoted field"},
		},
		{
			name:   "wrong field count",
			in:     "a,b,c\n1,2\n1,2,3\n1,2,3,4\n",
			header: []string{"a", "b", "c"},
			rows:   []string{"3:1|2|3"},
			errs:   []string{"2::has 2 fields, the header has 3", "4::has 4 fields, the header has 3"},
		},
		{
			name:   "field over the limit",
			in:     "a,b\n1," + big + "\n2,3\n",
			header: []string{"a", "b"},
			rows:   []string{"3:2|3"},
			errs:   []string{"2:b:is 65537 bytes, over the 65536-byte limit"},
		},
		{
			name:   "semicolons",
			in:     "a;b\n1;2,5\n",
			header: []string{"a", "b"},
			rows:   []string{"2:1|2,5"},
		},
		{
			name:   "tabs",
			in:     "a\tb\n1\t2\n",
			header: []string{"a", "b"},
			rows:   []string{"2:1|2"},
		},
		{
			name:   "abuse.ch preamble with the header in a comment",
			in:     "######\n# URLhaus dump #\n#\n# id,dateadded,url\n\"1\",\"2024-02-27 01:00:00\",\"http://x.top/a\"\n",
			header: []string{"id", "dateadded", "url"},
			rows:   []string{"5:1|2024-02-27 01:00:00|http://x.top/a"},
		},
		{
			name:   "comment preamble before a real header",
			in:     "# exported by sitrep\ntime,kind\n2024-02-27 01:00:00,ddos\n",
			header: []string{"time", "kind"},
			rows:   []string{"3:2024-02-27 01:00:00|ddos"},
		},
		{
			name:   "no final newline",
			in:     "a,b\n1,2",
			header: []string{"a", "b"},
			rows:   []string{"2:1|2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Header(), tc.header) {
				t.Errorf("header %q, want %q", r.Header(), tc.header)
			}
			got := readAll(t, r)
			if !reflect.DeepEqual(got.rows, tc.rows) {
				t.Errorf("rows\n got %q\nwant %q", got.rows, tc.rows)
			}
			if !reflect.DeepEqual(got.errs, tc.errs) {
				t.Errorf("errors\n got %q\nwant %q", got.errs, tc.errs)
			}
		})
	}
}

func TestCSVNoHeader(t *testing.T) {
	for _, in := range []string{"", "\n\n\r\n"} {
		if _, err := NewCSV(strings.NewReader(in)); !errors.Is(err, ErrNoHeader) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

// FuzzCSV checks that the reader never panics or loops, that every row has the header's
// width, that lines only go forward, and that where encoding/csv reads a whole input without
// complaint, both agree row for row.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\n\"1\n2\",3\n", "a,b\n1,\"x\n", "a;b\n1;2\n", "a,b\r\n1,2\r\n",
		"time,kind,ip,url\n2024-02-26 10:00:00,phishing,1.2.3.4,\"https://x.top/a,b\"\n",
		"a,b\n\"\"\"\",2\n", "a\n\n\n1\n", "a,b\n1,x\"y\n3,4\n",
		"a,b\n1,x\x00y\n3,4\n", "a,b\n1,\"\xff\"\n3,\xe4\xb8\n5,\xe4\xb8\xad\n", "a\x00,b\n1,2\n",
		strings.Repeat("c,", MaxColumns) + "c\n1\n", "\"" + strings.Repeat(",", 300) + "\"\n1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := NewCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		width := len(r.Header())
		last := 1
		var rows [][]string
		for i := 0; ; i++ {
			if i > len(in)+2 {
				t.Fatal("more rows than bytes")
			}
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line <= last {
					t.Fatalf("error line %d after line %d", re.Line, last)
				}
				last = re.Line
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(row.Fields) != width {
				t.Fatalf("row of %d fields, header of %d", len(row.Fields), width)
			}
			if row.Line <= last {
				t.Fatalf("row line %d after line %d", row.Line, last)
			}
			last = row.Line
			rows = append(rows, append([]string(nil), row.Fields...))
		}
		if strings.HasPrefix(strings.TrimLeft(in, "\r\n"), "#") {
			return // a preamble encoding/csv does not know
		}
		if !isText([]byte(in)) || strings.Count(in, "\n") > 0 && len(in) > MaxRecord {
			return // rows encoding/csv reads and this reader sets aside
		}
		cr := csv.NewReader(strings.NewReader(in))
		cr.Comma = rune(r.comma)
		want, err := cr.ReadAll()
		if err != nil || len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(rows, want[1:]) && !(len(rows) == 0 && len(want) == 1) {
			t.Fatalf("rows %q\nencoding/csv %q", rows, want[1:])
		}
	})
}

func TestCSVPadShortRows(t *testing.T) {
	r, _ := NewCSV(strings.NewReader("a,b,c\n1,2\n1,2,3,4\n1\n"))
	r.PadShortRows = true
	got := readAll(t, r)
	if !reflect.DeepEqual(got.rows, []string{"2:1|2|", "4:1||"}) || !reflect.DeepEqual(got.errs, []string{"3::has 4 fields, the header has 3"}) {
		t.Errorf("rows %q errors %q", got.rows, got.errs)
	}
}
