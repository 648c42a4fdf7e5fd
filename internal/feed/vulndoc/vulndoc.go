// Package vulndoc reads the JSON documents vulnerability data is published in as rows of
// sitrep's own formats: CVE JSON 5 records (one record, or an array of them), pages of NVD's
// CVE API 2.0 (or an array of their items) as vulnerability records, and CISA's Known
// Exploited Vulnerabilities catalog as known-exploited marks.
//
// A record's severity comes from its CVSS base score as CNVD grades (high from 7.0, medium
// from 4.0, low below), by CVSS v4 or v3.x where the record has them and v2 only where it has
// nothing newer, which the record then says; a CVE record with no score but its CNA's own
// rating (Moderate, Important) is graded by that, and says so. Its affected-object class is
// left to the rule table (feed/objects), from its vendor, product, title and CPE names.
//
// A document is walked a byte at a time (scanner): each record is decoded on its own, one
// longer than tabular.MaxRecord or that does not decode is set aside with its line, and
// memory does not grow with the document.
package vulndoc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"sitrep/internal/feed/native"
	"sitrep/internal/tabular"
)

// Kind is a kind of document.
type Kind string

// The documents sitrep reads.
const (
	CVE5   Kind = "cve-json5"
	NVD    Kind = "nvd-api"
	NVDCVE Kind = "nvd-cve"
	KEV    Kind = "cisa-kev-json"
)

// Kinds lists them.
var Kinds = []Kind{CVE5, NVD, NVDCVE, KEV}

// Format is the native format the document's records become.
func (k Kind) Format() native.Format {
	if k == KEV {
		return native.Exploited
	}
	return native.Vulns
}

// Describe says what the document is.
func (k Kind) Describe() string {
	switch k {
	case CVE5:
		return "CVE JSON 5 records (a record, or an array of them)"
	case NVD:
		return "a page of NVD's CVE API 2.0 (or an array of its items)"
	case NVDCVE:
		return "an NVD CVE object on its own (as mirrors of NVD's data keep one a file)"
	case KEV:
		return "CISA's Known Exploited Vulnerabilities catalog (JSON)"
	}
	return string(k)
}

// Recognised says how Sniff knows it.
func (k Kind) Recognised() string {
	switch k {
	case CVE5:
		return "its keys dataType CVE_RECORD / cveMetadata"
	case NVD:
		return "its keys resultsPerPage, format NVD_CVE, or items {\"cve\": …}"
	case NVDCVE:
		return "its keys sourceIdentifier, vulnStatus"
	case KEV:
		return "its keys catalogVersion, or entries with cveID"
	}
	return ""
}

// ParseKind accepts a kind's name.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Sniff tells from the start of a JSON input (its first bytes, which may end anywhere) whether
// it is a document this package reads, and which.
func Sniff(head []byte) (Kind, bool) {
	dec := json.NewDecoder(bytes.NewReader(head))
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	switch tok {
	case json.Delim('['):
		return element(dec)
	case json.Delim('{'):
	default:
		return "", false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		switch key {
		case "cveMetadata":
			return CVE5, true
		case "catalogVersion":
			return KEV, true
		case "resultsPerPage":
			return NVD, true
		case "sourceIdentifier", "vulnStatus":
			return NVDCVE, true
		case "dataType", "format":
			var v any
			if dec.Decode(&v) != nil {
				return "", false
			}
			switch v {
			case "CVE_RECORD":
				return CVE5, true
			case "NVD_CVE":
				return NVD, true
			}
			continue
		case "vulnerabilities":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return "", false
			}
			return element(dec)
		}
		if skip(dec) != nil {
			return "", false
		}
	}
	return "", false
}

// element tells the kind from the keys of an array's first element.
func element(dec *json.Decoder) (Kind, bool) {
	if !dec.More() {
		return "", false
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch tok {
		case "cveMetadata", "dataType":
			return CVE5, true
		case "cve":
			return NVD, true
		case "cveID":
			return KEV, true
		}
		if skip(dec) != nil {
			return "", false
		}
	}
	return "", false
}

