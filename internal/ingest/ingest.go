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
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"sitrep/internal/charset"
	"sitrep/internal/event"
	"sitrep/internal/feed"
	"sitrep/internal/feed/jsondoc"
	"sitrep/internal/feed/native"
	"sitrep/internal/feed/objects"
	"sitrep/internal/store"
	"sitrep/internal/tabular"
)

// DefaultBatch is the number of rows per batch: eight DuckDB row groups. Large batches load
// fastest, and with a staging engine a batch waits on disk, not in memory.
const DefaultBatch = 8 * 122880

// Options configure a run.
type Options struct {
	Format      native.Format // empty: recognised from the header
	Feed        *feed.Feed    // a feed's table, mapped onto its native format; nil: recognised
	Document    jsondoc.Kind  // a JSON document of vulnerability data; empty: recognised
	Source      string        // source of rows that name none
	TLP         event.TLP     // label of rows that carry none; empty is TLP:CLEAR
	Zone        *time.Location
	GovSuffixes []string
	Objects     *objects.Rules // classify vulnerability records that carry no affected-object class; nil: the shipped rules
	BatchSize   int
	// BatchBytes ends a batch before BatchSize rows once its rows' text reaches this many
	// bytes (0: no limit): where a batch must fit a message of bounded size. The batches of
	// an input are cut the same way whatever the workers do.
	BatchBytes int
	Workers    int
	Now        time.Time // for refusing times in the future; zero is time.Now()
	TempDir    string    // where stdin is spooled; empty is the system's
	Log        *slog.Logger
	// Locate fills in a row's missing country, province and AS number from its IP.
	Locate func(ip string) (country, province string, asn uint32)
	// Observed is when a list without times (a plain list of URLs) was fetched; zero is the
	// file's modification time, or now for standard input.
	Observed time.Time
	// Progress, when set, is told now and then (every ProgressEvery at most, default half a
	// second) how far the reading has come: bytes of the input read, of total, and rows.
	Progress      func(p Progress)
	ProgressEvery time.Duration

	tick func(rows int) // reports progress from the reading; set by Input
}

// Progress is how far an ingest has read.
type Progress struct {
	Name         string
	Bytes, Total int64 // bytes of the input read so far, of all; Total 0 when unknown
	Rows         int
	Elapsed      time.Duration
}

// counted counts the bytes read through it.
type counted struct {
	r io.Reader
	n *atomic.Int64
}

func (c counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Summary is what an ingest did.
type Summary struct {
	Name     string
	SHA256   string
	Format   native.Format
	Feed     string // the feed format the rows were read in, if not a native one
	Encoding charset.Encoding
	store.Tally
	// Span holds the times of the events this run stored (empty without any): the ranges
	// whose numbers it changed.
	Span store.Range
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
		f.Close()
		if opt.Observed.IsZero() {
			opt.Observed = time.Now()
		}
		return Input(ctx, st, "-", func() (*os.File, error) { return os.Open(f.Name()) }, opt)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Summary{Name: path}, err
	} else if fi.IsDir() {
		return Summary{Name: path}, fmt.Errorf("%s is a directory", path)
	}
	if opt.Observed.IsZero() {
		opt.Observed = fi.ModTime()
	}
	return Input(ctx, st, path, func() (*os.File, error) { return os.Open(path) }, opt)
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
	return f, nil
}

// errRestart stops a run whose guess of the encoding the full fingerprint disproved.
var errRestart = errors.New("encoding guessed wrong")

// errComplete stops a run of an input the store already holds whole.
var errComplete = errors.New("input already complete")

