package week

import (
	"testing"
	"time"
)

func TestParseAndBounds(t *testing.T) {
	sh, err := time.LoadLocation(DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in       string
		monday, sunday string
	}{
		{"seed issue", "2024-W09", "2024-02-26", "2024-03-03"},
		{"2018 No. 6", "2018-W06", "2018-02-05", "2018-02-11"},
		{"2014 No. 6", "2014-W06", "2014-02-03", "2014-02-09"},
		{"53-week year", "2020-W53", "2020-12-28", "2021-01-03"},
		{"week 1 after a 53-week year", "2021-W01", "2021-01-04", "2021-01-10"},
		{"week 1 starting on Jan 1", "2024-W01", "2024-01-01", "2024-01-07"},
		{"week 1 starting in December", "2025-W01", "2024-12-30", "2025-01-05"},
		{"week 1 starting in December 2019", "2020-W01", "2019-12-30", "2020-01-05"},
		{"compact form", "2026W47", "2026-11-16", "2026-11-22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Monday().Format(time.DateOnly); got != tc.monday {
				t.Errorf("Monday = %s, want %s", got, tc.monday)
			}
			if got := w.Sunday().Format(time.DateOnly); got != tc.sunday {
				t.Errorf("Sunday = %s, want %s", got, tc.sunday)
			}
			start, end := w.Bounds(sh)
			if got := start.In(sh).Format(time.DateTime); got != tc.monday+" 00:00:00" {
				t.Errorf("start = %s, want %s 00:00:00", got, tc.monday)
			}
			if end.Sub(start) != 7*24*time.Hour {
				t.Errorf("week lasts %s", end.Sub(start))
			}
			if Of(start, sh) != w || Of(end.Add(-time.Nanosecond), sh) != w || Of(end, sh) == w {
				t.Errorf("Of disagrees with Bounds for %s", w)
			}
		})
	}
}

func TestBoundsAreLocal(t *testing.T) {
	sh, _ := time.LoadLocation(DefaultZone)
	w, _ := Parse("2024-W09")
	start, end := w.Bounds(sh)
	// Monday 00:00 in Shanghai is Sunday 16:00 UTC.
	if got := start.UTC().Format(time.DateTime); got != "2024-02-25 16:00:00" {
		t.Errorf("start UTC = %s", got)
	}
	if got := end.UTC().Format(time.DateTime); got != "2024-03-03 16:00:00" {
		t.Errorf("end UTC = %s", got)
	}
	// 23:59:59 on Sunday local belongs to the week; 00:00 on Monday to the next.
	if Of(time.Date(2024, 3, 3, 23, 59, 59, 0, sh), sh) != w {
		t.Error("Sunday 23:59:59 is outside the week")
	}
	if Of(time.Date(2024, 3, 4, 0, 0, 0, 0, sh), sh) == w {
		t.Error("next Monday 00:00 is inside the week")
	}
	// The same instant is still Sunday in UTC: zones matter.
	if Of(time.Date(2024, 3, 4, 0, 30, 0, 0, sh), time.UTC) != w {
		t.Error("00:30 Monday Shanghai should be week 9 in UTC")
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"2024-09", "2024-W00", "2021-W53", "2024-W54", "W09", "2024-w09x", ""} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	if _, err := Parse("2020-W53"); err != nil {
		t.Errorf("2020 has 53 weeks: %v", err)
	}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2021-W01", -1, "2020-W53"},
		{"2020-W53", 1, "2021-W01"},
		{"2024-W09", -5, "2024-W04"},
		{"2024-W01", -1, "2023-W52"},
		{"2024-W52", 1, "2025-W01"},
	}
	for _, tc := range tests {
		w, _ := Parse(tc.from)
		if got := w.Add(tc.n).String(); got != tc.want {
			t.Errorf("%s%+d = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}
