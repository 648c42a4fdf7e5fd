package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"sitrep/internal/auth"
	"sitrep/internal/enrich"
	"sitrep/internal/render"
	"sitrep/internal/testenv"
	"sitrep/internal/web/webtest"
)

// evilURL is a phishing page's address that is markup: every page shows it as text,
// defanged, and runs nothing.
const evilURL = `http://evil.example/"><script>alert(1)</script>`

// TestWorkspaceInChromium drives the workspace in a real browser, as each role: log in, open
// the draft, drill into a number and see its records, open tickets from the week's events and
// move one, upload a feed and see its rows set aside, review and publish, read the audit log.
// No page runs the hostile URL or organisation name of an event, and each shows the URL
// defanged. Screenshots at 1280 px and 390 px are kept in $SITREP_TEST_ARTIFACTS/workspace.
func TestWorkspaceInChromium(t *testing.T) {
	bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	if testing.Short() {
		t.Skip("drives a browser through the workspace")
	}
	dir := t.TempDir()
	st, data := filepath.Join(dir, "store"), filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	evil := filepath.Join(dir, "evil.csv")
	os.WriteFile(evil, []byte("time,kind,ip,url,country,target\n2024-02-27 10:00:00,phishing,203.0.113.7,\""+strings.ReplaceAll(evilURL, `"`, `""`)+"\",US,\"<img src=x onerror=alert(2)>Bank\"\n"), 0o644)
	for _, f := range []string{"events.csv", "vulns.csv", "incidents.csv"} {
		if code, _, errs := sitrep(t, "", "--store", st, "ingest", filepath.Join(data, f)); code != 0 {
			t.Fatal(errs)
		}
	}
	if code, _, errs := sitrep(t, "", "--store", st, "ingest", evil); code != 0 {
		t.Fatal(errs)
	}
	password := func(role string) string {
		if role == "newcomer" {
			return "a long enough password"
		}
		return role + "-password-" + role
	}
	for _, role := range auth.Roles {
		if code, _, errs := sitrep(t, password(role)+"\n", "--store", st, "user", "add", "--role", role, "--password-stdin", role); code != 0 {
			t.Fatal(errs)
		}
	}
	base := startServer(t, st)

	keep := os.Getenv("SITREP_TEST_ARTIFACTS")
	if keep == "" {
		keep = t.TempDir()
	}
	shots := filepath.Join(keep, "workspace")
	os.MkdirAll(shots, 0o755)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "chromium")), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	var dialogs atomic.Int32
	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	attr := func(ctx context.Context, sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute(%q)`, sel, name)))
		if err != nil {
			t.Fatalf("%s of %s: %v", name, sel, err)
		}
		return v
	}
	eval := func(ctx context.Context, js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	shoot := func(ctx context.Context, name string) {
		t.Helper()
		for _, w := range []int64{1280, 390} {
			do(ctx, "viewport", chromedp.EmulateViewport(w, 900))
			b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 is PNG; less is JPEG
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w)), b, 0o644)
		}
		do(ctx, "viewport back", chromedp.EmulateViewport(1280, 900))
	}
	// safe checks a page: nothing of the data ran or became markup.
	safe := func(ctx context.Context, page string) {
		t.Helper()
		if n := eval(ctx, `document.querySelectorAll('script, img[src="x"], [onerror]').length`); n != 0 {
			t.Errorf("%s: %d elements made from the data's markup", page, n)
		}
	}
	as := func(role string) context.Context {
		t.Helper()
		ctx, _ := chromedp.NewContext(browser, chromedp.WithNewBrowserContext()) // its own cookies
		chromedp.Listen(ctx, func(ev any) {
			if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
				dialogs.Add(1)
			}
		})
		do(ctx, "log in as "+role, chromedp.Navigate(base+"/work/"), chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#name"), role), chromedp.SendKeys(chromedp.CSS("#password"), password(role)),
			chromedp.Click(chromedp.CSS("form.login button")), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/work/trends"]`)))
		return ctx
	}
	defanged := enrich.Defang(evilURL)

	// A viewer sees the numbers, not the records behind them, and no incident.
	viewer := as(auth.Viewer)
	shoot(viewer, "home-viewer")
	do(viewer, "trends", chromedp.Navigate(base+"/work/trends?weeks=52&lang=en"), chromedp.WaitVisible(chromedp.CSS("#trend")))
	if n := eval(viewer, `document.querySelectorAll('#trend tbody tr').length`); n != 2 { // the data's weeks, not 50 weeks of nothing before them
		t.Errorf("the 52-week trend of two weeks' data lists %d weeks", n)
	}
	shoot(viewer, "trends-52-en")
	do(viewer, "back to Chinese", chromedp.Navigate(base+"/work/?lang=zh"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	do(viewer, "draft", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#numbers")))
	if n := eval(viewer, `document.querySelectorAll('#numbers a[data-metric]').length`); n != 0 {
		t.Errorf("a viewer's draft links %d numbers to records", n)
	}
	do(viewer, "incidents", chromedp.Navigate(base+"/work/incidents"), chromedp.WaitVisible(chromedp.CSS(".err")))

	// An analyst drills into a number, opens tickets from the week's events and moves one,
	// and uploads a feed file.
	analyst := as(auth.Analyst)
	do(analyst, "draft", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#numbers")))
	safe(analyst, "draft")
	do(analyst, "drill into phishing pages", chromedp.Click(chromedp.CSS(`a[data-metric="phishing.pages"]`)), chromedp.WaitVisible(chromedp.CSS("#records")))
	if got := text(analyst, "#records"); !strings.Contains(got, defanged) {
		t.Errorf("the records of phishing.pages do not show %q defanged:\n%.600s", evilURL, got)
	}
	safe(analyst, "records")
	do(analyst, "filter the records", chromedp.SendKeys(chromedp.CSS("#match"), "evil"), chromedp.Submit(chromedp.CSS("#match")), chromedp.WaitVisible(chromedp.CSS("#matching")))
	if got := text(analyst, "#matching"); got != "1" {
		t.Errorf("records matching evil: %q", got)
	}
	shoot(analyst, "records")
	do(analyst, "open tickets from the week's phishing", chromedp.Navigate(base+"/work/incidents"), chromedp.WaitVisible(chromedp.CSS("#fe-week")),
		chromedp.Click(chromedp.CSS("#from-events-box summary")), chromedp.SendKeys(chromedp.CSS("#fe-week"), "2024-W09"),
		chromedp.Click(chromedp.CSS("#from-events button")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	if got := text(analyst, ".ok"); !strings.Contains(got, "已登记") || strings.Contains(got, "已登记 0 个") {
		t.Errorf("opening tickets from events says %q", got)
	}
	do(analyst, "the queue", chromedp.Navigate(base+"/work/incidents?state=new"), chromedp.WaitVisible(chromedp.CSS("#tickets")))
	if got := text(analyst, "#tickets"); !strings.Contains(got, defanged) {
		t.Errorf("the queue does not show the evil URL defanged:\n%.400s", got)
	}
	safe(analyst, "queue")
	href, err := chromedp.Run(analyst, chromedp.Evaluate[string](`[...document.querySelectorAll('#tickets tr')].find(r => r.textContent.includes('evil[.]example')).querySelector('a').getAttribute('href')`))
	if err != nil {
		t.Fatalf("the evil URL's ticket: %v", err)
	}
	do(analyst, "the ticket", chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.CSS("#state")))
	if got := attr(analyst, "#state", "data-state"); got != "new" {
		t.Errorf("a new ticket's state: %q", got)
	}
	safe(analyst, "ticket")
	if n := eval(analyst, `[...document.querySelectorAll('a[href]')].filter(a => a.href.includes('evil')).length`); n != 0 {
		t.Errorf("the ticket page links the evil URL %d times", n)
	}
	do(analyst, "triage", chromedp.Click(chromedp.CSS(`#moves button[value="triage"]`)), chromedp.WaitVisible(chromedp.CSS(".ok")))
	if got := attr(analyst, "#state", "data-state"); got != "triaged" {
		t.Errorf("after triage: %q", got)
	}
	shoot(analyst, "ticket")
	do(analyst, "upload", chromedp.Navigate(base+"/work/ingest"), chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{filepath.Join(data, "events-with-errors.csv")}),
		chromedp.Click(chromedp.CSS("#upload button")), chromedp.WaitVisible(chromedp.CSS("#job-state")))
	for i := 0; attr(analyst, "#job-state", "data-state") != "done" && i < 60; i++ {
		do(analyst, "the job", chromedp.Sleep(time.Second), chromedp.WaitVisible(chromedp.CSS("#job-state"))) // the page reloads itself
	}
	if got := text(analyst, "#rejected"); got == "0" || got == "" {
		t.Errorf("the upload's rows set aside: %q", got)
	}
	if n := eval(analyst, `document.querySelectorAll('#rejects tbody tr').length`); n == 0 {
		t.Error("the job page lists no row set aside")
	}
	shoot(analyst, "upload")

	// An editor reviews the draft as it will be published; a publisher publishes it.
	editor := as(auth.Editor)
	do(editor, "review", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#review")),
		chromedp.SendKeys(chromedp.CSS("#note"), "checked"), chromedp.Click(chromedp.CSS("#review")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	// The preview is the bulletin as it will be published.
	if _, err := chromedp.Run(editor, chromedp.Poll[bool](`(document.querySelector('iframe.preview').contentDocument?.body?.innerText || '').includes('网络安全信息与动态周报')`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Errorf("the draft's preview does not show the bulletin: %v", err)
	}
	if n := eval(editor, `document.querySelectorAll('#publish').length`); n != 0 {
		t.Error("an editor is offered to publish")
	}
	shoot(editor, "draft-editor")
	publisher := as(auth.Publisher)
	do(publisher, "publish", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#publish")),
		chromedp.Click(chromedp.CSS("#publish")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	do(publisher, "the archive", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#issue-2024-W09")))
	safe(publisher, "archive")
	// A correction is a new revision, published once an editor approved it; the archive
	// shows it and the first, the feed updates.
	do(publisher, "a correction not approved", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#correct-reason")),
		chromedp.SendKeys(chromedp.CSS("#correct-reason"), "too soon"), chromedp.Click(chromedp.CSS("#correct button")), chromedp.WaitVisible(chromedp.CSS(".err")))
	if got := text(publisher, ".err"); !strings.Contains(got, "has not been reviewed") {
		t.Errorf("a correction without review: %q", got)
	}
	do(editor, "approve the correction", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#review")),
		chromedp.Click(chromedp.CSS("#review")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	do(publisher, "correct", chromedp.Navigate(base+"/work/draft/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#correct-reason")),
		chromedp.SendKeys(chromedp.CSS("#correct-reason"), "a count was wrong"), chromedp.Click(chromedp.CSS("#correct button")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	if n := eval(publisher, `document.querySelectorAll('#revisions li').length`); n != 2 {
		t.Errorf("the draft page lists %d revisions after a correction", n)
	}
	do(publisher, "the archive, corrected", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#issue-2024-W09 .corrected")),
		chromedp.Click(chromedp.CSS("#issue-2024-W09 .original")), chromedp.WaitVisible(chromedp.CSS("#revisions")))
	if n := eval(publisher, `document.querySelectorAll('#correction').length`); n != 0 {
		t.Error("the first revision carries the correction's note")
	}
	shoot(publisher, "first-revision")
	do(publisher, "the corrected issue", chromedp.Navigate(base+"/bulletins/2024-W09"), chromedp.WaitVisible(chromedp.CSS("#correction")))
	if got := text(publisher, "#correction"); !strings.Contains(got, "a count was wrong") || !strings.Contains(got, "第2版") {
		t.Errorf("the correction's note: %q", got)
	}
	if code, _, atom := webtest.Call(t, "GET", base+"/feed.atom", "", ""); code != 200 || !regexp.MustCompile(`<published>([^<]+)</published>\s*<updated>([^<]+)</updated>`).MatchString(atom) ||
		strings.Count(atom, "<entry>") != 1 {
		t.Errorf("the feed: %d\n%s", code, atom)
	} else if m := regexp.MustCompile(`<published>([^<]+)</published>\s*<updated>([^<]+)</updated>`).FindStringSubmatch(atom); m[1] == m[2] {
		t.Errorf("the feed's entry of a corrected issue was not updated: %s", m[0])
	}

	// An administrator reads who did what, from where.
	admin := as(auth.Admin)
	do(admin, "audit", chromedp.Navigate(base+"/work/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	log := text(admin, "#audit")
	for _, want := range []string{"登录", "导入数据", "审核", "发布", "发布更正", "127.0.0.1"} { // session.login, ingest, bulletin.review, …
		if !strings.Contains(log, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	shoot(admin, "audit")
	do(admin, "accounts", chromedp.Navigate(base+"/work/accounts"), chromedp.WaitVisible(chromedp.CSS("#accounts")),
		chromedp.SendKeys(chromedp.CSS("#acc-name"), "newcomer"), chromedp.SendKeys(chromedp.CSS("#acc-password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#set-account button")), chromedp.WaitVisible(chromedp.CSS(".ok")))
	if got := text(admin, "#accounts"); !strings.Contains(got, "newcomer") || strings.Count(got, "\n") < 6 {
		t.Errorf("the accounts page:\n%s", got)
	}
	shoot(admin, "accounts")
	newcomer := as("newcomer") // logs in with the password just set: a viewer
	if n := eval(newcomer, `document.querySelectorAll('nav a[href="/work/incidents"]').length`); n != 0 {
		t.Error("a new viewer's menu offers the incidents")
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d script dialogs opened", n)
	}
}
