// Package cnvd reads the XML exports of China's National Vulnerability Database (CNVD) as rows
// of sitrep's vulnerability format. The export spells severity <serverity> and writes it in
// Chinese (高/中/低); it does not classify the affected object, so records come in as "other".
package cnvd

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"sitrep/internal/tabular"
)

// Header is the native vulnerability fields the rows carry.
var Header = []string{"id", "published", "title", "severity", "object", "cve", "product"}

type record struct {
	Number   string   `xml:"number"`
	Title    string   `xml:"title"`
	Severity string   `xml:"serverity"`
	OpenTime string   `xml:"openTime"`
	CVEs     []string `xml:"cves>cve>cveNumber"`
	Products []string `xml:"products>product"`
}

// Reader streams <vulnerability> elements.
type Reader struct {
	dec    *xml.Decoder
	fields []string
}

// NewReader reads a CNVD export.
func NewReader(r io.Reader) *Reader {
	return &Reader{dec: xml.NewDecoder(r), fields: make([]string, len(Header))}
}

// Header implements tabular.Reader.
func (r *Reader) Header() []string { return Header }

var severities = map[string]string{"高": "high", "中": "medium", "低": "low", "high": "high", "medium": "medium", "low": "low"}

// Next implements tabular.Reader: a record without a number is a *tabular.RowError; a
// document that is not well-formed XML stops the reading with an error naming the line.
func (r *Reader) Next() (tabular.Row, error) {
	for {
		tok, err := r.dec.Token()
		if err == io.EOF {
			return tabular.Row{}, io.EOF
		}
		if err != nil {
			line, _ := r.dec.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			return tabular.Row{}, fmt.Errorf("CNVD XML, line %d: %w", line, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "vulnerability" {
			continue
		}
		line, _ := r.dec.InputPos()
		var rec record
		if err := r.dec.DecodeElement(&rec, &start); err != nil {
			return tabular.Row{}, fmt.Errorf("CNVD XML, record at line %d: %w", line, err)
		}
		id := strings.TrimSpace(rec.Number)
		raw := tabular.Snip(id+" "+strings.TrimSpace(rec.Title), 200)
		if id == "" {
			return tabular.Row{}, &tabular.RowError{Line: line, Field: "id", Reason: "record without a <number>", Raw: raw}
		}
		sev, ok := severities[strings.TrimSpace(rec.Severity)]
		if !ok {
			sev = strings.TrimSpace(rec.Severity) // the validator names it
		}
		var products []string
		for _, p := range rec.Products {
			if p = strings.TrimSpace(p); p != "" {
				products = append(products, p)
			}
		}
		copy(r.fields, []string{id, strings.TrimSpace(rec.OpenTime), strings.TrimSpace(rec.Title), sev, "other",
			strings.Join(rec.CVEs, " "), strings.Join(products, "; ")})
		if err := checkRow(line, r.fields); err != nil {
			err.Raw = raw
			return tabular.Row{}, err
		}
		return tabular.Row{Line: line, Header: Header, Fields: r.fields}, nil
	}
}

func checkRow(line int, fields []string) *tabular.RowError {
	for i, f := range fields {
		if len(f) > tabular.MaxField {
			return &tabular.RowError{Line: line, Field: Header[i], Reason: fmt.Sprintf("is %d bytes, over the %d-byte limit", len(f), tabular.MaxField)}
		}
	}
	return nil
}
