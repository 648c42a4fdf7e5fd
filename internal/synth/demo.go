package synth

import (
	"math/rand/v2"

	"sitrep/internal/event"
	"sitrep/internal/week"
)

// Typical is a week of the size the national bulletin reported around 2018-2024.
func Typical(w week.Week) Spec {
	return Spec{
		Week: w, Seed: 1,
		Trojan: 113000, Conficker: 71000,
		Malware:    Malware{Domains: 180, IPs: 120, IPURLs: 60, DomainsAbroad: 50, DomainsCom: 100, IPsAbroad: 40},
		Defaced:    Sites{Total: 1865, Gov: 28},
		Backdoored: Sites{Total: 717, Gov: 9},
		Phishing:   Phishing{Pages: 187, Domains: 157, IPs: 60, PagesWithIP: 187},
		DDoS:       300,
		Vulns: map[event.Object][3]int{
			event.Application: {60, 80, 10}, event.WebApplication: {20, 40, 10}, event.SecurityProduct: {10, 25, 5},
			event.OS: {5, 8, 1}, event.NetworkDevice: {4, 5, 1}, event.Database: {1, 2, 0},
		},
		Incidents: Incidents{Handled: 103, CrossBorder: 37, Phishing: 74, AppPlatforms: 2, AppURLs: 2},
	}
}

// Events returns about how many event rows a spec generates.
func (s Spec) Events() int {
	m := s.Malware
	return (s.Trojan+s.Conficker)*6/5 + (s.Trojan+s.Conficker)/50 + m.IPURLs + max(m.Domains, m.IPs) +
		(s.Defaced.Total+s.Backdoored.Total)*5/4 + 6 + s.Phishing.Pages + s.DDoS
}

// Scale multiplies every count of a spec by f, keeping the constraints between them.
func (s Spec) Scale(f float64) Spec {
	n := func(v int) int { return int(float64(v)*f + 0.5) }
	s.Trojan, s.Conficker, s.DDoS = n(s.Trojan), n(s.Conficker), n(s.DDoS)
	s.Malware = Malware{Domains: n(s.Malware.Domains), IPs: n(s.Malware.IPs), IPURLs: n(s.Malware.IPURLs),
		DomainsAbroad: n(s.Malware.DomainsAbroad), DomainsCom: n(s.Malware.DomainsCom), IPsAbroad: n(s.Malware.IPsAbroad)}
	s.Defaced = Sites{n(s.Defaced.Total), n(s.Defaced.Gov)}
	s.Backdoored = Sites{n(s.Backdoored.Total), n(s.Backdoored.Gov)}
	s.Phishing = Phishing{n(s.Phishing.Pages), n(s.Phishing.Domains), n(s.Phishing.IPs), n(s.Phishing.PagesWithIP)}
	return s
}

// Weeks returns n consecutive weeks of specs ending with last: magnitudes wander around the
// typical week as real weeks do, and half of the infected hosts of a week were seen the week
// before.
func Weeks(last week.Week, n int, seed uint64) []Spec {
	r := rand.New(rand.NewPCG(seed, 7))
	walk := func(base int, f float64) int { return max(0, int(float64(base)*f+0.5)) }
	specs := make([]Spec, n)
	level := 1.0
	for i := 0; i < n; i++ {
		w := last.Add(i - n + 1)
		level = min(1.6, max(0.6, level*(0.9+0.2*r.Float64())))
		t := Typical(w)
		t.Seed = seed + uint64(i)
		t.Trojan = walk(t.Trojan, level*(0.95+0.1*r.Float64()))
		t.Conficker = walk(t.Conficker, 0.9+0.2*r.Float64())
		t.HostOffset = i * t.Trojan / 2
		t.Defaced = Sites{walk(t.Defaced.Total, level), walk(t.Defaced.Gov, 0.5+r.Float64())}
		t.Backdoored = Sites{walk(t.Backdoored.Total, level), walk(t.Backdoored.Gov, 0.5+r.Float64())}
		f := 0.7 + 0.6*r.Float64()
		t.Phishing = Phishing{Pages: walk(187, f), Domains: walk(157, f), IPs: walk(60, f), PagesWithIP: walk(187, f)}
		v := 0.7 + 0.6*r.Float64()
		for o, c := range t.Vulns {
			t.Vulns[o] = [3]int{walk(c[0], v), walk(c[1], v), walk(c[2], v)}
		}
		t.Incidents.Handled = walk(103, 0.8+0.4*r.Float64())
		t.Incidents.CrossBorder = walk(37, 0.8+0.4*r.Float64())
		t.Incidents.Phishing = walk(74, 0.8+0.2*r.Float64())
		specs[i] = t
	}
	return specs
}
