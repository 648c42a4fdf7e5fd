package native

import (
	"strings"

	"sitrep/internal/event"
	"sitrep/internal/feed/objects"
	"sitrep/internal/tabular"
)

// Positions of the known fields in vulnFields.
const (
	vuID = iota
	vuPublished
	vuTitle
	vuSeverity
	vuObject
	vuCVE
	vuVendor
	vuProduct
	vuTLP
)

var vulnFields = []string{"id", "published", "title", "severity", "object", "cve", "vendor", "product", "tlp"}

// NewVulnParser returns a parser of the sitrep-vulns format.
func NewVulnParser(cfg Config) *Parser[event.Vuln] {
	return &Parser[event.Vuln]{cfg: cfg, known: vulnFields, read: readVuln}
}

// readVuln validates one vulnerabilities row.
func readVuln(cfg *Config, c *columns, row *tabular.Row) (event.Vuln, error) {
	v := event.Vuln{Line: row.Line}
	var err error
	if v.ID = c.get(row, vuID); v.ID == "" {
		return v, bad("id", "missing")
	}
	if v.Published, err = cfg.parseTime("published", c.get(row, vuPublished)); err != nil {
		return v, err
	}
	if s := c.get(row, vuSeverity); s == "" {
		return v, bad("severity", "missing")
	} else if v.Severity, err = event.ParseEnum("severity", s, event.Severities); err != nil {
		return v, bad("severity", "%v", err)
	}
	v.Title = c.get(row, vuTitle)
	v.CVE = c.get(row, vuCVE)
	v.Vendor = c.get(row, vuVendor)
	v.Product = c.get(row, vuProduct)
	if o := c.get(row, vuObject); o != "" {
		if v.Object, err = event.ParseEnum("object", o, event.Objects); err != nil {
			return v, bad("object", "%v", err)
		}
	} else { // from the rule table, or unclassified
		v.Object = cfg.Objects.Classify(objects.Record{Vendor: v.Vendor, Product: v.Product, Title: v.Title,
			CPEs: strings.Fields(c.unknown(row, "cpe"))})
	}
	if v.TLP, err = cfg.tlp(c.get(row, vuTLP)); err != nil {
		return v, bad("tlp", "%v", err)
	}
	if v.Extra, err = c.extras(row); err != nil {
		return v, err
	}
	return v, nil
}

// Positions of the known fields in incidentFields.
const (
	inID = iota
	inOpened
	inClosed
	inType
	inSource
	inPartner
	inPartnerKind
	inCrossBorder
	inImpact
	inURL
	inPlatform
	inTLP
)

var incidentFields = []string{"id", "opened", "closed", "type", "source", "partner", "partner_kind",
	"cross_border", "impact", "url", "platform", "tlp"}

// NewIncidentParser returns a parser of the sitrep-incidents format.
func NewIncidentParser(cfg Config) *Parser[event.Incident] {
	return &Parser[event.Incident]{cfg: cfg, known: incidentFields, read: readIncident}
}

// readIncident validates one incidents row.
func readIncident(cfg *Config, c *columns, row *tabular.Row) (event.Incident, error) {
	in := event.Incident{Line: row.Line}
	var err error
	if in.ID = c.get(row, inID); in.ID == "" {
		return in, bad("id", "missing")
	}
	if in.Opened, err = cfg.parseTime("opened", c.get(row, inOpened)); err != nil {
		return in, err
	}
	if s := c.get(row, inClosed); s != "" {
		t, err := cfg.parseTime("closed", s)
		if err != nil {
			return in, err
		}
		if t.Before(in.Opened) {
			return in, bad("closed", "%s is before opened", s)
		}
		in.Closed = &t
	}
	if s := c.get(row, inType); s == "" {
		return in, bad("type", "missing")
	} else if in.Type, err = event.ParseEnum("type", s, event.IncidentTypes); err != nil {
		return in, bad("type", "%v", err)
	}
	in.Source = c.get(row, inSource)
	in.Partner = c.get(row, inPartner)
	if s := c.get(row, inPartnerKind); s != "" {
		if in.PartnerKind, err = event.ParseEnum("partner kind", s, event.PartnerKinds); err != nil {
			return in, bad("partner_kind", "%v", err)
		}
	}
	if in.CrossBorder, err = parseBool("cross_border", c.get(row, inCrossBorder)); err != nil {
		return in, err
	}
	in.Impact = "none"
	if s := c.get(row, inImpact); s != "" {
		if in.Impact, err = event.ParseEnum("impact", s, event.Impacts); err != nil {
			return in, bad("impact", "%v", err)
		}
	}
	in.URL = c.get(row, inURL)
	in.Platform = c.get(row, inPlatform)
	if in.TLP, err = cfg.tlp(c.get(row, inTLP)); err != nil {
		return in, bad("tlp", "%v", err)
	}
	if in.Extra, err = c.extras(row); err != nil {
		return in, err
	}
	return in, nil
}
