// Package jsondoc reads the JSON documents security data is published in as rows of sitrep's
// own formats: CVE JSON 5 records (one record, an array of them, or one a line), pages of
// NVD's CVE API 2.0 (or an array of their items) and NVD CVE objects as vulnerability records;
// CISA's Known Exploited Vulnerabilities catalog as known-exploited marks; STIX 2.1 bundles and
// MISP events as events.
//
// A record's severity comes from its CVSS base score as CNVD grades (high from 7.0, medium
// from 4.0, low below), by CVSS v4 or v3.x where the record has them and v2 only where it has
// nothing newer, which the record then says; a CVE record with no score but its CNA's own
// rating (Moderate, Important) is graded by that, and says so. Its affected-object class is
// left to the rule table (feed/objects), from its vendor, product, title and CPE names.
//
// A document is walked a byte at a time (scanner): each record is decoded on its own, one
// longer than its kind's limit or that does not decode is set aside with its line, and
// memory does not grow with the document.
package jsondoc

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
	CVE5    Kind = "cve-json5"
	NVD     Kind = "nvd-api"
	NVDCVE  Kind = "nvd-cve"
	NVDItem Kind = "nvd-items"
	KEV     Kind = "cisa-kev-json"
	STIX    Kind = "stix2"
	MISP    Kind = "misp"
	// Answers of abuse.ch's APIs and PhishTank's JSON feed: records that are rows of a feed
	// sitrep reads as CSV, by that feed's mapping.
	URLhausAPI    Kind = "urlhaus-api"
	ThreatFoxAPI  Kind = "threatfox-api"
	PhishTankJSON Kind = "phishtank-json"
)

// Kinds lists them.
var Kinds = []Kind{CVE5, NVD, NVDCVE, NVDItem, KEV, STIX, MISP, URLhausAPI, ThreatFoxAPI, PhishTankJSON}

// kind is what a reader needs to know of a kind of document.
type kind struct {
	format     native.Format
	describe   string
	recognised string
	header     []string // the fields of the rows its records become
	from       []string // the place in a record each field comes from, which a rejection names
	// members are the members of the top-level object that hold the records: an array of
	// them, or one record. With none, the top-level value is a record, an array of them, or
	// the first of records one after another.
	members []string
	limit   int                                      // the bytes a record may have
	mapper  func() func(raw []byte, out *sink) error // a mapper for each document
	// feed, where set, is the feed whose rows the records are: header names its columns,
	// and the ingest maps them as it maps the feed's CSV.
	feed string
}

var kinds = map[Kind]*kind{
	CVE5: {native.Vulns, "CVE JSON 5 records (a record, or an array of them)", "its keys dataType CVE_RECORD / cveMetadata",
		vulnHeader, vulnFrom[CVE5], nil, tabular.MaxRecord, func() func([]byte, *sink) error { return one(cve5Row) }, ""},
	NVD: {native.Vulns, "a page of NVD's CVE API 2.0 (or an array of its items)", "its keys resultsPerPage, format NVD_CVE, or items {\"cve\": …}",
		vulnHeader, vulnFrom[NVD], []string{"vulnerabilities"}, tabular.MaxRecord, func() func([]byte, *sink) error { return one(nvdRow) }, ""},
	NVDCVE: {native.Vulns, "an NVD CVE object on its own (as mirrors of NVD's data keep one a file)", "its keys sourceIdentifier, vulnStatus",
		vulnHeader, vulnFrom[NVDCVE], nil, tabular.MaxRecord, func() func([]byte, *sink) error { return one(nvdCVERow) }, ""},
	NVDItem: {native.Vulns, "items of NVD's CVE API 2.0 ({\"cve\": …}), one after another or one a line", "its key cve holding an object",
		vulnHeader, vulnFrom[NVD], nil, tabular.MaxRecord, func() func([]byte, *sink) error { return one(nvdRow) }, ""},
	KEV: {native.Exploited, "CISA's Known Exploited Vulnerabilities catalog (JSON)", "its keys catalogVersion, or entries with cveID",
		kevHeader, vulnFrom[KEV], []string{"vulnerabilities"}, tabular.MaxRecord, func() func([]byte, *sink) error { return one(kevRow) }, ""},
	STIX: {native.Events, "a STIX 2.1 bundle", "its keys type bundle / objects",
		eventHeader, stixFrom, []string{"objects"}, tabular.MaxRecord, newSTIX, ""},
	MISP: {native.Events, "MISP events (an event, a search's response, or an array of events)", "its key Event, or response / an array of {\"Event\": …}",
		eventHeader, mispFrom, []string{"Event", "response"}, MaxEvent, newMISP, ""},
}

