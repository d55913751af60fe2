package orderhook_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestScheduleProperties: whatever the trigger's time, the delay and the
// time the event arrives, a started thank-you is due no earlier than the
// trigger plus the delay and not in the past, inside the polite window of
// every zone of the customer (polite.Hours), within a week of that (the window opens at
// least weekly), with its deadline EXPIRE_AFTER later.
func TestScheduleProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	zoneSets := [][]string{{"America/New_York"}, {"Asia/Tokyo"}, {"Europe/Berlin"}, {"America/Chicago", "America/Denver"}}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		delay := time.Duration(rng.IntN(10*24)) * time.Hour
		expire := time.Duration(1+rng.IntN(7*24)) * time.Hour
		sh := shops.Shop{Shop: thankyou.Shop{Delay: delay, ExpireAfter: expire, Window: w}}
		zones := polite.Zones(zoneSets[rng.IntN(len(zoneSets))], time.UTC)
		trigger := base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		now := trigger.Add(time.Duration(rng.Int64N(int64(15*24*time.Hour))) - 5*24*time.Hour)
		due, deadline, ok := orderhook.Schedule(sh, polite.Recipient{Zones: zones}, trigger, now)
		if !ok {
			t.Fatalf("#%d: no polite time in %v", i, polite.ZoneNames(zones))
		}
		earliest := trigger.Add(delay)
		if now.After(earliest) {
			earliest = now
		}
		earliest = earliest.Truncate(time.Second)
		switch {
		case due.Before(earliest):
			t.Fatalf("#%d: due %v before max(trigger %v + delay %v, now %v)", i, due, trigger, delay, now)
		case !polite.Contains(w, due, zones):
			t.Fatalf("#%d: due %v outside the window in %v", i, due, polite.ZoneNames(zones))
		case due.Sub(earliest) > 7*24*time.Hour:
			t.Fatalf("#%d: due %v more than a week after %v", i, due, earliest)
		case !deadline.Equal(due.Add(expire)):
			t.Fatalf("#%d: deadline %v, want due + %v", i, deadline, expire)
		}
	}
}
