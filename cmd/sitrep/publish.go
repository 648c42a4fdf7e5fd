package main

import (
	"flag"
	"fmt"

	"sitrep/internal/issue"
	"sitrep/internal/period"
)

func runPublish(e *env, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	span := addSpanFlags(fs)
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
	allowEmpty := fs.Bool("allow-empty", false, "publish a week for which nothing at all was recorded")
	withoutReview := fs.Bool("without-review", false, "publish without a current review (recorded in the audit log)")
	correct := fs.String("correct", "", "publish a correction of a published issue, saying `why`: a new revision from the data as they are now; the earlier ones stay")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	w, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
	}
	e.org = *org
	if *correct != "" {
		return correctIssue(e, w, *correct)
	}
	if c := e.remote(); c != nil {
		if *org != "" || *allowEmpty || *withoutReview {
			return errRemoteOnly("--org, --allow-empty and --without-review")
		}
		n, err := c.Publish(e.ctx, w.String())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "published %s: %d renderings\n", w, n)
		return nil
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := e.issues("publish")
	n, err := svc.Publish(e.ctx, st, w, e.cfg.Actor, issue.PublishOptions{AllowEmpty: *allowEmpty, WithoutReview: *withoutReview, Warn: svc.Warn})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "published %s: %d renderings\n", w, n)
	return nil
}

// correctIssue publishes a correction of a published issue, locally or through the server.
func correctIssue(e *env, w period.Period, reason string) error {
	var rev int
	if c := e.remote(); c != nil {
		var err error
		if rev, err = c.Correct(e.ctx, w.String(), reason); err != nil {
			return err
		}
	} else {
		st, err := e.cfg.Open(e.ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		svc := e.issues("publish")
		if rev, err = svc.Correct(e.ctx, st, w, e.cfg.Actor, reason, issue.PublishOptions{Warn: svc.Warn}); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "corrected %s: revision %d\n", w, rev)
	return nil
}

func runReview(e *env, args []string) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	span := addSpanFlags(fs)
	note := fs.String("note", "", "what the review found")
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	w, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
	}
	e.org = *org
	if c := e.remote(); c != nil {
		if *org != "" {
			return errRemoteOnly("--org")
		}
		r, err := c.Review(e.ctx, w.String(), *note)
		if err != nil {
			return err
		}
		for _, wn := range r.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", wn.EN)
		}
		fmt.Fprintf(e.stdout, "reviewed %s (bulletin %s)\n", w, r.Digest[:min(12, len(r.Digest))])
		return nil
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := e.issues("review").Review(e.ctx, st, w, e.cfg.Actor, *note)
	if err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", wn.EN)
	}
	fmt.Fprintf(e.stdout, "reviewed %s (bulletin %s)\n", w, r.Digest[:12])
	return nil
}

// fileLinkBase is where a file the command writes links previous issues: under the site's
// base URL (SITREP_BASE_URL), or nowhere ("-") when none is configured.
func (e *env) fileLinkBase() string {
	if e.cfg.BaseURL == "" {
		return "-"
	}
	return e.cfg.BaseURL
}

// orgName is the CERT named in the sentences: --org, $SITREP_ORG, or the bulletin's default.
func (e *env) orgName() string {
	if e.org != "" {
		return e.org
	}
	return e.cfg.Org
}

// issues is the issue workflow as the configuration and --org set it up; cmd names the
// command in its warnings.
func (e *env) issues(cmd string) *issue.Service {
	return &issue.Service{Zone: e.cfg.Zone, Policy: e.cfg.Policy, Org: e.orgName(), Issuer: e.cfg.Issuer, Closing: e.cfg.Closing, Names: e.cfg.Names, Blacklist: e.cfg.Blacklist, Style: e.cfg.Style, Chromium: e.cfg.Chromium,
		Warn: func(err error) { fmt.Fprintf(e.stderr, "sitrep %s: %v\n", cmd, err) }}
}