func init() {
	kinds[URLhausAPI] = &kind{format: native.Events, describe: "an answer of URLhaus's API (query_status, urls)", recognised: "its keys query_status and urls",
		members: []string{"urls"}, limit: tabular.MaxRecord}
	kinds[ThreatFoxAPI] = &kind{format: native.Events, describe: "an answer of ThreatFox's API (query_status, data)", recognised: "its keys query_status and data",
		members: []string{"data"}, limit: tabular.MaxRecord}
	kinds[PhishTankJSON] = &kind{format: native.Events, describe: "PhishTank's JSON feed (an array of phishes)", recognised: "an array of objects with phish_id",
		limit: tabular.MaxRecord}
	for k, cols := range feedRows {
		header, keys := make([]string, len(cols)), make([]string, len(cols))
		for i, c := range cols {
			header[i], keys[i] = c[0], c[1]
		}
		d := kinds[k]
		d.header, d.from, d.feed = header, keys, feedOf[k]
		d.mapper = func() func([]byte, *sink) error { return one(columns(keys)) }
	}
}

// MaxEvent bounds a MISP event, which is read whole: its TLP tags come after its attributes.
const MaxEvent = 64 << 20

// Format is the native format the document's records become.
func (k Kind) Format() native.Format { return kinds[k].format }

// Feed names the feed whose rows the document's records are, mapped as its CSV is; "" for
// documents whose records are rows of a native format.
func (k Kind) Feed() string { return kinds[k].feed }

// Describe says what the document is.
func (k Kind) Describe() string {
	if d, ok := kinds[k]; ok {
		return d.describe
	}
	return string(k)
}

// Recognised says how Sniff knows it.
func (k Kind) Recognised() string { return kinds[k].recognised }

// ParseKind accepts a kind's name.
func ParseKind(s string) (Kind, bool) {
	_, ok := kinds[Kind(s)]
	return Kind(s), ok
}

// sink collects what one record becomes: rows and refusals, in order.
type sink struct {
	width int
	outs  []output
}

type output struct {
	fields []string
	ref    *refusal
}

// row adds a row and returns its fields to fill.
func (s *sink) row() []string {
	f := make([]string, s.width)
	s.outs = append(s.outs, output{fields: f})
	return f
}

// refuse sets a part of the record aside: the place in the record, and why.
func (s *sink) refuse(field, why string) {
	s.outs = append(s.outs, output{ref: &refusal{field, why}})
}

// one makes a mapper of a record that is one row.
func one(fill func(raw []byte, f []string) error) func([]byte, *sink) error {
	return func(raw []byte, s *sink) error {
		f := s.row()
		if err := fill(raw, f); err != nil {
			s.outs = s.outs[:len(s.outs)-1]
			return err
		}
		return nil
	}
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
	answer := false // an abuse.ch API's answer, which opens with query_status
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		switch {
		case key == "query_status":
			answer = true
		case answer && (key == "urls" || key == "data"): // by what its entries hold
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return "", false
			}
			return element(dec)
		}
		switch key {
		case "cveMetadata", "containers": // a record's keys sorted put containers first
			return CVE5, true
		case "cve":
			if t, err := dec.Token(); err == nil && t == json.Delim('{') {
				return NVDItem, true
			}
			return "", false
		case "catalogVersion":
			return KEV, true
		case "resultsPerPage":
			return NVD, true
		case "sourceIdentifier", "vulnStatus":
			return NVDCVE, true
		case "Event":
			return MISP, true
		case "dataType", "format", "type":
			var v any
			if dec.Decode(&v) != nil {
				return "", false
			}
			switch v {
			case "CVE_RECORD":
				return CVE5, true
			case "NVD_CVE":
				return NVD, true
			case "bundle":
				return STIX, true
			}
			continue
		case "vulnerabilities", "objects", "response":
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
		case "sourceIdentifier", "vulnStatus":
			return NVDCVE, true
		case "spec_version":
			return STIX, true
		case "Event":
			return MISP, true
		case "phish_id":
			return PhishTankJSON, true
		case "urlhaus_reference":
			return URLhausAPI, true
		case "ioc":
			return ThreatFoxAPI, true
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
	s     scanner
	kind  Kind
	k     *kind
	m     func(raw []byte, out *sink) error
	buf   []byte
	queue []queued // what the last record became, handed out in order

	state     int
	first     bool // stArray: no record of the array read yet
	inKeys    bool // stArray: the array is a member of the top-level object
	afterKey  bool // stMembers: a member has been read, so a comma or the end comes next
	ahead     []byte
	aheadLine int
	pending   error // why the first record of a stream was set aside
}

