package main

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"sitrep/internal/feed"
	"sitrep/internal/feed/jsondoc"
	"sitrep/internal/feed/native"
)

// runFormats lists every input format sitrep reads, with what it yields, and the report types
// of feed families it knows, read or refused.
func runFormats(e *env, args []string) error {
	fs := flag.NewFlagSet("formats", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FORMAT\tRECOGNISED BY\tYIELDS")
	for _, f := range native.Formats {
		fmt.Fprintf(tw, "%s\tits header (CSV) or keys (JSON Lines)\t%s\n", f, native.Yields(f))
	}
	fmt.Fprintf(tw, "%s\tits XML root <vulnerabilitys>\t%s\n", "cnvd-xml", native.Yields(native.Vulns))
	for _, k := range jsondoc.Kinds {
		fmt.Fprintf(tw, "%s\t%s\t%s: %s\n", k, k.Recognised(), native.Yields(k.Format()), k.Describe())
	}
	fmt.Fprintf(tw, "%s\tone URL per line (OpenPhish); --observed sets the time\t%s\n", "url list", "events: phishing")
	for _, f := range feed.Feeds {
		yields := native.Yields(f.Target)
		if f.Kind != "" {
			yields = "events: " + strings.Join(append([]string{f.Kind}, f.Also...), " or ")
		}
		by := "its columns: " + strings.Join(f.Columns, ", ")
		if f.Shared != "" || f.ByReport {
			var types []string
			for _, r := range feed.Reports() {
				if r.Feed == f {
					types = append(types, r.Type+"*")
				}
			}
			by = "its file's report type (" + strings.Join(types, ", ") + "), or --format"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, by, yields)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "REPORT TYPE\tREAD AS\tOR REFUSED BECAUSE")
	for _, r := range feed.Reports() {
		name := r.Family + " " + r.Type + "*"
		if r.Feed != nil {
			fmt.Fprintf(tw, "%s\t%s\t\n", name, r.Feed.Name)
		} else {
			fmt.Fprintf(tw, "%s\t-\t%s\n", name, r.Why)
		}
	}
	return tw.Flush()
}
