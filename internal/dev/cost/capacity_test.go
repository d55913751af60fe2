package cost_test

import (
	"math"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
)

func TestOneDispatcherSendsAtMostItsRateForAsLongAsARunMayLast(t *testing.T) {
	// The template's defaults: SEND_RATE 10, timeout 120 s (a run stops
	// 10 s before), every 5 minutes, 10:00-17:00 Monday to Friday.
	base := cost.Capacity{Rate: 10, Measured: 17, Timeout: 120 * time.Second, Margin: 10 * time.Second, Every: 5 * time.Minute, WindowHours: 7, SendDays: 5}
	for _, tc := range []struct {
		name                    string
		c                       cost.Capacity
		perSecond, perRun, runs float64
		peakDayOf1M, rateFor1M  float64
	}{
		{"the rate limit binds", base, 10, 10 * 110, 84, 1e6 / 30 * 3, 1e6 / 30 * 3 / (84 * 110)},
		{"the measured rate binds", with(base, func(c *cost.Capacity) { c.Measured = 4 }), 4, 4 * 110, 84, 1e6 / 30 * 3, 1e6 / 30 * 3 / (84 * 110)},
		{"no rate limit", with(base, func(c *cost.Capacity) { c.Rate = 0 }), 17, 17 * 110, 84, 1e6 / 30 * 3, 1e6 / 30 * 3 / (84 * 110)},
		{"a run cannot outlast its period", with(base, func(c *cost.Capacity) { c.Timeout = 15 * time.Minute }), 10, 10 * 300, 84, 1e6 / 30 * 3, 1e6 / 30 * 3 / (84 * 300)},
		{"every day a send day", with(base, func(c *cost.Capacity) { c.SendDays = 7 }), 10, 1100, 84, 1e6 / 30, 1e6 / 30 / (84 * 110)},
		{"a run every minute", with(base, func(c *cost.Capacity) { c.Every = time.Minute }), 10, 10 * 60, 7 * 60, 1e6 / 30 * 3, 1e6 / 30 * 3 / (7 * 60 * 60)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			for _, f := range []struct {
				what      string
				got, want float64
			}{
				{"sends per second", c.SendsPerSecond(), tc.perSecond},
				{"per run", c.PerRun(), tc.perRun},
				{"runs per day", c.RunsPerDay(), tc.runs},
				{"per day", c.PerDay(), tc.runs * tc.perRun},
				{"peak day of 1M orders a month", c.PeakDay(1e6), tc.peakDayOf1M},
				{"rate for 1M orders a month", c.RateFor(1e6), tc.rateFor1M},
			} {
				if math.Abs(f.got-f.want) > 1e-9*math.Max(1, f.want) {
					t.Errorf("%s = %v, want %v", f.what, f.got, f.want)
				}
			}
		})
	}
}

func TestABusyMondayIsCaughtUpOnTheFollowingDays(t *testing.T) {
	// 92,400 sends a day (10/s for 110 s, 84 runs).
	c := cost.Capacity{Rate: 10, Measured: 17, Timeout: 120 * time.Second, Margin: 10 * time.Second, Every: 5 * time.Minute, WindowHours: 7, SendDays: 5}
	for _, tc := range []struct {
		orders, want float64
	}{
		{10_000, 0},              // Monday: 1,000 due, all sent
		{924_000, 0},             // Monday: 92,400 due, exactly a day's capacity
		{1_000_000, 1},           // Monday: 100,000 due, 7,600 left; a weekday has 59,067 to spare
		{2_500_000, 18},          // 250,000 due, 157,600 left, 9,067 to spare a day
		{3_000_000, math.Inf(1)}, // 100,000 every day is more than a day's capacity
	} {
		if got := c.CatchUpDays(tc.orders); got != tc.want {
			t.Errorf("CatchUpDays(%v) = %v, want %v", tc.orders, got, tc.want)
		}
	}
}

func TestNoWindowMeansNoCapacity(t *testing.T) {
	c := cost.Capacity{Rate: 10, Measured: 10, Timeout: time.Minute, Every: 5 * time.Minute}
	if c.PerDay() != 0 || !math.IsInf(c.RateFor(100), 1) {
		t.Errorf("PerDay = %v, RateFor = %v; want 0 and +Inf", c.PerDay(), c.RateFor(100))
	}
}

func with(c cost.Capacity, f func(*cost.Capacity)) cost.Capacity {
	f(&c)
	return c
}
