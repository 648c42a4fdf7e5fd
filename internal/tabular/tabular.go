// Package tabular reads rows of named fields from CSV with a header row and from JSON Lines,
// with the line number of every row. A bad row is reported as a *RowError and reading goes on
// with the next row, so one broken quote or over-long field costs one row, never the file.
//
// Readers are not safe for concurrent use.
package tabular

import (
	"errors"
	"fmt"
)

// MaxField is the largest field, in bytes, a row may carry.
const MaxField = 64 << 10

// MaxRecord bounds one logical row (all its fields and lines) in bytes.
const MaxRecord = 1 << 20

// Row is one record. Fields line up with Header; a row shorter than the header (JSON Lines)
// leaves the rest empty. Fields are valid until the next call to Next.
type Row struct {
	Line   int      // line of the input where the row starts, from 1
	Header []string // shared by all rows of a reader; it may grow (JSON Lines)
	Fields []string
}

// Get returns field i, or "" when the row has no such field.
func (r *Row) Get(i int) string {
	if i < 0 || i >= len(r.Fields) {
		return ""
	}
	return r.Fields[i]
}

// RowError is a row that could not be read; the reader continues after it.
type RowError struct {
	Line   int
	Field  string // empty when the row as a whole is broken
	Reason string
	Raw    string // the row's text, cut to a readable length
}

func (e *RowError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: field %s: %s", e.Line, e.Field, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// ErrNoHeader is returned when an input has no header row or first object.
var ErrNoHeader = errors.New("no header row")

// Reader yields rows until io.EOF. Next returns a *RowError for a bad row and any other
// error for input that cannot be read further.
type Reader interface {
	Header() []string
	Next() (Row, error)
}

// Snip cuts s to at most n bytes at a character boundary, marking the cut.
func Snip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func checkSizes(line int, header, fields []string) *RowError {
	for i, f := range fields {
		if len(f) > MaxField {
			name := fmt.Sprintf("#%d", i+1)
			if i < len(header) {
				name = header[i]
			}
			return &RowError{Line: line, Field: name, Reason: fmt.Sprintf("is %d bytes, over the %d-byte limit", len(f), MaxField)}
		}
	}
	return nil
}