// skip reads past the next value.
func skip(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// Reader reads a document's records as rows.
type Reader struct {
	s      scanner
	kind   Kind
	row    func(raw []byte, f []string) error
	header []string
	fields []string
	buf    []byte

	stream  bool   // records one after another: a document of one record, or JSON Lines of them
	ahead   []byte // the first of them, read by Open
	pending error  // or why the first was set aside
	inArray bool   // between the records of an array
	inKeys  bool   // the array is a member of the top-level object
	first   bool   // no record of the array read yet
	done    bool
	lineOf  int // the line the first record of a stream starts on
}

// Open starts reading a document of kind k, as Sniff told.
func Open(r io.Reader, k Kind) (*Reader, error) {
	rd := &Reader{s: scanner{br: bufio.NewReaderSize(r, 64<<10), line: 1}, kind: k}
	switch k {
	case CVE5:
		rd.row, rd.header = cve5Row, vulnHeader
	case NVD:
		rd.row, rd.header = nvdRow, vulnHeader
	case NVDCVE:
		rd.row, rd.header = nvdCVERow, vulnHeader
	case KEV:
		rd.row, rd.header = kevRow, kevHeader
	default:
		return nil, fmt.Errorf("no document kind %q", k)
	}
	rd.fields = make([]string, len(rd.header))
	c, err := rd.s.space()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.Describe(), err)
	}
	switch {
	case c == '[':
		rd.inArray, rd.first = true, true
	case c == '{' && (k == CVE5 || k == NVDCVE): // one record, or records one after another
		rd.stream, rd.lineOf = true, rd.s.line
		buf, ok, err := rd.record(c)
		var re *tabular.RowError
		switch {
		case errors.As(err, &re): // the first record is too long: handed out as a rejection
			rd.pending = re
		case err != nil:
			return nil, err
		case ok:
			rd.ahead = buf
		}
	case c == '{':
		if err := rd.toRecords(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: line %d: a document that starts with %q", k.Describe(), rd.s.line, c)
	}
	return rd, nil
}

// record reads a record whose first byte c has been read; a record over the limit comes back
// as a *tabular.RowError, nil bytes and single false.
func (r *Reader) record(c byte) ([]byte, bool, error) {
	line := r.s.line
	buf, long, err := r.s.value(c, r.buf[:0], tabular.MaxRecord+1)
	if errors.Is(err, errEnd) {
		return nil, false, fmt.Errorf("%s, line %d: the document ends inside the record that starts on line %d", r.kind.Describe(), r.s.line, line)
	}
	if err != nil {
		return nil, false, err
	}
	if long || len(buf) > tabular.MaxRecord {
		r.buf = buf[:0]
		return nil, false, &tabular.RowError{Line: line, Reason: fmt.Sprintf("the record is over %d bytes, the limit", tabular.MaxRecord), Raw: tabular.Snip(string(buf[:200]), 200)}
	}
	return buf, true, nil
}

// toRecords reads the top-level object's members up to its array "vulnerabilities".
func (r *Reader) toRecords() error {
	for {
		c, err := r.s.expect(`"}`)
		if err != nil {
			return r.broken(err)
		}
		if c == '}' {
			r.done = true
			return r.end()
		}
		raw, _, err := r.s.value(c, nil, 256)
		if err != nil {
			return r.broken(err)
		}
		var key string
		json.Unmarshal(raw, &key)
		if _, err := r.s.expect(":"); err != nil {
			return r.broken(err)
		}
		if key == "vulnerabilities" {
			if _, err := r.s.expect("["); err != nil {
				return r.broken(err)
			}
			r.inArray, r.inKeys, r.first = true, true, true
			return nil
		}
		c, err = r.s.space()
		if err != nil {
			return r.broken(err)
		}
		if _, _, err := r.s.value(c, nil, 0); err != nil {
			return r.broken(err)
		}
		if c, err = r.s.expect(",}"); err != nil {
			return r.broken(err)
		}
		if c == '}' {
			r.done = true
			return r.end()
		}
	}
}

