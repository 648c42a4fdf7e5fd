package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CSV reads comma-, semicolon- or tab-separated values with a header row. Quoting follows
// RFC 4180 and is parsed by encoding/csv; this type only finds where each row ends, so that
// an unterminated quote is confined to its own line instead of swallowing the rest of the file.
type CSV struct {
	// PadShortRows accepts a row with fewer fields than the header, the missing trailing
	// fields empty, as exports that drop trailing empty columns write them. A row with more
	// fields than the header is refused either way.
	PadShortRows bool

	br     *bufio.Reader
	header []string
	comma  byte
	line   int     // physical lines consumed from br
	queue  []pline // lines read ahead and handed back after a broken row
	feed   feeder  // what the csv.Reader sees: one logical record at a time
	cr     *csv.Reader
	spaced bool // quoted fields follow spaces: the reader skips spaces before fields
	fields []string
	eof    bool
	cols   *columnCounter // set while the header is read
}

type pline struct {
	no   int
	text []byte // without the line break; for a long line, only its first bytes
	size int64  // the line's length without the line break
	long bool   // over MaxRecord: text is only the start, the rest was read past
}

// delimiter is the one of comma, semicolon, tab or bar that a header line uses most; comma
// where it uses none.
func delimiter(line []byte) byte {
	d := byte(',')
	for _, c := range []byte{';', '\t', '|'} {
		if bytes.Count(line, []byte{c}) > bytes.Count(line, []byte{d}) {
			d = c
		}
	}
	return d
}

// NewCSV reads the header row of r. The delimiter is the one of comma, semicolon, tab or bar
// that the header uses most. Lines starting with # before the first row are a preamble; when the
// last of them lists columns ("# id,dateadded,url,…", as abuse.ch's dumps write it), it is the
// header.
//
// A header of more than MaxColumns columns, or one longer than MaxRecord, is refused with an
// error that says how many columns or bytes it has; a header is never cut.
func NewCSV(r io.Reader) (*CSV, error) {
	c := &CSV{br: bufio.NewReaderSize(r, 256<<10)}
	var first, comment pline
	for {
		var cols columnCounter
		c.cols = &cols
		l, ok, err := c.readLine()
		c.cols = nil
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrNoHeader
		}
		if bytes.HasPrefix(l.text, []byte{'#'}) {
			comment = l
			if l.long {
				comment = pline{} // too long to be the header
			}
			continue
		}
		if l.long {
			if n := cols.columns(); n > MaxColumns {
				return nil, fmt.Errorf("the header has %d columns, the limit is %d", n, MaxColumns)
			}
			return nil, fmt.Errorf("the header is %d bytes, the limit is %d", l.size, MaxRecord)
		}
		if len(l.text) > 0 {
			first = l
			break
		}
	}
	if h := bytes.TrimSpace(bytes.TrimLeft(comment.text, "#")); len(h) > 0 {
		// The commented line is the header when it lists columns and the first line, read as a
		// row, has as many fields as it names (abuse.ch writes commas, Team Cymru bars).
		c.comma = delimiter(h)
		if n := bytes.Count(h, []byte{c.comma}); n > 0 {
			c.newCSVReader()
			if rec, err := c.parse([]pline{first}); err == nil && len(rec) == n+1 {
				c.queue = append(c.queue, first) // the first line is data
				first = pline{no: comment.no, text: h}
			}
		}
	}
	c.comma = delimiter(first.text)
	c.newCSVReader()
	rec, err := c.parse([]pline{first})
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if len(rec) > MaxColumns {
		return nil, fmt.Errorf("the header has %d columns, the limit is %d", len(rec), MaxColumns)
	}
	c.header = make([]string, len(rec))
	for i, h := range rec {
		if why := notText(h); why != "" {
			return nil, fmt.Errorf("header: column %d %s", i+1, why)
		}
		c.header[i] = strings.ToLower(strings.TrimSpace(h))
	}
	return c, nil
}

// Header returns the column names, lower-cased and trimmed.
func (c *CSV) Header() []string { return c.header }

