// Package chart draws a bulletin's figures as SVG or PNG with gonum/plot: bars (upright, or
// lying for rankings with long names), stacked bars with the legend in a strip of its own,
// rings of shares with their percentages; counts from zero with thousands separators; the same
// bytes for the same data. Chinese labels need a CJK font that
// golang.org/x/image can read; Font finds Debian's fonts-noto-cjk, or the file UseFont names.
// (WenQuanYi's TTC is refused by x/image's sfnt parser.)
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"sitrep/internal/bulletin"
	"sitrep/internal/stats"
)

// FontPaths are where Debian's CJK font packages put their fonts, with the face to use.
var FontPaths = []struct {
	Path string
	Face int
}{
	{"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2}, // face 2: Simplified Chinese
}

// ErrNoFont says that no font with Chinese glyphs was found.
var ErrNoFont = errors.New("no font with Chinese glyphs for the figures: install Debian's fonts-noto-cjk, or set SITREP_FONT to a TTF/OTF/TTC file")

var (
	fontOnce sync.Once
	fontErr  error
	fontPath string
	cjk      = font.Font{Typeface: "sitrep-cjk"}
)

// UseFont names the font file (TTF, OTF or TTC) the figures use instead of looking in the
// usual places; the application calls it with its configuration before the first figure is
// drawn, since the plots' default font is one for the whole process.
func UseFont(path string) { fontPath = path }

// Font loads the CJK font once and makes it the plots' default.
func Font() error {
	fontOnce.Do(func() {
		path, face := fontPath, 0
		if path == "" {
			for _, c := range FontPaths {
				if _, err := os.Stat(c.Path); err == nil {
					path, face = c.Path, c.Face
					break
				}
			}
		}
		if path == "" {
			fontErr = ErrNoFont
			return
		}
		// The file is read where glyphs are, not whole: a CJK collection is about 20 MB, and
		// reading it all cost more than counting a week kept in the store. It stays open
		// for the process's life, as the default font does.
		data, err := os.Open(path)
		if err != nil {
			fontErr = fmt.Errorf("font %s: %w", path, err)
			return
		}
		var f *opentype.Font
		if coll, err := opentype.ParseCollectionReaderAt(data); err == nil {
			if face >= coll.NumFonts() {
				face = 0
			}
			f, err = coll.Font(face)
			if err != nil {
				fontErr = fmt.Errorf("font %s: %w", path, err)
				return
			}
		} else if f, err = opentype.ParseReaderAt(data); err != nil {
			fontErr = fmt.Errorf("font %s: %w", path, err)
			return
		}
		font.DefaultCache.Add([]font.Face{{Font: cjk, Face: f}})
		plot.DefaultFont = cjk
	})
	return fontErr
}

// textStyle is the figures' text in size pt.
func textStyle(pt vg.Length) draw.TextStyle {
	return draw.TextStyle{Color: color.Black, Font: font.From(cjk, pt), Handler: plot.DefaultTextHandler}
}

// valueLabels writes each bar's value beside it (a stacked bar: its total).
func valueLabels(p *plot.Plot, f bulletin.Figure, barWidth vg.Length) error {
	horizontal := f.Kind == "hbars"
	for i, s := range f.Series {
		if f.Kind == "stacked" && i > 0 {
			break
		}
		var xys plotter.XYs
		var texts []string
		for j := range f.Labels {
			v := 0
			if f.Kind == "stacked" {
				for _, t := range f.Series {
					if j < len(t.Values) {
						v += t.Values[j]
					}
				}
			} else if j < len(s.Values) {
				v = s.Values[j]
			}
			xy := plotter.XY{X: float64(j), Y: float64(v)}
			if horizontal {
				xy = plotter.XY{X: float64(v), Y: float64(j)}
			}
			xys = append(xys, xy)
			texts = append(texts, bulletin.Thousands(v))
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
		if err != nil {
			return err
		}
		for k := range l.TextStyle {
			l.TextStyle[k].Font = font.From(cjk, 9)
			if horizontal {
				l.TextStyle[k].YAlign = draw.YCenter
			} else {
				l.TextStyle[k].XAlign = draw.XCenter
			}
			if f.Kind == "bars" && len(f.Series) > 1 {
				l.Offset.X = vg.Length(float64(i)-float64(len(f.Series)-1)/2) * barWidth
			}
		}
		if horizontal {
			l.Offset.X = 3
			l.Offset.Y = 3
		} else {
			l.Offset.Y = 2
		}
		p.Add(l)
	}
	return nil
}

// palette colours series in order.
var palette = []color.Color{
	color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff},
	color.RGBA{R: 0x29, G: 0x80, B: 0xb9, A: 0xff},
	color.RGBA{R: 0xf3, G: 0x9c, B: 0x12, A: 0xff},
	color.RGBA{R: 0x27, G: 0xae, B: 0x60, A: 0xff},
	color.RGBA{R: 0x8e, G: 0x44, B: 0xad, A: 0xff},
	color.RGBA{R: 0x16, G: 0xa0, B: 0x85, A: 0xff},
	color.RGBA{R: 0x7f, G: 0x8c, B: 0x8d, A: 0xff},
	color.RGBA{R: 0xd3, G: 0x54, B: 0x00, A: 0xff},
}

// MaxValueLabels is the most bars that still get their value written above them.
const MaxValueLabels = 8

// wholeTicks marks an axis of counts with whole numbers, with thousands separators.
type wholeTicks struct{}

func (wholeTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = bulletin.Thousands(int(math.Round(ticks[i].Value)))
		}
	}
	return ticks
}

