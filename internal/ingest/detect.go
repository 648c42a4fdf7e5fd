package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"sitrep/internal/feed/cnvd"
	"sitrep/internal/feed/jsondoc"
	"sitrep/internal/feed/urllist"
	"sitrep/internal/tabular"
)

// newRowReader recognises an input's shape by its first byte that is not white space, however
// long its first line: by '{' or '[' the JSON documents of vulnerability data (CVE records, NVD
// pages, CISA's KEV catalog) by their keys, else JSON Lines by '{' (another JSON document
// pretty-printed over many lines is refused as one, naming its top-level keys), a JSON array
// by '[' (refused, with its count of elements), CNVD's XML by '<' (XML with another root is
// refused, naming it), a plain list of URLs by its first line; anything else is CSV.
func newRowReader(r io.Reader, opt Options) (tabular.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return nil, errors.New("empty input")
		}
		if err != nil {
			return nil, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		}
		if opt.Document != "" && b[0] != '{' && b[0] != '[' {
			return nil, fmt.Errorf("not JSON, so not %s (%s)", opt.Document, opt.Document.Describe())
		}
		switch b[0] {
		case '{', '[':
			head, _ := br.Peek(br.Size())
			kind, ok := jsondoc.Sniff(head)
			if opt.Document != "" { // the caller says which document it is: trusted unless it is another
				if ok && kind != opt.Document {
					return nil, fmt.Errorf("%s, not %s", kind.Describe(), opt.Document)
				}
				return jsondoc.Open(br, opt.Document)
			}
			if ok {
				return jsondoc.Open(br, kind)
			}
			if b[0] == '{' || jsonArray(br) {
				return tabular.NewJSONL(br)
			}
		case '<':
			x, err := cnvd.Open(br)
			if err != nil {
				return nil, err
			}
			return x, nil
		}
		if head, _ := br.Peek(4096); urllist.Looks(head) {
			source := opt.Source
			if source == "" {
				source = "url-list"
			}
			return textRows{urllist.NewReader(&lineCap{r: br, max: tabular.MaxRecord}, opt.Observed, source)}, nil
		}
		return tabular.NewCSV(br)
	}
}

// jsonArray tells a JSON array from a CSV whose first header cell starts with '[': after the
// bracket and any white space comes what starts a JSON value, or the closing bracket.
func jsonArray(br *bufio.Reader) bool {
	head, _ := br.Peek(br.Size())
	rest := bytes.TrimLeft(head[1:], " \t\r\n")
	return len(rest) == 0 || bytes.IndexByte([]byte(`{["-0123456789tfn]`), rest[0]) >= 0
}

// textRows sets aside the rows of a reader that does not check its fields are text (the URL
// list's): a field with a NUL byte, or bytes the input's encoding does not define, costs its
// row rather than reaching the store.
type textRows struct{ tabular.Reader }

func (t textRows) Next() (tabular.Row, error) {
	row, err := t.Reader.Next()
	if err != nil {
		return row, err
	}
	if re := tabular.CheckText(row); re != nil {
		return tabular.Row{}, re
	}
	return row, nil
}

// lineCap passes its input through but drops the bytes of each line past max, so that a
// reader that holds a line whole (the URL list's) holds at most max bytes of it. A line cut so
// is still over the field limit, and set aside for it.
type lineCap struct {
	r   io.Reader
	max int
	col int // bytes of the current line so far, counted up to max+1
}

func (l *lineCap) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			switch {
			case c == '\n':
				l.col = 0
			case l.col < l.max:
				l.col++
			default:
				continue
			}
			p[k] = c
			k++
		}
		if k > 0 || err != nil || n == 0 {
			return k, err
		}
	}
}
