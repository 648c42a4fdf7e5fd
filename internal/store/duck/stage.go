package duck

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A staged file carries a batch from Go to DuckDB: Go writes the rows as CSV, DuckDB's
// parallel CSV reader loads them inside the batch's transaction. This is several times faster
// than appending row by row through the driver, and the file is gone once the batch commits.

// column is one column of a staging file: its name and the DuckDB type it is read as.
type column struct{ name, typ string }

// stager writes one staging file.
type stager struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	w    *csv.Writer
	rec  []string
}

func (d *DB) newStager(width int) (*stager, error) {
	path := filepath.Join(d.tmp, fmt.Sprintf("stage-%d-%d.csv", os.Getpid(), d.seq.Add(1)))
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	return &stager{path: path, f: f, bw: bw, w: csv.NewWriter(bw), rec: make([]string, 0, width)}, nil
}

// row writes the fields collected with the helpers below and starts a new row.
func (s *stager) row() error {
	err := s.w.Write(s.rec)
	s.rec = s.rec[:0]
	return err
}

func (s *stager) str(v string)   { s.rec = append(s.rec, v) }
func (s *stager) num(v int64)    { s.rec = append(s.rec, strconv.FormatInt(v, 10)) }
func (s *stager) ts(t time.Time) { s.num(t.UnixMicro()) }

func (s *stager) optTS(t *time.Time) {
	if t == nil {
		s.str("")
		return
	}
	s.ts(*t)
}

func (s *stager) optBool(b *bool) {
	switch {
	case b == nil:
		s.str("")
	case *b:
		s.str("true")
	default:
		s.str("false")
	}
}

func (s *stager) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		s.f.Close()
		return err
	}
	if err := s.bw.Flush(); err != nil {
		s.f.Close()
		return err
	}
	return s.f.Close()
}

func (s *stager) remove() { os.Remove(s.path) }

// readCSV returns the SQL that reads a staging file as a relation with the given columns.
// Timestamps travel as microseconds since the epoch; empty fields are NULL.
func readCSV(path string, cols []column) string {
	var decl, sel []string
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
	return fmt.Sprintf(`SELECT %s FROM read_csv('%s', header=false, auto_detect=false, delim=',', quote='"', escape='"', allow_quoted_nulls=false, columns={%s})`,
		strings.Join(sel, ", "), strings.ReplaceAll(path, "'", "''"), strings.Join(decl, ", "))
}

func names(cols []column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}
