package jsondoc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// scanner walks a JSON document's structure a byte at a time, counting lines: it finds where
// each value starts and ends without decoding it, and keeps the bytes of a value only up to a
// limit, so that a document of any size, or a record of any length, is read in bounded memory.
// It checks only what it needs to find the ends of values; encoding/json checks each record.
type scanner struct {
	br   *bufio.Reader
	line int // the line of the byte read last, from 1
}

// errEnd is a document that ends inside a value.
var errEnd = errors.New("the document ends early")

func (s *scanner) next() (byte, error) {
	c, err := s.br.ReadByte()
	if err == io.EOF {
		return 0, errEnd
	}
	if c == '\n' {
		s.line++
	}
	return c, err
}

// space returns the next byte that is not white space, or io.EOF at the end.
func (s *scanner) space() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return c, nil
		}
	}
}

// value reads the rest of a value whose first byte c has been read, appending its bytes to buf
// while buf holds fewer than max; long tells that the value had more bytes than that.
func (s *scanner) value(c byte, buf []byte, max int) (out []byte, long bool, err error) {
	keep := func(c byte) {
		if len(buf) < max {
			buf = append(buf, c)
		} else {
			long = true
		}
	}
	keep(c)
	switch c {
	case '{', '[':
		depth := 1
		for depth > 0 {
			if c, err = s.next(); err != nil {
				return buf, long, err
			}
			keep(c)
			switch c {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				if err := s.str(keep); err != nil {
					return buf, long, err
				}
			}
		}
		return buf, long, nil
	case '"':
		return buf, long, s.str(keep)
	}
	// A number, true, false or null: up to the byte that ends it, which is left unread.
	for {
		c, err := s.br.ReadByte()
		if err == io.EOF {
			return buf, long, nil
		}
		if err != nil {
			return buf, long, err
		}
		switch c {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return buf, long, s.br.UnreadByte()
		}
		keep(c)
	}
}

// str reads the rest of a string whose opening quote has been read.
func (s *scanner) str(keep func(byte)) error {
	escaped := false
	for {
		c, err := s.next()
		if err != nil {
			return err
		}
		keep(c)
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			return nil
		}
	}
}

// expect reads the next byte that is not white space and checks it is one of want.
func (s *scanner) expect(want string) (byte, error) {
	c, err := s.space()
	if err == io.EOF {
		return 0, errEnd
	}
	if err != nil {
		return 0, err
	}
	for i := 0; i < len(want); i++ {
		if c == want[i] {
			return c, nil
		}
	}
	return c, fmt.Errorf("line %d: %q where the document has one of %q", s.line, c, want)
}
