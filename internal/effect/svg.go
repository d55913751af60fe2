package effect

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Plot dimensions, in SVG user units.
const (
	plotWidth  = 720
	plotHeight = 420
	marginL    = 56
	marginR    = 200
	marginT    = 40
	marginB    = 48
)

// palette colours the groups: a channel's thanked and held-out groups
// share a hue, the held-out line dashed.
var palette = map[string]string{"sms": "#1f77b4", "call": "#2ca02c", "staff": "#d62728"}

// WriteSVG plots the report as an SVG image: the cumulative repeat rate
// by days since the first order, one line per group with its 95% Wilson
// interval as a band.
func WriteSVG(w io.Writer, rep Report) error {
	var b strings.Builder
	maxRate := 0.05
	for _, g := range rep.Groups {
		for _, p := range g.Curve {
			maxRate = max(maxRate, p.CI.High)
		}
	}
	maxRate = ceilStep(maxRate)
	days := max(rep.WithinDays, 1)
	innerW, innerH := float64(plotWidth-marginL-marginR), float64(plotHeight-marginT-marginB)
	x := func(d int) float64 { return marginL + innerW*float64(d)/float64(days) }
	y := func(r float64) float64 { return marginT + innerH*(1-r/maxRate) }

	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", plotWidth, plotHeight, plotWidth, plotHeight)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", plotWidth, plotHeight)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="14">%s</text>`+"\n", marginL, esc(fmt.Sprintf("Customers who ordered again, by days since their first order (%s to %s)", rep.Since.Format("2006-01-02"), rep.Until.Format("2006-01-02"))))
	// Axes and grid.
	tick := 0.05
	if maxRate > 0.4 {
		tick = 0.1
	}
	for i := 0; float64(i)*tick <= maxRate+1e-9; i++ {
		r := float64(i) * tick
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", marginL, y(r), marginL+innerW, y(r))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s%%</text>`+"\n", marginL-6, y(r)+4, points(r))
	}
	step := max(days/6, 1)
	for d := 0; d <= days; d += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", x(d), marginT+innerH+16, d)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">days since the first order</text>`+"\n", marginL+innerW/2, plotHeight-10)
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333333"/>`+"\n", marginL, marginT+innerH, marginL+innerW, marginT+innerH)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="#333333"/>`+"\n", marginL, marginT, marginL, marginT+innerH)
	for i, g := range rep.Groups {
		colour := palette[string(g.Channel)]
		if colour == "" {
			colour = "#7f7f7f"
		}
		var band, line strings.Builder
		for _, p := range g.Curve {
			fmt.Fprintf(&band, "%.1f,%.1f ", x(p.Day), y(p.CI.High))
			fmt.Fprintf(&line, "%.1f,%.1f ", x(p.Day), y(p.Rate))
		}
		for j := len(g.Curve) - 1; j >= 0; j-- {
			fmt.Fprintf(&band, "%.1f,%.1f ", x(g.Curve[j].Day), y(g.Curve[j].CI.Low))
		}
		dash := ""
		if g.HeldOut {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<g><title>%s</title>`+"\n", esc(g.Name))
		fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="0.10" stroke="none"/>`+"\n", strings.TrimSpace(band.String()), colour)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.TrimSpace(line.String()), colour, dash)
		ly := marginT + 10 + 22*i
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", marginL+innerW+12, ly, marginL+innerW+36, ly, colour, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", marginL+innerW+42, ly+4, esc(fmt.Sprintf("%s (%d)", g.Name, g.Customers)))
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// ceilStep rounds a rate up to the next 5 points (at least 5%).
func ceilStep(r float64) float64 {
	steps := int(r/0.05 + 0.999999)
	return min(float64(max(steps, 1))*0.05, 1)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
