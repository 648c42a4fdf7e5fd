// Package native reads sitrep's own input formats — events, vulnerabilities and incidents as
// CSV with a header or JSON Lines, fields named as in CONTRACT.md — into canonical records.
// Each parser validates every field and says which one is wrong and why; derived fields
// (host, registrable domain, GOV flag, province name) are filled in here.
//
// A known field that starts with a single quote and, after its leading quotes, with =, +, -,
// @, a tab or a carriage return is read without its first quote: that quote is the one
// sitrep's export puts before such cells so that spreadsheets do not run them as formulas
// (package export states the rule), and taking it off makes export and ingest lossless.
package native

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/feed/objects"
	"sitrep/internal/tabular"
)

// Config holds what parsing needs besides the bytes.
type Config struct {
	Zone        *time.Location // zone of times written without one
	Now         time.Time      // times more than a day after Now are refused
	Source      string         // source of rows that name none
	TLP         event.TLP      // label of rows that carry none; empty is TLP:CLEAR
	GovSuffixes []string
	// Locate, when set, fills in the country, province (of a domestic IP) and AS number that
	// a row leaves empty, from the row's IP.
	Locate func(ip string) (country, province string, asn uint32)
	// Objects classifies vulnerability records that carry no affected-object class; nil
	// leaves them unclassified.
	Objects *objects.Rules
}

// tlp reads a row's label, or the configured one where the row carries none.
func (cfg *Config) tlp(s string) (event.TLP, error) {
	if s == "" && cfg.TLP != "" {
		return cfg.TLP, nil
	}
	return event.ParseTLP(s)
}

// MinTime is the earliest time a record may carry; anything earlier is a broken clock or field.
var MinTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// fieldError names the field of a row that is wrong.
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

func bad(field, format string, args ...any) error {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// rowError turns a parse error into the row error the ingest quarantines.
func rowError(row tabular.Row, err error) *tabular.RowError {
	raw := strings.Join(row.Fields, ",")
	if row.Orig != nil {
		raw = strings.Join(row.Orig, ",")
	}
	re := &tabular.RowError{Line: row.Line, Reason: err.Error(), Raw: tabular.Snip(raw, 200)}
	var fe *fieldError
	if errors.As(err, &fe) {
		re.Field, re.Reason = fe.field, fe.reason
		if i := slices.Index(row.Header, fe.field); i >= 0 && i < len(row.From) && row.From[i] != "" {
			re.Field = row.From[i] // the feed's own column
		}
	}
	return re
}

var errNoZone = errors.New("no zone")

var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}

func (c *Config) parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, bad(field, "missing")
	}
	var t time.Time
	var err error
	if len(s) > 10 && s[10] == 'T' && (strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > 10) {
		t, err = time.Parse(time.RFC3339Nano, s)
	} else {
		err = errNoZone
	}
	if err != nil {
		for _, layout := range timeLayouts {
			if t, err = time.ParseInLocation(layout, s, c.Zone); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, bad(field, "%q is not a valid time (want RFC 3339 or YYYY-MM-DD HH:MM:SS)", tabular.Snip(s, 60))
	}
	if t.Before(MinTime) {
		return time.Time{}, bad(field, "%s is before 1990", s)
	}
	if !c.Now.IsZero() && t.After(c.Now.Add(24*time.Hour)) {
		return time.Time{}, bad(field, "%s is in the future", s)
	}
	return t.UTC(), nil
}

func parseBool(field, s string) (*bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, nil
	case "true", "1", "yes", "y", "t":
		v := true
		return &v, nil
	case "false", "0", "no", "n", "f":
		v := false
		return &v, nil
	}
	return nil, bad(field, "%q is not true or false", tabular.Snip(s, 40))
}

func parseIP(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", bad(field, "%q is not an IP address", tabular.Snip(s, 60))
	}
	if a.Zone() != "" { // fe80::1%eth0 names an interface of the reporting host, nothing on the internet
		return "", bad(field, "%q is an address with a zone (%%%s): not one on the internet", tabular.Snip(s, 60), tabular.Snip(a.Zone(), 20))
	}
	return a.Unmap().String(), nil
}

