// Package cnvd reads the XML exports of China's National Vulnerability Database (CNVD) as rows
// of sitrep's vulnerability format. The export spells severity <serverity> and writes it in
// Chinese (高/中/低); it does not classify the affected object, so records carry none and are given
// one from their title and products by the rule table (feed/objects), or counted unclassified.
//
// Each <vulnerability> record is read on its own, by a fresh encoding/xml decoder that sees at
// most tabular.MaxRecord bytes of it: a record that is longer, that breaks the XML rules (an
// undefined entity, a byte that is not text) or whose field is over tabular.MaxField is set
// aside as a *tabular.RowError, and reading resumes after its end tag. Memory does not grow
// with the input, whatever a record holds.
package cnvd

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"sitrep/internal/tabular"
)

// Header is the native vulnerability fields the rows carry.
var Header = []string{"id", "published", "title", "severity", "object", "cve", "product"}

// Root is the root element of CNVD's export, as CNVD spells it; roots are the names read as
// such, the correct plural included.
const Root = "vulnerabilitys"

var roots = []string{Root, "vulnerabilities"}

// record is the element that holds one vulnerability.
const record = "vulnerability"

// Reader streams <vulnerability> elements.
type Reader struct {
	in     *bufio.Reader
	line   int // line breaks read so far: the line being read is line+1
	root   string
	err    error // why the document cannot be read further, once known
	closed bool  // the root's end tag has been read
	fields []string
}

// NewReader reads a CNVD export; its root element is checked at the first call to Next.
func NewReader(r io.Reader) *Reader {
	return &Reader{in: bufio.NewReaderSize(r, 64<<10), fields: make([]string, len(Header))}
}

