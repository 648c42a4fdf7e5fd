package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
)

var t0 = time.Date(2024, 2, 27, 2, 0, 0, 0, time.UTC)

var evs = []event.Event{
	{Time: t0.Add(time.Hour), Kind: event.Phishing, URL: "https://evil.example.top/it's", IP: "203.0.113.1", TLP: event.Clear, Target: "Bank"},
	{Time: t0, Kind: event.Phishing, URL: "https://evil.example.top/it's", IP: "203.0.113.1", TLP: event.Clear},
	{Time: t0, Kind: event.InfectedHost, IP: "2001:db8::5", Family: "Mirai", TLP: event.Amber},
	{Time: t0, Kind: event.DDoS, TLP: event.Clear}, // nothing to point at
}

func TestSTIX(t *testing.T) {
	var a, b bytes.Buffer
	if err := STIX(&a, evs); err != nil {
		t.Fatal(err)
	}
	STIX(&b, evs)
	if a.String() != b.String() {
		t.Error("two exports of the same events differ")
	}
	var got struct {
		Type, ID string
		Objects  []map[string]any
	}
	if err := json.Unmarshal(a.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "bundle" || !strings.HasPrefix(got.ID, "bundle--") || len(got.Objects) != 2 {
		t.Fatalf("bundle %+v", got)
	}
	url, host := got.Objects[0], got.Objects[1]
	if url["pattern"] != `[url:value = 'https://evil.example.top/it\'s']` || url["valid_from"] != "2024-02-27T02:00:00.000Z" ||
		url["spec_version"] != "2.1" || url["object_marking_refs"].([]any)[0] != tlpMarkings[event.Clear] {
		t.Errorf("URL indicator %v", url)
	}
	if host["pattern"] != "[ipv6-addr:value = '2001:db8::5']" || host["indicator_types"].([]any)[0] != "compromised" ||
		host["object_marking_refs"].([]any)[0] != tlpMarkings[event.Amber] {
		t.Errorf("host indicator %v", host)
	}
	if err := STIX(new(bytes.Buffer), []event.Event{{Time: t0, Kind: event.Phishing, URL: "https://x.top/", TLP: event.Red}}); err == nil {
		t.Error("a TLP:RED event was exported")
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, evs[:1]); err != nil {
		t.Fatal(err)
	}
	want := "time,kind,ip,url,domain,country,province,asn,registrant_country,family,target,source,tlp,id\n" +
		"2024-02-27T03:00:00Z,phishing,203.0.113.1,https://evil.example.top/it's,,,,,,,Bank,,CLEAR,\n"
	if b.String() != want {
		t.Errorf("CSV\n%s", b.String())
	}
}
