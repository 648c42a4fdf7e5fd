package chart

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"sitrep/internal/bulletin"
)

//go:generate go run ./mapgen -out chinamap.json

// chinamap.json holds the provinces' outlines, made by mapgen from the map ECharts publishes
// on npm (see mapgen for how); nothing is fetched when sitrep runs.
//
//go:embed chinamap.json
var chinaMapJSON []byte

type chinaMap struct {
	Width, Height int
	Provinces     map[string][][][2]int
	Inset         [][][2]int
}

var loadChina = sync.OnceValues(func() (*chinaMap, error) {
	var m chinaMap
	if err := json.Unmarshal(chinaMapJSON, &m); err != nil {
		return nil, fmt.Errorf("chinamap.json: %w", err)
	}
	return &m, nil
})

// Provinces lists the provinces the map draws, by canonical name.
func Provinces() ([]string, error) {
	m, err := loadChina()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m.Provinces))
	for n := range m.Provinces {
		out = append(out, n)
	}
	return out, nil
}

// mapRamp colours the map's classes, fewest first (ColorBrewer's Reds).
var mapRamp = []color.Color{
	color.RGBA{0xfe, 0xe0, 0xd2, 0xff}, color.RGBA{0xfc, 0xa0, 0x82, 0xff}, color.RGBA{0xfb, 0x6a, 0x4a, 0xff},
	color.RGBA{0xde, 0x2d, 0x26, 0xff}, color.RGBA{0xa5, 0x0f, 0x15, 0xff},
}

// noDataGrey fills the provinces with nothing counted.
var noDataGrey = color.RGBA{0xe8, 0xe8, 0xe8, 0xff}

// niceStep is the smallest of 1, 2 or 5 times a power of ten at least v.
func niceStep(v float64) int {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return int(m * p)
		}
	}
	return int(10 * p)
}

// mapClasses splits 1..top into at most len(mapRamp) classes of a round width; it returns
// each class's upper bound.
func mapClasses(top int) []int {
	step := niceStep(float64(top) / float64(len(mapRamp)))
	var bounds []int
	for b := step; ; b += step {
		bounds = append(bounds, b)
		if b >= top {
			return bounds
		}
	}
}

// classLabel names a class of counts: "1–2,000", or "3" where it holds one value.
func classLabel(low, high int) string {
	if low == high {
		return bulletin.Thousands(high)
	}
	return bulletin.Thousands(low) + "–" + bulletin.Thousands(high)
}

// drawMap draws a figure of counts by province (kind "map") as a map of China: each province
// in the colour of its class, those with nothing counted in grey, the 南海诸岛 inset, and a
// legend of the classes under the figure's unit.
func drawMap(c draw.Canvas, f bulletin.Figure) error {
	m, err := loadChina()
	if err != nil {
		return err
	}
	values := map[string]int{}
	top := 0
	if len(f.Series) > 0 {
		for i, name := range f.Labels {
			if i < len(f.Series[0].Values) {
				values[name] = f.Series[0].Values[i]
				top = max(top, f.Series[0].Values[i])
			}
		}
	}
	if top == 0 {
		return errEmpty
	}
	classes := mapClasses(top)
	fill := func(v int) color.Color {
		if v <= 0 {
			return noDataGrey
		}
		for i, b := range classes {
			if v <= b {
				return mapRamp[i]
			}
		}
		return mapRamp[len(mapRamp)-1]
	}
	w, h := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	area := w * 0.74
	scale := min(area/vg.Length(m.Width), (h*0.96)/vg.Length(m.Height))
	x0 := c.Min.X + (area-scale*vg.Length(m.Width))/2
	y0 := c.Max.Y - (h-scale*vg.Length(m.Height))/2 // the data's y runs down the page
	at := func(p [2]int) vg.Point {
		return vg.Point{X: x0 + scale*vg.Length(p[0]), Y: y0 - scale*vg.Length(p[1])}
	}
	ring := func(r [][2]int) vg.Path {
		var path vg.Path
		for i, p := range r {
			if i == 0 {
				path.Move(at(p))
			} else {
				path.Line(at(p))
			}
		}
		path.Close()
		return path
	}
	names, err := Provinces()
	if err != nil {
		return err
	}
	slices.Sort(names) // the same drawing, byte for byte, every time
	border := draw.LineStyle{Color: color.White, Width: vg.Points(0.4)}
	for _, n := range names {
		for _, r := range m.Provinces[n] {
			p := ring(r)
			c.SetColor(fill(values[n]))
			c.Fill(p)
			c.SetLineStyle(border)
			c.Stroke(p)
		}
	}
	for _, r := range m.Inset {
		c.SetColor(color.RGBA{0x88, 0x88, 0x88, 0xff})
		c.Fill(ring(r))
	}
	// The legend, to the right: the unit, then each class from the most.
	sty := textStyle(9)
	line := sty.Height("图") * 1.6
	sw := sty.Height("图") * 0.9
	x := c.Min.X + area + w*0.02
	y := c.Min.Y + h*0.1 + line*vg.Length(len(classes)+1)
	sty.YAlign = draw.YCenter
	if f.Unit != "" {
		c.FillText(sty, vg.Point{X: x, Y: y + line}, f.Unit)
	}
	labels := make([]string, len(classes))
	for i, b := range classes {
		low := 1
		if i > 0 {
			low = classes[i-1] + 1
		}
		labels[i] = classLabel(low, b)
	}
	for i := len(classes) - 1; i >= 0; i-- { // the most first
		swatch(c, mapRamp[i], x, y, sw)
		c.FillText(sty, vg.Point{X: x + sw*1.5, Y: y}, labels[i])
		y -= line
	}
	swatch(c, noDataGrey, x, y, sw)
	c.FillText(sty, vg.Point{X: x + sw*1.5, Y: y}, "0")
	return nil
}
