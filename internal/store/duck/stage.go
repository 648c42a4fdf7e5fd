package duck

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// A batch travels from Go to DuckDB as CSV files: the ingest encodes rows on every core and
// appends them to the batch's files, and Commit has DuckDB's parallel CSV reader load them
// inside the batch's transaction. This is several times faster than appending row by row
// through the driver, holds no batch in memory, and the files are gone once the batch is
// committed or dropped.

// column is one column of a staging file: its name and the DuckDB type it is read as.
type column struct{ name, typ string }

// rowWriter encodes rows for DuckDB's CSV reader: fields separated by commas, a field that
// holds a comma, quote or line break quoted with its quotes doubled (RFC 4180), an empty field
// read as NULL. Timestamps travel as microseconds since the epoch. The staging files are
// sitrep's own channel into DuckDB, written on the ingest's hottest path, so fields are
// appended directly rather than through encoding/csv's buffered writer; the round trip is
// tested against encoding/csv's reader.
type rowWriter struct {
	buf   []byte
	first bool
}

func (r *rowWriter) sep() {
	if !r.first {
		r.buf = append(r.buf, ',')
	}
	r.first = false
}

func (r *rowWriter) str(v string) {
	r.sep()
	if needsQuotes(v) {
		r.buf = append(r.buf, '"')
		for {
			i := strings.IndexByte(v, '"')
			if i < 0 {
				break
			}
			r.buf = append(r.buf, v[:i+1]...)
			r.buf = append(r.buf, '"')
			v = v[i+1:]
		}
		r.buf = append(r.buf, v...)
		r.buf = append(r.buf, '"')
		return
	}
	r.buf = append(r.buf, v...)
}

func needsQuotes(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

func (r *rowWriter) num(v int64) {
	r.sep()
	r.buf = strconv.AppendInt(r.buf, v, 10)
}

func (r *rowWriter) ts(t time.Time) { r.num(t.UnixMicro()) }

func (r *rowWriter) optTS(t *time.Time) {
	if t == nil {
		r.str("")
		return
	}
	r.ts(*t)
}

func (r *rowWriter) optBool(b *bool) {
	switch {
	case b == nil:
		r.str("")
	case *b:
		r.str("true")
	default:
		r.str("false")
	}
}

// encode appends the rows that write produces for each of n records to dst.
func encode(dst []byte, n int, write func(r *rowWriter, i int)) []byte {
	r := &rowWriter{buf: dst}
	for i := 0; i < n; i++ {
		r.first = true
		write(r, i)
		r.buf = append(r.buf, '\n')
	}
	return r.buf
}

// EncodeEvents implements store.Staging.
func (d *DB) EncodeEvents(dst []byte, evs []event.Event) []byte {
	if cap(dst)-len(dst) < 128*len(evs) {
		dst = append(make([]byte, 0, len(dst)+128*len(evs)), dst...)
	}
	return encode(dst, len(evs), func(r *rowWriter, i int) { writeEvent(r, &evs[i]) })
}

// EncodeRejects implements store.Staging.
func (d *DB) EncodeRejects(dst []byte, rs []store.Reject) []byte {
	return encode(dst, len(rs), func(r *rowWriter, i int) {
		x := &rs[i]
		r.num(int64(x.Line))
		r.str(x.Field)
		r.str(x.Reason)
		r.str(x.Raw)
	})
}

// stage is a batch's staging files, created on first use.
type stage struct {
	d               *DB
	events, rejects stageFile
	span            store.Range // the times of the events added
}

type stageFile struct {
	f    *os.File
	rows int
}

var _ store.Staging = (*DB)(nil)

// NewStage implements store.Staging.
func (d *DB) NewStage() (store.Stage, error) { return &stage{d: d}, nil }

// AddEvents implements store.Stage.
func (s *stage) AddEvents(chunk []byte, rows int, span store.Range) error {
	if rows > 0 {
		s.span = s.span.Union(span)
	}
	return s.add(&s.events, chunk, rows)
}

// AddRejects implements store.Stage.
func (s *stage) AddRejects(chunk []byte, rows int) error { return s.add(&s.rejects, chunk, rows) }

func (s *stage) add(sf *stageFile, chunk []byte, rows int) error {
	if rows == 0 {
		return nil
	}
	if sf.f == nil {
		f, err := s.d.tempFile()
		if err != nil {
			return err
		}
		sf.f = f
	}
	sf.rows += rows
	_, err := sf.f.Write(chunk)
	return err
}

// Discard implements store.Stage.
func (s *stage) Discard() {
	for _, sf := range []*stageFile{&s.events, &s.rejects} {
		if sf.f != nil {
			sf.f.Close()
			os.Remove(sf.f.Name())
			sf.f = nil
		}
	}
}

// close finishes writing and returns the files to load, nil where there are no rows.
func (sf *stageFile) close() (string, error) {
	if sf.f == nil {
		return "", nil
	}
	return sf.f.Name(), sf.f.Close()
}

// tempFile creates a new staging file, readable by the store's owner only: it holds a copy
// of the input's rows, restricted ones included.
func (d *DB) tempFile() (*os.File, error) {
	name := filepath.Join(d.tmp, fmt.Sprintf("stage-%d-%d.csv", os.Getpid(), d.seq.Add(1)))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return nil, fmt.Errorf("staging file: %w", err)
	}
	return f, nil
}

// writeTemp writes data to a new staging file and returns its name.
func (d *DB) writeTemp(data []byte) (string, error) {
	f, err := d.tempFile()
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

// readCSV returns the SQL that reads staging files as a relation with the given columns and
// then the input's ID as input_id.
func readCSV(paths []string, cols []column, input int64) string {
	var decl, sel, quoted []string
	for _, c := range cols {
		typ := c.typ
		expr := c.name
		if typ == "TIMESTAMP" {
			typ = "BIGINT"
			expr = fmt.Sprintf("make_timestamp(%s) AS %s", c.name, c.name)
		}
		decl = append(decl, fmt.Sprintf("'%s': '%s'", c.name, typ))
		sel = append(sel, expr)
	}
	for _, p := range paths {
		quoted = append(quoted, "'"+strings.ReplaceAll(p, "'", "''")+"'")
	}
	sel = append(sel, fmt.Sprintf("%d::BIGINT AS input_id", input))
	return fmt.Sprintf(`SELECT %s FROM read_csv([%s], header=false, auto_detect=false, delim=',', quote='"', escape='"', allow_quoted_nulls=false, max_line_size=4194304, columns={%s})`,
		strings.Join(sel, ", "), strings.Join(quoted, ", "), strings.Join(decl, ", "))
}

func names(cols []column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}