// Next returns the next row.
func (c *CSV) Next() (Row, error) {
	var lines []pline
	for {
		l, ok, err := c.nextLine()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			return Row{}, io.EOF
		}
		if l.long {
			return Row{}, &RowError{Line: l.no, Reason: tooLong(l.size), Raw: Snip(string(l.text), 200)}
		}
		if len(l.text) > 0 {
			lines = append(lines, l)
			break
		}
	}
	// An odd number of quote characters so far means a quoted field is still open.
	quotes, size := bytes.Count(lines[0].text, quote), len(lines[0].text)
	for quotes%2 == 1 {
		more, ok, err := c.nextLine()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			return c.broken(lines, "unterminated quoted field")
		}
		if more.long || size+1+len(more.text) > MaxRecord {
			c.queue = append(c.queue, more)
			return c.broken(lines, fmt.Sprintf("quoted field still open at the %d-byte row limit", MaxRecord))
		}
		lines = append(lines, more)
		quotes += bytes.Count(more.text, quote)
		size += 1 + len(more.text)
	}
	text := true
	for _, l := range lines {
		text = text && isText(l.text)
	}
	if quotes == 0 {
		// No quotes at all: the fields are exactly the pieces between delimiters.
		c.fields = splitInto(c.fields[:0], lines[0].text, c.comma)
	} else {
		rec, err := c.parse(lines)
		if err != nil {
			return c.broken(lines, err.Error())
		}
		c.fields = rec
	}
	if c.PadShortRows && len(c.fields) < len(c.header) {
		c.fields = append(c.fields[:len(c.fields):len(c.fields)], make([]string, len(c.header)-len(c.fields))...)
	}
	if len(c.fields) != len(c.header) {
		return c.broken(lines, fmt.Sprintf("has %d fields, the header has %d", len(c.fields), len(c.header)))
	}
	if err := checkFields(lines[0].no, c.header, c.fields, text); err != nil {
		err.Raw = Snip(string(lines[0].text), 200)
		return Row{}, err
	}
	return Row{Line: lines[0].no, Header: c.header, Fields: c.fields}, nil
}

var quote = []byte{'"'}

// broken rejects the first line of a row and hands any further lines back, so a stray quote
// costs one line and the rows after it are still read as rows.
func (c *CSV) broken(lines []pline, reason string) (Row, error) {
	c.queue = append(append([]pline(nil), lines[1:]...), c.queue...)
	return Row{}, &RowError{Line: lines[0].no, Reason: reason, Raw: Snip(string(lines[0].text), 200)}
}

// parse hands the lines of one record to encoding/csv. When the library stops short of the
// record's end (a quoting error part-way), its buffer still holds the rest, so it is replaced.
//
// A quoted field after a space (`"a", "b"`, as abuse.ch's ThreatFox export writes its rows)
// is read once a record needs it: from then on the reader skips the spaces before every
// field, which costs a scan of each field that files without such spaces need not pay.
// Fields are read trimmed in any case.
func (c *CSV) parse(lines []pline) ([]string, error) {
	rec, err := c.parseOnce(lines)
	if err != nil && !c.cr.TrimLeadingSpace && errors.Is(err, csv.ErrBareQuote) {
		c.spaced = true
		c.newCSVReader()
		if again, err2 := c.parseOnce(lines); err2 == nil {
			return again, nil
		}
		c.spaced = false
		c.newCSVReader()
	}
	return rec, err
}

func (c *CSV) parseOnce(lines []pline) ([]string, error) {
	c.feed.load(lines)
	fed, start := int64(c.feed.Len()), c.cr.InputOffset()
	rec, err := c.cr.Read()
	if c.cr.InputOffset()-start != fed {
		c.newCSVReader()
		if err == nil {
			err = errors.New("malformed quoting")
		}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.Err
	}
	return rec, err
}

func (c *CSV) newCSVReader() {
	c.feed.Reset()
	c.cr = csv.NewReader(&c.feed)
	c.cr.Comma = rune(c.comma)
	c.cr.ReuseRecord = true
	c.cr.FieldsPerRecord = -1
	c.cr.TrimLeadingSpace = c.spaced
}

func (c *CSV) nextLine() (pline, bool, error) {
	if len(c.queue) > 0 {
		l := c.queue[0]
		c.queue = c.queue[1:]
		return l, true, nil
	}
	return c.readLine()
}

// readLine returns the next physical line, copied, numbered. While cols is set, the line's
// delimiters are counted as it goes by, so that a header too long to hold can still be told
// by its number of columns.
func (c *CSV) readLine() (pline, bool, error) {
	if c.eof {
		return pline{}, false, nil
	}
	var see func([]byte)
	if c.cols != nil {
		see = c.cols.add
	}
	l, ok, err := readLine(c.br, see)
	if err != nil || !ok {
		c.eof = true
		return pline{}, false, err
	}
	c.line++
	return pline{no: c.line, text: l.text, size: l.size, long: l.long}, true, nil
}

// columnCounter counts the comma, semicolon and tab delimiters outside quotes of a line it
// sees in pieces; the header's column count is one more than that of the most used.
type columnCounter struct {
	quoted bool
	n      [3]int
}

func (cc *columnCounter) add(b []byte) {
	for _, ch := range b {
		switch ch {
		case '"':
			cc.quoted = !cc.quoted
		case ',':
			if !cc.quoted {
				cc.n[0]++
			}
		case ';':
			if !cc.quoted {
				cc.n[1]++
			}
		case '\t':
			if !cc.quoted {
				cc.n[2]++
			}
		}
	}
}

func (cc *columnCounter) columns() int {
	return max(cc.n[0], cc.n[1], cc.n[2]) + 1
}

func splitInto(dst []string, line []byte, sep byte) []string {
	s := string(line)
	for {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}

// feeder hands encoding/csv exactly one logical record at a time, so the library never reads
// past the row boundary this type has decided.
type feeder struct{ bytes.Buffer }

func (f *feeder) load(lines []pline) {
	f.Reset()
	for _, l := range lines {
		f.Write(l.text)
		f.WriteByte('\n')
	}
}
