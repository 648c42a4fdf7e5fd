package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// JSONL reads JSON Lines: one object per line whose keys are field names. Strings, numbers
// and booleans become field text, null an empty field; a nested object or array is kept as
// its JSON text. The header is every key seen so far, in order of first appearance, up to
// MaxColumns.
type JSONL struct {
	br     *bufio.Reader
	line   int
	header []string
	index  map[string]int
	fields []string
	ahead  []pending // rows read ahead to find the header, handed out first
	shape  *jsonShape
}

type pending struct {
	row Row
	err error
}

// maxLookahead is how many lines NewJSONL reads past rows it cannot read, looking for the
// first object that gives the header.
const maxLookahead = 1024

// DocumentError refuses a JSON document (not JSON Lines): what it holds, and its top-level
// keys, by which a caller may know what document it is.
type DocumentError struct {
	Keys []string
	What string
}

func (e *DocumentError) Error() string {
	return "a JSON document, not a format sitrep reads: " + e.What
}

// NewJSONL prepares a reader and reads ahead to the first object that can be read, so the
// header is known; the rows before it that could not be read are handed out first, as row
// errors.
//
// An input whose first value is an array, or an object that goes on over more lines (a
// pretty-printed JSON document), is not JSON Lines: it is refused with an error that names
// the document's top-level keys or the number of its elements. The document is followed to
// its end to count them, one byte at a time, without holding it.
func NewJSONL(r io.Reader) (*JSONL, error) {
	j := &JSONL{br: bufio.NewReaderSize(r, 256<<10), index: map[string]int{}}
	var shape jsonShape
	j.shape = &shape
	l, err := j.readLine()
	j.shape = nil
	if err == io.EOF {
		return nil, ErrNoHeader
	}
	if err != nil {
		return nil, err
	}
	if shape.document() {
		if _, err := io.Copy(&shape, j.br); err != nil {
			return nil, err
		}
		return nil, &DocumentError{Keys: shape.keys, What: shape.describe()}
	}
	row, err := j.parse(l)
	for i := 0; i < maxLookahead; i++ {
		var re *RowError
		if !errors.As(err, &re) {
			break
		}
		j.ahead = append(j.ahead, pending{err: err})
		row, err = j.next()
	}
	switch {
	case err == io.EOF:
		if len(j.ahead) > 0 {
			return nil, fmt.Errorf("no line holds a JSON object that can be read; the first: %w", j.ahead[0].err)
		}
		return nil, ErrNoHeader
	case err != nil:
		var re *RowError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("none of the first %d lines holds a JSON object that can be read; the first: %w", len(j.ahead), j.ahead[0].err)
		}
		return nil, err
	}
	row.Fields = append([]string(nil), row.Fields...)
	j.ahead = append(j.ahead, pending{row: row})
	return j, nil
}

// Header returns the keys seen so far.
func (j *JSONL) Header() []string { return j.header }

// Next returns the next row.
func (j *JSONL) Next() (Row, error) {
	if len(j.ahead) > 0 {
		p := j.ahead[0]
		j.ahead = j.ahead[1:]
		if p.err == nil {
			p.row.Header = j.header
		}
		return p.row, p.err
	}
	return j.next()
}

func (j *JSONL) next() (Row, error) {
	l, err := j.readLine()
	if err != nil {
		return Row{}, err
	}
	return j.parse(l)
}

// jline is one non-blank line: its number, its text (only the start of a long line), and
// whether it was over MaxRecord, with its size.
type jline struct {
	no   int
	text []byte
	size int64
	long bool
}

