package native

import (
	"fmt"
	"strings"

	"sitrep/internal/tabular"
)

// Format names one of sitrep's own input formats.
type Format string

// The formats of CONTRACT.md.
const (
	Events    Format = "sitrep-events"
	Vulns     Format = "sitrep-vulns"
	Incidents Format = "sitrep-incidents"
)

// Formats lists the formats in the order Detect tries them.
var Formats = []Format{Events, Vulns, Incidents}

// required lists the columns that identify a format and must be present.
var required = map[Format][]string{
	Events:    {"time", "kind"},
	Vulns:     {"id", "published", "severity"},
	Incidents: {"id", "opened", "type"},
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

// reindex rebuilds a parser's column map when the header has grown (JSON Lines).
func reindex(c *columns, header, known []string) {
	if c.at == nil || c.width != len(header) {
		*c = index(header, known)
	}
}