type queued struct {
	row tabular.Row
	err error
}

// The places a reader can be in a document.
const (
	stMembers = iota // among the top-level object's members
	stArray          // among the records of an array
	stStream         // among records one after another
	stDone
)

// Open starts reading a document of kind k, as Sniff told.
func Open(r io.Reader, k Kind) (*Reader, error) {
	d, ok := kinds[k]
	if !ok {
		return nil, fmt.Errorf("no document kind %q", k)
	}
	rd := &Reader{s: scanner{br: bufio.NewReaderSize(r, 64<<10), line: 1}, kind: k, k: d, m: d.mapper()}
	c, err := rd.s.space()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.describe, err)
	}
	switch {
	case c == '[':
		rd.state, rd.first = stArray, true
	case c == '{' && len(d.members) == 0: // one record, or records one after another
		rd.state, rd.aheadLine = stStream, rd.s.line
		buf, err := rd.record(c)
		var re *tabular.RowError
		switch {
		case errors.As(err, &re): // the first record is too long: handed out as a rejection
			rd.pending = re
		case err != nil:
			return nil, err
		default:
			rd.ahead = buf
		}
	case c == '{':
		rd.state = stMembers
	default:
		return nil, fmt.Errorf("%s: line %d: a document that starts with %q", d.describe, rd.s.line, c)
	}
	return rd, nil
}

// record reads a record whose first byte c has been read; a record over its kind's limit
// comes back as a *tabular.RowError.
func (r *Reader) record(c byte) ([]byte, error) {
	line, limit := r.s.line, r.k.limit
	buf, long, err := r.s.value(c, r.buf[:0], limit+1)
	if errors.Is(err, errEnd) {
		return nil, fmt.Errorf("%s, line %d: the document ends inside the record that starts on line %d", r.k.describe, r.s.line, line)
	}
	if err != nil {
		return nil, err
	}
	if long || len(buf) > limit {
		r.buf = buf[:0]
		return nil, &tabular.RowError{Line: line, Reason: fmt.Sprintf("the record is over %d bytes, the limit", limit), Raw: tabular.Snip(string(buf[:200]), 200)}
	}
	r.buf = buf
	return buf, nil
}

// next reads the next record: its bytes and the line it starts on; io.EOF after the last.
func (r *Reader) next() ([]byte, int, error) {
	for {
		switch r.state {
		case stDone:
			return nil, 0, io.EOF
		case stStream:
			if r.ahead != nil {
				buf := r.ahead
				r.ahead = nil
				return buf, r.aheadLine, nil
			}
			c, err := r.s.space()
			if err == io.EOF {
				r.state = stDone
				return nil, 0, io.EOF
			}
			if err != nil {
				return nil, 0, err
			}
			if c != '{' {
				return nil, 0, fmt.Errorf("%s, line %d: %q where a record should start", r.k.describe, r.s.line, c)
			}
			line := r.s.line
			buf, err := r.record(c)
			return buf, line, err
		case stArray:
			want := `,]`
			if r.first {
				want = `{]`
			}
			c, err := r.s.expect(want)
			if err != nil {
				return nil, 0, r.broken(err)
			}
			if c == ']' {
				if r.inKeys {
					r.state, r.afterKey = stMembers, true
				} else if err := r.finish(); err != nil {
					return nil, 0, err
				}
				continue
			}
			if c == ',' {
				if c, err = r.s.space(); err != nil {
					return nil, 0, r.broken(errEnd)
				}
			}
			r.first = false
			line := r.s.line
			buf, err := r.record(c)
			return buf, line, err
		case stMembers:
			buf, line, err := r.member()
			if err != nil || buf != nil {
				return buf, line, err
			}
		}
	}
}

