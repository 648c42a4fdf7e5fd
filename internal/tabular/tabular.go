// Package tabular reads rows of named fields from CSV with a header row and from JSON Lines,
// with the line number of every row. A bad row is reported as a *RowError and reading goes on
// with the next row, so one broken quote, over-long row or field, NUL byte or byte sequence
// that is not text costs one row, never the file.
//
// Memory is bounded whatever the input: a row longer than MaxRecord is skipped without being
// held, and a header may name at most MaxColumns columns.
//
// Readers are not safe for concurrent use.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxField is the largest field, in bytes, a row may carry.
const MaxField = 64 << 10

// MaxRecord bounds one logical row (all its fields and lines) in bytes. A longer row is set
// aside as a *RowError; its bytes are read past, never held.
const MaxRecord = 1 << 20

// MaxColumns bounds the columns of a header. A CSV header with more is refused; a JSON Lines
// row whose keys would take the header past it is set aside.
const MaxColumns = 4096

// Row is one record. Fields line up with Header; a row shorter than the header (JSON Lines)
// leaves the rest empty. Fields are valid until the next call to Next.
type Row struct {
	Line   int      // line of the input where the row starts, from 1
	Header []string // shared by all rows of a reader; it may grow (JSON Lines)
	Fields []string
	// From and Orig are set on rows mapped from a feed's own columns: From names, for each
	// field, the feed's column it came from ("" where the mapping made it up), and Orig holds
	// the feed's row, so that a rejection speaks of what the file holds.
	From, Orig []string
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

// Snip cuts s to at most n bytes at a character boundary, marking the cut. The result is
// always valid UTF-8 without NUL bytes, fit to store and show: each byte that is not text
// becomes U+FFFD.
func Snip(s string, n int) string {
	if len(s) > n {
		for n > 0 && s[n]&0xC0 == 0x80 {
			n--
		}
		s = s[:n] + "…"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// tooLong is the reason a row over MaxRecord is set aside.
func tooLong(size int64) string {
	return fmt.Sprintf("row is %d bytes, the limit is %d", size, MaxRecord)
}

// isText reports whether b is valid UTF-8 without NUL bytes. Every reader decodes its input
// to UTF-8 and passes each byte sequence the input's encoding does not define through as
// bytes that are not UTF-8, so this is the test that a row is text.
func isText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

// notText says why field s is not text, or "" when it is.
func notText(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fmt.Sprintf("holds a NUL byte at byte %d", i+1)
	}
	if !utf8.ValidString(s) {
		for i, r := range s {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
					return fmt.Sprintf("holds bytes that are not text in the input's encoding, from byte %d", i+1)
				}
			}
		}
	}
	return ""
}

// CheckText returns a *RowError naming the first field of row that holds a NUL byte or bytes
// that are not text, or nil. The readers of this package check their rows themselves; this is
// for readers that do not.
func CheckText(row Row) *RowError {
	for i, f := range row.Fields {
		if why := notText(f); why != "" {
			return &RowError{Line: row.Line, Field: columnName(row.Header, i), Reason: why, Raw: Snip(strings.Join(row.Fields, ","), 200)}
		}
	}
	return nil
}

// columnName is the header's name of column i, or its position when the header has none.
func columnName(header []string, i int) string {
	if i < len(header) && header[i] != "" {
		return header[i]
	}
	return fmt.Sprintf("#%d", i+1)
}

// checkFields sets aside a row with a field over MaxField or, when text is false (the row's
// bytes are not all text), the field that holds a NUL byte or bytes that are not text.
func checkFields(line int, header, fields []string, text bool) *RowError {
	for i, f := range fields {
		if len(f) > MaxField {
			return &RowError{Line: line, Field: columnName(header, i), Reason: fmt.Sprintf("is %d bytes, over the %d-byte limit", len(f), MaxField)}
		}
	}
	if text {
		return nil
	}
	for i, f := range fields {
		if why := notText(f); why != "" {
			return &RowError{Line: line, Field: columnName(header, i), Reason: why}
		}
	}
	return nil
}
