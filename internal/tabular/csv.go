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
	fields []string
	eof    bool
}

type pline struct {
	no   int
	text []byte // without the line break
}

// NewCSV reads the header row of r. The delimiter is the one of comma, semicolon or tab that
// the header uses most. Lines starting with # before the first row are a preamble; when the
// last of them lists columns ("# id,dateadded,url,…", as abuse.ch's dumps write it), it is the
// header.
func NewCSV(r io.Reader) (*CSV, error) {
	c := &CSV{br: bufio.NewReaderSize(r, 256<<10)}
	var first, comment pline
	for {
		l, ok, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrNoHeader
		}
		if bytes.HasPrefix(l.text, []byte{'#'}) {
			comment = l
			continue
		}
		if len(l.text) > 0 {
			first = l
			break
		}
	}
	if h := bytes.TrimSpace(bytes.TrimLeft(comment.text, "#")); bytes.IndexByte(h, ',') > 0 {
		// The commented line is the header when the first line, read as a row, has as many
		// fields as it names columns.
		c.comma = ','
		c.newCSVReader()
		if rec, err := c.parse([]pline{first}); err == nil && len(rec) == bytes.Count(h, []byte{','})+1 {
			c.queue = append(c.queue, first) // the first line is data
			first = pline{no: comment.no, text: h}
		}
	}
	c.comma = ','
	for _, d := range []byte{';', '\t'} {
		if bytes.Count(first.text, []byte{d}) > bytes.Count(first.text, []byte{c.comma}) {
			c.comma = d
		}
	}
	c.newCSVReader()
	rec, err := c.parse([]pline{first})
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	c.header = make([]string, len(rec))
	for i, h := range rec {
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
		if !ok || size+len(more.text) > MaxRecord {
			if ok {
				c.queue = append(c.queue, more)
			}
			return c.broken(lines, "unterminated quoted field")
		}
		lines = append(lines, more)
		quotes += bytes.Count(more.text, quote)
		size += len(more.text)
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
	if err := checkSizes(lines[0].no, c.header, c.fields); err != nil {
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
func (c *CSV) parse(lines []pline) ([]string, error) {
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
}

func (c *CSV) nextLine() (pline, bool, error) {
	if len(c.queue) > 0 {
		l := c.queue[0]
		c.queue = c.queue[1:]
		return l, true, nil
	}
	return c.readLine()
}

// readLine returns the next physical line, copied. A line longer than MaxRecord is cut there;
// the rest is still consumed so the next line starts where it should.
func (c *CSV) readLine() (pline, bool, error) {
	if c.eof {
		return pline{}, false, nil
	}
	var text []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		if len(text) < MaxRecord+1 {
			text = append(text, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			c.eof = true
			if len(text) == 0 {
				return pline{}, false, nil
			}
			break
		}
		if err != nil {
			return pline{}, false, err
		}
		break
	}
	c.line++
	text = bytes.TrimSuffix(text, []byte{'\n'})
	text = bytes.TrimSuffix(text, []byte{'\r'})
	return pline{no: c.line, text: text}, true, nil
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
