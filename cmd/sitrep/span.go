package main

import (
	"flag"
	"fmt"
	"time"

	"sitrep/internal/period"
)

// spanFlags are --week, --month, --quarter and --year: the span a command works on.
type spanFlags struct {
	week, month, quarter, year *string
}

func addSpanFlags(fs *flag.FlagSet) spanFlags {
	return spanFlags{
		week:    fs.String("week", "", "ISO `week` such as 2024-W09 (default: the last complete week)"),
		month:   fs.String("month", "", "a calendar `month` such as 2024-02, counted on its own (distinct over the month)"),
		quarter: fs.String("quarter", "", "a `quarter` such as 2024-Q1"),
		year:    fs.String("year", "", "a `year` such as 2024"),
	}
}

// pick returns the span given: one of the flags, or the last complete week in loc where none is.
func (f spanFlags) pick(loc *time.Location) (period.Period, error) {
	var given []string
	var p period.Period
	for _, s := range []struct {
		flag string
		kind period.Kind
		v    *string
	}{{"week", period.Week, f.week}, {"month", period.Month, f.month}, {"quarter", period.Quarter, f.quarter}, {"year", period.Year, f.year}} {
		if *s.v == "" {
			continue
		}
		given = append(given, s.flag)
		q, err := period.Parse(*s.v)
		if err != nil {
			return p, usageError{err.Error()}
		}
		if q.Kind != s.kind {
			return p, usageError{fmt.Sprintf("--%s %s: that is a %s; give it as --%[3]s", s.flag, *s.v, q.Kind)}
		}
		p = q
	}
	switch len(given) {
	case 0:
		w, err := pickWeek("", loc)
		return period.OfWeek(w), err
	case 1:
		return p, nil
	}
	return p, usageError{"give one of --week, --month, --quarter and --year"}
}
