package localstack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestLaterKeepsToTheTasksShop: two stored shops with their own send
// windows, zones and staff phone hours, and the deployment's in New York
// (send window 10:00-17:00, staff phone 09:00-17:00, weekdays). A LATER
// from a shop's staff phone snoozes its call to the first time that
// shop's staff phone and the customer (inside the task's window) may both
// be reached; the dispatcher, run then, reminds at once (it resolves the
// task as the webhook did), and not a minute before.
func TestLaterKeepsToTheTasksShop(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	east := thankyou.Shop{Source: thankyou.SourceShopify, ID: "east.myshopify.com", Name: "East", TimeZone: "America/New_York",
		Channel: thankyou.ChannelStaff, StaffPhone: "+12125550171", StaffHours: thankyou.MustWindow("08:00-12:00 Mon-Fri"),
		Window: thankyou.MustWindow("09:00-12:00 Mon-Fri")}
	west := thankyou.Shop{Source: thankyou.SourceShopify, ID: "west.myshopify.com", Name: "West", TimeZone: "America/Los_Angeles",
		Channel: thankyou.ChannelStaff, StaffPhone: "+14155550172", StaffHours: thankyou.MustWindow("13:00-19:00 Mon-Sat"),
		Window: thankyou.MustWindow("11:00-19:00 Mon-Sat")}
	tue := func(hour int, loc *time.Location) time.Time { return time.Date(2026, 12, 1, hour, 0, 0, 0, loc) }
	wed := func(hour int, loc *time.Location) time.Time { return time.Date(2026, 12, 2, hour, 0, 0, 0, loc) }
	tests := []struct {
		name     string
		shop     thankyou.Shop
		customer string // the customer's number, in zone
		zone     *time.Location
		remindAt time.Time // the first reminder
		later    string
		want     time.Time
		answer   string
	}{
		// The deployment's staff hours end at 14:00 in Los Angeles.
		{"west, in its staff hours", west, "+14155550123", la, tue(14, la), "LATER 2h", tue(16, la).Add(time.Minute), "at 16:01"},
		{"west, past its staff hours", west, "+14155550123", la, tue(18, la), "LATER 2h", wed(13, la), "on Wed at 13:00"},
		{"west, tomorrow", west, "+14155550123", la, tue(14, la), "LATER tomorrow", wed(13, la), "on Wed at 13:00"},
		// The staff phone starts at 08:00, the customer's window at 09:00.
		{"east, tomorrow", east, "+12125550123", ny, tue(10, ny), "LATER tomorrow", wed(9, ny), "on Wed at 09:00"},
		{"east, past its staff hours", east, "+12125550123", ny, tue(11, ny), "LATER 2h", wed(9, ny), "on Wed at 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := localstack.NewClock(tt.remindAt.Add(-time.Hour))
			s := startStack(t, clock, &syncBuffer{}, "CHANNEL=staff")
			for _, sh := range []thankyou.Shop{east, west} {
				if err := s.DynamoDB.PutShop(ctx, sh, clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			const id = "shopify:multi:1002"
			_, err := s.DynamoDB.CreateTask(ctx, thankyou.Task{
				ID: id, Order: thankyou.Order{Source: tt.shop.Source, Shop: tt.shop.ID, ID: "1002", Number: "1002",
					CustomerName: "Jane Doe", FirstName: "Jane", Phone: tt.customer, CreatedAt: tt.remindAt.Add(-72 * time.Hour)},
				Channel: thankyou.ChannelStaff, Recipient: tt.shop.StaffPhone, State: thankyou.StatePending,
				DueAt: tt.remindAt, Deadline: tt.remindAt.Add(7 * 24 * time.Hour), TimeZone: tt.zone.String(),
				Window: tt.shop.Window, ShopName: tt.shop.Name, CreatedAt: tt.remindAt.Add(-72 * time.Hour),
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum := run(t, s, clock, tt.remindAt); sum.Reminded != 1 {
				t.Fatalf("dispatcher at %s: %+v, want the reminder", tt.remindAt, sum)
			}
			clock.Set(tt.remindAt.Add(time.Minute)) // the reply comes a minute after the reminder
			if answer := reply(t, s, tt.shop.StaffPhone, tt.later); !strings.Contains(answer, "remind you about order 1002 (Jane) "+tt.answer) {
				t.Errorf("%s answered %s, want %q", tt.later, answer, tt.answer)
			}
			task, err := s.DynamoDB.GetTask(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if task.State != thankyou.StateReminded || !task.DueAt.Equal(tt.want) {
				t.Fatalf("after %s: %s due %s, want reminded, due %s", tt.later, task.State, task.DueAt.In(tt.zone), tt.want)
			}
			if sum := run(t, s, clock, tt.want.Add(-time.Minute)); sum.Due != 0 {
				t.Errorf("a minute before the snooze's end: %+v, want nothing due", sum)
			}
			if sum := run(t, s, clock, tt.want.Add(5*time.Second)); sum.Reminded != 1 || sum.Deferred != 0 {
				t.Fatalf("at the snooze's end: %+v, want the reminder at once", sum)
			}
			if got := messagesTo(s, tt.shop.StaffPhone); len(got) != 2 || !strings.Contains(got[1], "#1002") {
				t.Errorf("the staff phone's messages = %q, want the reminder twice", got)
			}
		})
	}
}
