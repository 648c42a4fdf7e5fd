package chart

import (
	"bytes"
	"flag"
	stdpng "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/bulletin"
	"sitrep/internal/enrich"
	"sitrep/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg from the current drawing")

var figures = []bulletin.Figure{
	{Number: 1, ID: bulletin.FigInfected, Kind: "stacked", Labels: []string{"2.5", "2.12", "2.19", "2.26"},
		Series: []bulletin.Series{{Name: "木马或僵尸程序受控主机", Values: []int{110000, 120000, 0, 113000}}, {Name: "飞客蠕虫感染主机", Values: []int{70000, 69000, 0, 71000}}}},
	{Number: 2, ID: bulletin.FigSites, Kind: "bars", Labels: []string{"被篡改网站", "被植入后门网站", "仿冒页面"},
		Series: []bulletin.Series{{Name: "数量", Values: []int{1865, 717, 187}}}},
	{Number: 3, ID: "empty", Kind: "bars", Labels: []string{"政府网站", "其他网站"}, Series: []bulletin.Series{{Name: "数量", Values: []int{0, 0}}}},
	{Number: 4, ID: "markup", Kind: "bars", Labels: []string{"<script>x</script>", "a&b"}, Series: []bulletin.Series{{Name: "n", Values: []int{1, 2}}}},
	{Number: 5, ID: bulletin.FigDefacedGov, Kind: "pie", Labels: []string{"政府网站", "其他网站"},
		Series: []bulletin.Series{{Name: "数量", Values: []int{27, 1917}}}},
	{Number: 7, ID: "province-map", Kind: "map", Unit: "主机数量（个）", Labels: []string{"广东省", "江苏省", "新疆维吾尔自治区"},
		Series: []bulletin.Series{{Name: "受控主机", Values: []int{9000, 4200, 35}}}},
	{Number: 8, ID: bulletin.CardWebsites, Kind: "card", Caption: "本周网站安全情况", Card: &bulletin.Card{
		Tiles: []bulletin.Tile{{Label: "境内被篡改网站", Value: "1944", Change: "较上周 ▼8.5%", Trend: -1}, {Label: "仿冒页面", Value: "234", Change: "较上周 ▲62.5%", Trend: 1}, {Label: "<b>", Value: "a&b"}},
		Notes: []string{"本周仿冒页面主要仿冒中国工商银行等机构。"}}},
	{Number: 6, ID: bulletin.FigIncidents, Kind: "hbars", Unit: "Incidents", Labels: []string{"Phishing", "Mobile malware", "Vulnerability"},
		Series: []bulletin.Series{{Name: "Incidents", Values: []int{1074, 6, 2}}}},
}

// TestGolden draws fixed figures and compares them with testdata; identical data must give
// identical bytes.
func TestGolden(t *testing.T) {
	testenv.Need(t, testenv.CJKFont, Font())
	for _, f := range figures {
		t.Run(f.ID, func(t *testing.T) {
			svg, err := SVG(f)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := SVG(f)
			if !bytes.Equal(svg, again) {
				t.Fatal("two drawings of the same figure differ")
			}
			if f.Kind == "map" {
				return // 400 kB of outlines: checked by TestDrawing, not kept
			}
			path := filepath.Join("testdata", f.ID+".svg")
			if *update {
				os.WriteFile(path, svg, 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(svg, want) {
				t.Errorf("%s differs from the drawing", path)
			}
		})
	}
}

func TestDrawing(t *testing.T) {
	testenv.Need(t, testenv.CJKFont, Font())
	svg, _ := SVG(figures[1])
	s := string(svg)
	for _, want := range []string{"<svg", "被篡改网站", "被植入后门网站", "仿冒页面", ">1,865<", ">717<", ">0<", ">2,000<"} {
		if !strings.Contains(s, want) {
			t.Errorf("figure lacks %q", want)
		}
	}
	markup, _ := SVG(figures[3])
	if strings.Contains(string(markup), "<script>") || !strings.Contains(string(markup), "&lt;script&gt;") {
		t.Error("a label's markup is not escaped")
	}
	stacked, _ := SVG(figures[0])
	if !strings.Contains(string(stacked), "飞客蠕虫感染主机") || !strings.Contains(string(stacked), ">180,000<") {
		t.Error("the stacked figure has no legend, or its total without a separator")
	}
	// A share is a ring with the percentage of each slice large enough to place beside it,
	// and a legend with every count and percentage.
	ring, err := SVG(figures[4])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">98.6%<", "政府网站  27 (1.4%)", "其他网站  1,917 (98.6%)"} {
		if !strings.Contains(string(ring), want) {
			t.Errorf("the ring lacks %q", want)
		}
	}
	if _, err := SVG(bulletin.Figure{Kind: "pie", Labels: []string{"a", "b"}, Series: []bulletin.Series{{Values: []int{0, 0}}}}); err == nil {
		t.Error("an empty ring was drawn")
	}
	// A card: its title in the band, every tile's number, label and change, escaped.
	card, err := SVG(figures[6])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">本周网站安全情况<", ">1944<", ">境内被篡改网站<", ">较上周 ▼8.5%<", ">较上周 ▲62.5%<", "&lt;b&gt;", "a&amp;b", "中国工商银行"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("the card lacks %q", want)
		}
	}
	// A map: a region per province and the classes' legend; nothing to map is refused.
	m, err := SVG(figures[5])
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(m), "<path"); n < 34 || !strings.Contains(string(m), ">8,001–10,000<") || !strings.Contains(string(m), ">主机数量（个）<") {
		t.Errorf("the map has %d paths, or lacks its legend", n)
	}
	if _, err := SVG(bulletin.Figure{Kind: "map", Labels: []string{"广东省"}, Series: []bulletin.Series{{Values: []int{0}}}}); err == nil {
		t.Error("an empty map was drawn")
	}
	// A ranking lies on its side, the first at the top, with its unit.
	lying, err := SVG(figures[7])
	if err != nil {
		t.Fatal(err)
	}
	l := string(lying)
	if i, j := strings.Index(l, ">Phishing<"), strings.Index(l, ">Vulnerability<"); i < 0 || j < 0 || !strings.Contains(l, ">Incidents<") || !strings.Contains(l, ">1,074<") {
		t.Errorf("the ranking lacks its labels, unit or values")
	}
}

func TestPNG(t *testing.T) {
	testenv.Need(t, testenv.CJKFont, Font())
	png, err := PNG(figures[1])
	if err != nil {
		t.Fatal(err)
	}
	img, err := stdpng.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 400 {
		t.Errorf("image is %v", b)
	}
	again, _ := PNG(figures[1])
	if !bytes.Equal(png, again) {
		t.Error("two drawings of the same figure differ")
	}
}

// TestMapProvinces: the map holds every province-level division once, under the names the
// statistics use.
func TestMapProvinces(t *testing.T) {
	names, err := Provinces()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 34 {
		t.Errorf("%d provinces on the map, want 34", len(names))
	}
	for _, n := range names {
		if canon, ok := enrich.Province(n); !ok || canon != n {
			t.Errorf("%q on the map is not a canonical province name (%q, %v)", n, canon, ok)
		}
	}
	m, err := loadChina()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inset) == 0 {
		t.Error("the map has no 南海诸岛 inset")
	}
}
