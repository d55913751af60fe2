package dashboard

import (
	"fmt"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/operator"
)

// The charts are drawn on the server as inline SVG: one viewBox, scaled
// by the page's CSS to the screen's width.
const (
	chartW, chartH = 600, 200
	chartLeft      = 30 // room for the y axis's labels
	chartBottom    = 20 // room for the x axis's labels
)

// outcome is one series of the outcome chart.
type outcome struct {
	Name, Class string
	n           func(operator.Summary) int
}

var outcomes = []outcome{
	{"thanked", "thanked", func(s operator.Summary) int { return s.Thanked }},
	{"failed", "failed", func(s operator.Summary) int { return s.Failed }},
	{"skipped", "skipped", func(s operator.Summary) int { return s.Skipped }},
	{"expired", "expired", func(s operator.Summary) int { return s.Expired }},
	{"cancelled", "cancelled", func(s operator.Summary) int { return s.Cancelled }},
	{"opted out", "optedout", func(s operator.Summary) int { return s.OptedOut }},
}

type chart struct {
	W, H, Left, Base int
	Bars             []bar
	Ticks            []tick
	Legend           []legendItem
	Total            int
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type tick struct {
	X, Y  float64
	Label string
}

type legendItem struct {
	Name, Class string
	N           int
}

// outcomeChart stacks each day's outcomes (days[i] is first+i days).
func outcomeChart(first time.Time, days []operator.Summary) chart {
	c := chart{W: chartW, H: chartH, Left: chartLeft, Base: chartH - chartBottom}
	most := 1
	for _, d := range days {
		sum := 0
		for _, o := range outcomes {
			sum += o.n(d)
		}
		most = max(most, sum)
	}
	plotH := float64(c.Base - 5)
	step := float64(chartW-chartLeft) / float64(max(1, len(days)))
	for i, d := range days {
		x := float64(chartLeft) + float64(i)*step
		y := float64(c.Base)
		day := first.AddDate(0, 0, i)
		for _, o := range outcomes {
			n := o.n(d)
			if n == 0 {
				continue
			}
			h := float64(n) / float64(most) * plotH
			y -= h
			c.Bars = append(c.Bars, bar{X: x + 1, Y: y, W: step - 2, H: h, Class: o.Class, Title: fmt.Sprintf("%s: %d %s", day.Format("Mon 2 Jan"), n, o.Name)})
		}
		if i%7 == 0 || i == len(days)-1 && i%7 >= 3 {
			c.Ticks = append(c.Ticks, tick{X: x + step/2, Y: float64(chartH - 5), Label: day.Format("2 Jan")})
		}
	}
	for _, o := range outcomes {
		n := 0
		for _, d := range days {
			n += o.n(d)
		}
		c.Total += n
		c.Legend = append(c.Legend, legendItem{o.Name, o.Class, n})
	}
	c.Ticks = append(c.Ticks, tick{X: float64(chartLeft - 4), Y: 12, Label: fmt.Sprint(most)}, tick{X: float64(chartLeft - 4), Y: float64(c.Base), Label: "0"})
	return c
}

// lineChart is the effect report's two rates over time.
type lineChart struct {
	W, H, Left, Base int
	Thanked, Control string // polyline points
	Ticks            []tick
}

func effectChart(points []EffectPoint) lineChart {
	c := lineChart{W: chartW, H: chartH, Left: chartLeft, Base: chartH - chartBottom}
	most := 0.01
	for _, p := range points {
		most = max(most, p.Thanked, p.Control)
	}
	plotH := float64(c.Base - 5)
	step := float64(chartW-chartLeft) / float64(max(1, len(points)))
	for i, p := range points {
		x := float64(chartLeft) + (float64(i)+0.5)*step
		c.Thanked += fmt.Sprintf("%.1f,%.1f ", x, float64(c.Base)-p.Thanked/most*plotH)
		c.Control += fmt.Sprintf("%.1f,%.1f ", x, float64(c.Base)-p.Control/most*plotH)
		c.Ticks = append(c.Ticks, tick{X: x, Y: float64(chartH - 5), Label: p.Label})
	}
	c.Ticks = append(c.Ticks, tick{X: float64(chartLeft - 4), Y: 12, Label: fmt.Sprintf("%.0f%%", most*100)}, tick{X: float64(chartLeft - 4), Y: float64(c.Base), Label: "0%"})
	return c
}
