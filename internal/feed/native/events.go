package native

import (
	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/tabular"
)

// Positions of the known fields in eventFields.
const (
	evTime = iota
	evKind
	evIP
	evURL
	evDomain
	evCountry
	evProvince
	evASN
	evRegistrantCountry
	evFamily
	evTarget
	evGov
	evSource
	evTLP
	evID
	evMalware
)

var eventFields = []string{"time", "kind", "ip", "url", "domain", "country", "province", "asn",
	"registrant_country", "family", "target", "gov", "source", "tlp", "id", "malware"}

// NewEventParser returns a parser of the sitrep-events format.
func NewEventParser(cfg Config) *Parser[event.Event] {
	return &Parser[event.Event]{cfg: cfg, known: eventFields, read: readEvent}
}

// readEvent validates one events row and derives what its fields imply.
func readEvent(cfg *Config, c *columns, row *tabular.Row) (event.Event, error) {
	var e event.Event
	var err error
	e.Line = row.Line
	if e.Time, err = cfg.parseTime("time", c.get(row, evTime)); err != nil {
		return e, err
	}
	if k := c.get(row, evKind); k == "" {
		return e, bad("kind", "missing")
	} else if e.Kind, err = event.ParseKind(k); err != nil {
		return e, bad("kind", "%v", err)
	}
	if e.IP, err = parseIP("ip", c.get(row, evIP)); err != nil {
		return e, err
	}
	if u := c.get(row, evURL); u != "" {
		if e.URL, e.Host, e.HostIsIP, err = enrich.WebURL(u); err != nil {
			return e, bad("url", "%q is not a URL: %v", tabular.Snip(u, 80), err)
		}
	}
	if d := c.get(row, evDomain); d != "" {
		if e.Domain, err = enrich.Hostname(d); err != nil {
			return e, bad("domain", "%v", err)
		}
	} else if e.Host != "" && !e.HostIsIP {
		e.Domain = enrich.RegistrableDomain(e.Host)
	}
	if e.Country, err = parseCountry("country", c.get(row, evCountry)); err != nil {
		return e, err
	}
	if e.RegistrantCountry, err = parseCountry("registrant_country", c.get(row, evRegistrantCountry)); err != nil {
		return e, err
	}
	if pr := c.get(row, evProvince); pr != "" {
		e.Province, _ = enrich.Province(pr)
	}
	if e.ASN, err = parseASN("asn", c.get(row, evASN)); err != nil {
		return e, err
	}
	if cfg.Locate != nil && e.IP != "" && (e.Country == "" || e.Country == "CN" && e.Province == "" || e.ASN == 0) {
		country, province, asn := cfg.Locate(e.IP)
		if e.Country == "" {
			e.Country = country
		}
		if e.Province == "" && e.Country == "CN" && country == "CN" {
			e.Province = province
		}
		if e.ASN == 0 {
			e.ASN = asn
		}
	}
	e.Family = c.get(row, evFamily)
	e.Malware = c.get(row, evMalware)
	e.Target = c.get(row, evTarget)
	if e.Gov, err = parseBool("gov", c.get(row, evGov)); err != nil {
		return e, err
	}
	if e.Gov == nil {
		site := e.Host
		if site == "" || e.HostIsIP {
			site = e.Domain
		}
		if site != "" {
			gov := enrich.IsGov(site, cfg.GovSuffixes)
			e.Gov = &gov
		}
	}
	if e.Source = c.get(row, evSource); e.Source == "" {
		e.Source = cfg.Source
	}
	if e.TLP, err = cfg.tlp(c.get(row, evTLP)); err != nil {
		return e, bad("tlp", "%v", err)
	}
	e.FeedID = c.get(row, evID)
	if e.Extra, err = c.extras(row); err != nil {
		return e, err
	}
	return e, nil
}