// member reads the top-level object's members up to the next that holds records: an array
// (the reader is then among its records) or one record, which it returns.
func (r *Reader) member() ([]byte, int, error) {
	for {
		want := `"}`
		if r.afterKey {
			want = `,}`
		}
		c, err := r.s.expect(want)
		if err != nil {
			return nil, 0, r.broken(err)
		}
		if c == '}' {
			return nil, 0, r.finish()
		}
		if c == ',' {
			if c, err = r.s.expect(`"`); err != nil {
				return nil, 0, r.broken(err)
			}
		}
		r.afterKey = true
		raw, _, err := r.s.value(c, nil, 256)
		if err != nil {
			return nil, 0, r.broken(err)
		}
		var key string
		json.Unmarshal(raw, &key)
		if _, err := r.s.expect(":"); err != nil {
			return nil, 0, r.broken(err)
		}
		c, err = r.s.space()
		if err != nil {
			return nil, 0, r.broken(errEnd)
		}
		if slices.Contains(r.k.members, key) {
			switch c {
			case '[':
				r.state, r.first, r.inKeys = stArray, true, true
				return nil, 0, nil
			case '{':
				line := r.s.line
				buf, err := r.record(c)
				return buf, line, err
			}
		}
		if _, _, err := r.s.value(c, nil, 0); err != nil {
			return nil, 0, r.broken(err)
		}
	}
}

// finish ends the document: nothing but white space may follow it.
func (r *Reader) finish() error {
	r.state = stDone
	c, err := r.s.space()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%s, line %d: %q after the end of the document", r.k.describe, r.s.line, c)
}

func (r *Reader) broken(err error) error {
	if errors.Is(err, errEnd) {
		return fmt.Errorf("%s, line %d: the document ends early", r.k.describe, r.s.line)
	}
	return fmt.Errorf("%s: %w", r.k.describe, err)
}

// Kind is the kind of document being read.
func (r *Reader) Kind() Kind { return r.kind }

// Header implements tabular.Reader: the fields of the native format the records become.
func (r *Reader) Header() []string { return r.k.header }

// Next implements tabular.Reader.
func (r *Reader) Next() (tabular.Row, error) {
	for {
		if len(r.queue) > 0 {
			q := r.queue[0]
			r.queue = r.queue[1:]
			return q.row, q.err
		}
		if err := r.pending; err != nil {
			r.pending = nil
			return tabular.Row{}, err
		}
		raw, line, err := r.next()
		if err != nil {
			return tabular.Row{}, err
		}
		if err := r.mapRecord(line, raw); err != nil {
			return tabular.Row{}, err
		}
	}
}

// mapRecord queues what one record becomes: rows, and the parts of it set aside.
func (r *Reader) mapRecord(line int, raw []byte) error {
	snip := tabular.Snip(strings.Join(strings.Fields(string(raw[:min(len(raw), 400)])), " "), 200)
	refuse := func(field, why string) {
		r.queue = append(r.queue, queued{err: &tabular.RowError{Line: line, Field: field, Reason: why, Raw: snip}})
	}
	if !utf8.Valid(raw) { // encoding/json would make such bytes U+FFFD without a word
		refuse("", "the record holds bytes that are not UTF-8")
		return nil
	}
	out := sink{width: len(r.k.header)}
	if err := r.m(raw, &out); err != nil {
		var ref *refusal
		if !errors.As(err, &ref) {
			return err
		}
		refuse(ref.field, ref.why)
	}
	orig := []string{snip}
	for _, o := range out.outs {
		if o.ref != nil {
			refuse(o.ref.field, o.ref.why)
			continue
		}
		row := tabular.Row{Line: line, Header: r.k.header, Fields: o.fields, From: r.k.from, Orig: orig}
		if i := slices.IndexFunc(o.fields, func(f string) bool { return len(f) > tabular.MaxField }); i >= 0 {
			refuse(r.k.from[i], fmt.Sprintf("is %d bytes, over the %d-byte limit", len(o.fields[i]), tabular.MaxField))
			continue
		}
		if re := tabular.CheckText(row); re != nil {
			if i := slices.Index(r.k.header, re.Field); i >= 0 && r.k.from[i] != "" {
				re.Field = r.k.from[i] // where the document has it
			}
			re.Raw = snip
			r.queue = append(r.queue, queued{err: re})
			continue
		}
		r.queue = append(r.queue, queued{row: row})
	}
	return nil
}
