package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// JSONL reads JSON Lines: one object per line whose keys are field names. Strings, numbers
// and booleans become field text, null an empty field; a nested object or array is kept as
// its JSON text. The header is every key seen so far, in order of first appearance.
type JSONL struct {
	br     *bufio.Reader
	line   int
	header []string
	index  map[string]int
	fields []string
	first  *pending
}

type pending struct {
	row Row
	err error
}

// NewJSONL prepares a reader and reads ahead the first object so the header is known.
func NewJSONL(r io.Reader) (*JSONL, error) {
	j := &JSONL{br: bufio.NewReaderSize(r, 256<<10), index: map[string]int{}}
	row, err := j.next()
	if err == io.EOF {
		return nil, ErrNoHeader
	}
	if _, bad := err.(*RowError); err != nil && !bad {
		return nil, err
	}
	row.Fields = append([]string(nil), row.Fields...)
	j.first = &pending{row, err}
	return j, nil
}

// Header returns the keys seen so far.
func (j *JSONL) Header() []string { return j.header }

// Next returns the next row.
func (j *JSONL) Next() (Row, error) {
	if p := j.first; p != nil {
		j.first = nil
		p.row.Header = j.header
		return p.row, p.err
	}
	return j.next()
}

func (j *JSONL) next() (Row, error) {
	for {
		text, err := j.readLine()
		if err != nil {
			return Row{}, err
		}
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if len(text) > MaxRecord {
			return Row{}, &RowError{Line: j.line, Reason: fmt.Sprintf("line is over %d bytes", MaxRecord), Raw: Snip(string(text), 200)}
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			return Row{}, &RowError{Line: j.line, Reason: "not a JSON object: " + err.Error(), Raw: Snip(string(text), 200)}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // new keys join the header in a stable order
		j.fields = j.fields[:0]
		for _, k := range keys {
			name := strings.ToLower(strings.TrimSpace(k))
			i, ok := j.index[name]
			if !ok {
				i = len(j.header)
				j.index[name] = i
				j.header = append(j.header, name)
			}
			for len(j.fields) <= i {
				j.fields = append(j.fields, "")
			}
			v, err := scalar(obj[k])
			if err != nil {
				return Row{}, &RowError{Line: j.line, Field: name, Reason: err.Error(), Raw: Snip(string(text), 200)}
			}
			j.fields[i] = v
		}
		for len(j.fields) < len(j.header) {
			j.fields = append(j.fields, "")
		}
		if err := checkSizes(j.line, j.header, j.fields); err != nil {
			err.Raw = Snip(string(text), 200)
			return Row{}, err
		}
		return Row{Line: j.line, Header: j.header, Fields: j.fields}, nil
	}
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

func (j *JSONL) readLine() ([]byte, error) {
	var text []byte
	for {
		frag, err := j.br.ReadSlice('\n')
		if len(text) <= MaxRecord {
			text = append(text, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(text) > 0 {
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	j.line++
	return bytes.TrimRight(text, "\r\n"), nil
}
