// Package period names the spans an edition covers — an ISO week, a calendar month, a quarter
// or a year — and their bounds in the bulletin's time zone: a month from the 1st 00:00 to the
// next month's 1st 00:00 local time, whatever weekday it starts on.
package period

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"sitrep/internal/week"
)

// Kind is the kind of span.
type Kind string

// The kinds of period.
const (
	Week    Kind = "week"
	Month   Kind = "month"
	Quarter Kind = "quarter"
	Year    Kind = "year"
)

// Period is one span: an ISO week (Year, N the week), a month (N 1–12), a quarter (N 1–4) or a
// year (N 0).
type Period struct {
	Kind Kind
	Year int
	N    int
}

var (
	monthRE   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterRE = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
	yearRE    = regexp.MustCompile(`^(\d{4})$`)
)

// The years a period may fall in: those a CERT's monitoring data could be from, with room.
const (
	FirstYear = 1970
	LastYear  = 2999
)

// Parse reads a period: 2024-W09, 2024-02, 2024-Q1 or 2024, of a year from FirstYear to
// LastYear.
func Parse(s string) (Period, error) {
	p, err := parse(s)
	if err == nil && (p.Year < FirstYear || p.Year > LastYear) {
		return Period{}, fmt.Errorf("period %q: the year is outside %d to %d", s, FirstYear, LastYear)
	}
	return p, err
}

func parse(s string) (Period, error) {
	if w, err := week.Parse(s); err == nil {
		return OfWeek(w), nil
	}
	if m := monthRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if n < 1 || n > 12 {
			return Period{}, fmt.Errorf("month %q: months are 01 to 12", s)
		}
		return Period{Month, y, n}, nil
	}
	if m := quarterRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		return Period{Quarter, y, n}, nil
	}
	if m := yearRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		return Period{Year, y, 0}, nil
	}
	if weekLike.MatchString(s) {
		_, err := week.Parse(s)
		return Period{}, err
	}
	return Period{}, fmt.Errorf("period %q: want a week (2024-W09), a month (2024-02), a quarter (2024-Q1) or a year (2024)", s)
}

var weekLike = regexp.MustCompile(`^\d{4}-?W\d+$`)

// OfWeek is the period of an ISO week.
func OfWeek(w week.Week) Period { return Period{Week, w.Year, w.Number} }

// Week returns the ISO week of a week's period.
func (p Period) Week() week.Week { return week.Week{Year: p.Year, Number: p.N} }

// String writes the period as Parse reads it.
func (p Period) String() string {
	switch p.Kind {
	case Week:
		return p.Week().String()
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// Days returns the first and the last day of the period, as calendar dates (UTC midnight).
func (p Period) Days() (first, last time.Time) {
	switch p.Kind {
	case Week:
		return p.Week().Monday(), p.Week().Sunday()
	case Month:
		first = time.Date(p.Year, time.Month(p.N), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, -1)
	case Quarter:
		first = time.Date(p.Year, time.Month(3*p.N-2), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 3, -1)
	}
	first = time.Date(p.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	return first, first.AddDate(1, 0, -1)
}

// Bounds returns the instants [start, end) of the period in loc: from its first day's 00:00
// to the 00:00 after its last day, local time.
func (p Period) Bounds(loc *time.Location) (start, end time.Time) {
	first, last := p.Days()
	start = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	end = time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	return start, end
}

// Prev returns the period before, of the same kind (环比's base).
func (p Period) Prev() Period {
	switch p.Kind {
	case Week:
		return OfWeek(p.Week().Prev())
	case Month:
		if p.N == 1 {
			return Period{Month, p.Year - 1, 12}
		}
		return Period{Month, p.Year, p.N - 1}
	case Quarter:
		if p.N == 1 {
			return Period{Quarter, p.Year - 1, 4}
		}
		return Period{Quarter, p.Year, p.N - 1}
	}
	return Period{Year, p.Year - 1, 0}
}

// Add returns the period n periods of p's kind after p (before, for n < 0).
func (p Period) Add(n int) Period {
	switch p.Kind {
	case Week:
		return OfWeek(p.Week().Add(n))
	case Month:
		m := p.Year*12 + p.N - 1 + n
		return Period{Month, floorDiv(m, 12), m - 12*floorDiv(m, 12) + 1}
	case Quarter:
		q := p.Year*4 + p.N - 1 + n
		return Period{Quarter, floorDiv(q, 4), q - 4*floorDiv(q, 4) + 1}
	}
	return Period{Year, p.Year + n, 0}
}

// floorDiv divides rounding down, so that a month before year 0 is still a month 1 to 12.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Months lists the months of a quarter or a year (a month: itself), first to last.
func (p Period) Months() []Period {
	switch p.Kind {
	case Month:
		return []Period{p}
	case Quarter:
		first := Period{Month, p.Year, 3*p.N - 2}
		return []Period{first, first.Add(1), first.Add(2)}
	case Year:
		out := make([]Period, 12)
		for i := range out {
			out[i] = Period{Month, p.Year, i + 1}
		}
		return out
	}
	return nil
}

// YearBefore returns the same period a year earlier (同比's base). A week has none: weeks of
// different years do not line up, and the bulletin compares a week with the week before.
func (p Period) YearBefore() (Period, bool) {
	if p.Kind == Week {
		return Period{}, false
	}
	return Period{p.Kind, p.Year - 1, p.N}, true
}

// Weeks lists the ISO weeks that touch the period, first to last: those whose Monday to
// Sunday meets one of its days.
func (p Period) Weeks() []week.Week {
	first, last := p.Days()
	w, end := week.Of(first, time.UTC), week.Of(last, time.UTC)
	var out []week.Week
	for ; !end.Before(w); w = w.Add(1) {
		out = append(out, w)
	}
	return out
}

// Label writes the period as a Chinese title does: 2024年第9周, 2024年2月, 2024年第一季度, 2024年.
func (p Period) Label() string {
	switch p.Kind {
	case Week:
		return fmt.Sprintf("%d年第%d周", p.Year, p.N)
	case Month:
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%d年第%s季度", p.Year, []string{"一", "二", "三", "四"}[p.N-1])
	}
	return fmt.Sprintf("%d年", p.Year)
}
