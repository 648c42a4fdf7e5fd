package issue

import (
	"context"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// RefreshWeeks is how many weeks Refresh counts at most: the latest ones of a span. An old
// feed that reaches back years has its earlier weeks counted when someone asks for them.
const RefreshWeeks = 16

// RefreshMonths is how many months Refresh counts at most: the latest ones of a span.
const RefreshMonths = 2

// Refresh counts the public issue of every week that span touches (the latest RefreshWeeks
// of them), and of the months it touches (the latest RefreshMonths), after an ingest, so that
// a store which keeps what it counted (store.Counter) answers the next question about those
// weeks and months without counting them again. It returns the weeks counted, oldest first.
// The numbers never depend on it: it only saves time later. A year is counted when asked for.
func (s *Service) Refresh(ctx context.Context, st store.Counter, span store.Range) ([]week.Week, error) {
	if span.IsZero() {
		return nil, nil
	}
	loc := s.Zone
	if loc == nil {
		loc = time.UTC
	}
	first, last := week.Of(span.From, loc), week.Of(span.To.Add(-time.Nanosecond), loc)
	if w := last.Add(1 - RefreshWeeks); first.Before(w) {
		first = w
	}
	var done []week.Week
	for w := first; !last.Before(w); w = w.Add(1) {
		if _, _, err := bulletin.Load(ctx, st, w, loc, s.options("zh", stats.Edition{})); err != nil {
			return done, err
		}
		done = append(done, w)
	}
	lastMonth := period.Period{Kind: period.Month, Year: span.To.Add(-time.Nanosecond).In(loc).Year(), N: int(span.To.Add(-time.Nanosecond).In(loc).Month())}
	firstMonth := period.Period{Kind: period.Month, Year: span.From.In(loc).Year(), N: int(span.From.In(loc).Month())}
	for i := 1 - RefreshMonths; i <= 0; i++ {
		m := lastMonth.Add(i)
		if m.Year*12+m.N < firstMonth.Year*12+firstMonth.N {
			continue
		}
		if _, err := bulletin.LoadPeriod(ctx, st, m, loc, s.options("zh", stats.Edition{})); err != nil {
			return done, err
		}
	}
	return done, nil
}
