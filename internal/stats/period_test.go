package stats_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// TestPeriod counts a month on its own: a host seen in two of its weeks is one host (the sum of
// the weeks says two), the days of a week that belong to the month before are not its own
// (February 2024 starts on a Thursday), and the month a year earlier is compared where the
// store holds data of it, and not where it holds none.
func TestPeriod(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,country,province\n"+
		"2023-01-31 10:00:00,infected_host,36.0.0.7,CN,广东省\n"+ // the data begins: February 2023 is covered whole
		"2023-02-10 10:00:00,infected_host,36.0.0.9,CN,广东省\n"+ // a year earlier
		"2024-01-31 23:30:00,infected_host,36.0.0.8,CN,广东省\n"+ // ISO week 5, but January
		"2024-02-01 00:30:00,infected_host,36.0.0.1,CN,广东省\n"+ // week 5, February
		"2024-02-06 10:00:00,infected_host,36.0.0.1,CN,广东省\n"+ // week 6: the same host
		"2024-02-06 11:00:00,infected_host,36.0.0.2,CN,江苏省\n"+
		"2024-03-05 11:00:00,infected_host,36.0.0.3,CN,江苏省\n"), 0o644)
	st := ingesttest.Load(t, shanghai, csv)
	ctx := context.Background()
	figure := func(s *stats.Period, metric string) stats.Figure {
		for _, f := range s.Figures {
			if f.Metric == metric {
				return f
			}
		}
		t.Fatalf("no figure %s", metric)
		return stats.Figure{}
	}
	feb, _ := period.Parse("2024-02")
	s, err := stats.ComputePeriod(ctx, st, feb, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	f := figure(s, "infected_hosts.trojan_botnet")
	if f.Value != 2 || f.Prev != 1 || f.PrevPct == nil || *f.PrevPct != 1000 || s.YearAgo != "2023-02" || f.YearAgo == nil || *f.YearAgo != 1 {
		t.Errorf("February: %+v (year ago %q)", f, s.YearAgo)
	}
	if len(s.TopProvinces) != 2 || s.TopProvinces[0].Name != "广东省" || s.TopProvinces[0].Count != 1 {
		t.Errorf("provinces: %+v", s.TopProvinces)
	}
	sum := 0
	for _, w := range []string{"2024-W05", "2024-W06"} {
		wk, _ := week.Parse(w)
		ws, err := stats.Compute(ctx, st, wk, stats.Options{Zone: shanghai})
		if err != nil {
			t.Fatal(err)
		}
		sum += ws.InfectedHosts.TrojanBotnet
	}
	if sum != 4 { // 36.0.0.8 and .1 in week 5, .1 and .2 in week 6
		t.Errorf("the weeks sum to %d hosts, want 4", sum)
	}
	mar, _ := period.Parse("2024-03")
	s, err = stats.ComputePeriod(ctx, st, mar, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if f := figure(s, "infected_hosts.trojan_botnet"); s.YearAgo != "" || f.YearAgo != nil || f.Value != 1 || f.Prev != 2 {
		t.Errorf("March, with nothing a year earlier: %+v (year ago %q)", f, s.YearAgo)
	}
	// The data ends on 5 March: March is covered in part, and neither compared nor rated.
	if f := figure(s, "infected_hosts.trojan_botnet"); s.Covered == nil || *s.Covered != (stats.Days{First: "2024-03-01", Last: "2024-03-05"}) ||
		f.PrevPct != nil || s.Rating != nil || len(s.Series) == 0 || s.Series[0].Period != "2023-04" {
		t.Errorf("March, covered in part: covered %v, %+v, rating %v, series from %v", s.Covered, f, s.Rating, s.Series[0])
	}
	// January 2023 is covered from its 31st: February 2023 is not compared with it.
	feb23, _ := period.Parse("2023-02")
	s, err = stats.ComputePeriod(ctx, st, feb23, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if f := figure(s, "infected_hosts.trojan_botnet"); !s.PrevPartial || f.PrevPct != nil || s.Covered != nil || s.Rating == nil || len(s.Series) != 2 {
		t.Errorf("February 2023 after a January covered in part: prev partial %v, %+v, covered %v, rating %v, series %v", s.PrevPartial, f, s.Covered, s.Rating, s.Series)
	}
	y, _ := period.Parse("2024")
	s, err = stats.ComputePeriod(ctx, st, y, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if f := figure(s, "infected_hosts.trojan_botnet"); f.Value != 4 || f.Prev != 2 || s.Kind != "year" || s.Label != "2024年" || len(s.Series) != 3 {
		t.Errorf("2024: %+v %s %s", f, s.Kind, s.Label)
	}
}

// TestYearOf53Weeks counts 2020, a year of 53 ISO weeks: its weeks run from 2020-W01 (which
// starts on 30 December 2019) to 2020-W53 (which ends on 3 January 2021), each counted whole,
// while the year itself counts only its own days. Its months are the series, and a host seen
// in two months is one host of the year.
func TestYearOf53Weeks(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,country,province\n"+
		"2019-12-31 10:00:00,infected_host,36.0.0.1,CN,广东省\n"+ // 2020-W01, but 2019
		"2020-01-06 10:00:00,infected_host,36.0.0.2,CN,广东省\n"+ // W02, January
		"2020-02-06 10:00:00,infected_host,36.0.0.2,CN,广东省\n"+ // the same host in February
		"2020-12-29 10:00:00,infected_host,36.0.0.3,CN,江苏省\n"+ // W53, 2020
		"2020-12-30 10:00:00,infected_host,36.0.0.4,CN,江苏省\n"+
		"2021-01-02 10:00:00,infected_host,36.0.0.5,CN,江苏省\n"), 0o644) // W53, but 2021
	st := ingesttest.Load(t, shanghai, csv)
	y, _ := period.Parse("2020")
	s, err := stats.ComputePeriod(context.Background(), st, y, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Figure("infected_hosts.trojan_botnet").Value; got != 3 { // .2, .3, .4
		t.Errorf("2020 counts %d hosts, want 3", got)
	}
	if len(s.Weeks) != 53 || s.Weeks[0].Period != "2020-W01" || s.Weeks[52].Period != "2020-W53" {
		t.Fatalf("weeks: %d, %v … %v", len(s.Weeks), s.Weeks[0], s.Weeks[len(s.Weeks)-1])
	}
	if w1, w53 := s.Weeks[0].TrojanBotnet, s.Weeks[52].TrojanBotnet; w1 != 1 || w53 != 3 {
		t.Errorf("2020-W01 counts %d hosts (want 1, from 2019), 2020-W53 %d (want 3, one of them 2021's)", w1, w53)
	}
	sum := 0
	for _, m := range s.Series {
		sum += m.TrojanBotnet
	}
	if len(s.Series) != 12 || s.Series[0].Period != "2020-01" || sum != 4 {
		t.Errorf("months: %d, first %v, %d hosts summed (want 4: .2 in two months)", len(s.Series), s.Series[0], sum)
	}
	if s.Rating != nil {
		t.Errorf("a year rated: %+v", s.Rating)
	}
}