// Open reads a CNVD export up to its root element and refuses XML whose root is not CNVD's,
// naming the root it found.
func Open(r io.Reader) (*Reader, error) {
	rd := NewReader(r)
	if err := rd.start(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Header implements tabular.Reader.
func (r *Reader) Header() []string { return Header }

var severities = map[string]string{"高": "high", "中": "medium", "低": "low", "high": "high", "medium": "medium", "low": "low"}

// Next implements tabular.Reader: a record that cannot be read, or has no number, is a
// *tabular.RowError; a document with another root, or one that ends inside a record or before
// its root's end tag, stops the reading with an error naming the line.
func (r *Reader) Next() (tabular.Row, error) {
	if err := r.start(); err != nil {
		return tabular.Row{}, err
	}
	for !r.closed {
		name, end, line, err := r.nextTag()
		if err == io.EOF {
			return tabular.Row{}, r.fail(fmt.Errorf("CNVD XML, line %d: the document ends before </%s>", r.line+1, r.root))
		}
		if err != nil {
			return tabular.Row{}, r.fail(err)
		}
		switch {
		case end && name == r.root:
			r.closed = true
		case !end && name == record:
			return r.record(line)
		}
	}
	return tabular.Row{}, io.EOF
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// start reads the prolog (declaration, comments, doctype) and the root's start tag.
func (r *Reader) start() error {
	if r.err != nil || r.root != "" {
		return r.err
	}
	name, end, _, err := r.nextTag()
	switch {
	case err == io.EOF:
		return r.fail(errors.New("XML without a root element, not CNVD's <" + Root + "> export"))
	case err != nil:
		return r.fail(err)
	case end:
		return r.fail(fmt.Errorf("CNVD XML, line %d: an end tag </%s> before any start tag", r.line+1, name))
	}
	for _, want := range roots {
		if name == want {
			r.root = name
			return nil
		}
	}
	return r.fail(fmt.Errorf("XML with root <%s>, not CNVD's <%s> export", tabular.Snip(name, 64), Root))
}

// maxName bounds the element names the scan between records reads.
const maxName = 256

// nextTag reads past text, comments, processing instructions, CDATA sections and doctypes to
// the next element tag, and returns its local name (without a namespace prefix), whether it
// is an end tag, and the line it starts on. A start tag named record is left unread after its
// name, for record to decode; any other tag is read to its end.
func (r *Reader) nextTag() (name string, end bool, line int, err error) {
	for {
		if err := r.skipPast("<"); err != nil {
			return "", false, 0, err
		}
		line = r.line + 1
		b, err := r.in.Peek(1)
		if err != nil {
			return "", false, 0, eof(err)
		}
		switch b[0] {
		case '?':
			err = r.skipPast("?>")
		case '!':
			switch {
			case r.peekIs("!--"):
				err = r.skipPast("-->")
			case r.peekIs("![CDATA["):
				err = r.skipPast("]]>")
			default:
				err = r.skipDoctype()
			}
		case '/':
			r.in.ReadByte()
			name, err := r.readName()
			if err != nil {
				return "", false, 0, err
			}
			return name, true, line, r.skipPast(">")
		default:
			if b, _ := r.in.Peek(len(record) + 1); len(b) > len(record) && string(b[:len(record)]) == record && isNameEnd(b[len(record)]) {
				return record, false, line, nil
			}
			name, err := r.readName()
			if err != nil {
				return "", false, 0, err
			}
			return name, false, line, r.skipPast(">")
		}
		if err != nil {
			return "", false, 0, err
		}
	}
}

// readName reads an element name and returns its local part. The name is left where it ends,
// at white space, '>' or '/'.
func (r *Reader) readName() (string, error) {
	var name []byte
	for {
		b, err := r.in.Peek(1)
		if err != nil {
			return "", eof(err)
		}
		c := b[0]
		if isNameEnd(c) {
			break
		}
		r.in.ReadByte()
		if len(name) < maxName {
			name = append(name, c)
		}
	}
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return string(name), nil
}

func isNameEnd(c byte) bool {
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func (r *Reader) peekIs(s string) bool {
	b, _ := r.in.Peek(len(s))
	return string(b) == s
}

// skipPast reads up to and including the next occurrence of s, counting lines.
func (r *Reader) skipPast(s string) error {
	matched := 0
	for {
		if matched == 0 {
			// Jump to the next occurrence of the first byte.
			frag, err := r.in.ReadSlice(s[0])
			r.line += bytes.Count(frag, []byte{'\n'})
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				return eof(err)
			}
			matched = 1
			if len(s) == 1 {
				return nil
			}
			continue
		}
		c, err := r.in.ReadByte()
		if err != nil {
			return eof(err)
		}
		if c == '\n' {
			r.line++
		}
		switch {
		case c == s[matched]:
			matched++
			if matched == len(s) {
				return nil
			}
		case c == s[0]:
			// The patterns skipped ("?>", "-->", "]]>", ">") overlap themselves only in runs of
			// their first byte: "--->" still ends a comment.
			if matched > 1 && s[matched-1] != s[0] {
				matched = 1
			}
		default:
			matched = 0
		}
	}
}

// skipDoctype reads past a <!DOCTYPE …> declaration, with its internal subset in brackets.
func (r *Reader) skipDoctype() error {
	depth := 0
	for {
		c, err := r.in.ReadByte()
		if err != nil {
			return eof(err)
		}
		switch c {
		case '\n':
			r.line++
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth <= 0 {
				return nil
			}
		}
	}
}

// eof reports the end of the input as io.EOF.
func eof(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return err
}

// errTooLong stops the decoder of a record that goes past tabular.MaxRecord bytes.
var errTooLong = errors.New("record too long")

// recordInput feeds one record to its decoder: "<" and then the input, up to
// tabular.MaxRecord bytes. It watches the bytes go by for the record's end tag, so that
// after an error the rest of the record can be skipped from where the decoder stopped.
type recordInput struct {
	r   *Reader
	lt  bool  // "<" has been given
	n   int64 // bytes given
	eof bool  // the input ended
	end endMatch
}

func (in *recordInput) ReadByte() (byte, error) {
	if !in.lt {
		in.lt, in.n = true, 1
		in.end.see('<')
		return '<', nil
	}
	if in.n >= tabular.MaxRecord {
		return 0, errTooLong
	}
	c, err := in.r.in.ReadByte()
	if err != nil {
		in.eof = true
		return 0, err
	}
	in.n++
	if c == '\n' {
		in.r.line++
	}
	in.end.see(c)
	return c, nil
}

// Read gives one byte at a time. encoding/xml reads through ReadByte when there is one, so
// this is only there to make recordInput an io.Reader.
func (in *recordInput) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := in.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	return 1, nil
}

// endTag starts the end tag of a record. It is also how the root's end tag starts, as CNVD
// spells the root.
const endTag = "</" + record

// endMatch follows a stream of bytes for an end tag that starts with endTag: matched counts
// the bytes of endTag seen so far; once all are, name collects the rest of the tag's name up
// to its '>', and closed says the '>' was the last byte seen.
type endMatch struct {
	matched int
	name    []byte
	closed  bool
}

func (m *endMatch) see(c byte) {
	switch {
	case m.closed:
		*m = endMatch{name: m.name[:0]}
		m.see(c)
	case m.matched == len(endTag):
		if c == '>' {
			m.closed = true
		} else if !isNameEnd(c) && len(m.name) < maxName {
			m.name = append(m.name, c)
		}
	case c == endTag[m.matched]:
		m.matched++
		if m.matched == len(endTag) {
			m.name = append(m.name[:0], record...)
		}
	case c == '<':
		m.matched = 1
	default:
		m.matched = 0
	}
}

// field is the text of one field of a record: at most tabular.MaxField+1 bytes are kept, all
// are counted.
type field struct {
	text []byte
	size int
}

func (f *field) add(b []byte) {
	f.size += len(b)
	if room := tabular.MaxField + 1 - len(f.text); room > 0 {
		f.text = append(f.text, b[:min(len(b), room)]...)
	}
}

func (f *field) String() string { return strings.TrimSpace(string(f.text)) }

// names maps the elements of a record onto the fields they fill.
var names = map[string]string{
	"number": "id", "openTime": "published", "title": "title", "serverity": "severity",
	"cves": "cve", "cve": "cve", "cveNumber": "cve", "products": "product", "product": "product",
}

// record decodes the record whose start tag begins on line start; its name has been read.
func (r *Reader) record(start int) (tabular.Row, error) {
	in := &recordInput{r: r}
	dec := xml.NewDecoder(in)
	var (
		stack                          []string
		number, title, severity, opens field
		cves, products                 []*field
		cur                            *field
	)
	// at returns the field the innermost element fills, if any; a start tag opens a new one.
	at := func(open bool) *field {
		switch strings.Join(stack[1:], ">") {
		case "number":
			if open {
				number = field{}
			}
			return &number
		case "title":
			if open {
				title = field{}
			}
			return &title
		case "serverity":
			if open {
				severity = field{}
			}
			return &severity
		case "openTime":
			if open {
				opens = field{}
			}
			return &opens
		case "cves>cve>cveNumber":
			if open {
				cves = append(cves, &field{})
			}
			return cves[len(cves)-1]
		case "products>product":
			if open {
				products = append(products, &field{})
			}
			return products[len(products)-1]
		}
		return nil
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			raw := tabular.Snip(strings.TrimSpace(number.String()+" "+title.String()), 200)
			return r.broken(start, in, stack, raw, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			cur = at(true)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return r.row(start, &number, &title, &severity, &opens, cves, products)
			}
			cur = at(false)
		case xml.CharData:
			if cur != nil {
				cur.add(t)
			}
		}
	}
}

// row checks a decoded record and returns it as a row.
func (r *Reader) row(line int, number, title, severity, opens *field, cves, products []*field) (tabular.Row, error) {
	id := number.String()
	raw := tabular.Snip(id+" "+title.String(), 200)
	if id == "" {
		return tabular.Row{}, &tabular.RowError{Line: line, Field: "id", Reason: "record without a <number>", Raw: raw}
	}
	for _, f := range []struct {
		name string
		f    *field
	}{{"id", number}, {"published", opens}, {"title", title}, {"severity", severity}} {
		if f.f.size > tabular.MaxField {
			return tabular.Row{}, overField(line, f.name, f.f.size, raw)
		}
	}
	join := func(fs []*field, sep, name string) (string, *tabular.RowError) {
		var parts []string
		for _, f := range fs {
			if f.size > tabular.MaxField {
				return "", overField(line, name, f.size, raw)
			}
			if s := f.String(); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, sep), nil
	}
	cve, re := join(cves, " ", "cve")
	if re != nil {
		return tabular.Row{}, re
	}
	product, re := join(products, "; ", "product")
	if re != nil {
		return tabular.Row{}, re
	}
	sev, ok := severities[severity.String()]
	if !ok {
		sev = severity.String() // the validator names it
	}
	copy(r.fields, []string{id, opens.String(), title.String(), sev, "", cve, product})
	for i, f := range r.fields {
		if len(f) > tabular.MaxField {
			return tabular.Row{}, overField(line, Header[i], len(f), raw)
		}
	}
	return tabular.Row{Line: line, Header: Header, Fields: r.fields}, nil
}

func overField(line int, name string, size int, raw string) *tabular.RowError {
	return &tabular.RowError{Line: line, Field: name, Reason: fmt.Sprintf("is %d bytes, over the %d-byte limit", size, tabular.MaxField), Raw: raw}
}

// broken sets aside a record the decoder stopped in, after reading past the rest of it. The
// field named is the one being read when the decoder stopped. A record the input ends in
// stops the reading: the document is cut short. raw is what the record's number and title
// held when the decoder stopped.
func (r *Reader) broken(start int, in *recordInput, stack []string, raw string, err error) (tabular.Row, error) {
	name := ""
	if len(stack) > 1 {
		name = stack[len(stack)-1]
		if f, ok := names[name]; ok {
			name = f
		}
	}
	if in.eof {
		return tabular.Row{}, r.fail(fmt.Errorf("CNVD XML, line %d: the document ends inside the record that starts on line %d", r.line+1, start))
	}
	reason := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		reason = se.Msg
		if at := start + se.Line - 1; at != start {
			reason += fmt.Sprintf(" (line %d)", at)
		}
	}
	size, serr := r.skipRecord(in)
	if serr != nil {
		return tabular.Row{}, r.fail(fmt.Errorf("CNVD XML, line %d: the document ends inside the record that starts on line %d", r.line+1, start))
	}
	if errors.Is(err, errTooLong) {
		reason = fmt.Sprintf("record is %d bytes, the limit is %d", size, tabular.MaxRecord)
	}
	return tabular.Row{}, &tabular.RowError{Line: start, Field: name, Reason: reason, Raw: raw}
}

// skipRecord reads past the end tag of the record the decoder stopped in and returns the
// record's size in bytes. It goes on from what the decoder has read: from a partial match of
// the end tag, from a whole one whose '>' is still to come, or from its '>'.
func (r *Reader) skipRecord(in *recordInput) (int64, error) {
	size, m := in.n, &in.end
	for !m.closed {
		if m.matched == 0 {
			// Jump to the next '<' rather than look at every byte.
			frag, err := r.in.ReadSlice('<')
			size += int64(len(frag))
			r.line += bytes.Count(frag, []byte{'\n'})
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				return size, eof(err)
			}
			m.see('<')
			continue
		}
		c, err := r.in.ReadByte()
		if err != nil {
			return size, eof(err)
		}
		size++
		if c == '\n' {
			r.line++
		}
		m.see(c)
	}
	if string(m.name) == r.root { // the record was never closed: the root's end tag ends it
		r.closed = true
	}
	return size, nil
}
