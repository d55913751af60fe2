package cost

import (
	"math"
	"time"
)

// Capacity is what one dispatcher can send: each scheduled run sends until
// nothing is due or its deadline is near, at most Rate a second.
type Capacity struct {
	// Rate is SEND_RATE, sends per second (0: no limit).
	Rate float64
	// Measured is the sends per second a run reaches without a rate limit
	// (the benchmark's figure).
	Measured float64
	// Timeout is the function's timeout; a run stops Margin before it.
	Timeout, Margin time.Duration
	// Every is the schedule's period.
	Every time.Duration
	// WindowHours is the length of the send window of one day, and
	// SendDays the days a week it opens.
	WindowHours float64
	SendDays    int
}

// SendsPerSecond returns the rate a run sends at: the measured one, bounded
// by Rate.
func (c Capacity) SendsPerSecond() float64 {
	if c.Rate > 0 {
		return math.Min(c.Rate, c.Measured)
	}
	return c.Measured
}

// runSeconds is how long a run may send: until Margin before its timeout,
// and no longer than the period (the next run takes over).
func (c Capacity) runSeconds() float64 {
	return math.Max(0, math.Min((c.Timeout-c.Margin).Seconds(), c.Every.Seconds()))
}

// PerRun returns the most one run sends.
func (c Capacity) PerRun() float64 { return c.SendsPerSecond() * c.runSeconds() }

// RunsPerDay returns the runs inside one day's send window.
func (c Capacity) RunsPerDay() float64 {
	if c.Every <= 0 {
		return 0
	}
	return math.Floor(c.WindowHours * float64(time.Hour) / float64(c.Every))
}

// PerDay returns the most one dispatcher sends in a day's window (in one
// time zone; customers in several zones widen it).
func (c Capacity) PerDay() float64 { return c.RunsPerDay() * c.PerRun() }

// PeakDay returns the sends due on the busiest send day for orders a month:
// the first send day after the days without sending carries their orders
// too (Monday after a weekend: three days of orders).
func (c Capacity) PeakDay(ordersPerMonth float64) float64 {
	closed := max(0, 7-c.SendDays)
	return ordersPerMonth / DaysPerMonth * float64(closed+1)
}

// RateFor returns the SEND_RATE that sends the busiest day of ordersPerMonth
// within the window.
func (c Capacity) RateFor(ordersPerMonth float64) float64 {
	s := c.RunsPerDay() * c.runSeconds()
	if s == 0 {
		return math.Inf(1)
	}
	return c.PeakDay(ordersPerMonth) / s
}

// CatchUpDays returns how many more send days the dispatcher needs to clear
// what the busiest day left over, with each day's own sends on top: 0 when
// the busiest day is sent in full, +Inf when an ordinary day already needs
// more than a day's capacity.
func (c Capacity) CatchUpDays(ordersPerMonth float64) float64 {
	left := c.PeakDay(ordersPerMonth) - c.PerDay()
	if left <= 0 {
		return 0
	}
	spare := c.PerDay() - ordersPerMonth/DaysPerMonth
	if spare <= 0 {
		return math.Inf(1)
	}
	return math.Ceil(left / spare)
}