// afterRecords reads what follows the records' array: the rest of the top-level object.
func (r *Reader) afterRecords() error {
	r.inArray = false
	if !r.inKeys {
		r.done = true
		return r.end()
	}
	c, err := r.s.expect(",}")
	if err != nil {
		return r.broken(err)
	}
	if c == '}' {
		r.done = true
		return r.end()
	}
	return r.toRecords()
}

// end checks that nothing but white space follows the document.
func (r *Reader) end() error {
	c, err := r.s.space()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%s, line %d: %q after the end of the document", r.kind.Describe(), r.s.line, c)
}

func (r *Reader) broken(err error) error {
	if errors.Is(err, errEnd) {
		return fmt.Errorf("%s, line %d: the document ends early", r.kind.Describe(), r.s.line)
	}
	return fmt.Errorf("%s: %w", r.kind.Describe(), err)
}

// Kind is the kind of document being read.
func (r *Reader) Kind() Kind { return r.kind }

// Header implements tabular.Reader: the fields of the native format the records become.
func (r *Reader) Header() []string { return r.header }

// Next implements tabular.Reader.
func (r *Reader) Next() (tabular.Row, error) {
	if err := r.pending; err != nil {
		r.pending = nil
		return tabular.Row{}, err
	}
	if r.stream { // records one after another, a document each (or JSON Lines)
		if r.ahead != nil {
			buf, line := r.ahead, r.lineOf
			r.ahead = nil
			return r.mapRow(line, buf)
		}
		c, err := r.s.space()
		if err == io.EOF {
			return tabular.Row{}, io.EOF
		}
		if err != nil {
			return tabular.Row{}, err
		}
		if c != '{' {
			return tabular.Row{}, fmt.Errorf("%s, line %d: %q where a record should start", r.kind.Describe(), r.s.line, c)
		}
		line := r.s.line
		buf, ok, err := r.record(c)
		if err != nil || !ok {
			return tabular.Row{}, err
		}
		r.buf = buf
		return r.mapRow(line, buf)
	}
	if r.done || !r.inArray {
		return tabular.Row{}, io.EOF
	}
	want := `{]`
	if !r.first {
		want = `,]`
	}
	c, err := r.s.expect(want)
	if err != nil {
		return tabular.Row{}, r.broken(err)
	}
	if c == ']' {
		if err := r.afterRecords(); err != nil {
			return tabular.Row{}, err
		}
		return tabular.Row{}, io.EOF
	}
	if c == ',' {
		if c, err = r.s.space(); err != nil {
			return tabular.Row{}, r.broken(errEnd)
		}
	}
	r.first = false
	line := r.s.line
	buf, ok, err := r.record(c)
	if err != nil || !ok {
		return tabular.Row{}, err
	}
	r.buf = buf
	return r.mapRow(line, buf)
}

// mapRow maps one record's JSON onto the row's fields.
func (r *Reader) mapRow(line int, raw []byte) (tabular.Row, error) {
	for i := range r.fields {
		r.fields[i] = ""
	}
	snip := func() string {
		return tabular.Snip(strings.Join(strings.Fields(string(raw[:min(len(raw), 400)])), " "), 200)
	}
	if !utf8.Valid(raw) { // encoding/json would make such bytes U+FFFD without a word
		return tabular.Row{}, &tabular.RowError{Line: line, Reason: "the record holds bytes that are not UTF-8", Raw: snip()}
	}
	if err := r.row(raw, r.fields); err != nil {
		var ref *refusal
		if errors.As(err, &ref) {
			return tabular.Row{}, &tabular.RowError{Line: line, Field: ref.field, Reason: ref.why, Raw: snip()}
		}
		return tabular.Row{}, err
	}
	row := tabular.Row{Line: line, Header: r.header, Fields: r.fields, From: from[r.kind], Orig: []string{snip()}}
	if re := tabular.CheckText(row); re != nil {
		if i := slices.Index(r.header, re.Field); i >= 0 && from[r.kind][i] != "" {
			re.Field = from[r.kind][i] // where the document has it
		}
		re.Raw = snip()
		return tabular.Row{}, re
	}
	return row, nil
}
