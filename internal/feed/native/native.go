package native

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"sitrep/internal/event"
	"sitrep/internal/tabular"
)

// Format names one of sitrep's own input formats.
type Format string

// The formats of CONTRACT.md.
const (
	Events    Format = "sitrep-events"
	Vulns     Format = "sitrep-vulns"
	Incidents Format = "sitrep-incidents"
	Exploited Format = "sitrep-exploited"
)

// Formats lists the formats in the order Detect tries them.
var Formats = []Format{Events, Vulns, Incidents, Exploited}

// required lists the columns that identify a format and must be present.
var required = map[Format][]string{
	Events:    {"time", "kind"},
	Vulns:     {"id", "published", "severity"},
	Incidents: {"id", "opened", "type"},
	Exploited: {"cve", "added"},
}

// Yields says what a format's rows become.
func Yields(f Format) string {
	switch f {
	case Events:
		kinds := make([]string, len(event.Kinds))
		for i, k := range event.Kinds {
			kinds[i] = string(k)
		}
		return "events: " + strings.Join(kinds, ", ") + " (the row's kind)"
	case Vulns:
		return "vulnerability records"
	case Incidents:
		return "incident records"
	case Exploited:
		return "known-exploited marks (records with the CVE count as known exploited)"
	}
	return string(f)
}

// Fields lists the fields a format knows, and the ones it requires.
func Fields(f Format) (known, needed []string) {
	switch f {
	case Events:
		known = eventFields
	case Vulns:
		known = vulnFields
	case Incidents:
		known = incidentFields
	case Exploited:
		known = exploitedFields
	}
	return known, required[f]
}

// ParseFormat accepts a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if Format(s) == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, formatList())
}

func formatList() string {
	var parts []string
	for _, f := range Formats {
		parts = append(parts, fmt.Sprintf("%s (%s)", f, strings.Join(required[f], ", ")))
	}
	return strings.Join(parts, "; ")
}

// Detect names the format whose required columns the header holds.
func Detect(header []string) (Format, error) {
	for _, f := range Formats {
		if missing(header, required[f]...) == nil {
			return f, nil
		}
	}
	return "", fmt.Errorf("not a format sitrep knows: the header has %s; expected %s",
		tabular.Snip(strings.Join(header, ", "), 200), formatList())
}

// CheckHeader tells whether a header can be read as format f.
func CheckHeader(f Format, header []string) error {
	if err := missing(header, required[f]...); err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	return nil
}

// Parser reads rows of one of sitrep's formats into records of type T. It is not safe for
// concurrent use: give each goroutine its own.
type Parser[T any] struct {
	cfg   Config
	cols  columns
	known []string
	read  func(cfg *Config, c *columns, row *tabular.Row) (T, error)
}

// Parse validates one row and returns its record, or a row error naming the first bad field.
func (p *Parser[T]) Parse(row tabular.Row) (T, *tabular.RowError) {
	if p.cols.at == nil || p.cols.width != len(row.Header) { // the header grows in JSON Lines
		p.cols = index(row.Header, p.known)
	}
	rec, err := p.read(&p.cfg, &p.cols, &row)
	if err != nil {
		var zero T
		return zero, rowError(row, err)
	}
	return rec, nil
}

// ReadAll reads every row of rows as records of format f, as the ingest would: the records and
// the rows set aside, each in the order of the input. An error that ends the reading is
// returned with what came before it.
func ReadAll(rows tabular.Reader, f Format, cfg Config) (records []any, rejects []*tabular.RowError, err error) {
	var parse func(tabular.Row) (any, *tabular.RowError)
	switch f {
	case Events:
		p := NewEventParser(cfg)
		parse = func(r tabular.Row) (any, *tabular.RowError) { return p.Parse(r) }
	case Vulns:
		p := NewVulnParser(cfg)
		parse = func(r tabular.Row) (any, *tabular.RowError) { return p.Parse(r) }
	case Incidents:
		p := NewIncidentParser(cfg)
		parse = func(r tabular.Row) (any, *tabular.RowError) { return p.Parse(r) }
	case Exploited:
		p := NewExploitedParser(cfg)
		parse = func(r tabular.Row) (any, *tabular.RowError) { return p.Parse(r) }
	default:
		return nil, nil, fmt.Errorf("unknown format %q", f)
	}
	records, rejects = []any{}, []*tabular.RowError{}
	for {
		row, err := rows.Next()
		if err == io.EOF {
			return records, rejects, nil
		}
		var re *tabular.RowError
		if errors.As(err, &re) {
			rejects = append(rejects, re)
			continue
		}
		if err != nil {
			return records, rejects, err
		}
		rec, re := parse(row)
		if re != nil {
			rejects = append(rejects, re)
			continue
		}
		records = append(records, rec)
	}
}
