package dispatch

import (
	"context"
	"math"
	"time"
)

// limiter lets sends go at most perSecond a second (SEND_RATE), one at a
// time: each send goes at least 1/perSecond after the one before it, as
// the clock reads when that one was let go, so that in any one second no
// more than perSecond sends (rounded up) are let go, even right after an
// idle spell. A send waits for its turn; a send whose context ends while
// it waits takes no turn.
//
// The turns are taken one after another, each measured from the moment
// the one before was actually let go, not from a schedule reserved in
// advance: a send whose wait ends late (a busy machine, a descheduled
// goroutine) moves the next turns later, and the sends behind it cannot
// catch up in a burst. And each interval is a hundredth of a percent
// longer than 1/perSecond (slack) and rounded up to the nanosecond, so at
// exactly 50 a second the 51st send cannot go inside the first one's
// second.
type limiter struct {
	turn     chan struct{} // held by the send whose turn is next, through its wait
	interval time.Duration // zero: no limit
	last     time.Time     // when the last send was let go (under turn)
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
}

// slack is how much longer than a second the limiter spreads perSecond
// sends over, as a fraction of a second: 100µs.
const slack = 1e-4

// newLimiter returns a limiter of perSecond sends a second on the real
// clock; perSecond <= 0 limits nothing.
func newLimiter(perSecond float64) *limiter {
	return newLimiterOn(perSecond, time.Now, sleep)
}

func newLimiterOn(perSecond float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	l := &limiter{turn: make(chan struct{}, 1), now: now, sleep: sleep}
	if perSecond > 0 {
		l.interval = time.Duration(math.Ceil(float64(time.Second) * (1 + slack) / perSecond))
	}
	return l
}

// wait returns when the next send may go, or ctx's error.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil || l.interval == 0 {
		return err
	}
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.turn }()
	for {
		now := l.now()
		if l.last.IsZero() || now.Sub(l.last) >= l.interval {
			l.last = now
			return nil
		}
		if err := l.sleep(ctx, l.last.Add(l.interval).Sub(now)); err != nil {
			return err
		}
	}
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
