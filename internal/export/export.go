// Package export writes a week's events for sharing: as CSV in sitrep's own event format (so
// that another sitrep can ingest it) and as a STIX 2.1 bundle of indicators. Only events of
// the TLP labels the caller passes are written, each marked with its label; TLP:RED is never
// exported.
//
// Partners open the CSV in spreadsheets, which run a cell that starts with =, +, -, @, a tab
// or a carriage return as a formula. Every cell is therefore neutralised as OWASP advises
// against CSV injection, by a single quote in front, with one rule that keeps the export
// ingestible without loss:
//
//   - A cell whose text, after any single quotes it starts with, begins with =, +, -, @, a
//     tab or a carriage return is written with one more single quote in front.
//   - Every other cell is written as it is.
//
// sitrep's own formats (package feed/native) read the rule backwards: a field that starts
// with a single quote and, after its leading quotes, with one of those six characters loses
// its first quote. For example:
//
//	value                    cell written and read back
//	=HYPERLINK("http://x")   '=HYPERLINK("http://x")
//	-2                       '-2
//	'=x                      ''=x
//	'quoted'                 'quoted'
//	it's                     it's
//
// The cells escaped on the way out are exactly those unescaped on the way in, so every value
// survives export and ingest; values such as 'quoted', which no spreadsheet runs, are left
// alone both ways. (Ingest trims white space around every field, and a value it stored never
// has any; a value that starts with a tab or a carriage return keeps it behind its quote.)
package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"sitrep/internal/event"
)

// CSVHeader is the sitrep-events columns an export writes.
var CSVHeader = []string{"time", "kind", "ip", "url", "domain", "country", "province", "asn", "registrant_country",
	"family", "target", "source", "tlp", "id", "malware"}

