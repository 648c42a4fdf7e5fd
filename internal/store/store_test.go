package store

import (
	"strings"
	"testing"
)

// TestRedactedURL: the user's password and a password parameter are taken out, the rest kept.
func TestRedactedURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://sitrep:s3cret@db.example:5432/sitrep?sslmode=require", "postgres://sitrep:xxxxx@db.example:5432/sitrep?sslmode=require"},
		{"clickhouse://ch1:9000,ch2:9000/sitrep?password=s3cret&dial_timeout=5s", "clickhouse://ch1:9000,ch2:9000/sitrep?dial_timeout=5s&password=xxxxx"},
		{"nats://q.example:4222", "nats://q.example:4222"},
	} {
		got, ok := RedactedURL(c.in)
		if !ok || got != c.want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactedURL(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	if got, ok := RedactedURL("postgres://sitrep:pa%ss@db/x"); ok {
		t.Errorf("an address that does not parse: %q", got)
	}
}

// TestDrillsListed: every count Drill lists is in DrillMetrics, once, and the other way round.
func TestDrillsListed(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range DrillMetrics {
		if _, ok := Drills[m]; !ok || seen[m] {
			t.Errorf("DrillMetrics lists %s, which Drills has not or which it lists twice", m)
		}
		seen[m] = true
	}
	if len(seen) != len(Drills) {
		t.Errorf("Drills has %d counts, DrillMetrics %d", len(Drills), len(seen))
	}
}
