package dispatch

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter lets sends go at most perSecond a second (SEND_RATE), one at a
// time: golang.org/x/time/rate's token bucket with a burst of 1, so that in
// any one second no more than perSecond sends (rounded up) are let go, even
// right after an idle spell. A send waits for its reservation; a send whose
// context ends while it waits gives its turn back.
//
// Two details keep the ceiling exact. The clock is read and the turn
// reserved under one lock: rate.Limiter takes the time from its caller,
// and a goroutine that read the clock, was descheduled and reserved after
// a later reader would move the bucket's clock back and let sends bunch.
// And the bucket runs a hundredth of a percent under perSecond (slack):
// rate.Limiter truncates each wait to the nanosecond, so at exactly 50 a
// second the 51st send could go a few nanoseconds inside the first one's
// second.
type limiter struct {
	mu    sync.Mutex
	r     *rate.Limiter // nil: no limit
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// slack is how much longer than a second the limiter spreads perSecond
// sends over, as a fraction of a second: 100µs, far more than the
// nanoseconds rate.Limiter's arithmetic can lose over a second's sends.
const slack = 1e-4

// newLimiter returns a limiter of perSecond sends a second on the real
// clock; perSecond <= 0 limits nothing.
func newLimiter(perSecond float64) *limiter {
	return newLimiterOn(perSecond, time.Now, sleep)
}

func newLimiterOn(perSecond float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	l := &limiter{now: now, sleep: sleep}
	if perSecond > 0 {
		l.r = rate.NewLimiter(rate.Limit(perSecond/(1+slack)), 1)
	}
	return l
}

// wait returns when the next send may go, or ctx's error.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil || l.r == nil {
		return err
	}
	l.mu.Lock()
	now := l.now()
	res := l.r.ReserveN(now, 1) // always OK: one token, a burst of one
	l.mu.Unlock()
	if err := l.sleep(ctx, res.DelayFrom(now)); err != nil {
		res.CancelAt(l.now())
		return err
	}
	return nil
}

// sleep waits d on the real clock, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