func (j *JSONL) parse(l jline) (Row, error) {
	text := l.text
	if l.long {
		return Row{}, &RowError{Line: l.no, Reason: tooLong(l.size), Raw: Snip(string(text), 200)}
	}
	if !isText(text) {
		field, why := badField(text)
		return Row{}, &RowError{Line: l.no, Field: field, Reason: why, Raw: Snip(string(text), 200)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(text, &obj); err != nil {
		return Row{}, &RowError{Line: l.no, Reason: "not a JSON object: " + err.Error(), Raw: Snip(string(text), 200)}
	}
	keys := make([]string, 0, len(obj))
	names := make(map[string]string, len(obj))
	added := 0
	for k := range obj {
		keys = append(keys, k)
		name := strings.ToLower(strings.TrimSpace(k))
		names[k] = name
		if _, ok := j.index[name]; !ok {
			j.index[name] = -1 // counted once; given its place below
			added++
		}
	}
	if len(j.header)+added > MaxColumns {
		for k := range obj {
			if j.index[names[k]] < 0 {
				delete(j.index, names[k])
			}
		}
		return Row{}, &RowError{Line: l.no, Reason: fmt.Sprintf("its keys would take the header to %d columns, the limit is %d", len(j.header)+added, MaxColumns), Raw: Snip(string(text), 200)}
	}
	sort.Strings(keys) // new keys join the header in a stable order
	j.fields = j.fields[:0]
	for _, k := range keys {
		name := names[k]
		i := j.index[name]
		if i < 0 {
			i = len(j.header)
			j.index[name] = i
			j.header = append(j.header, name)
		}
		for len(j.fields) <= i {
			j.fields = append(j.fields, "")
		}
		v, err := scalar(obj[k])
		if err != nil {
			return Row{}, &RowError{Line: l.no, Field: name, Reason: err.Error(), Raw: Snip(string(text), 200)}
		}
		j.fields[i] = v
	}
	for len(j.fields) < len(j.header) {
		j.fields = append(j.fields, "")
	}
	if err := checkFields(l.no, j.header, j.fields, true); err != nil {
		err.Raw = Snip(string(text), 200)
		return Row{}, err
	}
	return Row{Line: l.no, Header: j.header, Fields: j.fields}, nil
}

// badField names the key whose value holds a NUL byte or bytes that are not text, and why.
// encoding/json would turn such bytes into U+FFFD without a word, so a line is checked
// before it is decoded. A NUL byte is swapped for a byte that is not UTF-8, which the JSON
// grammar lets through in a string as it does not a NUL byte, so that the line still decodes
// and the value that holds it can be found; the reason is then told from the value as the
// line writes it.
func badField(text []byte) (field, why string) {
	why = notText(string(text))
	marked := bytes.ReplaceAll(text, []byte{0}, []byte{0xFF})
	var obj map[string]json.RawMessage
	if json.Unmarshal(marked, &obj) != nil {
		return "", why
	}
	keys := make([]string, 0, len(obj))
	for k, v := range obj {
		if !isText([]byte(k)) || !isText(v) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", why
	}
	sort.Strings(keys)
	k, v := keys[0], obj[keys[0]]
	if at := bytes.Index(marked, v); isText([]byte(k)) && at >= 0 {
		value := text[at : at+len(v)]
		if len(value) >= 2 && value[0] == '"' {
			value = value[1 : len(value)-1]
		}
		if w := notText(string(value)); w != "" {
			why = w
		}
	}
	return Snip(strings.ToLower(strings.TrimSpace(k)), 64), why
}

func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		return string(raw), nil
	}
	return string(raw), nil // a number or a boolean, as written
}

// readLine returns the next line that is not blank. While j.shape is set, every byte read is
// fed to it.
func (j *JSONL) readLine() (jline, error) {
	var see func([]byte)
	if j.shape != nil {
		see = func(b []byte) { j.shape.Write(b) }
	}
	for {
		l, ok, err := readLine(j.br, see)
		if err != nil {
			return jline{}, err
		}
		if !ok {
			return jline{}, io.EOF
		}
		j.line++
		if !l.long && len(bytes.TrimSpace(l.text)) == 0 {
			continue
		}
		return jline{no: j.line, text: l.text, size: l.size, long: l.long}, nil
	}
}
