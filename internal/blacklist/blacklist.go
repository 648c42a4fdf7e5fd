// Package blacklist makes the CERT's public blacklist of malicious addresses, as the older
// bulletins publish it through ANVA: the host names, addresses and URLs of the malware download
// sites and phishing pages of TLP:CLEAR records, up to the end of the latest published week,
// each kept for a while after it was last seen. It writes them as plain lists, a hosts file and
// a DNS response policy zone (RPZ) that resolvers and firewalls pull.
//
// The lists are read by machines, so values are written as they are, never defanged; a value
// that could break a list's format (a host name that is not one, a URL with spaces or control
// characters) is left out.
package blacklist

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/publicsuffix"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// Format is the format under which a published week keeps its blacklist among its renderings:
// the List as JSON, in no language.
const Format = "blacklist.json"

// DefaultTTL is how long an entry stays listed after it was last seen.
const DefaultTTL = 30 * 24 * time.Hour

// Kinds are the kinds of events the blacklist draws on.
var Kinds = []event.Kind{event.MalwareSite, event.Phishing}

// Entry is one listed value.
type Entry struct {
	Type    string       `json:"type"` // host, ip or url
	Value   string       `json:"value"`
	Kinds   []event.Kind `json:"kinds"`
	First   time.Time    `json:"first_seen"`
	Last    time.Time    `json:"last_seen"`
	Expires time.Time    `json:"expires"`
}

// List is the blacklist as of an instant.
type List struct {
	AsOf    time.Time `json:"as_of"`
	Serial  uint32    `json:"serial"` // the RPZ's SOA serial: the as-of day, YYYYMMDD00
	TTL     string    `json:"ttl"`
	Entries []Entry   `json:"entries"` // by type, then value
}

// Source is what the blacklist reads of a store (store.Observables).
type Source interface {
	Indicators(ctx context.Context, r store.Range, kinds []event.Kind, tlps []event.TLP) ([]store.Indicator, error)
}

// Build lists the values that events of Kinds labelled TLP:CLEAR pointed at in the ttl before
// asOf, each expiring ttl after it was last seen; asOf's day in loc is the serial.
func Build(ctx context.Context, src Source, asOf time.Time, ttl time.Duration, loc *time.Location) (*List, error) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	// Everything before asOf, so that an entry's first sighting is its first ever; listed are
	// those last seen in the ttl before asOf.
	inds, err := src.Indicators(ctx, store.Range{From: time.Unix(0, 0), To: asOf}, Kinds, []event.TLP{event.Clear})
	if err != nil {
		return nil, err
	}
	day := asOf.Add(-time.Nanosecond).In(loc)
	l := &List{AsOf: asOf, Serial: uint32(day.Year()*1000000 + int(day.Month())*10000 + day.Day()*100), TTL: ttl.String(), Entries: []Entry{}}
	byKey := map[[2]string]int{}
	for _, ind := range inds {
		v, ok := clean(ind.Type, ind.Value)
		if !ok {
			continue
		}
		k := [2]string{ind.Type, v}
		i, seen := byKey[k]
		if !seen {
			byKey[k] = len(l.Entries)
			l.Entries = append(l.Entries, Entry{Type: ind.Type, Value: v, First: ind.First, Last: ind.Last})
			i = len(l.Entries) - 1
		}
		e := &l.Entries[i]
		if !slices.Contains(e.Kinds, ind.Kind) {
			e.Kinds = append(e.Kinds, ind.Kind)
			slices.Sort(e.Kinds)
		}
		if ind.First.Before(e.First) {
			e.First = ind.First
		}
		if ind.Last.After(e.Last) {
			e.Last = ind.Last
		}
	}
	l.Entries = slices.DeleteFunc(l.Entries, func(e Entry) bool { return !e.Last.After(asOf.Add(-ttl)) })
	for i := range l.Entries {
		l.Entries[i].Expires = l.Entries[i].Last.Add(ttl)
	}
	slices.SortFunc(l.Entries, func(a, b Entry) int { return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value)) })
	return l, nil
}

var (
	label   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	numeric = regexp.MustCompile(`^[0-9]+$`)
)

// maxHost is the longest host name listed: with "*." before it and the longest origin a
// server is given after it (maxOrigin), a zone's names stay within DNS's 253 characters.
const (
	maxOrigin = 64
	maxHost   = 253 - len("*.") - maxOrigin
)

// special are the address blocks of IANA's special-purpose registries that are not hosts on
// the internet a resolver or firewall should be told of: shared, benchmarking, documentation,
// reserved, NAT64, Teredo and ORCHID ones. Private, loopback, link-local and multicast
// addresses are refused by their netip tests.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), netip.MustParsePrefix("100::/64"), netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("2002::/16"),
}

// clean returns a value as a list writes it, or false where it is not one a list may hold.
func clean(typ, v string) (string, bool) {
	switch typ {
	case "host":
		return cleanHost(v)
	case "ip":
		return cleanIP(v)
	case "url":
		// Any control or separator character (U+2028 and U+0085 break lines for some readers)
		// makes the URL unlistable; so does a host that would not be listed itself.
		if len(v) > 2048 || strings.ContainsFunc(v, func(r rune) bool {
			return r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Zs)
		}) {
			return "", false
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || u.User != nil {
			return "", false
		}
		u.Scheme = strings.ToLower(u.Scheme)
		if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp" {
			return "", false
		}
		host, port := u.Hostname(), u.Port()
		if h, ok := cleanIP(host); ok {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		} else if h, ok := cleanHost(host); ok {
			host = h
		} else {
			return "", false
		}
		u.Host = host
		if port != "" {
			u.Host += ":" + port
		}
		return u.String(), true
	}
	return "", false
}