// Input ingests the input that open opens; it is opened twice, to fingerprint it and to read
// it, and both go on at once. Reading starts on a guess of the encoding from the first bytes;
// nothing is committed before the fingerprint has confirmed the guess and the ledger has said
// which batches the store already holds. Errors about the input as a whole name it; errors in
// rows go to the quarantine instead.
func Input(ctx context.Context, st store.Ingest, name string, open func() (*os.File, error), opt Options) (Summary, error) {
	sum := Summary{Name: name}
	type sniffed struct {
		info charset.Info
		err  error
	}
	sniffc := make(chan sniffed, 1)
	go func() {
		f, err := open()
		if err != nil {
			sniffc <- sniffed{err: err}
			return
		}
		defer f.Close()
		info, err := charset.Sniff(f)
		sniffc <- sniffed{info, err}
	}()
	var fingerprint *sniffed
	wait := func() sniffed {
		if fingerprint == nil {
			s := <-sniffc
			fingerprint = &s
		}
		return *fingerprint
	}

	f, err := open()
	if err != nil {
		return sum, err
	}
	defer f.Close()
	enc, sure := charset.Guess(f)
	if !sure {
		s := wait()
		if s.err != nil {
			return sum, fmt.Errorf("%s: %w", name, s.err)
		}
		enc = s.info.Encoding
	}
	for {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return sum, fmt.Errorf("%s: %w", name, err)
		}
		sum.Encoding = enc
		var readBytes atomic.Int64
		var src io.Reader = f
		if opt.Progress != nil {
			src = counted{f, &readBytes}
			var size int64
			if fi, err := f.Stat(); err == nil {
				size = fi.Size()
			}
			began, last, every := time.Now(), time.Now(), cmp.Or(opt.ProgressEvery, 500*time.Millisecond)
			opt.tick = func(rows int) {
				if now := time.Now(); now.Sub(last) >= every {
					last = now
					opt.Progress(Progress{Name: name, Bytes: readBytes.Load(), Total: size, Rows: rows, Elapsed: now.Sub(began)})
				}
			}
		}
		rows, err := newRowReader(charset.Decode(src, enc), opt)
		if err != nil {
			if s := wait(); s.err != nil { // a file that is not text says so, not "no header"
				return sum, fmt.Errorf("%s: %w", name, s.err)
			}
			// A document is the caller's mistake, stated as a plain error: the server answers
			// errors of other types as its own failures.
			var doc *tabular.DocumentError
			if errors.As(err, &doc) {
				if known := feed.KnownDocument(doc.Keys); known != "" {
					return sum, unread(name, known, doc.Error())
				}
				return sum, fmt.Errorf("%s: %s", name, doc.Error())
			}
			return sum, fmt.Errorf("%s: %w", name, err)
		}
		format, fd, report := opt.Format, opt.Feed, ""
		if d, ok := rows.(*jsondoc.Reader); ok { // a document: its kind says what its records become
			k := d.Kind()
			if asked := opt.asked(); asked != "" && !fits(k, opt) {
				return sum, fmt.Errorf("%s: %s, not %s", name, k.Describe(), asked)
			}
			format, fd = k.Format(), nil
			if k.Feed() != "" { // rows of a feed: mapped as its CSV is
				format, fd = "", feed.ByName(k.Feed())
			}
			sum.Feed = string(k)
		}
		switch {
		case fd != nil:
			if !fd.Fits(rows.Header()) {
				return sum, fmt.Errorf("%s: the header is not that of %s (%s)", name, fd.Name, strings.Join(fd.Columns, ", "))
			}
			if err := feed.CheckName(name, fd); err != nil {
				return sum, fmt.Errorf("%s: %w", name, err)
			}
			_, report, _ = feed.ReportOf(name)
		case format != "":
			if err := native.CheckHeader(format, rows.Header()); err != nil {
				return sum, fmt.Errorf("%s: %w", name, err)
			}
		default:
			if format, err = native.Detect(rows.Header()); err != nil {
				var ferr error
				if fd, report, ferr = feed.Match(name, rows.Header()); ferr != nil {
					return sum, fmt.Errorf("%s: %w", name, ferr)
				}
				if fd == nil {
					if doc := feed.KnownDocument(rows.Header()); doc != "" {
						if _, ok := rows.(*tabular.JSONL); ok {
							return sum, unread(name, doc, "a JSON document with keys "+strings.Join(rows.Header(), ", "))
						}
					}
					return sum, fmt.Errorf("%s: %w; or a feed: %s%s", name, err, strings.Join(feed.Names(), ", "), closest(rows.Header()))
				}
			}
		}
		if fd != nil {
			if c, ok := rows.(*tabular.CSV); ok {
				c.PadShortRows = true // feed exports drop trailing empty columns
			}
			rows, format = feed.Reader(rows, fd, report), fd.Target
			if sum.Feed == "" { // a document's kind says more than the feed it is rows of
				sum.Feed = fd.Name
			}
		}
		sum.Format = format
		// register is called once, before the first commit.
		register := func() (store.Input, error) {
			s := wait()
			if s.err != nil {
				return store.Input{}, s.err
			}
			sum.SHA256 = s.info.SHA256
			if s.info.Encoding != enc {
				enc = s.info.Encoding
				return store.Input{}, errRestart
			}
			recorded := string(format)
			if sum.Feed != "" {
				recorded = sum.Feed
			}
			in, err := st.OpenInput(ctx, store.Input{SHA256: s.info.SHA256, Name: name, Format: recorded, Encoding: string(enc), Size: s.info.Size})
			if err == nil && in.Complete {
				return in, errComplete
			}
			return in, err
		}
		in, tally, span, err := run(ctx, st, register, rows, format, opt)
		switch {
		case errors.Is(err, errRestart):
			continue
		case errors.Is(err, errComplete):
			for _, t := range in.Committed {
				sum.Read += t.Read
				sum.Duplicate += t.Stored + t.Duplicate
				sum.Rejected += t.Rejected
			}
			return sum, nil
		}
		sum.Tally, sum.Span = tally, span
		if err != nil {
			return sum, fmt.Errorf("%s: %w", name, err)
		}
		return sum, st.FinishInput(ctx, in.ID)
	}
}

