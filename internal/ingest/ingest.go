// Package ingest takes an input from bytes to stored records: it fingerprints the input,
// recognises its encoding and format, reads rows, validates and enriches them on every core,
// and commits them in batches that land whole or not at all, each with its ledger entry. Bad
// rows go to the quarantine with their line, field and reason; the rest of the input lands.
//
// A batch is a fixed count of rows in input order, so the batches of an input are the same on
// every run: a rerun after a crash skips the batches the ledger holds and finishes the rest,
// and a rerun of a finished input stores nothing.
package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"sitrep/internal/charset"
	"sitrep/internal/feed/native"
	"sitrep/internal/store"
	"sitrep/internal/tabular"
)

// DefaultBatch is the number of rows per batch: one DuckDB row group, so a batch is written
// to the database file directly rather than through its log.
const DefaultBatch = 122880

// Options configure a run.
type Options struct {
	Format      native.Format // empty: recognised from the header
	Source      string        // source of rows that name none
	Zone        *time.Location
	GovSuffixes []string
	BatchSize   int
	Workers     int
	Now         time.Time // for refusing times in the future; zero is time.Now()
	TempDir     string    // where stdin is spooled; empty is the system's
}

// Summary is what an ingest did.
type Summary struct {
	Name     string
	SHA256   string
	Format   native.Format
	Encoding charset.Encoding
	store.Tally
}

// String is the contract's summary line.
func (s Summary) String() string {
	return fmt.Sprintf("read %d, stored %d, duplicate %d, rejected %d", s.Read, s.Stored, s.Duplicate, s.Rejected)
}

// File ingests the file at path, or standard input when path is "-".
func File(ctx context.Context, st store.Ingest, path string, stdin io.Reader, opt Options) (Summary, error) {
	if path == "-" {
		f, err := spool(stdin, opt.TempDir)
		if err != nil {
			return Summary{Name: "-"}, fmt.Errorf("read standard input: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		return Reader(ctx, st, "-", f, opt)
	}
	f, err := os.Open(path)
	if err != nil {
		return Summary{Name: path}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return Summary{Name: path}, fmt.Errorf("%s is a directory", path)
	}
	return Reader(ctx, st, path, f, opt)
}

func spool(r io.Reader, dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "sitrep-stdin-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// Reader ingests an input that can be read twice: once to fingerprint it, once to load it.
// Errors about the input as a whole name it; row errors go to the quarantine instead.
func Reader(ctx context.Context, st store.Ingest, name string, r io.ReadSeeker, opt Options) (Summary, error) {
	sum := Summary{Name: name}
	info, err := charset.Sniff(r)
	if err != nil {
		return sum, fmt.Errorf("%s: %w", name, err)
	}
	sum.SHA256, sum.Encoding = info.SHA256, info.Encoding
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return sum, fmt.Errorf("%s: %w", name, err)
	}
	rows, err := open(charset.Decode(r, info.Encoding))
	if err != nil {
		return sum, fmt.Errorf("%s: %w", name, err)
	}
	format := opt.Format
	if format == "" {
		if format, err = native.Detect(rows.Header()); err != nil {
			return sum, fmt.Errorf("%s: %w", name, err)
		}
	} else if err := native.CheckHeader(format, rows.Header()); err != nil {
		return sum, fmt.Errorf("%s: %w", name, err)
	}
	sum.Format = format
	in, err := st.OpenInput(ctx, store.Input{SHA256: info.SHA256, Name: name, Format: string(format), Encoding: string(info.Encoding), Size: info.Size})
	if err != nil {
		return sum, err
	}
	if in.Complete {
		for _, t := range in.Committed {
			sum.Read += t.Read
			sum.Duplicate += t.Stored + t.Duplicate
			sum.Rejected += t.Rejected
		}
		return sum, nil
	}
	tally, err := run(ctx, st, in, rows, format, opt)
	sum.Tally = tally
	if err != nil {
		return sum, fmt.Errorf("%s: %w", name, err)
	}
	return sum, st.FinishInput(ctx, in.ID)
}

// open recognises JSON Lines by a first non-blank byte of '{'; anything else is CSV.
func open(r io.Reader) (tabular.Reader, error) {
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
		case '{':
			return tabular.NewJSONL(br)
		}
		return tabular.NewCSV(br)
	}
}

// rawBatch is a batch of rows as read, before parsing.
type rawBatch struct {
	no      int
	skip    bool // committed on an earlier run
	lines   []int
	headers [][]string
	fields  [][]string
	rejects []store.Reject
}

func (b *rawBatch) size() int { return len(b.lines) + len(b.rejects) }

