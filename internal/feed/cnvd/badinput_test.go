package cnvd

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"sitrep/internal/tabular"
)

func rec(n int, title string) string {
	return fmt.Sprintf("<vulnerability><number>CNVD-2024-%d</number><title>%s</title><serverity>高</serverity><openTime>2024-02-27</openTime></vulnerability>\n", n, title)
}

const prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vulnerabilitys>\n"

// readAll returns the rows as "line:id|title" and the rejects as "line:field:reason".
func readAll(t *testing.T, r *Reader) (rows, errs []string, err error) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		row, err := r.Next()
		if err == io.EOF {
			return rows, errs, nil
		}
		var re *tabular.RowError
		if errors.As(err, &re) {
			errs = append(errs, fmt.Sprintf("%d:%s:%s", re.Line, re.Field, re.Reason))
			continue
		}
		if err != nil {
			return rows, errs, err
		}
		rows = append(rows, fmt.Sprintf("%d:%s|%s", row.Line, row.Fields[0], tabular.Snip(row.Fields[2], 40)))
	}
	t.Fatal("the reader does not end")
	return
}

// TestBadRecords: a record that cannot be read is set aside with its line and field, and
// the records around it are read.
func TestBadRecords(t *testing.T) {
	good := func(n int) string { return fmt.Sprintf("%d:CNVD-2024-%d|t%d", n+2, n, n) }
	tests := []struct {
		name string
		bad  string // record 2, between records 1 and 3
		errs []string
	}{
		{"an undefined entity", rec(2, "t2 &foo;"), []string{"4:title:invalid character entity &foo;"}},
		{"a NUL byte", rec(2, "t\x002"), []string{"4:title:illegal character code U+0000"}},
		{"bytes that are not UTF-8", rec(2, "t\xff2"), []string{"4:title:invalid UTF-8"}},
		{"an error on a later line of the record", "<vulnerability>\n<number>CNVD-2024-2</number>\n<title>&bar;</title></vulnerability>\n", []string{"4:title:invalid character entity &bar; (line 6)"}},
		{"a field over the limit", rec(2, strings.Repeat("x", tabular.MaxField+1)), []string{"4:title:is 65537 bytes, over the 65536-byte limit"}},
		{"a product over the limit", "<vulnerability><number>CNVD-2024-2</number><products><product>" + strings.Repeat("p", tabular.MaxField+1) + "</product></products></vulnerability>\n", []string{"4:product:is 65537 bytes, over the 65536-byte limit"}},
		{"a record over the limit", rec(2, strings.Repeat("x", tabular.MaxRecord)), []string{fmt.Sprintf("4:title:record is %d bytes, the limit is %d", len(rec(2, strings.Repeat("x", tabular.MaxRecord)))-1, tabular.MaxRecord)}},
		{"a mismatched end tag", "<vulnerability><number>CNVD-2024-2</number><title>x</titl></vulnerability>\n", []string{"4:title:element <title> closed by </titl>"}},
		{"a field left open", "<vulnerability><number>CNVD-2024-2</number><title>x</vulnerability>\n", []string{"4:title:element <title> closed by </vulnerability>"}},
		{"junk in the end tag", "<vulnerability><number>CNVD-2024-2</number></vulnerability x>\n", []string{"4::invalid characters between </vulnerability and >"}},
		{"no number", "<vulnerability><title>t2</title></vulnerability>\n", []string{"4:id:record without a <number>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := prolog + rec(1, "t1") + tc.bad + rec(3, "t3") + "</vulnerabilitys>\n"
			r, err := Open(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			rows, errs, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			last := strings.Count(prolog+rec(1, "t1")+tc.bad, "\n") + 1
			want := []string{good(1), fmt.Sprintf("%d:CNVD-2024-3|t3", last)}
			if !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(errs, tc.errs) {
				t.Errorf("rows %q rejects %q\nwant %q %q", rows, errs, want, tc.errs)
			}
		})
	}
}

func TestDocuments(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		rows   []string
		errs   []string
		refuse string // from Open
		fail   string // from Next
	}{
		{name: "rss", in: "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><item><title>x</title></item></channel></rss>", refuse: "XML with root <rss>, not CNVD's <vulnerabilitys> export"},
		{name: "a lone record", in: rec(1, "t1"), refuse: "XML with root <vulnerability>, not CNVD's <vulnerabilitys> export"},
		{name: "no element", in: "<?xml version=\"1.0\"?>\n<!-- nothing -->\n", refuse: "XML without a root element, not CNVD's <vulnerabilitys> export"},
		{name: "an end tag first", in: "</vulnerabilitys>", refuse: "CNVD XML, line 1: an end tag </vulnerabilitys> before any start tag"},
		{
			name: "comments, a doctype, a namespace, CDATA, a GBK declaration",
			in:   "<?xml version=\"1.0\" encoding=\"GBK\"?>\n<!-- a <comment> --->\n<!DOCTYPE v [<!ENTITY a \"b\">]>\n<c:vulnerabilitys xmlns:c=\"urn:x\">\n<![CDATA[<vulnerability>]]>" + rec(1, "<![CDATA[a < b]]>") + "</c:vulnerabilitys>",
			rows: []string{"5:CNVD-2024-1|a < b"},
		},
		{name: "the correct plural", in: "<vulnerabilities>" + rec(1, "t1") + "</vulnerabilities>", rows: []string{"1:CNVD-2024-1|t1"}},
		{name: "cut inside a record", in: prolog + rec(1, "t1") + "<vulnerability><number>CNVD-2024-2", rows: []string{"3:CNVD-2024-1|t1"}, fail: "CNVD XML, line 4: the document ends inside the record that starts on line 4"},
		{name: "cut inside a broken record", in: prolog + rec(1, "t1") + "<vulnerability><number>&x;", rows: []string{"3:CNVD-2024-1|t1"}, fail: "CNVD XML, line 4: the document ends inside the record that starts on line 4"},
		{name: "no end tag for the root", in: prolog + rec(1, "t1"), rows: []string{"3:CNVD-2024-1|t1"}, fail: "CNVD XML, line 4: the document ends before </vulnerabilitys>"},
		{
			name: "the root closes a record left open",
			in:   prolog + rec(1, "t1") + "<vulnerability><number>CNVD-2024-2</number><title>x</vulnerabilitys>\n" + rec(3, "t3"),
			rows: []string{"3:CNVD-2024-1|t1"},
			errs: []string{"4:title:element <title> closed by </vulnerabilitys>"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(strings.NewReader(tc.in))
			if tc.refuse != "" {
				if err == nil || err.Error() != tc.refuse {
					t.Fatalf("err = %v, want %q", err, tc.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows, errs, err := readAll(t, r)
			if tc.fail != "" && (err == nil || err.Error() != tc.fail) || tc.fail == "" && err != nil {
				t.Errorf("err = %v, want %q", err, tc.fail)
			}
			if !reflect.DeepEqual(rows, tc.rows) || !reflect.DeepEqual(errs, tc.errs) {
				t.Errorf("rows %q rejects %q\nwant %q %q", rows, errs, tc.rows, tc.errs)
			}
		})
	}
}

type repeat byte

func (b repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestLongRecordIsNotHeld reads a record with a 256 MiB title: it is set aside, the records
// around it are read, and reading it allocates a small fraction of its size.
func TestLongRecordIsNotHeld(t *testing.T) {
	const size = 256 << 20
	in := io.MultiReader(strings.NewReader(prolog+rec(1, "t1")+"<vulnerability><number>CNVD-2024-2</number><title>"),
		io.LimitReader(repeat('t'), size), strings.NewReader("</title></vulnerability>\n"+rec(3, "t3")+"</vulnerabilitys>\n"))
	var (
		rows, errs []string
		err        error
		before     runtime.MemStats
		after      runtime.MemStats
	)
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Open(in)
	if err == nil {
		rows, errs, err = readAll(t, r)
	}
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("4:title:record is %d bytes, the limit is %d", size+74, tabular.MaxRecord)}
	if !reflect.DeepEqual(rows, []string{"3:CNVD-2024-1|t1", "5:CNVD-2024-3|t3"}) || !reflect.DeepEqual(errs, want) {
		t.Errorf("rows %q rejects %q, want %q", rows, errs, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("reading a %d-byte record allocated %d bytes", size, n)
	}
}

// TestBrokenRecordShowsWhatItHeld: a record set aside shows its number and the start of its
// title, as far as the decoder read them.
func TestBrokenRecordShowsWhatItHeld(t *testing.T) {
	tests := []struct{ name, record, raw string }{
		{"an undefined entity after the title", "<vulnerability><number>CNVD-2024-2</number><title>t2</title><serverity>&foo;</serverity></vulnerability>", "CNVD-2024-2 t2"},
		{"a record over the limit", rec(2, strings.Repeat("x", tabular.MaxRecord)), "CNVD-2024-2 " + strings.Repeat("x", 188) + "…"},
		{"an error before the number", "<vulnerability><title>&foo;</title><number>CNVD-2024-2</number></vulnerability>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(strings.NewReader(prolog + tc.record + "</vulnerabilitys>"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Next()
			var re *tabular.RowError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a row error", err)
			}
			if re.Raw != tc.raw {
				t.Errorf("the row error shows %q, want %q", re.Raw, tc.raw)
			}
		})
	}
}
