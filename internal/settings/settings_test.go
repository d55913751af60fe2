package settings_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func window(t *testing.T, s string) thankyou.Window {
	t.Helper()
	w, err := thankyou.ParseWindowText(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestOfFallsBackToTheDeployment(t *testing.T) {
	ny, la := zone(t, "America/New_York"), zone(t, "America/Los_Angeles")
	dep := settings.Deployment{Window: window(t, "10:00-17:00 Mon-Fri"), Zone: ny, ShopName: "Demo",
		Closed: []polite.Date{{Year: 2026, Month: 12, Day: 24}}}
	shop := &thankyou.Shop{Source: thankyou.SourceShopify, ID: "west", TimeZone: la.String(), StaffHours: thankyou.MustWindow("13:00-19:00 Mon-Sat")}
	tests := []struct {
		name       string
		task       thankyou.Task
		shop       *thankyou.Shop
		window     string
		zones      []*time.Location
		closed     int
		staffHours thankyou.Window
		staffZone  *time.Location
		shopName   string
		unreadable bool
	}{
		{"nothing of its own", thankyou.Task{}, nil, "10:00-17:00 Mon-Fri", []*time.Location{ny}, 1, contact.DefaultStaffWindow, ny, "Demo", false},
		{"the task's own", thankyou.Task{Window: thankyou.MustWindow("09:00-12:00 Mon-Sat"), TimeZone: la.String() + "," + ny.String(), Closed: "2026-12-31", ShopName: "West"},
			nil, "09:00-12:00 Mon-Sat", []*time.Location{la, ny}, 2, contact.DefaultStaffWindow, ny, "West", false},
		{"the stored shop's staff phone", thankyou.Task{}, shop, "10:00-17:00 Mon-Fri", []*time.Location{ny}, 1, window(t, "13:00-19:00 Mon-Sat"), la, "Demo", false},
		{"unreadable closed dates and shop zone", thankyou.Task{Closed: "someday"}, &thankyou.Shop{TimeZone: "Mars/Olympus"},
			"10:00-17:00 Mon-Fri", []*time.Location{ny}, 1, contact.DefaultStaffWindow, ny, "Demo", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dep.Of(tt.task, tt.shop)
			if got.Window != window(t, tt.window) || !slices.Equal(names(got.Zones), names(tt.zones)) || len(got.Closed) != tt.closed {
				t.Errorf("customer's side = %s %v %v, want %s %v, %d closed dates", got.Window, got.Zones, got.Closed, tt.window, tt.zones, tt.closed)
			}
			if got.StaffHours != tt.staffHours || got.StaffZone.String() != tt.staffZone.String() || got.ShopName != tt.shopName {
				t.Errorf("staff phone = %s in %s, shop %q; want %s in %s, %q", got.StaffHours, got.StaffZone, got.ShopName, tt.staffHours, tt.staffZone, tt.shopName)
			}
			if (got.Unreadable != nil) != tt.unreadable {
				t.Errorf("unreadable = %v, want %v", got.Unreadable, tt.unreadable)
			}
		})
	}
}

func names(zones []*time.Location) []string {
	var out []string
	for _, z := range zones {
		out = append(out, z.String())
	}
	return out
}

type shops map[string]thankyou.Shop

func (s shops) GetShop(_ context.Context, _ thankyou.Source, id string) (thankyou.Shop, error) {
	if sh, ok := s[id]; ok {
		return sh, nil
	}
	return thankyou.Shop{}, thankyou.Errorf(thankyou.ENOTFOUND, "no shop %s", id)
}

func TestReadUsesTheTasksShop(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	dep := settings.Deployment{Zone: time.UTC}
	st := shops{"west": {ID: "west", TimeZone: la.String()}}
	for _, tt := range []struct {
		shop string
		want *time.Location
	}{{"west", la}, {"unknown", time.UTC}} {
		got, err := dep.Read(context.Background(), st, thankyou.Task{Order: thankyou.Order{Shop: tt.shop}})
		if err != nil || got.StaffZone.String() != tt.want.String() {
			t.Errorf("shop %s: staff zone %s, %v; want %s", tt.shop, got.StaffZone, err, tt.want)
		}
	}
}

func TestCustomerContact(t *testing.T) {
	deadline := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	task := thankyou.Task{ID: "t1", Channel: thankyou.ChannelSMS, Recipient: "+12125550123", Deadline: deadline, CapDays: 30,
		Order: thankyou.Order{Source: thankyou.SourceShopify, Shop: "demo", Phone: "+12125550123", Region: "US-NY"}}
	staffTask := task
	staffTask.Channel, staffTask.Recipient = thankyou.ChannelStaff, "+12125550199"
	s := settings.Deployment{}.Of(task, nil)
	tests := []struct {
		task     thankyou.Task
		kind     contact.Kind
		to       string
		deadline bool
		capped   bool
	}{
		{task, contact.KindSMS, task.Recipient, true, true},
		{staffTask, contact.KindCallList, task.Order.Phone, true, true},
		{staffTask, contact.KindBridgeCustomer, task.Order.Phone, true, false},
		{staffTask, contact.KindReplyAnswer, task.Order.Phone, false, false},
	}
	for _, tt := range tests {
		c := s.Customer(tt.task, tt.kind)
		if c.Kind != tt.kind || c.To != tt.to || c.Task != "t1" || c.For == nil || c.Region != "US-NY" {
			t.Errorf("%s: contact %+v, want to %s about task t1 in US-NY", tt.kind, c, tt.to)
		}
		if !c.Deadline.IsZero() != tt.deadline || (c.CustomerCap > 0) != tt.capped {
			t.Errorf("%s: deadline %v, cap %v; want deadline %v, capped %v", tt.kind, c.Deadline, c.CustomerCap, tt.deadline, tt.capped)
		}
	}
}

func TestNextReminderWaitsForStaffAndCustomer(t *testing.T) {
	ny := zone(t, "America/New_York")
	dep := settings.Deployment{Zone: ny, Window: window(t, "10:00-17:00 Mon-Fri"), StaffWindow: window(t, "09:00-12:00 Mon-Fri")}
	task := thankyou.Task{Channel: thankyou.ChannelStaff, TimeZone: ny.String(), Order: thankyou.Order{Phone: "+12125550123"}}
	ana := &thankyou.StaffMember{ID: "ana", TimeZone: ny.String(), Hours: thankyou.MustWindow("14:00-18:00 Mon-Fri"), Active: true}
	s := dep.Of(task, nil)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, ny) }
	tests := []struct {
		name   string
		member *thankyou.StaffMember
		from   time.Time
		want   time.Time
	}{
		{"both open", nil, at(1, 11, 0), at(1, 11, 0)},
		{"staff phone before the customer", nil, at(1, 8, 0), at(1, 10, 0)},
		{"staff phone closed until tomorrow", nil, at(1, 13, 0), at(2, 10, 0)},
		{"member on duty", ana, at(1, 15, 0), at(1, 15, 0)},
		{"member past the customer's hours", ana, at(1, 17, 30), at(2, 14, 0)},
		{"friday night", nil, at(4, 20, 0), at(7, 10, 0)},
	}
	for _, tt := range tests {
		if got := s.NextReminder(task, tt.member, tt.from); !got.Equal(tt.want) {
			t.Errorf("%s: next reminder %s, want %s", tt.name, got.In(ny), tt.want)
		}
	}
}
