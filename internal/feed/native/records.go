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
	vuWithdrawn
)

var vulnFields = []string{"id", "published", "title", "severity", "object", "cve", "vendor", "product", "tlp", "withdrawn"}

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
	w, err := parseBool("withdrawn", c.get(row, vuWithdrawn))
	if err != nil {
		return v, err
	}
	v.Withdrawn = w != nil && *w
	if s := c.get(row, vuSeverity); s == "" && !v.Withdrawn {
		return v, bad("severity", "missing")
	} else if s != "" {
		if v.Severity, err = event.ParseEnum("severity", s, event.Severities); err != nil {
			return v, bad("severity", "%v", err)
		}
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

// Positions of the known fields in exploitedFields.
const (
	exCVE = iota
	exAdded
	exVendor
	exProduct
	exName
	exRansomware
	exDue
	exSource
	exTLP
)

var exploitedFields = []string{"cve", "added", "vendor", "product", "name", "ransomware", "due", "source", "tlp"}

// NewExploitedParser returns a parser of the sitrep-exploited format.
func NewExploitedParser(cfg Config) *Parser[event.Exploited] {
	return &Parser[event.Exploited]{cfg: cfg, known: exploitedFields, read: readExploited}
}

// readExploited validates one row of a known-exploited catalog.
func readExploited(cfg *Config, c *columns, row *tabular.Row) (event.Exploited, error) {
	x := event.Exploited{Line: row.Line}
	var err error
	x.CVE = strings.ToUpper(c.get(row, exCVE))
	if x.CVE == "" {
		return x, bad("cve", "missing")
	}
	if !isCVE(x.CVE) {
		return x, bad("cve", "%q is not a CVE ID (CVE-YYYY-NNNN)", x.CVE)
	}
	if x.Added, err = cfg.parseTime("added", c.get(row, exAdded)); err != nil {
		return x, err
	}
	if s := c.get(row, exDue); s != "" {
		due, err := cfg.parseTime("due", s)
		if err != nil {
			return x, err
		}
		x.Due = &due
	}
	switch r := strings.ToLower(c.get(row, exRansomware)); r {
	case "known", "true", "yes", "1":
		x.Ransomware = true
	case "", "unknown", "false", "no", "0":
	default:
		return x, bad("ransomware", "%q is not known, unknown, true or false", r)
	}
	x.Vendor = c.get(row, exVendor)
	x.Product = c.get(row, exProduct)
	x.Name = c.get(row, exName)
	if x.Source = c.get(row, exSource); x.Source == "" {
		x.Source = cfg.Source
	}
	if x.TLP, err = cfg.tlp(c.get(row, exTLP)); err != nil {
		return x, bad("tlp", "%v", err)
	}
	if x.Extra, err = c.extras(row); err != nil {
		return x, err
	}
	return x, nil
}

// isCVE tells whether s has the form of a CVE ID: CVE-, a year, -, four or more digits.
func isCVE(s string) bool {
	year, num, ok := strings.Cut(strings.TrimPrefix(s, "CVE-"), "-")
	if !ok || !strings.HasPrefix(s, "CVE-") || len(year) != 4 || len(num) < 4 {
		return false
	}
	for _, r := range year + num {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
