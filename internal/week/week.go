// Package week does ISO-8601 week arithmetic in a time zone: the bulletin's week runs from
// Monday 00:00 to Sunday 24:00 local time, and its number is the ISO week of that Monday.
package week

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
	_ "time/tzdata" // the zone database travels with the binary, so a bare machine knows Asia/Shanghai
)

// DefaultZone is the bulletin's time zone unless configured otherwise.
const DefaultZone = "Asia/Shanghai"

// Week is one ISO week. The zero value is not a valid week.
type Week struct {
	Year, Number int
}

var weekRE = regexp.MustCompile(`^(\d{4})-?W(\d{2})$`)

// Parse reads "2024-W09" (or "2024W09") and checks that the week exists in that ISO year.
func Parse(s string) (Week, error) {
	m := weekRE.FindStringSubmatch(s)
	if m == nil {
		return Week{}, fmt.Errorf("week %q: want the form 2024-W09", s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	w := Week{y, n}
	if n < 1 || n > WeeksIn(y) {
		return Week{}, fmt.Errorf("week %q: ISO year %d has weeks 1 to %d", s, y, WeeksIn(y))
	}
	return w, nil
}

// WeeksIn returns 52 or 53, the number of ISO weeks of ISO year y.
func WeeksIn(y int) int {
	// December 28th always lies in the last ISO week of its year.
	_, n := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return n
}

// Of returns the ISO week that contains t as seen in loc.
func Of(t time.Time, loc *time.Location) Week {
	y, n := t.In(loc).ISOWeek()
	return Week{y, n}
}

// String formats the week as "2024-W09".
func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Number) }

// Monday returns the date of the week's Monday as a calendar date (UTC midnight).
func (w Week) Monday() time.Time {
	// January 4th always lies in ISO week 1.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, time.UTC)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return jan4.AddDate(0, 0, -offset+7*(w.Number-1))
}

// Sunday returns the date of the week's Sunday as a calendar date (UTC midnight).
func (w Week) Sunday() time.Time { return w.Monday().AddDate(0, 0, 6) }

// Bounds returns the instants [start, end) of the week in loc: Monday 00:00 to the next
// Monday 00:00, local time. Days with a daylight-saving change are handled by the calendar.
func (w Week) Bounds(loc *time.Location) (start, end time.Time) {
	m := w.Monday()
	start = time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, loc)
	end = time.Date(m.Year(), m.Month(), m.Day()+7, 0, 0, 0, 0, loc)
	return start, end
}

// Add returns the week n weeks later (earlier when n is negative).
func (w Week) Add(n int) Week {
	y, k := w.Monday().AddDate(0, 0, 7*n).ISOWeek()
	return Week{y, k}
}

// Prev returns the week before.
func (w Week) Prev() Week { return w.Add(-1) }

// Before reports whether w comes before v.
func (w Week) Before(v Week) bool {
	return w.Year < v.Year || w.Year == v.Year && w.Number < v.Number
}
