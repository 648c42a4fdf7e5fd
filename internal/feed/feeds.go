// Package feed reads the published formats of public security feeds by mapping each row onto
// sitrep's own fields, so that one validator (feed/native) checks every row whatever its
// source. Every feed sitrep knows is listed in Feeds, explicitly; formats that are not tables
// (CNVD's XML export) have their own package and produce rows of the native formats.
package feed

import (
	"fmt"
	"slices"
	"strings"

	"sitrep/internal/feed/native"
	"sitrep/internal/tabular"
)

// Feed is a tabular feed format and how its rows map onto a native format.
type Feed struct {
	Name string
	// Target is the native format the rows become.
	Target native.Format
	// Kind is the kind of event every row is, for feeds of events; Also the other kinds a
	// row may say it is instead.
	Kind string
	Also []string
	// Columns must all be in the header for the feed to be recognised; Without must not be.
	Columns, Without []string
	// Map fills the native fields (by name) from a source row's fields (by column name). A
	// row the native format cannot hold is set aside by setting the field "@refuse" to why,
	// and "@field" to the column that says so.
	Map func(get func(col string) string, set func(field, value string))
	// Shared, where set, says that other report types have the same columns, so a file is
	// read as this feed only when its name or the caller says which report it is.
	Shared string
	// ByReport: the feed is never chosen by its columns, only by the report type a file's
	// name carries or by the caller.
	ByReport bool
}

// Fits tells whether a header has the feed's columns.
func (f *Feed) Fits(header []string) bool {
	return containsAll(header, f.Columns) && !containsAny(header, f.Without)
}

// Feeds lists every tabular feed sitrep reads, most specific first.
var Feeds = []*Feed{
	shadowserverDDoS, shadowserverSinkhole, shadowserverMalwareURL, shadowserverPhishURL,
	shadowserverCompromised, shadowserverBruteForce, shadowserverDarknet, shadowserverAmplification, shadowserverScan,
	shadowserverDeviceID, shadowserverBlocklist, shadowserverSandboxURL,
	zoneH, phishTank, urlhaus, urlhausCountry, feodoTracker, threatFox, cymruCAP, microsoftCTIP, intelmq, cisaKEV,
}

// Match returns the feed that reads a file named name with this header, and the report type
// the name gives: by that type, for a family that names its files so (Shadowserver), or else
// by its columns. A report type sitrep knows but does not read, or columns that several report
// types share, is refused with why; no feed and no error means no feed has these columns.
func Match(name string, header []string) (*Feed, string, error) {
	if f, typ, err, ok := byReport(name, header); ok {
		return f, typ, err
	}
	for _, f := range Feeds {
		if f.ByReport || !f.Fits(header) {
			continue
		}
		if f.Shared != "" {
			return nil, "", fmt.Errorf("%s; keep Shadowserver's file name (such as 2024-02-26-event4_sinkhole-asn-cn.csv), or give --format with the feed of the report it is (%s)",
				f.Shared, strings.Join(sharing(f), ", "))
		}
		return f, "", nil
	}
	return nil, "", nil
}

