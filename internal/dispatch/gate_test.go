package dispatch_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestShopStaffPhoneHasItsOwnHours: a customer in Los Angeles may be
// called at 18:30 their time, but the shop's staff phone in New York is not
// reminded at 21:30 there: the reminder waits for the staff hours, the
// deployment's (09:00-17:00 Mon-Fri) or the shop's own.
func TestShopStaffPhoneHasItsOwnHours(t *testing.T) {
	la := mustZone("America/Los_Angeles")
	evening := time.Date(2026, 12, 1, 21, 30, 0, 0, newYork) // Tuesday
	tests := []struct {
		name       string
		staffHours string // the stored shop's; "" for the deployment's
		want       time.Time
	}{
		{"deployment's hours", "", time.Date(2026, 12, 2, 9, 0, 0, 0, newYork)},
		{"shop's own hours", "11:00-15:00 Wed-Fri", time.Date(2026, 12, 2, 11, 0, 0, 0, newYork)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.clock.Set(evening)
			if tt.staffHours != "" {
				sh := thankyou.Shop{Source: thankyou.SourceShopify, ID: "demo.myshopify.com", Name: "Demo", TimeZone: "America/New_York",
					Channel: thankyou.ChannelStaff, StaffPhone: staff, StaffHours: thankyou.MustWindow(tt.staffHours), Window: thankyou.MustWindow("09:00-21:00 Mon-Sun"),
					Delay: time.Hour, ExpireAfter: 72 * time.Hour}
				if err := f.store.PutShop(context.Background(), sh, evening); err != nil {
					t.Fatal(err)
				}
			}
			f.addTask(t, "t1", func(task *thankyou.Task) {
				task.Channel, task.Recipient = thankyou.ChannelStaff, staff
				task.Order.Phone, task.TimeZone = "+14155550123", la.String()
				task.Window, task.DueAt, task.Deadline = thankyou.MustWindow("09:00-21:00 Mon,Tue,Wed,Thu,Fri,Sat,Sun"), evening.Add(-time.Minute), evening.Add(72*time.Hour)
			})
			h := f.handler(t)
			h.Calls = f.store
			if s := run(t, h); s.Reminded != 0 || s.Deferred != 1 {
				t.Fatalf("run at 21:30 New York: %+v, want the reminder deferred", s)
			}
			if n := len(f.twilio.Messages()); n != 0 {
				t.Fatalf("%d messages at 21:30 New York, want none", n)
			}
			if got := f.task(t, "t1"); !got.DueAt.Equal(tt.want) || got.State != thankyou.StatePending || got.Attempts != 0 {
				t.Errorf("task due %v (%s, %d attempts), want due %v, pending, no attempt used", got.DueAt.In(newYork), got.State, got.Attempts, tt.want)
			}
			// 12:01 in New York is 09:01 for the customer: both may be reached.
			f.clock.Set(time.Date(2026, 12, 2, 12, 1, 0, 0, newYork))
			if s := run(t, h); s.Reminded != 1 {
				t.Fatalf("run inside the staff hours: %+v, want the reminder", s)
			}
		})
	}
}

// TestFrequencyCapIsCheckedAgainAtSend: two pending thank-yous of one
// customer at one shop under a 30-day cap (say, both created before the
// cap was set) are sent by racing dispatchers: exactly one goes out, the
// other is skipped by the cap; the number's own cap is not what stops it.
func TestFrequencyCapIsCheckedAgainAtSend(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		f.addTask(t, id, func(task *thankyou.Task) { task.CapDays = 30 })
	}
	var wg sync.WaitGroup
	sums := make([]dispatch.Summary, 3)
	for i := range sums {
		h := f.handler(t)
		h.Caps, h.NumberCap = f.store, contact.Cap{Max: 10, Per: time.Hour}
		wg.Go(func() { sums[i] = run(t, h) })
	}
	wg.Wait()
	if n := len(f.twilio.Messages()); n != 1 {
		t.Fatalf("%d thank-yous sent, want exactly 1 (summaries %+v)", n, sums)
	}
	skipped := 0
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		if got := f.task(t, id); got.State == thankyou.StateSkipped && strings.Contains(got.Reason, "frequency cap") {
			skipped++
		}
	}
	if skipped != 3 {
		t.Errorf("%d tasks skipped by the frequency cap, want 3", skipped)
	}
}

// TestOneThankYouPerNumberPerDayAcrossShops: two shops' thank-yous to
// one number on one day: the second waits a day.
func TestOneThankYouPerNumberPerDayAcrossShops(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "a1")
	f.addTask(t, "b1", func(task *thankyou.Task) { task.Order.Shop = "other.myshopify.com" })
	h := f.handler(t)
	h.Caps = f.store
	if s := run(t, h); s.Sent != 1 || s.Deferred != 1 {
		t.Fatalf("run: %+v, want one sent and one deferred", s)
	}
	for _, id := range []string{"a1", "b1"} {
		if got := f.task(t, id); got.State == thankyou.StatePending && !got.DueAt.After(f.clock.Now().Add(23*time.Hour)) {
			t.Errorf("task %s due %v, want at least a day later", id, got.DueAt)
		}
	}
}
