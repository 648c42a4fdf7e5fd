package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/event"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
)

func runRate(e *env, args []string) error {
	fs := flag.NewFlagSet("rate", flag.ContinueOnError)
	span := addSpanFlags(fs)
	level := fs.String("level", "", "override the computed rating with this `level` (优 良 中 差 危)")
	reason := fs.String("reason", "", "why the override (or its withdrawal); required with --level and --clear")
	clear := fs.Bool("clear", false, "withdraw the override of the week")
	printPolicy := fs.Bool("print-policy", false, "print the built-in rating policy, to copy and change")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *printPolicy {
		_, err := fmt.Fprint(e.stdout, assess.DefaultPolicyTOML())
		return err
	}
	w, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
	}
	if w.Kind != period.Week && w.Kind != period.Month {
		return usageError{fmt.Sprintf("%s: weeks and months are rated; quarters and years are not", w)}
	}
	change := *level != "" || *clear
	switch {
	case *level != "" && *clear:
		return usageError{"--level and --clear exclude each other"}
	case *level != "" && !slices.Contains(assess.Levels, *level):
		return usageError{fmt.Sprintf("unknown level %q (want one of %s)", *level, strings.Join(assess.Levels, " "))}
	case change && strings.TrimSpace(*reason) == "":
		return usageError{"say why with --reason"}
	}
	if c := e.remote(); c != nil {
		var b []byte
		if change {
			b, err = c.Override(e.ctx, w.String(), *level, strings.TrimSpace(*reason))
		} else {
			b, err = c.Rating(e.ctx, w.String())
		}
		if err != nil {
			return err
		}
		if w.Kind == period.Month {
			var answer struct {
				Stats stats.Period       `json:"stats"`
				Audit []store.AuditEntry `json:"audit"`
			}
			if err := json.Unmarshal(b, &answer); err != nil {
				return fmt.Errorf("the server's rating: %w", err)
			}
			printPeriodRating(e, &answer.Stats, answer.Audit)
			return nil
		}
		var answer struct {
			Stats stats.Week         `json:"stats"`
			Audit []store.AuditEntry `json:"audit"`
		}
		if err := json.Unmarshal(b, &answer); err != nil {
			return fmt.Errorf("the server's rating: %w", err)
		}
		printRating(e, &answer.Stats, answer.Audit)
		return nil
	}
	st, err := e.cfg.Open(e.ctx, !change)
	if err != nil {
		return err
	}
	defer st.Close()
	if change {
		if err := store.Unpublished(e.ctx, st, w.String()); err != nil {
			return err // a published issue's rating is part of it: it never changes
		}
		o := store.Override{Week: w.String(), Level: *level, Reason: strings.TrimSpace(*reason), Actor: e.cfg.Actor, At: time.Now()}
		if err := st.SetOverride(e.ctx, o); err != nil {
			return err
		}
	}
	log, err := st.AuditLog(e.ctx, store.AuditFilter{Subject: w.String(), Limit: 10})
	if err != nil {
		return err
	}
	if w.Kind == period.Month {
		s, err := e.cfg.PeriodStats(e.ctx, st, w, event.Clear)
		if err != nil {
			return err
		}
		printPeriodRating(e, s, log)
		return nil
	}
	s, err := e.cfg.Stats(e.ctx, st, w.Week(), event.Clear) // the rating a public edition states
	if err != nil {
		return err
	}
	printRating(e, s, log)
	return nil
}

// printPeriodRating shows a month's rating, its reasons and its audit log.
func printPeriodRating(e *env, s *stats.Period, log []store.AuditEntry) {
	if s.Rating == nil {
		fmt.Fprintf(e.stdout, "%s %s: not rated\n", s.Period, s.Label)
		return
	}
	printLevel(e, s.Period+" "+s.Label, *s.Rating, s.VulnLevel, log)
}

// printRating shows a week's rating, its reasons and the week's audit log.
func printRating(e *env, s *stats.Week, log []store.AuditEntry) {
	printLevel(e, s.Week+" "+s.Issue.Title, s.Rating, s.Vulnerabilities.Level, log)
}

func printLevel(e *env, what string, r stats.Rating, vulnLevel string, log []store.AuditEntry) {
	fmt.Fprintf(e.stdout, "%s: %s", what, r.Level)
	if r.Override != nil {
		fmt.Fprintf(e.stdout, " (computed %s, set by %s on %s)", r.Computed, printable(r.Override.Actor), r.Override.At.In(e.cfg.Zone).Format(time.DateTime))
	}
	fmt.Fprintf(e.stdout, "\npolicy %s; vulnerability threat level %s\n", r.Policy, vulnLevel)
	for _, reason := range r.Reasons {
		fmt.Fprintf(e.stdout, "  %+d  %s\n", reason.Effect, printable(reason.ZH))
	}
	for i, entry := range log {
		if i == 0 {
			fmt.Fprintln(e.stdout, "changes:")
		}
		fmt.Fprintf(e.stdout, "  %s  %s  %s  %s\n", entry.At.In(e.cfg.Zone).Format(time.DateTime), printable(entry.Actor), entry.Action, printable(entry.Detail))
	}
}
