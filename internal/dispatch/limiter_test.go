package dispatch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// sendTimes runs goroutines senders, each waiting for the limiter n times
// and pausing between sends as pause says (idle spells refill the bucket),
// in a synctest bubble: the clock is simulated, so the times recorded are
// exactly when the limiter let each send go, however busy the machine.
func sendTimes(t *testing.T, perSecond float64, senders, n int, pause func(sender, i int) time.Duration) (start time.Time, at []time.Time) {
	t.Helper()
	return sendTimesOn(t, func() *limiter { return newLimiter(perSecond) }, senders, n, pause)
}

// sendTimesOn is sendTimes with the limiter newLimiter returns.
func sendTimesOn(t *testing.T, newLimiter func() *limiter, senders, n int, pause func(sender, i int) time.Duration) (start time.Time, at []time.Time) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		start = time.Now()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for s := range senders {
			wg.Go(func() {
				for i := range n {
					time.Sleep(pause(s, i))
					if err := l.wait(context.Background()); err != nil {
						t.Errorf("wait: %v", err)
						return
					}
					mu.Lock()
					at = append(at, time.Now())
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	})
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return start, at
}

// mostInAnySecond returns the most sends in any half-open one-second
// window [t, t+1s) (it is enough to start windows at sends).
func mostInAnySecond(at []time.Time) int {
	most, j := 0, 0
	for i := range at {
		for j < len(at) && at[j].Sub(at[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// TestNoSecondHasMoreSendsThanSendRate: with many concurrent senders,
// bursts after idle spells and rates that do not divide a second evenly,
// no one-second window holds more than SEND_RATE sends (rounded up), and
// saturated senders get the whole rate (the limiter is not just slow).
func TestNoSecondHasMoreSendsThanSendRate(t *testing.T) {
	pauses := map[string]func(sender, i int) time.Duration{
		"back to back": func(int, int) time.Duration { return 0 },
		// Every sender idles now and then, long enough to refill a
		// bucket, and otherwise jitters by a few milliseconds.
		"idle spells": func(s, i int) time.Duration {
			if (s+i)%17 == 0 {
				return 1500 * time.Millisecond
			}
			return time.Duration((s*31+i*7)%23) * time.Millisecond
		},
	}
	for _, perSecond := range []float64{50, 3, 7, 10.5, 1, 0.5, 100, 400} {
		for name, pause := range pauses {
			t.Run(fmt.Sprintf("%v per second, %s", perSecond, name), func(t *testing.T) {
				const senders, n = 32, 12
				start, at := sendTimes(t, perSecond, senders, n, pause)
				if len(at) != senders*n {
					t.Fatalf("%d sends went, want %d", len(at), senders*n)
				}
				limit := int(math.Ceil(perSecond))
				if most := mostInAnySecond(at); most > limit {
					t.Errorf("%d sends in one second at SEND_RATE %v", most, perSecond)
				}
				if name != "back to back" {
					return
				}
				// Saturated: the first goes at once, then one every 1/rate.
				want := time.Duration(float64(senders*n-1) / perSecond * float64(time.Second))
				if took := at[len(at)-1].Sub(start); took < want || took > want+want/1000 {
					t.Errorf("%d sends took %s, want %s", len(at), took, want)
				}
			})
		}
	}
}

// TestALateWakeDoesNotBunchTheSendsBehindIt: when a send's wait ends
// late (a busy machine: here every seventh sleep oversleeps by 80 ms), the
// sends behind it do not catch up in a burst. Every send goes at least
// 1/SEND_RATE after the one before it, so no second holds more than
// SEND_RATE; a limiter that reserves its turns on a schedule would let the
// overdue ones go at once.
func TestALateWakeDoesNotBunchTheSendsBehindIt(t *testing.T) {
	for _, perSecond := range []float64{50, 10, 7} {
		t.Run(fmt.Sprintf("%v per second", perSecond), func(t *testing.T) {
			var sleeps int
			late := func(ctx context.Context, d time.Duration) error {
				if sleeps++; sleeps%7 == 0 { // under the limiter's turn
					d += 80 * time.Millisecond
				}
				return sleep(ctx, d)
			}
			const senders, n = 32, 6
			_, at := sendTimesOn(t, func() *limiter { return newLimiterOn(perSecond, time.Now, late) }, senders, n,
				func(int, int) time.Duration { return 0 })
			if len(at) != senders*n {
				t.Fatalf("%d sends went, want %d", len(at), senders*n)
			}
			if sleeps < senders*n/7 {
				t.Fatalf("%d sleeps: the late wakes were not exercised", sleeps)
			}
			interval := time.Duration(float64(time.Second) / perSecond)
			for i := 1; i < len(at); i++ {
				if gap := at[i].Sub(at[i-1]); gap < interval {
					t.Fatalf("send %d went %s after the one before, less than %s", i, gap, interval)
				}
			}
			if most, limit := mostInAnySecond(at), int(math.Ceil(perSecond)); most > limit {
				t.Errorf("%d sends in one second at SEND_RATE %v", most, perSecond)
			}
		})
	}
}

// TestACancelledWaitGivesItsTurnBack: a send whose context ends while it
// waits returns the context's error at once, and the next send does not
// wait for the cancelled one's turn.
func TestACancelledWaitGivesItsTurnBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1)
		start := time.Now()
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := l.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled wait = %v, want the deadline", err)
		}
		if took := time.Since(start); took != 100*time.Millisecond {
			t.Errorf("the cancelled wait returned after %s, want 100ms", took)
		}
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if took, want := time.Since(start), time.Duration((1+slack)*float64(time.Second)); took < want-time.Microsecond || took > want+time.Microsecond {
			t.Errorf("the next send went after %s, want %s (the cancelled turn given back)", took, want)
		}
	})
}

func TestNoRateLimitsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(0)
		start := time.Now()
		for range 1000 {
			if err := l.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if time.Since(start) != 0 {
			t.Errorf("1000 unlimited sends took %s", time.Since(start))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.wait(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("wait with a cancelled context = %v", err)
		}
	})
}
