// Package chart draws a bulletin's figures as SVG with gonum/plot: bars, stacked bars, the Y
// axis from zero, the same bytes for the same data. Chinese labels need a CJK font that
// golang.org/x/image can read; Font finds Debian's fonts-noto-cjk, or the file UseFont names.
// (WenQuanYi's TTC is refused by x/image's sfnt parser.)
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"os"
	"strconv"
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

// valueLabels writes each bar's value above it (a stacked bar: its total).
func valueLabels(p *plot.Plot, f bulletin.Figure, barWidth vg.Length) error {
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
			xys = append(xys, plotter.XY{X: float64(j), Y: float64(v)})
			texts = append(texts, fmt.Sprint(v))
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
		if err != nil {
			return err
		}
		for k := range l.TextStyle {
			l.TextStyle[k].Font = font.From(cjk, 9)
			l.TextStyle[k].XAlign = draw.XCenter
			if f.Kind != "stacked" && len(f.Series) > 1 {
				l.Offset.X = vg.Length(float64(i)-float64(len(f.Series)-1)/2) * barWidth
			}
		}
		l.Offset.Y = 2
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
}

// MaxValueLabels is the most bars that still get their value written above them.
const MaxValueLabels = 8

// wholeTicks marks the Y axis of counts with whole numbers.
type wholeTicks struct{}

func (wholeTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// Width and Height are the size of every figure.
const (
	Width  = 14 * vg.Centimeter
	Height = 7.5 * vg.Centimeter
)

// SVG draws a figure: a stacked bar chart for "stacked", bars for anything else.
func SVG(f bulletin.Figure) ([]byte, error) {
	p, err := plotFigure(f)
	if err != nil {
		return nil, err
	}
	c := vgsvg.New(Width, Height)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PNG draws a figure as SVG does, as a 192-dpi PNG image, for editors and readers that take
// images but not SVG.
func PNG(f bulletin.Figure) ([]byte, error) {
	p, err := plotFigure(f)
	if err != nil {
		return nil, err
	}
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(192))}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func plotFigure(f bulletin.Figure) (*plot.Plot, error) {
	if err := Font(); err != nil {
		return nil, err
	}
	p := plot.New()
	p.Y.Min = 0 // counts start at zero
	p.Y.Label.Text = ""
	p.Legend.Top = true
	p.Legend.Left = false
	n := len(f.Labels)
	if n == 0 {
		n = 1
	}
	barWidth := vg.Length(float64(Width) * 0.6 / float64(n))
	if f.Kind != "stacked" && len(f.Series) > 1 {
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
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		if f.Kind == "stacked" && prev != nil {
			bars.StackOn(prev)
		} else if f.Kind != "stacked" && len(f.Series) > 1 {
			bars.Offset = vg.Length(float64(i)-float64(len(f.Series)-1)/2) * barWidth
		}
		p.Add(bars)
		if len(f.Series) > 1 {
			p.Legend.Add(s.Name, bars)
		}
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
	p.Y.Max = top * 1.3 // room for the values and the legend
	p.Y.Tick.Marker = wholeTicks{}
	if len(f.Labels) <= MaxValueLabels {
		if err := valueLabels(p, f, barWidth); err != nil {
			return nil, fmt.Errorf("figure %d: %w", f.Number, err)
		}
	}
	p.NominalX(f.Labels...)
	p.X.Tick.Label.Font.Size = 9
	p.Y.Tick.Label.Font.Size = 10
	p.Legend.TextStyle.Font.Size = 10
	return p, nil
}
