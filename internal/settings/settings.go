// Package settings resolves the settings that apply to one task: the
// customer's side from the task itself (it carries its shop's send window,
// closed dates and the customer's zones as they were when it was made),
// the shop's staff phone from the stored shop, and the deployment's
// configuration for whatever neither sets. Both the dispatcher and the
// Twilio webhook resolve a task here, once per task, so that a reminder,
// a LATER snooze, a CALL bridge and a REPLY agree on the hours that apply.
package settings

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Deployment is the deployment's own configuration: what applies to a
// task whose shop sets nothing of its own.
type Deployment struct {
	// Window is the send window (SEND_WINDOW_*).
	Window thankyou.Window
	// Zone is the shop's zone (SHOP_TIME_ZONE; nil: UTC).
	Zone *time.Location
	// Closed are the closed dates (CLOSED_DATES), added to every task's.
	Closed []polite.Date
	// StaffWindow is the hours of a shop's default staff phone, in Zone
	// (STAFF_HOURS; zero: contact.DefaultStaffWindow).
	StaffWindow thankyou.Window
	// ShopName is the shop name (SHOP_NAME).
	ShopName string
}

// Shops reads stored shops' settings; an unknown shop is ENOTFOUND.
type Shops interface {
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
}

// Task is what applies to one task.
type Task struct {
	// Window is the customer's send window: the task's own, else the
	// deployment's.
	Window thankyou.Window
	// Zones are the customer's zones: the task's, else the deployment's.
	Zones []*time.Location
	// Closed are the task's closed dates and the deployment's.
	Closed []polite.Date
	// StaffHours and StaffZone are the hours of the shop's default staff
	// phone: the stored shop's, else the deployment's.
	StaffHours thankyou.Window
	StaffZone  *time.Location
	// ShopName is the task's shop name, else the deployment's.
	ShopName string
	// Unreadable tells which of the task's or the shop's own settings
	// did not parse and were replaced by the deployment's (nil: none).
	Unreadable error
}

// Of resolves the settings of task t with its stored shop (nil: not
// stored, or not read because only the customer's side is needed).
func (d Deployment) Of(t thankyou.Task, shop *thankyou.Shop) Task {
	zone := d.Zone
	if zone == nil {
		zone = time.UTC
	}
	s := Task{Window: d.Window, StaffHours: d.StaffWindow, StaffZone: zone, ShopName: d.ShopName}
	if s.StaffHours == (thankyou.Window{}) {
		s.StaffHours = contact.DefaultStaffWindow
	}
	if t.ShopName != "" {
		s.ShopName = t.ShopName
	}
	var bad []error
	if !t.Window.IsZero() {
		s.Window = t.Window
	}
	closed, err := polite.ParseDates(t.Closed)
	if err != nil {
		bad = append(bad, fmt.Errorf("task closed dates: %w", err))
	}
	s.Closed = append(closed, d.Closed...)
	var names []string
	if t.TimeZone != "" {
		names = strings.Split(t.TimeZone, ",")
	}
	s.Zones = polite.Zones(names, zone)
	if shop != nil {
		if shop.TimeZone != "" {
			if loc, err := time.LoadLocation(shop.TimeZone); err == nil {
				s.StaffZone = loc
			} else {
				bad = append(bad, fmt.Errorf("shop time zone: %w", err))
			}
		}
		if !shop.StaffHours.IsZero() {
			s.StaffHours = shop.StaffHours
		}
	}
	s.Unreadable = errors.Join(bad...)
	return s
}

// Read reads t's stored shop and resolves t's settings with it (a shop
// that is not stored, such as the one configured by environment, has the
// deployment's). An error means the shop could not be read.
func (d Deployment) Read(ctx context.Context, shops Shops, t thankyou.Task) (Task, error) {
	if shops == nil {
		return d.Of(t, nil), nil
	}
	sh, err := shops.GetShop(ctx, t.Order.Source, t.Order.Shop)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ENOTFOUND:
		return d.Of(t, nil), nil
	case err != nil:
		return d.Of(t, nil), fmt.Errorf("settings of task %s: read shop %s:%s: %w", t.ID, t.Order.Source, t.Order.Shop, err)
	}
	return d.Of(t, &sh), nil
}

// Hours are the customer's hours: the send window and the closed dates.
func (s Task) Hours() polite.Hours {
	return polite.Hours{Window: s.Window, Closed: s.Closed}
}

// Customer is a contact of kind with task t's customer, the one shape
// both handlers ask the gate with: their number, zones, region and
// country, the send window and closed dates, and the task (so that a
// pending erasure holds it). The thank-you itself (the SMS, the call, the
// call list) carries the task's deadline and the customer's frequency cap;
// the bridge's leg carries the deadline; an answer to the customer's own
// message neither.
func (s Task) Customer(t thankyou.Task, kind contact.Kind) contact.Contact {
	to := t.Order.Phone
	if t.Channel != thankyou.ChannelStaff && (kind == contact.KindSMS || kind == contact.KindCall) {
		to = t.Recipient
	}
	c := contact.Contact{
		Kind: kind, To: to, Zones: s.Zones, Region: t.Order.Region, Country: t.Order.Country,
		Window: s.Window, Closed: s.Closed, VoiceConsent: t.Voice.Consent, Task: t.ID, For: &t,
	}
	switch kind {
	case contact.KindReplyAnswer:
		return c
	case contact.KindSMS, contact.KindCall, contact.KindCallList:
		if t.CapDays > 0 && t.Order.Phone != "" {
			// The customer at the shop (the store keeps only a hash of it).
			c.CustomerKey = thankyou.TaskID(t.Order.Source, t.Order.Shop, t.Order.Phone)
			c.CustomerCap = time.Duration(t.CapDays) * 24 * time.Hour
		}
	}
	c.Deadline = t.Deadline
	return c
}

// Recipient is the customer of t as the hours read them.
func (s Task) Recipient(t thankyou.Task) polite.Recipient {
	c := s.Customer(t, contact.KindSMS)
	return polite.Recipient{Phone: c.To, Zones: c.Zones, Region: c.Region, Country: c.Country}
}

// StaffZoneOf is the zone of whoever takes t's call: the roster member's
// (m; nil for the shop's staff phone), else the staff phone's.
func (s Task) StaffZoneOf(m *thankyou.StaffMember) *time.Location {
	if m != nil {
		if _, loc, ok := staff.Shift(*m); ok {
			return loc
		}
	}
	return s.StaffZone
}

// maxHops bounds the search for a time both the staff and the customer
// may be reached: each hop moves to the next opening of one of them.
const maxHops = 32

// NextReminder is the first time from at when task t's staff reminder may
// go, as the dispatcher decides it: the staff member (m; nil for the
// shop's staff phone) on duty and the customer inside their hours. With no
// such time before the customer's hours end for good, the staff time
// found (the dispatcher then ends the task).
func (s Task) NextReminder(t thankyou.Task, m *thankyou.StaffMember, at time.Time) time.Time {
	rcpt := s.Recipient(t)
	for range maxHops {
		next, ok := time.Time{}, false
		if m != nil {
			next, ok = staff.NextOnDuty(*m, at)
		}
		if !ok {
			next = polite.Next(s.StaffHours, at, []*time.Location{s.StaffZone})
		}
		v := s.Hours().At(next, rcpt)
		if v.Open || v.Next.IsZero() || !v.Next.After(next) {
			return next
		}
		at = v.Next
	}
	return at
}
