package enrich

import (
	"strings"
	"testing"
)

func TestWebURL(t *testing.T) {
	tests := []struct {
		in, host string
		isIP     bool
		bad      bool
	}{
		{"http://WWW.Example.COM:8080/a?b", "www.example.com", false, false},
		{"https://1.2.3.4/x.exe", "1.2.3.4", true, false},
		{"http://[2001:db8::1]:80/", "2001:db8::1", true, false},
		{"example.com/login", "example.com", false, false},
		{"http://例子.中国/", "xn--fsqu00a.xn--fiqs8s", false, false},
		{"http://www.gov.cn./", "www.gov.cn", false, false},
		{"not a url", "", false, true},
		{"http://", "", false, true},
		{"http://exa mple.com/", "", false, true},
		{"mailto:x@y", "", false, true},
		{"ftp//broken", "", false, true},
		{"http://intranet/login", "", false, true},
		{"javascript:alert(1)", "", false, true},
		{"hxxps://evil[.]example[.]com/a", "evil.example.com", false, false},
		{"example.com:8080/x", "example.com", false, false},
		{"", "", false, true},
	}
	for _, tc := range tests {
		u, host, isIP, err := WebURL(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("WebURL(%q) err = %v", tc.in, err)
			continue
		}
		if host != tc.host || isIP != tc.isIP {
			t.Errorf("WebURL(%q) = %q, %v; want %q, %v", tc.in, host, isIP, tc.host, tc.isIP)
		}
		if !tc.bad && !strings.Contains(u, "://") {
			t.Errorf("WebURL(%q) gives URL %q without a scheme", tc.in, u)
		}
	}
}

func TestRegistrableDomainAndGov(t *testing.T) {
	tests := []struct {
		host, domain string
		gov          bool
	}{
		{"www.beijing.gov.cn", "beijing.gov.cn", true},
		{"gov.cn", "gov.cn", true},
		{"www.example.com.cn", "example.com.cn", false},
		{"a.b.example.com", "example.com", false},
		{"notgov.cn", "notgov.cn", false},
		{"secure-bank1.top", "secure-bank1.top", false},
	}
	for _, tc := range tests {
		d := RegistrableDomain(tc.host)
		if d != tc.domain || IsGov(tc.host, DefaultGovSuffixes) != tc.gov {
			t.Errorf("%s: domain %q gov %v", tc.host, d, IsGov(tc.host, DefaultGovSuffixes))
		}
	}
	if u, _, _, _ := WebURL("hxxps://evil[.]example[.]com/Login?A=1"); u != "https://evil.example.com/Login?A=1" {
		t.Errorf("refanged URL %q keeps its path and query as written", u)
	}
	if !IsGov("www.army.mil.cn", []string{".gov.cn", "mil.cn"}) {
		t.Error("configured suffix without a dot not honoured")
	}
}

func TestProvince(t *testing.T) {
	for in, want := range map[string]string{
		"广东": "广东省", "广东省": "广东省", "Guangdong": "广东省", "GUANGDONG SHENG": "广东省",
		"HENAN SHENG": "河南省", "Inner Mongolia Autonomous Region": "内蒙古自治区", " 新疆 ": "新疆维吾尔自治区",
	} {
		if got, ok := Province(in); got != want || !ok {
			t.Errorf("Province(%q) = %q, %v", in, got, ok)
		}
	}
	if got, ok := Province(" Atlantis "); ok || got != "Atlantis" {
		t.Errorf("unknown province: %q, %v", got, ok)
	}
}

func TestProvinceEnglish(t *testing.T) {
	for in, want := range map[string]string{"广东省": "Guangdong", "内蒙古自治区": "Inner Mongolia", "陕西省": "Shaanxi", "Atlantis": "Atlantis"} {
		if got := ProvinceEnglish(in); got != want {
			t.Errorf("ProvinceEnglish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefang(t *testing.T) {
	for in, want := range map[string]string{
		"https://evil.example.com/login.php?a=b.c": "hxxps://evil[.]example[.]com/login.php?a=b.c",
		"http://1.2.3.4:8080/x.exe":                "hxxp://1[.]2[.]3[.]4:8080/x.exe",
		"ftp://files.example.net/a":                "ftp://files[.]example[.]net/a",
		"evil.example.com":                         "evil[.]example[.]com",
	} {
		if got := Defang(in); got != want {
			t.Errorf("Defang(%q) = %q, want %q", in, got, want)
		}
		if strings.HasPrefix(in, "http") {
			if u, _, _, err := WebURL(Defang(in)); err != nil || u != in {
				t.Errorf("WebURL(Defang(%q)) = %q, %v: refanging does not undo defanging", in, u, err)
			}
		}
	}
}

func TestDefangText(t *testing.T) {
	in := `2024-02-27,phishing,"https://evil.example.top/login",x.example.com,HTTP://Other.example.net/a b`
	want := `2024-02-27,phishing,"hxxps://evil[.]example[.]top/login",x.example.com,hxxp://Other[.]example[.]net/a b`
	if got := DefangText(in); got != want {
		t.Errorf("DefangText:\n got %s\nwant %s", got, want)
	}
}
