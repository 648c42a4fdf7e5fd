package synth

import (
	"sitrep/internal/event"
	"sitrep/internal/week"
)

// The published issues that GOLDEN.md quotes.
const (
	Issue2018No6 = "2018 No. 6"
	Issue2014No6 = "2014 No. 6"
	Issue2024No9 = "2024 No. 9"
)

// Published returns the numbers of a published issue as specs: the week before, whose numbers
// the week-over-week changes imply, and the week itself. It returns nil for an issue it does
// not know.
func Published(issue string) []Spec {
	w := func(s string) week.Week {
		wk, err := week.Parse(s)
		if err != nil {
			panic(err)
		}
		return wk
	}
	switch issue {
	case Issue2018No6:
		return []Spec{
			{Week: w("2018-W05"), Seed: 5, Defaced: Sites{Total: 1800, Gov: 0}, Backdoored: Sites{Total: 700, Gov: 14}},
			{Week: w("2018-W06"), Seed: 6, Trojan: 113000, Conficker: 71000,
				Defaced: Sites{Total: 1865, Gov: 28}, Backdoored: Sites{Total: 717, Gov: 9},
				Phishing: Phishing{Pages: 187, Domains: 157, IPs: 60, PagesWithIP: 187},
				Vulns: map[event.Object][3]int{event.Application: {0, 150, 0}, event.WebApplication: {0, 70, 0},
					event.SecurityProduct: {0, 40, 0}, event.OS: {0, 14, 0}, event.NetworkDevice: {0, 10, 0}}},
		}
	case Issue2014No6:
		return []Spec{
			{Week: w("2014-W05"), Seed: 5, Defaced: Sites{Total: 4800, Gov: 368}, Backdoored: Sites{Total: 1100, Gov: 35}},
			{Week: w("2014-W06"), Seed: 6, Trojan: 322000, Conficker: 256000,
				Provinces: []string{"广东省", "安徽省", "浙江省", "江苏省", "山东省", "河南省"},
				Defaced:   Sites{Total: 4988, Gov: 381}, Backdoored: Sites{Total: 1190, Gov: 39},
				Phishing: Phishing{Pages: 113, Domains: 79, IPs: 55, PagesWithIP: 113},
				Vulns: map[event.Object][3]int{event.Application: {8, 10, 2}, event.WebApplication: {5, 6, 1},
					event.NetworkDevice: {3, 4, 1}, event.OS: {1, 4, 0}}},
		}
	case Issue2024No9:
		return []Spec{
			{Week: w("2024-W08"), Seed: 8, Defaced: Sites{Total: 950, Gov: 15}, Backdoored: Sites{Total: 310, Gov: 3}},
			{Week: w("2024-W09"), Seed: 9, Trojan: 120000, Conficker: 30000,
				Defaced: Sites{Total: 900, Gov: 12}, Backdoored: Sites{Total: 300, Gov: 3},
				Incidents: Incidents{Handled: 103, CrossBorder: 37, Phishing: 74, AppPlatforms: 2, AppURLs: 2}},
		}
	}
	return nil
}