// CSV writes events in the sitrep-events format, times in RFC 3339, every cell neutralised
// as the package comment says.
func CSV(w io.Writer, evs []event.Event) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	row := make([]string, len(CSVHeader))
	for _, e := range evs {
		asn := ""
		if e.ASN != 0 {
			asn = strconv.FormatUint(uint64(e.ASN), 10)
		}
		row = append(row[:0], e.Time.UTC().Format(time.RFC3339), string(e.Kind), e.IP, e.URL, e.Domain, e.Country, e.Province, asn,
			e.RegistrantCountry, e.Family, e.Target, e.Source, string(e.TLP), e.FeedID, e.Malware)
		for i, cell := range row {
			row[i] = neutralise(cell)
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// Rows writes a table as CSV, every cell neutralised as CSV's are: a list a person opens in a
// spreadsheet.
func Rows(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, row := range rows {
		out := make([]string, len(row))
		for i, cell := range row {
			out[i] = neutralise(cell)
		}
		cw.Write(out)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// MISP writes a MISP event (as {"Event": …}) titled info: one attribute for detection per
// distinct URL, address, host name or domain of the events (as STIX does, first seen at the
// earliest event), each tagged with its TLP label and its RSIT type, so that a MISP instance,
// and sitrep's own reader, know what each is and how far it may go.
func MISP(w io.Writer, info string, evs []event.Event) error {
	type attr struct {
		UUID      string    `json:"uuid"`
		Type      string    `json:"type"`
		Category  string    `json:"category"`
		Value     string    `json:"value"`
		ToIDS     bool      `json:"to_ids"`
		FirstSeen string    `json:"first_seen"`
		Comment   string    `json:"comment,omitempty"`
		Tag       []mispTag `json:"Tag"`
		first     time.Time
	}
	byKey := map[string]*attr{}
	var order []string
	for _, e := range evs {
		if _, ok := tlpMarkings[e.TLP]; !ok {
			return fmt.Errorf("an event marked TLP:%s cannot be exported", e.TLP)
		}
		var typ, value string
		switch {
		case e.URL != "":
			typ, value = "url", e.URL
		case e.IP != "":
			typ, value = "ip-dst", e.IP
		case e.Host != "" && !e.HostIsIP:
			typ, value = "hostname", e.Host
		case e.Domain != "":
			typ, value = "domain", e.Domain
		default:
			continue
		}
		key := typ + "|" + value + "|" + string(e.TLP)
		if a, ok := byKey[key]; ok {
			if e.Time.Before(a.first) {
				a.first = e.Time
			}
			continue
		}
		tax, rsit := e.Kind.Taxonomy()
		tags := []mispTag{{"tlp:" + strings.ToLower(string(e.TLP))}, {`rsit:` + tax + `="` + rsit + `"`}}
		if e.Family != "" {
			tags = append(tags, mispTag{"family:" + strings.ToLower(e.Family)})
		}
		byKey[key] = &attr{UUID: uuid.NewSHA1(namespace, []byte(key)).String(), Type: typ, Category: "Network activity", Value: value,
			ToIDS: true, Comment: string(e.Kind), Tag: tags, first: e.Time}
		order = append(order, key)
	}
	attrs := []*attr{}
	var ids []string
	for _, k := range order {
		a := byKey[k]
		a.FirstSeen = a.first.UTC().Format("2006-01-02T15:04:05.000000Z")
		attrs = append(attrs, a)
		ids = append(ids, a.UUID)
	}
	ev := map[string]any{"Event": map[string]any{
		"uuid": uuid.NewSHA1(namespace, []byte(strings.Join(ids, ","))).String(), "info": info, "date": time.Now().UTC().Format(time.DateOnly),
		"threat_level_id": "4", "analysis": "2", "Attribute": attrs,
	}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ev)
}

type mispTag struct {
	Name string `json:"name"`
}

// neutralise returns a CSV cell as a spreadsheet shows it as text: with one more single quote
// in front when, after any quotes it starts with, it begins with =, +, -, @, a tab or a
// carriage return; unchanged otherwise. sitrep's ingest takes that quote off again.
func neutralise(cell string) string {
	rest := strings.TrimLeft(cell, "'")
	if rest != "" && strings.IndexByte("=+-@\t\r", rest[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// tlpMarkings are the STIX 2.1 marking definitions of TLP 2.0 (FIRST / OASIS).
var tlpMarkings = map[event.TLP]string{
	event.Clear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	event.Green:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	event.Amber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	event.AmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
}

// namespace makes indicator IDs stable: the same observable gets the same ID in every export.
var namespace = uuid.MustParse("4f7a2c1e-5b8d-4e3a-9c6f-0d1e2f3a4b5c")

type indicator struct {
	Type           string   `json:"type"`
	SpecVersion    string   `json:"spec_version"`
	ID             string   `json:"id"`
	Created        string   `json:"created"`
	Modified       string   `json:"modified"`
	Name           string   `json:"name"`
	IndicatorTypes []string `json:"indicator_types"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	Labels         []string `json:"labels,omitempty"`
	Markings       []string `json:"object_marking_refs"`
}

type bundle struct {
	Type    string      `json:"type"`
	ID      string      `json:"id"`
	Objects []indicator `json:"objects"`
}

// quote writes a STIX pattern string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// STIX writes a STIX 2.1 bundle with one indicator per distinct URL (or, for events without a
// URL, per IP), first seen at the earliest event. The bundle's ID derives from its content.
func STIX(w io.Writer, evs []event.Event) error {
	type seen struct {
		ind   indicator
		first time.Time
	}
	byPattern := map[string]*seen{}
	var order []string
	for _, e := range evs {
		marking, ok := tlpMarkings[e.TLP]
		if !ok {
			return fmt.Errorf("an event marked TLP:%s cannot be exported", e.TLP)
		}
		var pattern, name string
		switch {
		case e.URL != "":
			pattern, name = "[url:value = "+quote(e.URL)+"]", string(e.Kind)+" URL"
		case e.IP != "":
			typ := "ipv4-addr"
			if strings.Contains(e.IP, ":") {
				typ = "ipv6-addr"
			}
			pattern, name = "["+typ+":value = "+quote(e.IP)+"]", string(e.Kind)+" host"
		case e.Host != "" && !e.HostIsIP:
			pattern, name = "[domain-name:value = "+quote(e.Host)+"]", string(e.Kind)+" host"
		case e.Domain != "":
			pattern, name = "[domain-name:value = "+quote(e.Domain)+"]", string(e.Kind)+" domain"
		default:
			continue
		}
		key := pattern + "|" + marking
		if s, ok := byPattern[key]; ok {
			if e.Time.Before(s.first) {
				s.first = e.Time
			}
			continue
		}
		kinds := []string{"malicious-activity"}
		if e.Kind == event.Defacement || e.Kind == event.Backdoor || e.Kind == event.InfectedHost {
			kinds = []string{"compromised"}
		}
		var labels []string
		tax, typ := e.Kind.Taxonomy()
		labels = append(labels, "rsit:"+tax+"/"+typ)
		if e.Family != "" {
			labels = append(labels, "family:"+strings.ToLower(e.Family))
		}
		byPattern[key] = &seen{ind: indicator{Type: "indicator", SpecVersion: "2.1",
			ID:   "indicator--" + uuid.NewSHA1(namespace, []byte(key)).String(),
			Name: name, IndicatorTypes: kinds, Pattern: pattern, PatternType: "stix", Labels: labels, Markings: []string{marking}},
			first: e.Time}
		order = append(order, key)
	}
	b := bundle{Type: "bundle", Objects: []indicator{}}
	var all []string
	for _, k := range order {
		s := byPattern[k]
		t := s.first.UTC().Format("2006-01-02T15:04:05.000Z")
		s.ind.Created, s.ind.Modified, s.ind.ValidFrom = t, t, t
		b.Objects = append(b.Objects, s.ind)
		all = append(all, s.ind.ID)
	}
	b.ID = "bundle--" + uuid.NewSHA1(namespace, []byte(strings.Join(all, ","))).String()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}