func run(ctx context.Context, st store.Ingest, in store.Input, rows tabular.Reader, format native.Format, opt Options) (store.Tally, error) {
	size := opt.BatchSize
	if size <= 0 {
		size = DefaultBatch
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cfg := native.Config{Zone: opt.Zone, Now: opt.Now, Source: opt.Source, GovSuffixes: opt.GovSuffixes}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}

	g, ctx := errgroup.WithContext(ctx)
	raw := make(chan *rawBatch, 1)
	parsed := make(chan store.Batch, 1)
	var (
		mu    sync.Mutex
		total store.Tally
	)

	g.Go(func() error { // read rows into batches, in order
		defer close(raw)
		b := &rawBatch{no: 0}
		flush := func() error {
			_, b.skip = in.Committed[b.no]
			select {
			case raw <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = &rawBatch{no: b.no + 1}
			return nil
		}
		for {
			row, err := rows.Next()
			if err == io.EOF {
				break
			}
			var re *tabular.RowError
			_, done := in.Committed[b.no]
			switch {
			case errors.As(err, &re):
				b.rejects = append(b.rejects, reject(in.ID, re))
			case err != nil:
				return fmt.Errorf("read: %w", err)
			case done:
				b.lines = append(b.lines, row.Line) // counted, not kept
			default:
				b.lines = append(b.lines, row.Line)
				b.headers = append(b.headers, row.Header)
				b.fields = append(b.fields, append([]string(nil), row.Fields...))
			}
			if b.size() == size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if b.size() > 0 {
			return flush()
		}
		return nil
	})

	var parsing errgroup.Group
	for w := 0; w < workers; w++ {
		parsing.Go(func() error {
			p := newParser(format, cfg)
			for b := range raw {
				if b.skip {
					t := in.Committed[b.no]
					mu.Lock()
					total.Read += t.Read
					total.Duplicate += t.Stored + t.Duplicate
					total.Rejected += t.Rejected
					mu.Unlock()
					continue
				}
				out := store.Batch{Input: in.ID, No: b.no, Read: b.size(), Rejects: b.rejects}
				for i := range b.lines {
					p.parse(tabular.Row{Line: b.lines[i], Header: b.headers[i], Fields: b.fields[i]}, &out)
				}
				select {
				case parsed <- out:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		err := parsing.Wait()
		close(parsed)
		return err
	})

	g.Go(func() error { // commit; a single writer
		for b := range parsed {
			t, err := st.Commit(ctx, b)
			if errors.Is(err, store.ErrCommitted) { // another run got there first
				t = store.Tally{Read: b.Read, Duplicate: len(b.Events) + len(b.Vulns) + len(b.Incidents), Rejected: len(b.Rejects)}
			} else if err != nil {
				return fmt.Errorf("batch %d: %w", b.No, err)
			}
			mu.Lock()
			total.Add(t)
			mu.Unlock()
		}
		return nil
	})
	err := g.Wait()
	return total, err
}

// parser turns rows of one format into records of a batch.
type parser interface {
	parse(row tabular.Row, b *store.Batch)
}

func newParser(f native.Format, cfg native.Config) parser {
	switch f {
	case native.Vulns:
		return vulnParser{native.NewVulnParser(cfg)}
	case native.Incidents:
		return incidentParser{native.NewIncidentParser(cfg)}
	}
	return eventParser{native.NewEventParser(cfg)}
}

type eventParser struct{ *native.EventParser }

func (p eventParser) parse(row tabular.Row, b *store.Batch) {
	e, re := p.Parse(row)
	if re != nil {
		b.Rejects = append(b.Rejects, reject(b.Input, re))
		return
	}
	b.Events = append(b.Events, e)
}

type vulnParser struct{ *native.VulnParser }

func (p vulnParser) parse(row tabular.Row, b *store.Batch) {
	v, re := p.Parse(row)
	if re != nil {
		b.Rejects = append(b.Rejects, reject(b.Input, re))
		return
	}
	b.Vulns = append(b.Vulns, v)
}

type incidentParser struct{ *native.IncidentParser }

func (p incidentParser) parse(row tabular.Row, b *store.Batch) {
	in, re := p.Parse(row)
	if re != nil {
		b.Rejects = append(b.Rejects, reject(b.Input, re))
		return
	}
	b.Incidents = append(b.Incidents, in)
}

func reject(input int64, re *tabular.RowError) store.Reject {
	return store.Reject{InputID: input, Line: re.Line, Field: re.Field, Reason: re.Reason, Raw: re.Raw}
}
