// Package urllist reads a plain list of phishing URLs, one per line, as OpenPhish's community
// feed publishes it, into rows of sitrep's event format. The list says nothing of when each
// URL was seen, so every row gets the time the list was fetched: the caller's to give (the
// file's modification time, by default).
package urllist

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"

	"sitrep/internal/tabular"
)

// Header is the native event fields the rows carry.
var Header = []string{"time", "kind", "url", "source"}

// Reader yields one phishing event per non-blank line; lines starting with # are comments.
type Reader struct {
	br     *bufio.Reader
	line   int
	when   string
	source string
	fields []string
}

// Looks reports whether the start of an input looks like a URL list: its first line that is
// not a comment is a single http(s) URL.
func Looks(head []byte) bool {
	for _, l := range bytes.Split(head, []byte{'\n'}) {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		s := strings.ToLower(string(l))
		return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !bytes.ContainsAny(l, ", \t\"")
	}
	return false
}

// NewReader reads a list fetched at when, naming source as the rows' feed.
func NewReader(r io.Reader, when time.Time, source string) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), when: when.UTC().Format(time.RFC3339), source: source, fields: make([]string, len(Header))}
}

// Header implements tabular.Reader.
func (r *Reader) Header() []string { return Header }

// Next implements tabular.Reader.
func (r *Reader) Next() (tabular.Row, error) {
	for {
		text, err := r.br.ReadString('\n')
		if text == "" && err != nil {
			return tabular.Row{}, err
		}
		r.line++
		u := strings.TrimSpace(text)
		if u == "" || strings.HasPrefix(u, "#") {
			continue
		}
		if len(u) > tabular.MaxField {
			return tabular.Row{}, &tabular.RowError{Line: r.line, Field: "url", Reason: "line is over the field limit", Raw: tabular.Snip(u, 200)}
		}
		copy(r.fields, []string{r.when, "phishing", u, r.source})
		return tabular.Row{Line: r.line, Header: Header, Fields: r.fields}, nil
	}
}