// chunkRows is how many rows travel together from the reader to a parser, and chunkBytes the
// most text they carry: a chunk of wide rows is cut sooner, so memory follows bytes, not rows.
// Batches are still cut by rows, so a row's batch does not depend on the width of others.
const (
	chunkRows  = 4096
	chunkBytes = 4 << 20
)

// chunk is a run of rows of one batch: as read, then as parsed.
type chunk struct {
	batch, seq int
	last       bool // the batch's final chunk: the batch has seq+1 chunks
	read       int
	bytes      int // text held, with a string header's worth per field

	lines   []int
	headers [][]string
	fields  [][]string
	flat    []string
	// froms and origs are the rows' From and Orig (rows mapped from a feed's columns), so
	// that a rejection names the feed's column and shows its row; a From like the row
	// before's is shared.
	froms, origs [][]string

	out     store.Batch // parsed records and rejects
	events  []byte      // encoded for a staging engine
	rejects []byte
}

// pending is a batch the stager is filling.
type pending struct {
	batch  store.Batch
	got    int
	chunks int         // known once the last chunk has arrived; 0 before
	span   store.Range // the times of the batch's events
}

// run reads, parses and stages rows while register fingerprints the input, then commits the
// batches the ledger does not hold yet. It returns the registered input.
func run(ctx context.Context, st store.Ingest, register func() (store.Input, error), rows tabular.Reader, format native.Format, opt Options) (store.Input, store.Tally, store.Range, error) {
	size := opt.BatchSize
	if size <= 0 {
		size = DefaultBatch
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cfg := native.Config{Zone: opt.Zone, Now: opt.Now, Source: opt.Source, TLP: opt.TLP, GovSuffixes: opt.GovSuffixes, Locate: opt.Locate, Objects: opt.Objects}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Objects == nil {
		cfg.Objects = objects.Shipped()
	}
	staging, _ := store.StagingOf(st)
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Debug("reading", "format", format, "batch_rows", size, "workers", workers, "staged", staging != nil)
	var in store.Input

	g, ctx := errgroup.WithContext(ctx)
	read := make(chan *chunk, workers)
	parsed := make(chan *chunk, workers)
	full := make(chan *pending, 1)
	var (
		mu    sync.Mutex
		total store.Tally
		span  store.Range
	)
	add := func(t store.Tally, s store.Range) {
		mu.Lock()
		total.Add(t)
		span = span.Union(s)
		mu.Unlock()
	}
	send := func(ch chan<- *chunk, c *chunk) error {
		select {
		case ch <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	g.Go(func() error { // read rows into chunks, in order; batches are every size rows
		defer close(read)
		c, inBatch, rowsRead, batchBytes := &chunk{}, 0, 0, 0
		for {
			row, err := rows.Next()
			if err == io.EOF {
				break
			}
			var re *tabular.RowError
			switch {
			case errors.As(err, &re):
				c.out.Rejects = append(c.out.Rejects, reject(re))
			case err != nil:
				return fmt.Errorf("read: %w", err)
			default:
				// Fields of a chunk share one backing array: one allocation per chunk, not per row.
				width := len(row.Fields) + len(row.Orig)
				if cap(c.flat)-len(c.flat) < width {
					c.flat = make([]string, 0, max(min(chunkRows*width, chunkBytes/16), width))
				}
				for _, f := range row.Fields {
					c.bytes += 16 + len(f)
					batchBytes += len(f)
				}
				for _, f := range row.Orig {
					batchBytes += len(f)
				}
				start := len(c.flat)
				c.flat = append(c.flat, row.Fields...)
				c.lines = append(c.lines, row.Line)
				c.headers = append(c.headers, row.Header)
				c.fields = append(c.fields, c.flat[start:len(c.flat):len(c.flat)])
				if row.From != nil || row.Orig != nil {
					c.bytes += 16 * len(row.Orig) // the feed's row shares the fields' text
					start = len(c.flat)
					c.flat = append(c.flat, row.Orig...)
					if n := len(c.froms); n == 0 || !slices.Equal(c.froms[n-1], row.From) {
						c.froms = append(c.froms, slices.Clone(row.From))
					} else {
						c.froms = append(c.froms, c.froms[n-1])
					}
					c.origs = append(c.origs, c.flat[start:len(c.flat):len(c.flat)])
				}
			}
			c.read++
			inBatch++
			if rowsRead++; opt.tick != nil && rowsRead%1024 == 0 {
				opt.tick(rowsRead)
			}
			ends := inBatch == size || opt.BatchBytes > 0 && batchBytes >= opt.BatchBytes
			if ends || c.read == chunkRows || c.bytes >= chunkBytes {
				c.last = ends
				next := &chunk{batch: c.batch, seq: c.seq + 1}
				if c.last {
					next.batch, next.seq, inBatch, batchBytes = c.batch+1, 0, 0, 0
				}
				if err := send(read, c); err != nil {
					return err
				}
				c = next
			}
		}
		if c.read > 0 || c.seq > 0 {
			c.last = true
			return send(read, c)
		}
		return nil
	})

	var parsing errgroup.Group
	for w := 0; w < workers; w++ {
		parsing.Go(func() error { // parse and encode, on every core
			p := newParser(format, cfg)
			for c := range read {
				if format == native.Events {
					c.out.Events = make([]event.Event, 0, len(c.lines))
				}
				for i := range c.lines {
					row := tabular.Row{Line: c.lines[i], Header: c.headers[i], Fields: c.fields[i]}
					if i < len(c.froms) { // a reader's rows all carry From, or none does
						row.From, row.Orig = c.froms[i], c.origs[i]
					}
					p.parse(row, &c.out)
				}
				c.lines, c.headers, c.fields, c.flat, c.froms, c.origs = nil, nil, nil, nil, nil, nil
				if staging != nil {
					c.events = staging.EncodeEvents(nil, c.out.Events)
					c.rejects = staging.EncodeRejects(nil, c.out.Rejects)
				}
				if err := send(parsed, c); err != nil {
					return err
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

	// Every stage is discarded when the run ends, whatever the exit path (an error, a
	// cancelled context, an input found complete): for a committed one it is a no-op. Only
	// the gatherer appends, and the deferred loop runs after every goroutine has returned.
	var stages []store.Stage
	defer func() {
		for _, s := range stages {
			s.Discard()
		}
	}()

	g.Go(func() error { // gather chunks into batches; a batch is full when all its chunks are in
		defer close(full)
		open := map[int]*pending{}
		for c := range parsed {
			p := open[c.batch]
			if p == nil {
				p = &pending{batch: store.Batch{No: c.batch}}
				if staging != nil {
					stage, err := staging.NewStage()
					if err != nil {
						return err
					}
					stages = append(stages, stage)
					p.batch.Stage = stage
				}
				open[c.batch] = p
			}
			if err := gather(p, c, staging != nil); err != nil {
				return err
			}
			if p.chunks > 0 && p.got == p.chunks {
				delete(open, c.batch)
				select {
				case full <- p:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		return nil
	})

	// The ledger is asked as soon as the fingerprint is known, not after the first batch is
	// parsed: an input the store holds whole stops the run at once.
	registered := make(chan struct{})
	g.Go(func() error {
		var err error
		in, err = register()
		if err == nil {
			close(registered)
		}
		return err
	})

	g.Go(func() error { // commit in batch order; the single writer
		select {
		case <-registered:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Batches are committed in input order whatever order their chunks were parsed in,
		// so a record repeated in a later batch is always written after the earlier one and
		// the tallies are the same on every run. Out of order batches wait here; their rows
		// wait in their stages.
		ready, next := map[int]*pending{}, 0
		for p := range full {
			ready[p.batch.No] = p
			for q := ready[next]; q != nil; q = ready[next] {
				delete(ready, next)
				next++
				if err := commit(ctx, st, in, q, add, log); err != nil {
					return err
				}
			}
		}
		if len(ready) > 0 && ctx.Err() == nil {
			return fmt.Errorf("batch %d never arrived", next)
		}
		return nil
	})
	err := g.Wait()
	return in, total, span, err
}

// commit writes one full batch, or counts it from the ledger when an earlier run did.
func commit(ctx context.Context, st store.Ingest, in store.Input, p *pending, add func(store.Tally, store.Range), log *slog.Logger) error {
	if t, done := in.Committed[p.batch.No]; done {
		if p.batch.Stage != nil {
			p.batch.Stage.Discard()
		}
		add(store.Tally{Read: t.Read, Duplicate: t.Stored + t.Duplicate, Rejected: t.Rejected}, store.Range{})
		return nil
	}
	p.batch.Input = in.ID
	start := time.Now()
	t, err := st.Commit(ctx, p.batch)
	if err != nil {
		return fmt.Errorf("batch %d: %w", p.batch.No, err)
	}
	log.Debug("batch committed", "input", in.Name, "batch", p.batch.No, "read", t.Read, "stored", t.Stored,
		"rejected", t.Rejected, "seconds", time.Since(start).Seconds())
	add(t, p.span)
	return nil
}

// gather adds a parsed chunk to its batch.
func gather(p *pending, c *chunk, staged bool) error {
	p.got++
	if c.last {
		p.chunks = c.seq + 1
	}
	b := &p.batch
	b.Read += c.read
	span := store.SpanOf(c.out.Events)
	p.span = p.span.Union(span)
	b.Vulns = append(b.Vulns, c.out.Vulns...)
	b.Incidents = append(b.Incidents, c.out.Incidents...)
	b.Exploited = append(b.Exploited, c.out.Exploited...)
	if !staged {
		b.Events = append(b.Events, c.out.Events...)
		b.Rejects = append(b.Rejects, c.out.Rejects...)
		return nil
	}
	if err := b.Stage.AddEvents(c.events, len(c.out.Events), span); err != nil {
		return err
	}
	return b.Stage.AddRejects(c.rejects, len(c.out.Rejects))
}

// parser turns rows of one format into records of a batch.
type parser interface {
	parse(row tabular.Row, b *store.Batch)
}

func newParser(f native.Format, cfg native.Config) parser {
	switch f {
	case native.Vulns:
		return recordParser[event.Vuln]{native.NewVulnParser(cfg), func(b *store.Batch, v event.Vuln) { b.Vulns = append(b.Vulns, v) }}
	case native.Incidents:
		return recordParser[event.Incident]{native.NewIncidentParser(cfg), func(b *store.Batch, in event.Incident) { b.Incidents = append(b.Incidents, in) }}
	case native.Exploited:
		return recordParser[event.Exploited]{native.NewExploitedParser(cfg), func(b *store.Batch, x event.Exploited) { b.Exploited = append(b.Exploited, x) }}
	}
	return recordParser[event.Event]{native.NewEventParser(cfg), func(b *store.Batch, e event.Event) { b.Events = append(b.Events, e) }}
}

// recordParser adds each row's record, or its rejection, to the batch.
type recordParser[T any] struct {
	p   *native.Parser[T]
	add func(b *store.Batch, rec T)
}

func (r recordParser[T]) parse(row tabular.Row, b *store.Batch) {
	rec, re := r.p.Parse(row)
	if re != nil {
		b.Rejects = append(b.Rejects, reject(re))
		return
	}
	r.add(b, rec)
}

func reject(re *tabular.RowError) store.Reject {
	return store.Reject{Line: re.Line, Field: re.Field, Reason: re.Reason, Raw: re.Raw}
}

// closest names the format or feed whose columns the header comes nearest, with what it has
// and lacks of them, for a refusal: "; closest: phishtank (has url, target; lacks phish_id)".
// Nothing where no format shares two columns with it.
func closest(header []string) string {
	have := map[string]bool{}
	for _, h := range header {
		have[h] = true
	}
	best, bestHas, bestLacks := "", []string(nil), []string(nil)
	score := func(name string, known, needed []string) {
		var has, lacks []string
		for _, c := range known {
			if have[c] {
				has = append(has, c)
			}
		}
		for _, c := range needed {
			if !have[c] {
				lacks = append(lacks, c)
			}
		}
		// More columns in common wins; then fewer required ones lacking; then the first listed.
		if len(has) > len(bestHas) || len(has) == len(bestHas) && len(has) > 0 && len(lacks) < len(bestLacks) {
			best, bestHas, bestLacks = name, has, lacks
		}
	}
	for _, f := range native.Formats {
		known, needed := native.Fields(f)
		score(string(f), known, needed)
	}
	for _, f := range feed.Feeds {
		score(f.Name, f.Columns, f.Columns)
	}
	if len(bestHas) < 2 { // a column in common says nothing
		return ""
	}
	out := "; closest: " + best + " (has " + strings.Join(bestHas, ", ")
	if len(bestLacks) > 0 {
		out += "; lacks " + strings.Join(bestLacks, ", ")
	}
	return out + ")"
}

// SetFormat takes what the caller says an input is: one of sitrep's formats, a feed, or a kind
// of document; empty leaves it to be recognised.
func (o *Options) SetFormat(name string) error {
	if name == "" {
		return nil
	}
	if fd := feed.ByName(name); fd != nil {
		o.Feed = fd
		return nil
	}
	if k, ok := jsondoc.ParseKind(name); ok {
		o.Document = k
		return nil
	}
	f, err := native.ParseFormat(name)
	if err != nil {
		return fmt.Errorf("%v, or a feed or document: %s", err, strings.Join(append(feed.Names(), documentNames()...), ", "))
	}
	o.Format = f
	return nil
}

// asked names the format the caller said an input is, or "".
func (o *Options) asked() string {
	switch {
	case o.Feed != nil:
		return o.Feed.Name
	case o.Document != "":
		return string(o.Document)
	}
	return string(o.Format)
}

// fits tells whether a document of kind k is what the caller said the input is: that kind,
// its native format, or (CISA's catalog) the feed of the same catalog as CSV.
func fits(k jsondoc.Kind, o Options) bool {
	switch {
	case o.Document != "":
		return o.Document == k
	case o.Feed != nil:
		return k == jsondoc.KEV && o.Feed.Name == "cisa-kev"
	}
	return o.Format == k.Format()
}

func documentNames() []string {
	var out []string
	for _, k := range jsondoc.Kinds {
		out = append(out, string(k))
	}
	return out
}

// unread refuses a known document sitrep does not read, saying what it is, what was seen of
// it, and what sitrep reads.
func unread(name, known, seen string) error {
	return fmt.Errorf("%s: %s (%s), which sitrep does not read yet; it reads %s", name, known, seen, strings.Join(formatNames(), ", "))
}

// formatNames lists what sitrep reads: its own formats, then the feeds.
func formatNames() []string {
	var out []string
	for _, f := range native.Formats {
		out = append(out, string(f))
	}
	return append(append(out, feed.Names()...), documentNames()...)
}
