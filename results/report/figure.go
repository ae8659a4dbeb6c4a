// Package report draws a study's plots with gonum/plot (PNG or SVG) and
// writes them, with the summary and the tables, into one self-contained
// HTML file: the lecture's first stopping criterion is a person looking at
// the curves, so the curves come first.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// ErrNoData is returned (wrapped) by a plot function when the study holds
// nothing it could draw: no histories, no rounds, no pruned trial. The
// report leaves the plot out and says why.
var ErrNoData = errors.New("nothing to plot")

// Image formats a Figure renders to.
const (
	PNG = "png"
	SVG = "svg"
)

// dpi of PNG images: 1.5× the web's 96 so that lines stay sharp on
// high-density screens without tripling the bytes. (The report uses SVG,
// sharp at any zoom.)
const dpi = 144

// cssDPI is the web's pixels per inch: the size a figure is shown at.
const cssDPI = 96

// Default sizes. At 96 CSS pixels per inch a plot is 830 pixels wide, the
// width of the report's column, and its 9-point tick labels read at 12
// pixels, like the tables beside them.
const (
	plotWidth   = 22 * vg.Centimeter
	plotHeight  = 13.5 * vg.Centimeter
	panelHeight = 8 * vg.Centimeter
	barHeight   = 2.6 * vg.Centimeter
)

// A figure's layout for a phone. narrowWidth is 355 CSS pixels: a
// 390-pixel screen shows it whole beside the page's margins, at its
// natural size, so that its 9-point labels still read at 12 pixels
// (the wide layout, shrunk to fit, would show them at 5). Heights shrink
// by narrowScale, so that a plot still fits the screen's height.
const (
	narrowWidth = 9.4 * vg.Centimeter
	narrowScale = 0.75
)

// legendIndent is how far the legend under a plot starts from the
// figure's left edge: about where the data area starts, beside the y
// axis's labels.
const legendIndent = 1.6 * vg.Centimeter

// Figure is one image: a single plot, a grid of panels, or a plot with a
// colour scale under it. Title and Caption say what it shows and how to
// read it (which axes are logarithmic, what was subsampled).
type Figure struct {
	Title   string
	Caption string
	Width   vg.Length
	Height  vg.Length
	draw    func(c draw.Canvas)
	// narrow is the same figure laid out for a phone (see narrowWidth);
	// nil for a figure that has none.
	narrow *Figure
}

// Narrow is the figure laid out for a narrow screen: the same plot at
// narrowWidth, panels one to a row; f itself when it has no such layout.
func (f *Figure) Narrow() *Figure {
	if f == nil || f.narrow == nil {
		return f
	}
	n := *f.narrow
	n.Title, n.Caption = f.Title, f.Caption
	return &n
}

// single wraps one plot. Its legend, if it has one, goes in a strip under
// the plot rather than over the data area, where it would hide the very
// points a reader looks for (the diverged trials' crosses in the band
// along the top edge of the learning-rate plot).
func single(p *plot.Plot, w, h vg.Length) *Figure {
	f := &Figure{Width: w, Height: h, draw: p.Draw}
	f.narrow = &Figure{Width: narrowWidth, Height: h * narrowScale, draw: p.Draw}
	legend := p.Legend
	legend.Padding = vg.Points(1.5)
	strip := legendHeight(&legend)
	if strip == 0 {
		return f
	}
	p.Legend = plot.NewLegend() // an empty legend draws nothing
	legend.Top, legend.Left = true, true
	legend.XOffs, legend.YOffs = 0, -vg.Millimeter
	drawBoth := func(c draw.Canvas) {
		c.SetColor(plotBackground)
		c.Fill(c.Rectangle.Path())
		p.Draw(draw.Crop(c, 0, 0, strip, 0))
		legend.Draw(draw.Crop(c, legendIndent, 0, 0, -(c.Max.Y - c.Min.Y - strip)))
	}
	f.Height += strip
	f.draw = drawBoth
	f.narrow.Height += strip
	f.narrow.draw = drawBoth
	return f
}

// legendHeight is the height of the strip l needs under a plot: its
// entries and a margin; 0 when it has no entries.
func legendHeight(l *plot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{})
	h := r.Max.Y - r.Min.Y
	if h <= 0 {
		return 0
	}
	return h + 3*vg.Millimeter
}

