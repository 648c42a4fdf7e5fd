package blacklist

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// fake answers Indicators with what it holds, checking what it was asked.
type fake struct {
	t    *testing.T
	inds []store.Indicator
}

func (f fake) Indicators(_ context.Context, r store.Range, kinds []event.Kind, tlps []event.TLP) ([]store.Indicator, error) {
	if len(tlps) != 1 || tlps[0] != event.Clear || len(kinds) != 2 || r.From.After(r.To.Add(-DefaultTTL)) {
		f.t.Errorf("asked for %v %v over %v", kinds, tlps, r)
	}
	return f.inds, nil
}

// TestValuesThatCannotBreakALine: a value an attacker shaped to break a list's format (a
// newline and a zone directive in a host name, spaces in a URL, a script URL) or one no list
// should block (a private address) is left out; a value of both kinds is one entry of both.
func TestValuesThatCannotBreakALine(t *testing.T) {
	day := time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)
	ind := func(typ, v string, k event.Kind, d int) store.Indicator {
		return store.Indicator{Type: typ, Value: v, Kind: k, First: day.AddDate(0, 0, d), Last: day.AddDate(0, 0, d+1)}
	}
	src := fake{t: t, inds: []store.Indicator{
		ind("host", "Evil.Example.", event.MalwareSite, 0), ind("host", "evil.example", event.Phishing, -3),
		ind("host", "evil.example\n@ IN NS attacker.example.", event.Phishing, 0), ind("host", "-bad.example", event.Phishing, 0),
		ind("host", "localhost", event.Phishing, 0), ind("host", "xn--fiqs8s.example", event.Phishing, 0),
		ind("ip", "10.0.0.8", event.MalwareSite, 0), ind("ip", "36.110.1.7", event.MalwareSite, 0), ind("ip", "2400:3200::1", event.MalwareSite, 0),
		ind("url", "http://evil.example/a b", event.Phishing, 0), ind("url", "javascript:alert(1)", event.Phishing, 0),
		ind("url", "http://evil.example/a\r\nX: y", event.Phishing, 0), ind("url", "https://evil.example/login?x=1", event.Phishing, 0),
		// What a stranger's attack got through before: RPZ trigger names, a public suffix, an
		// address as a name, a name too long for the zone, an address with a zone, special
		// addresses, a Unicode line separator, loopback URLs, a host with an underscore.
		ind("host", "8.0.0.0.127.rpz-client-ip", event.Phishing, 0), ind("host", "1.0.0.0.0.rpz-ip", event.Phishing, 0),
		ind("host", "com.cn", event.Phishing, 0), ind("host", "gov.cn", event.Phishing, 0), ind("host", "10.0.0.1", event.Phishing, 0),
		ind("host", strings.Repeat("a", 60)+"."+strings.Repeat("b", 60)+"."+strings.Repeat("c", 60)+".example", event.Phishing, 0),
		ind("ip", "2001:4860::1%x\nINJECTED", event.MalwareSite, 0), ind("ip", "100.64.1.1", event.MalwareSite, 0),
		ind("ip", "64:ff9b::a00:1", event.MalwareSite, 0), ind("ip", "192.0.2.1", event.MalwareSite, 0),
		ind("url", "http://injected.example/\u2028nel.example", event.Phishing, 0), ind("url", "http://127.0.0.1/admin", event.Phishing, 0),
		ind("url", "http://[::1]/v6", event.Phishing, 0), ind("url", "http://bad_host.evil.example/", event.Phishing, 0),
		ind("url", "HTTP://UPPER.Example./Path", event.Phishing, 0),
		ind("host", "old.example", event.Phishing, -40), // last seen more than 30 days before: expired
	}}
	asOf := time.Date(2024, 3, 4, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	l, err := Build(context.Background(), src, asOf, 0, time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range l.Entries {
		got = append(got, e.Type+" "+e.Value+" "+kinds(e.Kinds))
	}
	want := []string{"host evil.example malware_site, phishing", "host xn--fiqs8s.example phishing",
		"ip 2400:3200::1 malware_site", "ip 36.110.1.7 malware_site", "url http://upper.example/Path phishing", "url https://evil.example/login?x=1 phishing"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e := l.Entries[0]
	if !e.First.Equal(day.AddDate(0, 0, -3)) || !e.Last.Equal(day.AddDate(0, 0, 1)) || !e.Expires.Equal(e.Last.Add(DefaultTTL)) || l.Serial != 2024030300 {
		t.Errorf("evil.example: %v to %v, expires %v; serial %d", e.First, e.Last, e.Expires, l.Serial)
	}
	var zone bytes.Buffer
	if err := l.Write(&zone, "rpz.zone", ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"$ORIGIN blacklist.rpz.\n", "(2024030300 3600 600 604800 300)", "\nevil.example CNAME .\n*.evil.example CNAME .\n",
		"\n32.7.1.110.36.rpz-ip CNAME .\n", "; first-seen 2024-02-25 last-seen 2024-02-29 expires 2024-03-30 (malware_site, phishing)\n"} {
		if !strings.Contains(zone.String(), want) {
			t.Errorf("the zone lacks %q:\n%s", want, zone.String())
		}
	}
	if !strings.Contains(zone.String(), "\n128.1.zz.3200.2400.rpz-ip CNAME .\n") {
		t.Errorf("the zone lacks 2400:3200::1 as an rpz-ip trigger:\n%s", zone.String())
	}
	for v, want := range map[string]string{"2400:3200::1": "128.1.zz.3200.2400.rpz-ip", "2400:3200:1:2:3:4:5:6": "128.6.5.4.3.2.1.3200.2400.rpz-ip",
		"::1:2": "128.2.1.zz.rpz-ip", "2400::": "128.zz.2400.rpz-ip", "1.2.3.4": "32.4.3.2.1.rpz-ip"} {
		if got := rpzIP(v); got != want {
			t.Errorf("rpzIP(%s) = %s, want %s", v, got, want)
		}
	}
	if strings.Contains(zone.String(), "attacker") || strings.Contains(zone.String(), "rpz-client-ip") {
		t.Errorf("the zone holds what it should not:\n%s", zone.String())
	}
	if err := l.Write(&zone, "passwd", ""); err == nil {
		t.Error("an unknown file written")
	}
}
