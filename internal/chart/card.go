package chart

import (
	"image/color"
	"strings"
	"unicode"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"sitrep/internal/bulletin"
)

// The cards of the infographic style: a band with the title, the lead word (the rating), key
// numbers in tiles with their change on last week (a rise in red, a fall in green), notes, and
// a map. Their height follows their content; their width is every figure's.

var (
	bandRed   = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	tileFill  = color.RGBA{0xfd, 0xf3, 0xe7, 0xff}
	riseRed   = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	fallGreen = color.RGBA{0x1e, 0x84, 0x49, 0xff}
	quietGrey = color.RGBA{0x66, 0x66, 0x66, 0xff}
	inkDark   = color.RGBA{0x22, 0x22, 0x22, 0xff}
)

const (
	cardPad  = 0.45 * vg.Centimeter
	cardBand = 1.2 * vg.Centimeter
	cardLead = 2.6 * vg.Centimeter
	cardTile = 2.1 * vg.Centimeter
	cardGap  = 0.25 * vg.Centimeter
	cardMap  = 7 * vg.Centimeter
)

// columns is how many tiles stand in a row: three, or two where four would leave a gap.
func columns(n int) int {
	if n == 4 || n == 2 {
		return 2
	}
	return 3
}

// noteLines wraps a card's notes to the card's width.
func noteLines(c *bulletin.Card) []string {
	sty := textStyle(10)
	var lines []string
	for _, n := range c.Notes {
		lines = append(lines, wrap(n, sty, Width-2*cardPad)...)
	}
	return lines
}

// wrap breaks text into lines no wider than w: between words where it has spaces, anywhere
// between Chinese characters.
func wrap(text string, sty draw.TextStyle, w vg.Length) []string {
	var lines []string
	var line strings.Builder
	var word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		if line.Len() > 0 && sty.Width(line.String()+word.String()) > w {
			lines = append(lines, strings.TrimSpace(line.String()))
			line.Reset()
		}
		line.WriteString(word.String())
		word.Reset()
	}
	for _, r := range text {
		word.WriteRune(r)
		if r == ' ' || unicode.Is(unicode.Han, r) || unicode.IsPunct(r) && r > unicode.MaxLatin1 {
			flush()
		}
	}
	flush()
	if line.Len() > 0 {
		lines = append(lines, strings.TrimSpace(line.String()))
	}
	return lines
}

// cardHeight is how tall a card is drawn.
func cardHeight(c *bulletin.Card) vg.Length {
	h := cardBand + cardPad
	if c.Lead != "" {
		h += cardLead
	}
	if n := len(c.Tiles); n > 0 {
		cols := columns(n)
		rows := (n + cols - 1) / cols
		h += vg.Length(rows)*(cardTile+cardGap) + cardGap
	}
	h += vg.Length(len(noteLines(c))) * textStyle(10).Height("图") * 1.5
	if c.Map != nil {
		h += cardMap
	}
	return h + cardPad
}

// drawCard draws a card figure on a canvas cardHeight tall.
func drawCard(c draw.Canvas, f bulletin.Figure) error {
	card := f.Card
	if card == nil {
		return errEmpty
	}
	w := c.Max.X - c.Min.X
	top := c.Max.Y
	// The title band.
	fillRect(c, bandRed, c.Min.X, top-cardBand, c.Max.X, top)
	title := textStyle(14)
	title.Color = color.White
	// Text is placed by its bottom: the CJK face's extents put a centred line too low.
	title.YAlign = draw.YBottom
	c.FillText(title, vg.Point{X: c.Min.X + cardPad, Y: top - cardBand*0.78}, f.Caption)
	y := top - cardBand - cardPad

	if card.Lead != "" {
		lead := textStyle(40)
		lead.Color = bandRed
		lead.XAlign, lead.YAlign = draw.XCenter, draw.YBottom
		c.FillText(lead, vg.Point{X: c.Min.X + w/2, Y: y - cardLead*0.9}, card.Lead)
		if card.LeadLabel != "" {
			label := textStyle(10)
			label.Color = quietGrey
			label.XAlign, label.YAlign = draw.XCenter, draw.YBottom
			c.FillText(label, vg.Point{X: c.Min.X + w/2, Y: y - cardLead*0.25}, card.LeadLabel)
		}
		y -= cardLead
	}

	// The tiles, three to a row.
	if n := len(card.Tiles); n > 0 {
		y -= cardGap
		cols := columns(n)
		tw := (w - 2*cardPad - vg.Length(cols-1)*cardGap) / vg.Length(cols)
		for i, t := range card.Tiles {
			col, row := i%cols, i/cols
			x0 := c.Min.X + cardPad + vg.Length(col)*(tw+cardGap)
			y1 := y - vg.Length(row)*(cardTile+cardGap)
			fillRect(c, tileFill, x0, y1-cardTile, x0+tw, y1)
			cx := x0 + tw/2
			value := textStyle(20)
			value.Color = inkDark
			value.XAlign, value.YAlign = draw.XCenter, draw.YBottom
			c.FillText(value, vg.Point{X: cx, Y: y1 - cardTile*0.48}, t.Value)
			label := textStyle(9)
			if label.Width(t.Label) > tw*0.92 { // a long label gets a smaller face, not the tile's edge
				label = textStyle(8)
			}
			label.Color = quietGrey
			label.XAlign, label.YAlign = draw.XCenter, draw.YBottom
			c.FillText(label, vg.Point{X: cx, Y: y1 - cardTile*0.70}, t.Label)
			if t.Change != "" {
				ch := textStyle(9)
				ch.XAlign, ch.YAlign = draw.XCenter, draw.YBottom
				switch t.Trend {
				case 1:
					ch.Color = riseRed
				case -1:
					ch.Color = fallGreen
				default:
					ch.Color = quietGrey
				}
				c.FillText(ch, vg.Point{X: cx, Y: y1 - cardTile*0.91}, t.Change)
			}
		}
		rows := (n + cols - 1) / cols
		y -= vg.Length(rows)*(cardTile+cardGap) + cardGap
	}

	// The notes.
	note := textStyle(10)
	note.Color = inkDark
	note.YAlign = draw.YBottom
	line := note.Height("图") * 1.5
	for _, l := range noteLines(card) {
		c.FillText(note, vg.Point{X: c.Min.X + cardPad, Y: y - line*0.8}, l)
		y -= line
	}

	if card.Map != nil {
		sub := draw.Crop(c, cardPad, -cardPad, y-cardMap-c.Min.Y, y-c.Max.Y)
		if err := drawMap(sub, *card.Map); err != nil && err != errEmpty {
			return err
		}
	}
	return nil
}
