package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// renderPNG draws fig as a PNG and decodes it again.
func renderPNG(t *testing.T, fig *Figure) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := fig.Render(&buf, PNG); err != nil {
		t.Fatalf("render %q: %v", fig.Title, err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("%q: not a PNG: %v", fig.Title, err)
	}
	return img
}

// distinctColors counts the colours of img, sampling every other pixel: a
// blank image has one, axes and text alone a handful, a plot dozens.
func distinctColors(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: uint8(a >> 8)}] = true
		}
	}
	return len(seen)
}

// nonWhite is the fraction of pixels that are not (nearly) white.
func nonWhite(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// near reports whether c is within tol (0–255 per channel) of want.
func near(c, want color.Color, tol int) bool {
	r, g, b, _ := c.RGBA()
	wr, wg, wb, _ := want.RGBA()
	d := func(a, b uint32) int { return abs(int(a>>8) - int(b>>8)) }
	return d(r, wr) <= tol && d(g, wg) <= tol && d(b, wb) <= tol
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// rowsOf returns the rows (y, from the top) where img has a pixel near c.
func rowsOf(img image.Image, c color.Color, tol int) []int {
	var rows []int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), c, tol) {
				rows = append(rows, y-b.Min.Y)
				break
			}
		}
	}
	return rows
}

// checkNotBlank fails unless img looks like a drawn plot.
func checkNotBlank(t *testing.T, name string, img image.Image) {
	t.Helper()
	if n := distinctColors(img); n < 8 {
		t.Errorf("%s: %d distinct colours: blank or nearly", name, n)
	}
	if f := nonWhite(img); f < 0.01 {
		t.Errorf("%s: only %.2f%% of pixels drawn", name, f*100)
	}
}

// renderSVG draws fig as SVG.
func renderSVG(t *testing.T, fig *Figure) string {
	t.Helper()
	var buf bytes.Buffer
	if err := fig.Render(&buf, SVG); err != nil {
		t.Fatalf("render %q as SVG: %v", fig.Title, err)
	}
	svg := buf.String()
	if !strings.HasPrefix(svg, "<?xml") || !strings.Contains(svg, "<svg") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Fatalf("%q: not an SVG document: %.200s", fig.Title, svg)
	}
	return svg
}

var svgColor = regexp.MustCompile(`(?:stroke|fill):(#[0-9A-Fa-f]{6})`)

// frameColors are the background, text and axes, and grid of every plot.
var frameColors = map[string]bool{"#FFFFFF": true, "#1E1E1E": true, "#E1E1E1": true}

// dataColors counts the colours an SVG strokes or fills with besides the
// frame's: a plot that drew its data has at least one.
func dataColors(svg string) int {
	seen := map[string]bool{}
	for _, m := range svgColor.FindAllStringSubmatch(svg, -1) {
		if c := strings.ToUpper(m[1]); !frameColors[c] {
			seen[c] = true
		}
	}
	return len(seen)
}

// svgPath matches a path of gonum's SVG: its first point and its style.
var svgPath = regexp.MustCompile(`<path d="M([-0-9.e]+),([-0-9.e]+)[^"]*" style="([^"]*)"`)

// pathsIn returns the first points of the paths stroked in c (a cross
// glyph is two paths, one per stroke), with y
// measured up from the bottom of the figure (gonum's SVG flips its y).
func pathsIn(svg string, c color.Color) [][2]float64 {
	r, g, b, _ := c.RGBA()
	want := fmt.Sprintf("STROKE:#%02X%02X%02X", r>>8, g>>8, b>>8)
	var pts [][2]float64
	for _, m := range svgPath.FindAllStringSubmatch(svg, -1) {
		if !strings.Contains(strings.ToUpper(m[3]), want) {
			continue
		}
		x, errX := strconv.ParseFloat(m[1], 64)
		y, errY := strconv.ParseFloat(m[2], 64)
		if errX == nil && errY == nil {
			pts = append(pts, [2]float64{x, y})
		}
	}
	return pts
}

// svgTextAt matches a text element of gonum's SVG: its y (negated, as
// gonum flips the y axis) and its text.
var svgTextAt = regexp.MustCompile(`<text x="([-0-9.e]+)" y="([-0-9.e]+)"[^>]*>([^<]*)</text>`)

// texts returns the SVG's texts with their baselines' y, measured up from
// the bottom of the figure.
func texts(svg string) map[string][]float64 {
	out := map[string][]float64{}
	for _, m := range svgTextAt.FindAllStringSubmatch(svg, -1) {
		if y, err := strconv.ParseFloat(m[2], 64); err == nil {
			out[m[3]] = append(out[m[3]], -y)
		}
	}
	return out
}

// textY is the baseline of the first text that reads exactly s.
func textY(svg, s string) (float64, bool) {
	ys := texts(svg)[s]
	if len(ys) == 0 {
		return 0, false
	}
	return ys[0], true
}