func parseCountry(field, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return "", bad(field, "%q is not an ISO 3166 alpha-2 country code", tabular.Snip(s, 40))
	}
	return s, nil
}

func parseASN(field, s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(s), "AS"), 10, 32)
	if err != nil {
		return 0, bad(field, "%q is not an AS number", tabular.Snip(s, 40))
	}
	return uint32(n), nil
}

// columns maps a header onto the fields a parser knows, by their position in the parser's
// list of known fields; the other columns are kept as extras.
type columns struct {
	width int
	at    []int // at[k] is the header index of known field k, or -1
	extra []int
}

func index(header []string, known []string) columns {
	c := columns{width: len(header), at: make([]int, len(known))}
	pos := map[string]int{}
	for k, name := range known {
		pos[name] = k
		c.at[k] = -1
	}
	seen := map[string]bool{}
	for i, h := range header {
		if seen[h] || h == "" {
			continue
		}
		seen[h] = true
		if k, ok := pos[h]; ok {
			c.at[k] = i
		} else {
			c.extra = append(c.extra, i)
		}
	}
	return c
}

// get returns known field k of the row, trimmed, then with the quote of a neutralised cell
// taken off. Trimming comes first so that a value which starts with a tab or a carriage
// return, kept behind its quote, survives.
func (c *columns) get(row *tabular.Row, k int) string {
	i := c.at[k]
	if i < 0 {
		return ""
	}
	return restore(strings.TrimSpace(row.Get(i)))
}

// restore undoes the neutralisation of a cell against spreadsheet formulas: a field that
// starts with a single quote and, after its leading quotes, with =, +, -, @, a tab or a
// carriage return loses its first quote. Every other field, such as 'quoted' or it's, is
// returned as it is.
func restore(s string) string {
	if s == "" || s[0] != '\'' {
		return s
	}
	if rest := strings.TrimLeft(s, "'"); rest != "" && strings.IndexByte("=+-@\t\r", rest[0]) >= 0 {
		return s[1:]
	}
	return s
}

// unknown returns the row's unknown column named name, trimmed, or "".
func (c *columns) unknown(row *tabular.Row, name string) string {
	for _, i := range c.extra {
		if row.Header[i] == name {
			return strings.TrimSpace(row.Get(i))
		}
	}
	return ""
}

// MaxExtra bounds the unknown columns a row keeps, as JSON: a wide export's extra columns
// would otherwise cost more than the record itself on every row.
const MaxExtra = 16 << 10

// extras renders the unknown columns of a row as a JSON object, or "" when all are empty; a
// row whose unknown columns come to more than MaxExtra is refused, not cut.
func (c *columns) extras(row *tabular.Row) (string, error) {
	var m map[string]string
	for _, i := range c.extra {
		if v := row.Get(i); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[row.Header[i]] = v
		}
	}
	if m == nil {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	if len(b) > MaxExtra {
		return "", bad("(unknown columns)", "the columns sitrep does not know carry %d bytes, the limit is %d", len(b), MaxExtra)
	}
	return string(b), nil
}

func missing(header []string, required ...string) error {
	have := map[string]bool{}
	for _, h := range header {
		have[h] = true
	}
	var lack []string
	for _, r := range required {
		if !have[r] {
			lack = append(lack, r)
		}
	}
	if lack != nil {
		return fmt.Errorf("header lacks required column(s) %s", strings.Join(lack, ", "))
	}
	return nil
}

// ParseTime reads a time as the input formats do: RFC 3339, or YYYY-MM-DD HH:MM:SS (or a date)
// in zone.
func ParseTime(s string, zone *time.Location) (time.Time, error) {
	c := Config{Zone: zone}
	t, err := c.parseTime("time", s)
	var fe *fieldError
	if errors.As(err, &fe) {
		return t, errors.New(fe.reason)
	}
	return t, err
}