// Width and Height are the size of every figure.
const (
	Width  = 14 * vg.Centimeter
	Height = 7.5 * vg.Centimeter
)

// SVG draws a figure: stacked bars for "stacked", horizontal bars for "hbars", a ring of
// shares for "pie", a map of China for "map", an infographic card for "card", bars for
// anything else.
func SVG(f bulletin.Figure) ([]byte, error) {
	if err := Font(); err != nil { // a card's height is measured in it
		return nil, err
	}
	c := vgsvg.New(Width, height(f))
	if err := drawFigure(draw.New(c), f); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PNG draws a figure as SVG does, as a 192-dpi PNG image, for editors and readers that take
// images but not SVG.
func PNG(f bulletin.Figure) ([]byte, error) {
	if err := Font(); err != nil {
		return nil, err
	}
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, height(f)), vgimg.UseDPI(192))}
	if err := drawFigure(draw.New(c), f); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// height is how tall a figure is drawn: Height, or a card's own height.
func height(f bulletin.Figure) vg.Length {
	if f.Kind == "card" && f.Card != nil {
		return cardHeight(f.Card)
	}
	return Height
}

// errEmpty says that a figure has nothing to draw.
var errEmpty = errors.New("nothing to draw: every value is zero")

func drawFigure(dc draw.Canvas, f bulletin.Figure) error {
	if err := Font(); err != nil {
		return err
	}
	switch f.Kind {
	case "pie":
		return drawRing(dc, f)
	case "map":
		return drawMap(dc, f)
	case "card":
		return drawCard(dc, f)
	}
	p, err := plotFigure(f)
	if err != nil {
		return err
	}
	if len(f.Series) < 2 {
		p.Draw(dc)
		return nil
	}
	// The legend has a strip of its own above the plot, so it never covers a bar.
	sty := textStyle(10)
	strip := sty.Height("图") * 1.8
	p.Draw(draw.Crop(dc, 0, 0, 0, -strip))
	var names []string
	for _, s := range f.Series {
		names = append(names, s.Name)
	}
	rowLegend(draw.Crop(dc, 0, 0, dc.Max.Y-dc.Min.Y-strip, 0), names, sty)
	return nil
}

