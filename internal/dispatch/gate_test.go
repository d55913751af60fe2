package dispatch_test

import (
	"context"
	"testing"
	"time"

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
					Channel: thankyou.ChannelStaff, StaffPhone: staff, StaffHours: tt.staffHours, WindowStart: "09:00", WindowEnd: "21:00", Days: "Mon-Sun",
					Delay: time.Hour, ExpireAfter: 72 * time.Hour}
				if err := f.store.PutShop(context.Background(), sh, evening); err != nil {
					t.Fatal(err)
				}
			}
			f.addTask(t, "t1", func(task *thankyou.Task) {
				task.Channel, task.Recipient = thankyou.ChannelStaff, staff
				task.Order.Phone, task.TimeZone = "+14155550123", la.String()
				task.Window, task.DueAt, task.Deadline = "09:00-21:00 Mon,Tue,Wed,Thu,Fri,Sat,Sun", evening.Add(-time.Minute), evening.Add(72*time.Hour)
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
