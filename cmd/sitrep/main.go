// Command sitrep turns a CERT's monitoring data and incident tickets into the weekly
// network-security situation bulletin, and keeps the numbers behind every sentence.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"

	"sitrep/internal/app"
	"sitrep/internal/chart"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// env is what a subcommand gets: its arguments, the shared configuration and the streams.
type env struct {
	ctx            context.Context
	cfg            *app.Config
	stdin          io.Reader
	stdout, stderr io.Writer
	org            string // --org of the command, where it has one
}

type command struct {
	name, usage string
	run         func(e *env, args []string) error
}

var commands = []command{
	{"ingest", "ingest [--format F] [--source NAME] FILE... | -   (or --rejects to list rows set aside)", runIngest},
	{"stats", "stats --week 2024-W09|--month 2024-02|--quarter 2024-Q1|--year 2024 [--json] [--tlp LABEL]", runStats},
	{"report", "report --week 2024-W09|--month 2024-02|--quarter 2024-Q1|--year 2024 [--lang zh|en] [--format md|html|json|pdf] [--out PATH] [--tlp LABEL]", runReport},
	{"review", "review --week 2024-W09|--month 2024-02|… [--note TEXT]", runReview},
	{"publish", "publish --week 2024-W09|--month 2024-02|… [--allow-empty] [--without-review]", runPublish},
	{"serve", "serve [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [--session-ttl 12h] [--query-slots N] [--rate N] [--max-upload BYTES] [--sync-wait 1m]", runServe},
	{"token", "token create --role viewer|analyst|editor|publisher|admin [--name N] | list | revoke --name N", runToken},
	{"user", userUsage, runUser},
	{"audit", "audit [--actor NAME] [--action A] [--subject S] [--since DATE] [--until DATE] [--limit N] [--json]", runAudit},
	{"rate", "rate --week 2024-W09|--month 2024-02 [--level 中 --reason TEXT | --clear --reason TEXT | --print-policy]", runRate},
	{"incident", incidentUsage, runIncident},
	{"export", "export --week 2024-W09|--month 2024-02|… [--kind K] [--format csv|stix] [--tlp CLEAR] [--out PATH]", runExport},
	{"worker", workerUsage, runWorker},
	{"store", storeUsage, runStore},
	{"geoip", "geoip import [--tor FILE] [--tor6 FILE] --out FILE.mmdb", runGeoip},
	{"demo", "demo [--out DIR] [--weeks N]", runDemo},
	{"sample", "sample --out DIR [--week W] [--weeks N] [--events N]", runSample},
	{"collect", "collect --config FEEDS.toml [--once]   (fetch the configured feeds and ingest what changed)", runCollect},
	{"formats", "formats   (every input format and feed report type, with what it yields or why it is refused)", runFormats},
}

// usageError makes the command exit with status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := &app.Config{}
	fs := flag.NewFlagSet("sitrep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	globalFlags(fs, cfg)
	profile := fs.String("cpuprofile", "", "write a CPU profile of the command to `file` (go tool pprof reads it)")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		usage(stderr)
		return 2
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sitrep: --cpuprofile: %v\n", err)
			return 2
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(&env{ctx: ctx, cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr}, rest)
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "sitrep %s: %s\nusage: sitrep %s\n", name, ue.msg, c.usage)
			return 2
		case errors.Is(err, errFlags):
			return 2
		default:
			fmt.Fprintf(stderr, "sitrep %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "sitrep: unknown command %q\n", name)
	usage(stderr)
	return 2
}

// globalFlags registers the flags every command accepts, before or after its name.
func globalFlags(fs *flag.FlagSet, cfg *app.Config) {
	fs.StringVar(&cfg.Store, "store", cfg.Store, "store `URL` or directory (default $SITREP_STORE or "+app.DefaultStore+")")
	fs.StringVar(&cfg.Records, "records", cfg.Records, "where the records part (tickets, reviews, the archive, tokens, jobs) is kept apart from the store: a `URL` or directory (default $SITREP_RECORDS; empty: in the store)")
	fs.StringVar(&cfg.ZoneName, "tz", cfg.ZoneName, "bulletin time `zone` (default $SITREP_TZ or Asia/Shanghai)")
	fs.StringVar(&cfg.Server, "server", cfg.Server, "a running sitrep serve's `URL` to send the command to, with the token in $SITREP_TOKEN (default $SITREP_SERVER)")
	fs.StringVar(&cfg.PolicyPath, "policy", cfg.PolicyPath, "rating policy `file` (default $SITREP_POLICY, policy.toml in the store, or the built-in one)")
}

var errFlags = errors.New("bad flags")

// parse parses a subcommand's flags and fills the configuration's defaults.
func (e *env) parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(e.stderr)
	globalFlags(fs, e.cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errFlags
	}
	if err := e.cfg.Defaults(); err != nil {
		return err
	}
	chart.UseFont(e.cfg.Font)
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sitrep [--store URL | --server URL] [--tz ZONE] COMMAND [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		line, _, more := strings.Cut(c.usage, "\n")
		if more { // a command with several forms: its name and verbs only
			line = c.name + " " + strings.Join(subcommands(c.usage), "|") + " …"
		}
		fmt.Fprintf(w, "  sitrep %s\n", line)
	}
}

// subcommands lists the verbs of a usage with several forms ("incident open …" lines).
func subcommands(usage string) []string {
	var out []string
	for _, l := range strings.Split(usage, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "sitrep "))
		if len(f) > 1 && !slices.Contains(out, f[1]) {
			out = append(out, f[1])
		}
	}
	return out
}
