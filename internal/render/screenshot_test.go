package render_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"sitrep/internal/chart"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/render"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
)

// figureRed is the colour of the figures' first series.
var figureRed = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}

// near tells whether c is within d of want in each channel.
func near(c color.Color, want color.RGBA, d int) bool {
	r, g, b, _ := c.RGBA()
	abs := func(x int) int { return max(x, -x) }
	return abs(int(r>>8)-int(want.R)) <= d && abs(int(g>>8)-int(want.G)) <= d && abs(int(b>>8)-int(want.B)) <= d
}

// look measures an image: the share of its pixels that are not the commonest colour (ink),
// how many are the figures' red, and whether the given rows and columns hold any ink.
type look struct {
	img    image.Image
	bg     color.Color
	ink    float64
	red    int
	bounds image.Rectangle
}

func see(t *testing.T, path string) look {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	counts := map[color.RGBA]int{}
	l := look{img: img, bounds: b}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			counts[c]++
			if near(c, figureRed, 24) {
				l.red++
			}
		}
	}
	type kv struct {
		c color.RGBA
		n int
	}
	var all []kv
	for c, n := range counts {
		all = append(all, kv{c, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	l.bg = all[0].c
	l.ink = 1 - float64(all[0].n)/float64(b.Dx()*b.Dy())
	return l
}

// shoot screenshots the page file in headless Chromium at width × height into shot (its
// profile beside the shot) and looks at it.
func shoot(t *testing.T, bin, page, shot string, width, height int) look {
	t.Helper()
	args := append(render.HeadlessArgs(filepath.Join(filepath.Dir(shot), "profile")), fmt.Sprintf("--window-size=%d,%d", width, height),
		"--hide-scrollbars", "--force-device-scale-factor=1", "--screenshot="+shot, "file://"+page)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	return see(t, shot)
}

// inkIn tells whether the rectangle r of the image holds ink: a pixel darker than the pale
// backgrounds and boxes of the page.
func (l look) inkIn(r image.Rectangle) bool {
	r = r.Intersect(l.bounds)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(l.img.At(x, y)).(color.RGBA)
			if min(c.R, c.G, c.B) < 200 {
				return true
			}
		}
	}
	return false
}

// TestScreenshots looks at the bulletin as its readers do: the HTML page in headless Chromium
// at a desk's width and a phone's, and the PDF's pages as images. Each must show text and the
// drawn figures (their red), nothing may run off the right edge of a phone's screen, and each
// PDF page is A4 with its running header at the top and its number at the foot.
func TestScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("generates weeks and drives a browser")
	}
	bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	testenv.Need(t, testenv.CJKFont, chart.Font())
	pdftoppm := testenv.Command(t, "pdftoppm", testenv.Poppler)
	testenv.Need(t, testenv.PrintFont, testenv.FontInstalled("WenQuanYi Micro Hei"))
	specs := synth.Weeks(mustWeek("2024-W09"), 4, 3)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	for _, lang := range []string{"zh", "en"} {
		b := build(t, st, mustWeek("2024-W09"), lang)
		var html bytes.Buffer
		if _, err := render.WriteHTML(&html, b, render.Options{Figures: chart.SVG}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		page := filepath.Join(dir, "bulletin.html")
		if err := os.WriteFile(page, html.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{1280, 390} {
			l := shoot(t, bin, page, filepath.Join(dir, fmt.Sprintf("shot-%d.png", width)), width, 6000)
			if l.bounds.Dx() != width {
				t.Errorf("%s at %d px: the screenshot is %d px wide", lang, width, l.bounds.Dx())
			}
			if l.ink < 0.05 || l.red < 2000 {
				t.Errorf("%s at %d px: %.1f%% ink, %d pixels of the figures' red: text or figures missing", lang, width, 100*l.ink, l.red)
			}
			// The article's right margin stays clear: nothing overflows the screen.
			if l.inkIn(image.Rect(width-6, 0, width, l.bounds.Dy())) {
				t.Errorf("%s at %d px: something runs off the right edge", lang, width)
			}
		}

		pdf := filepath.Join(dir, "bulletin.pdf")
		if err := render.PrintPDF(t.Context(), bin, html.Bytes(), pdf); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(pdftoppm, "-r", "40", "-png", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
		if len(pages) < 2 {
			t.Fatalf("%s: %d PDF pages", lang, len(pages))
		}
		red := 0
		for _, p := range pages {
			l := see(t, p)
			w, h := l.bounds.Dx(), l.bounds.Dy()
			if ratio := float64(h) / float64(w); ratio < 1.40 || ratio > 1.43 {
				t.Errorf("%s %s: %dx%d is not A4's shape", lang, filepath.Base(p), w, h)
			}
			// 40 dpi: the header sits in the top 20 mm (31 px), the number in the foot's 18 mm.
			if !l.inkIn(image.Rect(0, 0, w, h*20/297)) || !l.inkIn(image.Rect(0, h-h*18/297, w, h)) {
				t.Errorf("%s %s: no running header or no page number", lang, filepath.Base(p))
			}
			red += l.red
		}
		if red < 500 {
			t.Errorf("%s: the PDF's pages show %d pixels of the figures' red", lang, red)
		}
	}
}