// cleanHost lowers a host name and refuses what a list must not hold: not a name by RFC 1123's
// letter (IDNs are listed in their xn-- form, as events hold them), a single label, an address
// written as a name (its last label all digits), a public suffix (com.cn: a whole tree), a
// name too long for the zone, or one with an RPZ trigger label (rpz-ip, rpz-client-ip, …),
// which a resolver would take for a policy rule rather than a name.
func cleanHost(v string) (string, bool) {
	h := strings.TrimSuffix(strings.ToLower(v), ".")
	labels := strings.Split(h, ".")
	if len(h) > maxHost || len(labels) < 2 || numeric.MatchString(labels[len(labels)-1]) {
		return "", false
	}
	for _, l := range labels {
		if !label.MatchString(l) || strings.HasPrefix(l, "rpz-") {
			return "", false
		}
	}
	if suffix, _ := publicsuffix.PublicSuffix(h); suffix == h {
		return "", false
	}
	return h, true
}

// cleanIP refuses an address that is not a host on the internet.
func cleanIP(v string) (string, bool) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return "", false
	}
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return "", false
	}
	for _, p := range special {
		if p.Contains(a) {
			return "", false
		}
	}
	return a.String(), true
}

// Files are the blacklist's files by name, with what each holds.
var Files = map[string]string{
	"domains.txt": "host names of malware download sites and phishing pages, one per line",
	"ips.txt":     "addresses of malware download sites and phishing pages, one per line",
	"urls.txt":    "URLs of malware downloads and phishing pages, one per line",
	"hosts.txt":   "the host names as a hosts file (0.0.0.0 name)",
	"rpz.zone":    "a DNS response policy zone: NXDOMAIN for each host name and its subdomains, and for each address",
}

// Write writes the file name of l; origin is the RPZ's zone name (blacklist.rpz. when empty;
// at most 64 characters).
func (l *List) Write(w io.Writer, name, origin string) error {
	if len(origin) > maxOrigin {
		return fmt.Errorf("the zone's name %q is longer than %d characters", origin, maxOrigin)
	}
	bw := bufio.NewWriter(w)
	head := func(c string) {
		fmt.Fprintf(bw, "%s sitrep blacklist: %s\n", c, Files[name])
		fmt.Fprintf(bw, "%s as of %s (serial %d); each entry expires %s after it was last seen (TLP:CLEAR)\n",
			c, l.AsOf.UTC().Format(time.RFC3339), l.Serial, l.TTL)
	}
	switch name {
	case "domains.txt", "ips.txt", "urls.txt":
		head("#")
		typ := map[string]string{"domains.txt": "host", "ips.txt": "ip", "urls.txt": "url"}[name]
		for _, e := range l.Entries {
			if e.Type == typ {
				fmt.Fprintln(bw, e.Value)
			}
		}
	case "hosts.txt":
		head("#")
		for _, e := range l.Entries {
			if e.Type == "host" {
				fmt.Fprintf(bw, "0.0.0.0 %s\n", e.Value)
			}
		}
	case "rpz.zone":
		l.writeRPZ(bw, cmp.Or(origin, "blacklist.rpz."), head)
	default:
		return fmt.Errorf("no blacklist file %q", name)
	}
	return bw.Flush()
}

// writeRPZ writes the zone (RFC-conformant master file, RPZ policy by CNAME to the root):
// each host name and its subdomains answer NXDOMAIN, and so does each IPv4 address (rpz-ip).
func (l *List) writeRPZ(w io.Writer, origin string, head func(string)) {
	head(";")
	fmt.Fprintf(w, "$ORIGIN %s\n$TTL 300\n", origin)
	fmt.Fprintf(w, "@ IN SOA localhost. hostmaster.localhost. (%d 3600 600 604800 300)\n@ IN NS localhost.\n", l.Serial)
	for _, e := range l.Entries {
		note := fmt.Sprintf("; first-seen %s last-seen %s expires %s (%s)\n", e.First.UTC().Format(time.DateOnly),
			e.Last.UTC().Format(time.DateOnly), e.Expires.UTC().Format(time.DateOnly), kinds(e.Kinds))
		switch e.Type {
		case "host":
			fmt.Fprintf(w, "%s%s CNAME .\n*.%[2]s CNAME .\n", note, e.Value)
		case "ip":
			fmt.Fprintf(w, "%s%s CNAME .\n", note, rpzIP(e.Value))
		}
	}
}

// rpzIP writes an address as an RPZ IP trigger: the prefix length, then the address's parts
// in reverse, an IPv6 address's longest run of zero groups as zz (where its text has ::):
// 198.51.100.7 is 32.7.100.51.198.rpz-ip, 2001:db8::1 is 128.1.zz.db8.2001.rpz-ip.
func rpzIP(v string) string {
	a, _ := netip.ParseAddr(v)
	if a.Is4() {
		o := a.As4()
		return fmt.Sprintf("32.%d.%d.%d.%d.rpz-ip", o[3], o[2], o[1], o[0])
	}
	left, right, compressed := strings.Cut(a.String(), "::")
	var groups []string
	if left != "" {
		groups = strings.Split(left, ":")
	}
	if compressed {
		groups = append(groups, "zz")
		if right != "" {
			groups = append(groups, strings.Split(right, ":")...)
		}
	}
	slices.Reverse(groups)
	return "128." + strings.Join(groups, ".") + ".rpz-ip"
}

func kinds(ks []event.Kind) string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}
