// Package enrich derives what an event's own fields imply: the host of a URL, the registrable
// domain, the GOV-class flag, and the canonical name of a province; and it defangs URLs for
// people to read.
// Country, province and ASN lookups by IP plug in here as well.
//
// Everything here is pure and safe for concurrent use.
package enrich

import (
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

var hostProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// WebURL reads a web URL. It returns the URL as it stands for — a defanged one
// ("hxxp://example[.]com/a") refanged, one without a scheme ("example.com/login") read as
// http, otherwise as written — and its host in canonical form: lower case, IDNs in punycode, no
// port, IPv6 without brackets; isIP tells whether the host is an IP literal. It fails for text
// that is not an http, https or ftp URL with a host.
func WebURL(raw string) (u, host string, isIP bool, err error) {
	s := Refang(strings.TrimSpace(raw))
	if s == "" {
		return "", "", false, errors.New("empty")
	}
	if i := strings.Index(s, "://"); i >= 0 {
		switch strings.ToLower(s[:i]) {
		case "http", "https", "ftp":
		default:
			return "", "", false, errors.New("scheme " + quote(s[:i]) + " is not http, https or ftp")
		}
	} else {
		if strings.ContainsAny(s, " @") || schemeOnly.MatchString(s) {
			return "", "", false, errors.New("not a web URL")
		}
		s = "http://" + s
	}
	p, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", "", false, err
	}
	if p.Host == "" {
		return "", "", false, errors.New("has no host")
	}
	h := p.Hostname()
	if a, err := netip.ParseAddr(h); err == nil {
		return s, a.Unmap().String(), true, nil
	}
	if h, err = Hostname(h); err != nil {
		return "", "", false, err
	}
	if !strings.Contains(h, ".") {
		return "", "", false, errors.New("host " + quote(h) + " is not a domain name")
	}
	return s, h, false, nil
}

// Hostname checks and canonicalises a DNS name: lower case, punycode, no trailing dot.
func Hostname(h string) (string, error) {
	h = strings.TrimSuffix(strings.TrimSpace(h), ".")
	if h == "" {
		return "", errors.New("empty host name")
	}
	a, err := hostProfile.ToASCII(h)
	if err != nil {
		return "", errors.New("invalid host name " + quote(h))
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", errors.New("host name longer than 253 characters")
	}
	for _, label := range strings.Split(a, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", errors.New("invalid host name " + quote(h))
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", errors.New("invalid host name " + quote(h))
			}
		}
	}
	return a, nil
}

// Defang makes a URL safe to show a person: the scheme no longer links and the host's dots
// no longer resolve when copied ("hxxps://evil[.]example[.]com/login"). Path and query stay
// as written. Text that is not a URL has its dots bracketed.
func Defang(s string) string {
	scheme, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i+3], s[i+3:]
	}
	if strings.HasPrefix(strings.ToLower(scheme), "http") {
		scheme = "hxxp" + scheme[4:]
	}
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	return scheme + strings.ReplaceAll(host, ".", "[.]") + path
}

var urlInText = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s"'<>,]+`)

// DefangText defangs every URL in a text meant for a person, such as a rejected row.
func DefangText(s string) string { return urlInText.ReplaceAllStringFunc(s, Defang) }

var schemeOnly = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:[^0-9]`)

// Refang undoes the usual defanging of URLs in threat reports: hxxp and hxxps schemes and
// "[.]" or "(.)" for dots.
func Refang(s string) string {
	if len(s) >= 4 && strings.EqualFold(s[:4], "hxxp") {
		s = "http" + s[4:]
	}
	return strings.NewReplacer("[.]", ".", "(.)", ".", "[:]", ":").Replace(s)
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + s + `"`
}

// RegistrableDomain returns the domain a registrant holds for host (eTLD+1 by the public
// suffix list): "www.example.com.cn" gives "example.com.cn". A host that is itself a public
// suffix is returned as it is.
func RegistrableDomain(host string) string {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// DefaultGovSuffixes mark GOV-class sites unless configured otherwise.
var DefaultGovSuffixes = []string{".gov.cn"}

// IsGov reports whether host lies under one of suffixes (each with its leading dot, or a
// whole name that matches exactly when written without one).
func IsGov(host string, suffixes []string) bool {
	for _, s := range suffixes {
		s = strings.ToLower(s)
		bare := strings.TrimPrefix(s, ".")
		if host == bare || strings.HasSuffix(host, "."+bare) {
			return true
		}
	}
	return false
}
