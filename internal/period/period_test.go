package period

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseAndBounds(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	tests := []struct {
		in, str, start, end, prev, yearBefore, label string
		weeks                                        int
	}{
		{"2024-W09", "2024-W09", "2024-02-26T00:00:00+08:00", "2024-03-04T00:00:00+08:00", "2024-W08", "", "2024年第9周", 1},
		// February 2024 starts on a Thursday, in ISO week 5, and has 29 days.
		{"2024-02", "2024-02", "2024-02-01T00:00:00+08:00", "2024-03-01T00:00:00+08:00", "2024-01", "2023-02", "2024年2月", 5},
		{"2024-01", "2024-01", "2024-01-01T00:00:00+08:00", "2024-02-01T00:00:00+08:00", "2023-12", "2023-01", "2024年1月", 5},
		{"2024-Q1", "2024-Q1", "2024-01-01T00:00:00+08:00", "2024-04-01T00:00:00+08:00", "2023-Q4", "2023-Q1", "2024年第一季度", 13},
		// 2020 is an ISO year of 53 weeks: January 1st falls in 2020-W01, December 31st in 2020-W53.
		{"2020", "2020", "2020-01-01T00:00:00+08:00", "2021-01-01T00:00:00+08:00", "2019", "2019", "2020年", 53},
		// 2021's January 1st falls in 2020-W53, so the year touches 53 weeks too.
		{"2021", "2021", "2021-01-01T00:00:00+08:00", "2022-01-01T00:00:00+08:00", "2020", "2020", "2021年", 53},
	}
	for _, tc := range tests {
		p, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		start, end := p.Bounds(sh)
		yb, ok := p.YearBefore()
		yearBefore := ""
		if ok {
			yearBefore = yb.String()
		}
		got := fmt.Sprint(p.String(), start.Format(time.RFC3339), end.Format(time.RFC3339), p.Prev().String(), yearBefore, p.Label(), len(p.Weeks()))
		want := fmt.Sprint(tc.str, tc.start, tc.end, tc.prev, tc.yearBefore, tc.label, tc.weeks)
		if got != want {
			t.Errorf("%s: %s\nwant %s", tc.in, got, want)
		}
	}
	for in, want := range map[string]string{
		"2024-13": "months are 01 to 12", "2024-Q5": "want a week", "2021-W53": "ISO year 2021 has weeks 1 to 52", "24-02": "want a week",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestAddAndMonths(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{{"2024-01", -1, "2023-12"}, {"2024-02", -13, "2023-01"}, {"2023-12", 1, "2024-01"}, {"2024-Q1", -1, "2023-Q4"},
		{"2024-Q4", 5, "2026-Q1"}, {"2024", -2, "2022"}, {"2020-W53", 1, "2021-W01"}} {
		p, err := Parse(c.from)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Add(c.n).String(); got != c.want {
			t.Errorf("%s %+d = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	for _, bad := range []string{"0000-Q1", "0001-01", "9999", "1969-W01", "3000-12"} {
		if _, err := Parse(bad); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("Parse(%s): %v", bad, err)
		}
	}
	if p := (Period{Kind: Quarter, Year: 0, N: 1}).Add(-1); p.Year != -1 || p.N != 4 {
		t.Errorf("the quarter before 0000-Q1: %+v", p)
	}
	if p := (Period{Kind: Month, Year: 0, N: 1}).Add(-13); p.Year != -2 || p.N != 12 {
		t.Errorf("13 months before 0000-01: %+v", p)
	}
	q, _ := Parse("2024-Q2")
	if ms := q.Months(); len(ms) != 3 || ms[0].String() != "2024-04" || ms[2].String() != "2024-06" {
		t.Errorf("months of 2024-Q2: %v", ms)
	}
	y, _ := Parse("2020")
	if ms := y.Months(); len(ms) != 12 || ms[11].String() != "2020-12" {
		t.Errorf("months of 2020: %v", ms)
	}
	if ws := y.Weeks(); len(ws) != 53 {
		t.Errorf("2020 touches %d ISO weeks, want 53", len(ws))
	}
}
