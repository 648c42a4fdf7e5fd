// Command mapgen writes the outlines of China's provinces that the figures draw maps with
// (../chinamap.json), from the map that ECharts ships on npm: map/json/china.json, its
// provinces in ECharts' compressed GeoJSON, and the 南海诸岛 inset its code adds
// (lib/coord/geo/fix/nanhai.js). It runs when the data is to change (go generate in
// internal/chart, with npm and the registry reachable), not when sitrep runs or builds.
//
// The outlines are projected (longitude scaled by the cosine of 36°N, so that shapes keep
// their proportions at China's latitudes), fitted into a box 1000 units wide, rounded to whole
// units, and keyed by the provinces' canonical names (广东省, 内蒙古自治区, …).
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sitrep/internal/enrich"
)

// Package is the npm package and version the outlines come from.
const Package = "echarts@4.9.0"

func main() {
	out := flag.String("out", "chinamap.json", "file to write")
	tgz := flag.String("tgz", "", "the package's tarball, already fetched (default: npm pack "+Package+")")
	flag.Parse()
	if err := run(*tgz, *out); err != nil {
		log.Fatal(err)
	}
}

// Map is the file's form: each province's rings in the box's units (y downwards), and the
// inset's line segments.
type Map struct {
	Source    string                `json:"source"`
	Width     int                   `json:"width"`
	Height    int                   `json:"height"`
	Provinces map[string][][][2]int `json:"provinces"`
	Inset     [][][2]int            `json:"inset"` // 南海诸岛
}

func run(tgz, out string) error {
	if tgz == "" {
		dir, err := os.MkdirTemp("", "mapgen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "pack", "--silent", Package)
		cmd.Dir, cmd.Stderr = dir, os.Stderr
		name, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("npm pack %s: %w", Package, err)
		}
		tgz = filepath.Join(dir, strings.TrimSpace(string(name)))
	}
	files, err := untar(tgz, "package/map/json/china.json", "package/lib/coord/geo/fix/nanhai.js")
	if err != nil {
		return err
	}
	provinces, err := decode(files["package/map/json/china.json"])
	if err != nil {
		return err
	}
	inset, err := nanhai(files["package/lib/coord/geo/fix/nanhai.js"])
	if err != nil {
		return err
	}
	m := project(provinces, inset)
	m.Source = Package + " map/json/china.json and lib/coord/geo/fix/nanhai.js (Apache-2.0)"
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

func untar(path string, names ...string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if want[h.Name] {
			if got[h.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range names {
		if got[n] == nil {
			return nil, fmt.Errorf("%s: no %s", path, n)
		}
	}
	return got, nil
}

type lonLat = [2]float64

// decode reads ECharts' compressed GeoJSON: each ring a string of character pairs, each a
// zigzag-encoded delta from the last point (the first from the ring's encodeOffsets), in
// 1/1024 degree.
func decode(b []byte) (map[string][][]lonLat, error) {
	var fc struct {
		UTF8Encoding bool `json:"UTF8Encoding"`
		Features     []struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
			Geometry struct {
				Type          string          `json:"type"`
				Coordinates   json.RawMessage `json:"coordinates"`
				EncodeOffsets json.RawMessage `json:"encodeOffsets"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	if !fc.UTF8Encoding {
		return nil, errors.New("china.json is not in ECharts' compressed form")
	}
	out := map[string][][]lonLat{}
	for _, f := range fc.Features {
		name, ok := enrich.Province(f.Properties.Name)
		if !ok {
			return nil, fmt.Errorf("china.json: province %q is not one sitrep knows", f.Properties.Name)
		}
		var polys [][]string
		var offsets [][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var rings []string
			var offs [][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
				return nil, err
			}
			if err := json.Unmarshal(f.Geometry.EncodeOffsets, &offs); err != nil {
				return nil, err
			}
			polys, offsets = [][]string{rings}, [][][2]float64{offs}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
				return nil, err
			}
			if err := json.Unmarshal(f.Geometry.EncodeOffsets, &offsets); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("china.json: %s is a %s", name, f.Geometry.Type)
		}
		for i, rings := range polys {
			for j, ring := range rings {
				out[name] = append(out[name], decodeRing(ring, offsets[i][j]))
			}
		}
	}
	return out, nil
}

func decodeRing(s string, off [2]float64) []lonLat {
	r := []rune(s)
	px, py := int(off[0]), int(off[1])
	var pts []lonLat
	for i := 0; i+1 < len(r); i += 2 {
		x, y := int(r[i])-64, int(r[i+1])-64
		x = x>>1 ^ -(x & 1)
		y = y>>1 ^ -(y & 1)
		px, py = px+x, py+y
		pts = append(pts, lonLat{float64(px) / 1024, float64(py) / 1024})
	}
	return pts
}

// nanhai reads the inset's outline from ECharts' code: points in its own units, scaled and
// placed as the code does.
func nanhai(js []byte) ([][]lonLat, error) {
	geo := regexp.MustCompile(`var geoCoord = (\[[^\]]*\]);`).FindSubmatch(js)
	pts := regexp.MustCompile(`var points = (\[.*\]);`).FindSubmatch(js)
	if geo == nil || pts == nil {
		return nil, errors.New("nanhai.js: no geoCoord or points")
	}
	var at lonLat
	var rings [][]lonLat
	if err := json.Unmarshal(geo[1], &at); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(pts[1], &rings); err != nil {
		return nil, err
	}
	for _, r := range rings {
		for k := range r {
			r[k][0] = r[k][0]/10.5 + at[0]
			r[k][1] = r[k][1]/(-10.5/0.75) + at[1]
		}
	}
	return rings, nil
}

// project fits the outlines into a box 1000 units wide, dropping points that round onto the
// one before.
func project(provinces map[string][][]lonLat, inset [][]lonLat) Map {
	k := math.Cos(36 * math.Pi / 180)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	each := func(f func(p lonLat)) {
		for _, rings := range provinces {
			for _, r := range rings {
				for _, p := range r {
					f(p)
				}
			}
		}
		for _, r := range inset {
			for _, p := range r {
				f(p)
			}
		}
	}
	each(func(p lonLat) {
		x, y := p[0]*k, -p[1]
		minX, maxX, minY, maxY = min(minX, x), max(maxX, x), min(minY, y), max(maxY, y)
	})
	scale := 1000 / (maxX - minX)
	conv := func(r []lonLat) [][2]int {
		var out [][2]int
		for _, p := range r {
			q := [2]int{int(math.Round((p[0]*k - minX) * scale)), int(math.Round((-p[1] - minY) * scale))}
			if n := len(out); n > 0 && out[n-1] == q {
				continue
			}
			out = append(out, q)
		}
		return out
	}
	m := Map{Width: 1000, Height: int(math.Ceil((maxY - minY) * scale)), Provinces: map[string][][][2]int{}}
	names := make([]string, 0, len(provinces))
	for n := range provinces {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, r := range provinces[n] {
			if c := conv(r); len(c) >= 3 {
				m.Provinces[n] = append(m.Provinces[n], c)
			}
		}
	}
	for _, r := range inset {
		m.Inset = append(m.Inset, conv(r))
	}
	return m
}