// fillRect fills the rectangle from (x0, y0) to (x1, y1).
func fillRect(c draw.Canvas, clr color.Color, x0, y0, x1, y1 vg.Length) {
	c.FillPolygon(clr, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

// swatch draws a legend's square of colour, size across, its left edge at x and centred on y.
func swatch(c draw.Canvas, clr color.Color, x, y, size vg.Length) {
	fillRect(c, clr, x, y-size/2, x+size, y+size/2)
}

// rowLegend draws a legend on one row, centred: a swatch of each series' colour, then its
// name.
func rowLegend(c draw.Canvas, names []string, sty draw.TextStyle) {
	sw := sty.Height("图") * 0.8
	gap := sw * 1.5
	var total vg.Length
	for _, n := range names {
		total += sw + sw/2 + sty.Width(n) + gap
	}
	total -= gap
	x := c.Min.X + (c.Max.X-c.Min.X-total)/2
	y := (c.Min.Y + c.Max.Y) / 2
	sty.YAlign = draw.YCenter
	for i, n := range names {
		swatch(c, palette[i%len(palette)], x, y, sw)
		x += sw + sw/2
		c.FillText(sty, vg.Point{X: x, Y: y}, n)
		x += sty.Width(n) + gap
	}
}

// side places a direction's component: 0 well below zero, 2 well above, 1 about zero.
func side(v float64) int {
	switch {
	case v > 0.3:
		return 2
	case v < -0.3:
		return 0
	}
	return 1
}

// drawRing draws a figure's shares as a ring, as the published issues draw the GOV share:
// each slice with its percentage beside it (where it is large enough to place), and a legend
// of the names with their counts and percentages.
func drawRing(c draw.Canvas, f bulletin.Figure) error {
	if len(f.Series) == 0 {
		return errEmpty
	}
	vals := f.Series[0].Values
	total := 0
	for _, v := range vals {
		total += v
	}
	if total == 0 {
		return errEmpty
	}
	w, h := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	r := min(h*0.38, w*0.2)
	centre := vg.Point{X: c.Min.X + w*0.28, Y: c.Min.Y + h/2}
	inner := r * 0.55
	small := textStyle(9)
	angle := math.Pi / 2 // from twelve o'clock, clockwise
	for i, v := range vals {
		if v == 0 {
			continue
		}
		sweep := -2 * math.Pi * float64(v) / float64(total)
		var path vg.Path
		path.Move(vg.Point{X: centre.X + r*vg.Length(math.Cos(angle)), Y: centre.Y + r*vg.Length(math.Sin(angle))})
		path.Arc(centre, r, angle, sweep)
		path.Line(vg.Point{X: centre.X + inner*vg.Length(math.Cos(angle+sweep)), Y: centre.Y + inner*vg.Length(math.Sin(angle+sweep))})
		path.Arc(centre, inner, angle+sweep, -sweep)
		path.Close()
		c.SetColor(palette[i%len(palette)])
		c.Fill(path)
		if share := stats.Share(v, total); share != nil && *share >= 15 {
			// Beside the slice's middle, clear of the ring on whichever side it is.
			mid := angle + sweep/2
			cos, sin := math.Cos(mid), math.Sin(mid)
			at := vg.Point{X: centre.X + (r+5)*vg.Length(cos), Y: centre.Y + (r+5)*vg.Length(sin)}
			sty := small
			sty.XAlign = []draw.XAlignment{draw.XRight, draw.XCenter, draw.XLeft}[side(cos)]
			sty.YAlign = []draw.YAlignment{draw.YTop, draw.YCenter, draw.YBottom}[side(sin)]
			c.FillText(sty, at, share.String()+"%")
		}
		angle += sweep
	}
	// The legend: one row per slice, to the right of the ring.
	sty := textStyle(10)
	line := sty.Height("图") * 1.5
	sw := sty.Height("图") * 0.8
	x := centre.X + r + w*0.1
	y := centre.Y + line*vg.Length(len(vals)-1)/2
	sty.YAlign = draw.YCenter
	for i, v := range vals {
		swatch(c, palette[i%len(palette)], x, y, sw)
		c.FillText(sty, vg.Point{X: x + sw*1.5, Y: y}, fmt.Sprintf("%s  %s (%s%%)", f.Labels[i], bulletin.Thousands(v), stats.Share(v, total)))
		y -= line
	}
	return nil
}

// upsideDown is f with its labels and values in the opposite order.
func upsideDown(f bulletin.Figure) bulletin.Figure {
	f.Labels = slices.Clone(f.Labels)
	slices.Reverse(f.Labels)
	series := make([]bulletin.Series, len(f.Series))
	for i, s := range f.Series {
		s.Values = slices.Clone(s.Values)
		slices.Reverse(s.Values)
		series[i] = s
	}
	f.Series = series
	return f
}

func plotFigure(f bulletin.Figure) (*plot.Plot, error) {
	p := plot.New()
	horizontal := f.Kind == "hbars"
	if horizontal {
		f = upsideDown(f) // the first label at the top, as a ranking reads
	}
	counts := &p.Y
	if horizontal {
		counts = &p.X
	}
	counts.Min = 0 // counts start at zero
	n := len(f.Labels)
	if n == 0 {
		n = 1
	}
	room := Width
	if horizontal {
		room = Height
	}
	barWidth := vg.Length(float64(room) * 0.6 / float64(n))
	if f.Kind == "bars" && len(f.Series) > 1 {
		barWidth /= vg.Length(len(f.Series))
	}
	var prev *plotter.BarChart
	top := 0.0
	for i, s := range f.Series {
		vals := make(plotter.Values, len(f.Labels))
		for j := range f.Labels {
			if j < len(s.Values) {
				vals[j] = float64(s.Values[j])
			}
		}
		bars, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return nil, fmt.Errorf("figure %d: %w", f.Number, err)
		}
		bars.Horizontal = horizontal
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		if f.Kind == "stacked" && prev != nil {
			bars.StackOn(prev)
		} else if f.Kind == "bars" && len(f.Series) > 1 {
			bars.Offset = vg.Length(float64(i)-float64(len(f.Series)-1)/2) * barWidth
		}
		p.Add(bars)
		prev = bars
		for _, v := range vals {
			top = max(top, v)
		}
	}
	if f.Kind == "stacked" {
		top = 0
		for j := range f.Labels {
			sum := 0.0
			for _, s := range f.Series {
				if j < len(s.Values) {
					sum += float64(s.Values[j])
				}
			}
			top = max(top, sum)
		}
	}
	if top == 0 {
		top = 1
	}
	counts.Max = top * 1.15 // room for the values
	if horizontal {
		counts.Max = top * 1.2
	}
	counts.Tick.Marker = wholeTicks{}
	if len(f.Labels) <= MaxValueLabels {
		if err := valueLabels(p, f, barWidth); err != nil {
			return nil, fmt.Errorf("figure %d: %w", f.Number, err)
		}
	}
	if horizontal {
		p.NominalY(f.Labels...)
		p.Y.Tick.Label.Font.Size = 10
		p.X.Tick.Label.Font.Size = 9
	} else {
		p.NominalX(f.Labels...)
		p.X.Tick.Label.Font.Size = 9
		p.Y.Tick.Label.Font.Size = 10
		// Labels too wide to stand side by side under their bars lean, so none overlaps.
		widest := vg.Length(0)
		for _, l := range f.Labels {
			widest = max(widest, textStyle(9).Width(l))
		}
		if widest*vg.Length(len(f.Labels)) > Width*0.7 {
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
		}
	}
	if f.Unit != "" {
		counts.Label.Text = f.Unit
		counts.Label.TextStyle.Font.Size = 9
	}
	return p, nil
}