// grid lays panels out row by row, cols to a row, with their data areas
// aligned. Missing cells of the last row are left blank.
func grid(panels []*plot.Plot, cols int, w, rowHeight vg.Length) *Figure {
	cols = max(1, min(cols, len(panels)))
	rows := (len(panels) + cols - 1) / cols
	cells := make([][]*plot.Plot, rows)
	for r := range cells {
		cells[r] = make([]*plot.Plot, cols)
		for c := range cells[r] {
			if i := r*cols + c; i < len(panels) {
				cells[r][c] = panels[i]
			}
		}
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
	var narrow *Figure
	if w > narrowWidth {
		narrow = grid(panels, 1, narrowWidth, rowHeight*narrowScale)
	}
	return &Figure{Width: w, Height: rowHeight * vg.Length(rows), narrow: narrow, draw: func(c draw.Canvas) {
		c.SetColor(plotBackground)
		c.Fill(c.Rectangle.Path())
		canvases := plot.Align(cells, tiles, c)
		for r, row := range cells {
			for col, p := range row {
				if p != nil {
					p.Draw(canvases[r][col])
				}
			}
		}
	}}
}

// stacked draws main above a short strip (a colour scale), the strip
// indented so that it reads as a key rather than a second plot.
func stacked(main, strip *plot.Plot, w, h, stripHeight vg.Length) *Figure {
	drawBoth := func(c draw.Canvas) {
		height := c.Max.Y - c.Min.Y
		main.Draw(draw.Crop(c, 0, 0, stripHeight, 0))
		strip.Draw(draw.Crop(c, vg.Centimeter*2, -vg.Centimeter*2, 0, -(height - stripHeight)))
	}
	return &Figure{Width: w, Height: h, draw: drawBoth,
		narrow: &Figure{Width: narrowWidth, Height: (h-stripHeight)*narrowScale + stripHeight, draw: drawBoth}}
}

// Render draws the figure as PNG or SVG. A drawing library panic (gonum
// panics on some degenerate axes) comes back as an error: one bad plot must
// not take the report, or the sweep that writes it, down with it.
func (f *Figure) Render(w io.Writer, format string) (err error) {
	if f == nil || f.draw == nil {
		return fmt.Errorf("render: %w", ErrNoData)
	}
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("render %q: size %v × %v", f.Title, f.Width, f.Height)
	}
	c, err := newCanvas(f.Width, f.Height, format)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{plot: fmt.Sprintf("draw %q", f.Title), value: r}
		}
	}()
	f.draw(draw.New(c))
	if strings.EqualFold(format, SVG) {
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("draw svg of %q: %w", f.Title, err)
		}
		if _, err := w.Write(portableSVG(buf.Bytes())); err != nil {
			return fmt.Errorf("write svg of %q: %w", f.Title, err)
		}
		return nil
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("write %s of %q: %w", format, f.Title, err)
	}
	return nil
}

// svgText matches a text element of gonum's SVG in the plots' face.
var svgText = regexp.MustCompile(`<text ([^>]*?)style="font-family:Liberation Sans;([^"]*?)font-size:([0-9.]+)px">([^<]*)</text>`)

// portableSVG makes the SVG's text look as laid out on any machine. gonum
// places every label by the Liberation Sans metrics it compiles in, but
// names the face with no fallback, and few browsers have it: they would
// draw a default serif, or a wider sans that runs labels into legend
// lines and off the edge. So each text gets a fallback list (Arial and
// Helvetica share Liberation Sans's metrics) and its laid-out width as
// textLength, which the browser fits whatever face it finds.
func portableSVG(svg []byte) []byte {
	return svgText.ReplaceAllFunc(svg, func(m []byte) []byte {
		sub := svgText.FindSubmatch(m)
		size, err := strconv.ParseFloat(string(sub[3]), 64)
		if err != nil {
			return m
		}
		face := font.DefaultCache.Lookup(sans, vg.Length(size))
		width := face.Width(html.UnescapeString(string(sub[4])))
		return fmt.Appendf(nil, `<text %stextLength="%.2f" lengthAdjust="spacingAndGlyphs" style="font-family:'Liberation Sans',Arial,Helvetica,sans-serif;%sfont-size:%spx">%s</text>`,
			sub[1], float64(width), sub[2], sub[3], sub[4])
	})
}

// Pixels is the size of the figure's PNG in pixels.
func (f *Figure) Pixels() (w, h int) {
	return pixels(f.Width, dpi), pixels(f.Height, dpi)
}

func pixels(l vg.Length, perInch float64) int { return int(float64(l/vg.Inch)*perInch + 0.5) }

func newCanvas(w, h vg.Length, format string) (vg.CanvasWriterTo, error) {
	switch strings.ToLower(format) {
	case PNG:
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}, nil
	case SVG:
		return vgsvg.New(w, h), nil
	}
	return nil, fmt.Errorf("image format %q: unknown (allowed: png, svg)", format)
}
