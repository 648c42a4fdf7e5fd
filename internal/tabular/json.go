package tabular

import (
	"fmt"
	"strings"
)

// jsonShape follows the structure of JSON text fed to it in pieces, without keeping the text:
// how deep the nesting is, whether a string is open, the keys of the top-level object and
// the number and kind of the top-level array's elements. It is how a JSON document is told
// from JSON Lines, and described, in memory that does not grow with the document.
type jsonShape struct {
	top      byte // '{' or '[': the first value's opening byte; 0 before it
	depth    int
	done     bool // the first value has closed
	inString bool
	escaped  bool
	last     byte // the last byte that is not white space

	expectKey  bool // at depth 1 of an object, where the next string is a key
	readingKey bool
	key        []byte
	keys       []string // the first maxShapeKeys top-level keys
	nkeys      int

	expectElem bool // at depth 1 of an array, where the next value is an element
	elems      int
	objects    int // elements that are objects
}

const (
	maxShapeKeys   = 10
	maxShapeKeyLen = 64
)

// Write implements io.Writer; it never fails.
func (s *jsonShape) Write(b []byte) (int, error) {
	for _, c := range b {
		s.feed(c)
	}
	return len(b), nil
}

func (s *jsonShape) feed(c byte) {
	if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
		s.last = c
	}
	if s.inString {
		switch {
		case s.escaped:
			s.escaped = false
		case c == '\\':
			s.escaped = true
		case c == '"':
			s.inString = false
			if s.readingKey {
				s.readingKey = false
				s.nkeys++
				if len(s.keys) < maxShapeKeys {
					s.keys = append(s.keys, Snip(string(s.key), maxShapeKeyLen))
				}
			}
			return
		}
		if s.readingKey && len(s.key) <= maxShapeKeyLen {
			s.key = append(s.key, c)
		}
		return
	}
	if s.done {
		return
	}
	switch c {
	case ' ', '\t', '\r', '\n':
	case '"':
		s.inString = true
		if s.depth == 1 && s.top == '{' && s.expectKey {
			s.expectKey, s.readingKey, s.key = false, true, s.key[:0]
		}
		s.element(c)
	case '{', '[':
		if s.depth == 0 && s.top == 0 {
			s.top = c
		}
		s.element(c)
		s.depth++
		if s.depth == 1 {
			s.expectKey, s.expectElem = c == '{', c == '['
		}
	case '}', ']':
		s.depth--
		if s.depth <= 0 && s.top != 0 {
			s.done = true
		}
	case ',':
		if s.depth == 1 {
			s.expectKey, s.expectElem = s.top == '{', s.top == '['
		}
	default:
		s.element(c)
	}
}

// element counts a value that starts with c when it is an element of the top-level array.
func (s *jsonShape) element(c byte) {
	if s.depth == 1 && s.top == '[' && s.expectElem {
		s.expectElem = false
		s.elems++
		if c == '{' {
			s.objects++
		}
	}
}

// document reports, after the first line that is not blank has been fed, whether the input
// is a JSON document rather than JSON Lines: its first value is an array, or an object still
// open at the end of the line where a pretty-printer breaks lines (after {, [, , or :).
func (s *jsonShape) document() bool {
	if s.top == '[' {
		return true
	}
	return s.top == '{' && !s.done && !s.inString && strings.IndexByte("{[,:", s.last) >= 0
}

// describe names what the document holds: its top-level keys, or its array's elements.
func (s *jsonShape) describe() string {
	if s.top == '[' {
		switch {
		case s.elems == 1 && s.objects == 1:
			return "an array of 1 object"
		case s.elems == s.objects:
			return fmt.Sprintf("an array of %d objects", s.elems)
		case s.elems == 1:
			return "an array of 1 value"
		}
		return fmt.Sprintf("an array of %d values", s.elems)
	}
	switch {
	case s.nkeys == 0:
		return "an object without keys"
	case s.nkeys > len(s.keys):
		return fmt.Sprintf("top-level keys %s, … (%d in all)", strings.Join(s.keys, ", "), s.nkeys)
	case s.nkeys == 1:
		return "top-level key " + s.keys[0]
	}
	return "top-level keys " + strings.Join(s.keys, ", ")
}
