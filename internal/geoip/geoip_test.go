package geoip

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// WriteTestDBs builds a tiny City database with provinces and an ASN database, as no real
// province-level data is available here.
func writeTestDBs(t testing.TB) (city, asn string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, nets map[string]mmdbtype.Map) string {
		tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: typ, RecordSize: 24})
		if err != nil {
			t.Fatal(err)
		}
		for cidr, rec := range nets {
			_, n, _ := net.ParseCIDR(cidr)
			if err := tree.Insert(n, rec); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(dir, name)
		f, _ := os.Create(path)
		defer f.Close()
		if _, err := tree.WriteTo(f); err != nil {
			t.Fatal(err)
		}
		return path
	}
	sub := func(en, zh string) mmdbtype.Slice {
		return mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("XX"), "names": mmdbtype.Map{"en": mmdbtype.String(en), "zh-CN": mmdbtype.String(zh)}}}
	}
	country := func(cc string) mmdbtype.Map { return mmdbtype.Map{"iso_code": mmdbtype.String(cc)} }
	city = write("city.mmdb", "GeoIP2-City", map[string]mmdbtype.Map{
		"36.0.0.0/16": {"country": country("CN"), "subdivisions": sub("Guangdong", "广东省")},
		"36.1.0.0/16": {"country": country("CN"), "subdivisions": sub("Zhejiang", "")},
		"36.2.0.0/16": {"country": country("CN")},
		"8.8.8.0/24":  {"country": country("US"), "subdivisions": sub("California", "加利福尼亚州")},
		"240e::/24":   {"country": country("CN"), "subdivisions": sub("Beijing", "北京市")},
	})
	asn = write("asn.mmdb", "GeoLite2-ASN", map[string]mmdbtype.Map{
		"36.0.0.0/8": {"autonomous_system_number": mmdbtype.Uint32(4134)},
	})
	return city, asn
}

func TestLocate(t *testing.T) {
	city, asn := writeTestDBs(t)
	db, err := Open(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		ip, country, province string
		asn                   uint32
	}{
		{"36.0.1.2", "CN", "广东省", 4134},
		{"36.1.1.2", "CN", "浙江省", 4134}, // only an English name
		{"36.2.1.2", "CN", "", 4134},    // no subdivision
		{"8.8.8.8", "US", "", 0},        // provinces only for CN
		{"240e::1", "CN", "北京市", 0},
		{"192.0.2.1", "", "", 0},
		{"not an ip", "", "", 0},
	}
	for _, tc := range tests {
		c, p, a := db.Locate(tc.ip)
		if c != tc.country || p != tc.province || a != tc.asn {
			t.Errorf("Locate(%s) = %q %q %d, want %q %q %d", tc.ip, c, p, a, tc.country, tc.province, tc.asn)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.mmdb"), ""); err == nil {
		t.Error("a missing database opened")
	}
}

func TestBuildFromTor(t *testing.T) {
	v4 := "# tor geoip\n16777216,16777471,AU\n603979776,604045311,CN\n134744064,134744319,US\n3232235520,3232235775,??\n"
	v6 := "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n"
	path := filepath.Join(t.TempDir(), "country.mmdb")
	f, _ := os.Create(path)
	n, err := BuildFromTor(strings.NewReader(v4), strings.NewReader(v6), f)
	f.Close()
	if err != nil || n != 4 {
		t.Fatalf("built %d ranges: %v", n, err)
	}
	db, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for ip, want := range map[string]string{"1.0.0.1": "AU", "36.0.0.1": "CN", "8.8.8.8": "US", "2001:200::5": "JP", "192.168.0.1": "", "9.9.9.9": ""} {
		if c, _, _ := db.Locate(ip); c != want {
			t.Errorf("%s: %q, want %q", ip, c, want)
		}
	}
	if _, err := BuildFromTor(strings.NewReader("1,2\n"), nil, new(strings.Builder)); err == nil {
		t.Error("a malformed line was accepted")
	}
}

func BenchmarkLocate(b *testing.B) {
	city, asn := writeTestDBs(b)
	db, err := Open(city, asn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ips := []string{"36.0.1.2", "8.8.8.8", "192.0.2.1", "36.1.200.3"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Locate(ips[i%len(ips)])
	}
}