// ByName returns the feed named name, or nil.
func ByName(name string) *Feed {
	for _, f := range Feeds {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Names lists the feeds' names.
func Names() []string {
	var out []string
	for _, f := range Feeds {
		out = append(out, f.Name)
	}
	return out
}

// sharing lists the feeds read by report type whose columns are f's too: what a file with
// f's columns may be.
func sharing(f *Feed) []string {
	var out []string
	for _, g := range Feeds {
		if g == f || g.ByReport && containsAll(f.Columns, g.Columns) {
			out = append(out, g.Name)
		}
	}
	return out
}

// CheckName refuses to read a file as feed f when its name says it is a report of another
// feed, or one sitrep refuses: a caller's --format does not override what the source named.
func CheckName(name string, f *Feed) error {
	r, typ, ok := ReportOf(name)
	switch {
	case !ok:
		return nil
	case r.Feed == nil:
		return fmt.Errorf("its name says it is a Shadowserver %s report, which sitrep does not read: %s", typ, r.Why)
	case r.Feed != f:
		return fmt.Errorf("its name says it is a Shadowserver %s report, read as %s, not %s", typ, r.Feed.Name, f.Name)
	}
	return nil
}

func containsAll(header, cols []string) bool {
	for _, c := range cols {
		if !slices.Contains(header, c) {
			return false
		}
	}
	return true
}

func containsAny(header, cols []string) bool {
	for _, c := range cols {
		if slices.Contains(header, c) {
			return true
		}
	}
	return false
}

// mapped reads a feed's rows as rows of its target format.
type mapped struct {
	src    tabular.Reader
	feed   *Feed
	report string // the report type, for Map as the column @report
	header []string
	at     map[string]int // target field → position
	fields []string
	from   []string // the source column of each field, where the mapping read one
	last   string   // the source column the mapping read last, until a field is set
	// srcHeader and srcAt index the source's columns, built again only when the header
	// changes (a reader hands every row the same header).
	srcHeader []string
	srcAt     map[string]int
	row       tabular.Row // the source row being mapped
	// refuse is why the row in hand is set aside, if it is; refuseField the column.
	refuse, refuseField string
	get                 func(col string) string
	set                 func(field, value string)
	// gets and sets remember where the names a mapping asks for are, in the order it asks:
	// a mapping asks the same names in the same order row after row, and comparing a name
	// with the one asked for last time costs less than looking it up.
	gets, sets calls
}

// calls are the positions of the names a mapping asked for, in the order it asked.
type calls struct {
	slots []slot
	k     int // the next call of the row
}

type slot struct {
	name string
	i    int // -1: not there
}

// find returns the position of name in index, or -1, by the slot of the k-th call where it
// holds the same name.
func (c *calls) find(name string, index map[string]int) int {
	if c.k < len(c.slots) && c.slots[c.k].name == name {
		c.k++
		return c.slots[c.k-1].i
	}
	i, ok := index[name]
	if !ok {
		i = -1
	}
	if c.k < len(c.slots) {
		c.slots[c.k] = slot{name, i}
	} else {
		c.slots = append(c.slots, slot{name, i})
	}
	c.k++
	return i
}

// Reader returns the rows of src, a feed's table of the given report type ("" where none was
// named), as rows of the feed's native format, with line numbers kept. Source columns the
// mapping does not use are dropped; fields it sets that the native format does not have are
// kept as the record's extra fields.
func Reader(src tabular.Reader, f *Feed, report string) tabular.Reader {
	m := &mapped{src: src, feed: f, report: report, at: map[string]int{}}
	// The mapping's two functions are made once and read the row in hand, not made for
	// every row.
	m.get = func(col string) string {
		if col == "@report" {
			return m.report
		}
		m.last = col
		if i := m.gets.find(col, m.srcAt); i >= 0 {
			return strings.TrimSpace(m.row.Get(i))
		}
		return ""
	}
	m.set = func(field, value string) {
		switch field {
		case "@refuse":
			m.refuse = value
			return
		case "@field":
			m.refuseField = value
			return
		}
		i := m.sets.find(field, m.at)
		if i < 0 {
			i = len(m.header)
			m.at[field] = i
			m.header = append(m.header, field)
			m.fields = append(m.fields, "")
			m.from = append(m.from, "")
			m.sets.slots[m.sets.k-1].i = i
		}
		m.fields[i] = value
		m.from[i], m.last = m.last, "" // the column read last is where the value came from
	}
	return m
}

func (m *mapped) Header() []string { return m.header }

func (m *mapped) Next() (tabular.Row, error) {
	row, err := m.src.Next()
	if err != nil {
		return row, err
	}
	if len(row.Header) != len(m.srcHeader) || len(row.Header) > 0 && &row.Header[0] != &m.srcHeader[0] {
		m.srcHeader, m.srcAt = row.Header, make(map[string]int, len(row.Header))
		m.gets.slots = m.gets.slots[:0]
		for i, h := range row.Header {
			if _, dup := m.srcAt[h]; !dup {
				m.srcAt[h] = i
			}
		}
	}
	m.row = row
	for i := range m.fields {
		m.fields[i], m.from[i] = "", ""
	}
	m.last, m.gets.k, m.sets.k = "", 0, 0
	if m.feed.Kind != "" {
		m.set("kind", m.feed.Kind)
	}
	m.refuse, m.refuseField = "", ""
	m.feed.Map(m.get, m.set)
	if m.refuse != "" {
		return tabular.Row{}, &tabular.RowError{Line: row.Line, Field: m.refuseField, Reason: m.refuse, Raw: tabular.Snip(strings.Join(row.Fields, ","), 200)}
	}
	return tabular.Row{Line: row.Line, Header: m.header, Fields: m.fields, From: m.from, Orig: row.Fields}, nil
}
