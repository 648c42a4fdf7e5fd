package app

import (
	"os"
	"testing"
)

// TestDefaultsReadTheEnvironmentOnce fills a configuration from a given environment: every
// setting comes from it, what is set already wins, and the process's environment is not read.
func TestDefaultsReadTheEnvironmentOnce(t *testing.T) {
	t.Setenv("SITREP_ORG", "from the process")
	env := map[string]string{
		"SITREP_STORE": t.TempDir(), "SITREP_TZ": "Europe/Paris", "SITREP_ORG": "CERT-X", "SITREP_ACTOR": "duty",
		"SITREP_GEOIP": "/g.mmdb", "SITREP_ASN_DB": "/a.mmdb", "SITREP_FONT": "/f.ttc", "SITREP_CHROMIUM": "/c",
		"SITREP_NOTICE_TEMPLATES": "/t", "SITREP_SMTP_ADDR": "mail:25", "SITREP_SMTP_FROM": "cert@x", "SITREP_SMTP_USER": "u",
		"SITREP_SMTP_PASSWORD": "p", "SITREP_GOV_SUFFIXES": ".gov.x,.mil.x", "SITREP_DB_MEMORY": "1GB",
		"SITREP_STYLE": "infographic", "SITREP_BLACKLIST": "ANVA",
	}
	read := map[string]int{}
	c := &Config{ZoneName: "UTC", Getenv: func(k string) string { read[k]++; return env[k] }}
	if err := c.Defaults(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"store": c.Store, "zone": c.Zone.String(), "org": c.Org, "actor": c.Actor, "geoip": c.GeoIP, "asn": c.ASNDB,
		"font": c.Font, "chromium": c.Chromium, "templates": c.NoticeTemplates, "smtp": c.SMTP.Addr + " " + c.SMTP.From + " " + c.SMTP.User + " " + c.SMTP.Password,
		"memory": c.MemoryLimit, "style": c.Style, "blacklist": c.Blacklist,
	}
	want := map[string]string{
		"store": env["SITREP_STORE"], "zone": "UTC", "org": "CERT-X", "actor": "duty", "geoip": "/g.mmdb", "asn": "/a.mmdb",
		"font": "/f.ttc", "chromium": "/c", "templates": "/t", "smtp": "mail:25 cert@x u p", "memory": "1GB",
		"style": "infographic", "blacklist": "ANVA",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if len(c.GovSuffixes) != 2 || c.GovSuffixes[1] != ".mil.x" {
		t.Errorf("GOV suffixes %v", c.GovSuffixes)
	}
	for k, n := range read {
		if n > 1 {
			t.Errorf("%s read %d times", k, n)
		}
	}
	if os.Getenv("SITREP_TZ") != "" {
		t.Error("the configuration wrote to the process's environment")
	}
}

// TestUnknownStyle: a style sitrep does not know is refused by name.
func TestUnknownStyle(t *testing.T) {
	c := &Config{ZoneName: "UTC", Getenv: func(k string) string {
		return map[string]string{"SITREP_STORE": t.TempDir(), "SITREP_STYLE": "poster"}[k]
	}}
	if err := c.Defaults(); err == nil || err.Error() != "SITREP_STYLE=poster: the styles are charts and infographic" {
		t.Errorf("got %v", err)
	}
}
