package effect

import (
	"math"
	"math/rand/v2"
	"slices"
)

// z95 is the standard normal quantile of 0.975 (a 95% two-sided interval);
// z80 the quantile of 0.80 (80% power).
const (
	z95 = 1.959963984540054
	z80 = 0.8416212335729143
)

// Interval is a confidence interval [Low, High].
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Contains reports whether x lies in the interval.
func (i Interval) Contains(x float64) bool { return i.Low <= x && x <= i.High }

// Wilson is the 95% Wilson score interval of a proportion of k successes
// in n trials; n = 0 gives [0, 1].
func Wilson(k, n int) Interval {
	if n <= 0 {
		return Interval{0, 1}
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), z95*z95
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z95 / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{math.Max(0, centre-half), math.Min(1, centre+half)}
}

// Newcombe is the 95% hybrid score interval (Newcombe 1998, method 10) of
// the difference p1 - p2 of two independent proportions, k1 of n1 and k2
// of n2, built from the two Wilson intervals.
func Newcombe(k1, n1, k2, n2 int) Interval {
	if n1 <= 0 || n2 <= 0 {
		return Interval{-1, 1}
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	w1, w2 := Wilson(k1, n1), Wilson(k2, n2)
	d := p1 - p2
	low := d - math.Sqrt((p1-w1.Low)*(p1-w1.Low)+(w2.High-p2)*(w2.High-p2))
	high := d + math.Sqrt((w1.High-p1)*(w1.High-p1)+(p2-w2.Low)*(p2-w2.Low))
	return Interval{low, high}
}

// BootstrapSeed is the fixed seed of every bootstrap: the same links give
// the same report.
const BootstrapSeed = 20261202

// BootstrapDiff is the 95% percentile bootstrap interval of mean(a) -
// mean(b) from rounds resamples of each group with replacement, under a
// fixed seed.
func BootstrapDiff(a, b []float64, rounds int) Interval {
	if len(a) == 0 || len(b) == 0 {
		return Interval{math.Inf(-1), math.Inf(1)}
	}
	rng := rand.New(rand.NewPCG(BootstrapSeed, uint64(len(a))<<32|uint64(len(b))))
	diffs := make([]float64, max(rounds, 1))
	for r := range diffs {
		diffs[r] = resampleMean(rng, a) - resampleMean(rng, b)
	}
	slices.Sort(diffs)
	return Interval{quantile(diffs, 0.025), quantile(diffs, 0.975)}
}

func resampleMean(rng *rand.Rand, xs []float64) float64 {
	var sum float64
	for range xs {
		sum += xs[rng.IntN(len(xs))]
	}
	return sum / float64(len(xs))
}

// quantile reads the q-quantile of sorted xs by linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// SampleSize is the number of customers per group a two-sided 5% test of
// two proportions needs to detect a difference of delta from a baseline
// rate p with 80% power (the standard normal-approximation formula).
func SampleSize(p, delta float64) int {
	p1, p2 := p, p+delta
	if p2 > 1 {
		p1, p2 = p-delta, p
	}
	if delta <= 0 || p1 < 0 {
		return 0
	}
	pbar := (p1 + p2) / 2
	num := z95*math.Sqrt(2*pbar*(1-pbar)) + z80*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	return int(math.Ceil(num * num / (delta * delta)))
}
