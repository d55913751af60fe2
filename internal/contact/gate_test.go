package contact_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// optOuts is the set of opted-out numbers (the gate's Consent).
type optOuts map[string]bool

func (o optOuts) OptedOut(_ context.Context, phone string) (bool, error) { return o[phone], nil }

// slots keeps cap slots in memory with the same contract as the store's
// conditional writes (the bulk property run uses it; dynamo's TakeSlot and
// AdmitNumber are tested against dynalite). consent is the opt-outs that
// AdmitNumber's write checks, as the store's does on the number's item.
type slots struct {
	consent contact.Consent
	mu      sync.Mutex
	m       map[string][]slot
	routes  map[string]string // phone -> the task a reply goes to
}

func (s *slots) AdmitNumber(ctx context.Context, phone, task string, n int, per time.Duration, now time.Time) (ok, optedOut bool, free time.Time, err error) {
	if optedOut, err = s.consent.OptedOut(ctx, phone); err != nil || optedOut {
		return false, optedOut, time.Time{}, err
	}
	ok, free, err = s.TakeSlot(ctx, "number:"+phone, task, n, per, now)
	if ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.routes == nil {
			s.routes = map[string]string{}
		}
		s.routes[phone] = task
	}
	return ok, false, free, err
}

type slot struct {
	owner string
	at    time.Time
}

func (s *slots) TakeSlot(_ context.Context, key, owner string, n int, per time.Duration, now time.Time) (bool, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]slot{}
	}
	held := s.m[key]
	live := held[:0]
	for _, sl := range held {
		if now.Sub(sl.at) < per {
			live = append(live, sl)
		}
	}
	for i, sl := range live {
		if sl.owner == owner {
			live[i].at = now // the period runs from the owner's last contact
			s.m[key] = live
			return true, time.Time{}, nil
		}
	}
	if len(live) < n {
		s.m[key] = append(live, slot{owner, now})
		return true, time.Time{}, nil
	}
	free := live[0].at.Add(per)
	for _, sl := range live {
		if at := sl.at.Add(per); at.Before(free) {
			free = at
		}
	}
	s.m[key] = live
	return false, free, nil
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustWindow(t testing.TB, start, end, days string) thankyou.Window {
	t.Helper()
	w, err := thankyou.ParseWindow(start, end, days)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

const (
	customer = "+12125550100"
	member   = "+12125550111"
)

func TestGateDecides(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	tokyo := mustZone(t, "Asia/Tokyo")
	shopWindow := mustWindow(t, "10:00", "17:00", "Mon-Fri")
	ana := &thankyou.StaffMember{ID: "ana", Phone: member, TimeZone: "America/New_York", Hours: thankyou.MustWindow("12:00-16:00 Mon-Fri"), Active: true}
	inactive := &thankyou.StaffMember{ID: "bo", Phone: member, TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri")}
	wed11 := time.Date(2026, 12, 2, 11, 0, 0, 0, ny) // Wednesday
	wed02 := time.Date(2026, 12, 2, 2, 0, 0, 0, ny)
	sms := contact.Contact{Kind: contact.KindSMS, To: customer, Zones: []*time.Location{ny}, Window: shopWindow, Task: "t1"}
	with := func(c contact.Contact, f func(*contact.Contact)) contact.Contact { f(&c); return c }
	tests := []struct {
		name    string
		c       contact.Contact
		at      time.Time
		out     optOuts
		outcome contact.Outcome
		code    contact.Code
		next    time.Time
	}{
		{"sms inside the window", sms, wed11, nil, contact.Send, contact.CodeOK, time.Time{}},
		{"sms at night is deferred to the window", sms, wed02, nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"no number", with(sms, func(c *contact.Contact) { c.To = "" }), wed11, nil, contact.Refuse, contact.CodeNoNumber, time.Time{}},
		{"past the deadline", with(sms, func(c *contact.Contact) { c.Deadline = wed11.Add(-time.Minute) }), wed11, nil, contact.Expire, contact.CodePastDeadline, time.Time{}},
		{"opted out", sms, wed11, optOuts{customer: true}, contact.Refuse, contact.CodeOptedOut, time.Time{}},
		{"call without voice consent", with(sms, func(c *contact.Contact) { c.Kind = contact.KindCall }), wed11, nil, contact.Refuse, contact.CodeNoVoiceConsent, time.Time{}},
		{"call with voice consent", with(sms, func(c *contact.Contact) { c.Kind, c.VoiceConsent = contact.KindCall, true }), wed11, nil, contact.Send, contact.CodeOK, time.Time{}},
		{"zones that share no time expire at once", with(sms, func(c *contact.Contact) { c.Zones = []*time.Location{ny, tokyo} }), wed11, nil, contact.Expire, contact.CodeNoPoliteTime, time.Time{}},
		{"next polite time after the deadline", with(sms, func(c *contact.Contact) { c.Deadline = wed02.Add(time.Hour) }), wed02, nil, contact.Expire, contact.CodeNoTimeBeforeDeadline, time.Time{}},
		{"reminder inside the member's shift", contact.Contact{Kind: contact.KindStaffReminder, To: member, Member: ana, Customer: customer}, time.Date(2026, 12, 2, 13, 0, 0, 0, ny), nil, contact.Send, contact.CodeOK, time.Time{}},
		{"reminder before the member's shift", contact.Contact{Kind: contact.KindStaffReminder, To: member, Member: ana, Customer: customer}, wed11, nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 2, 12, 0, 0, 0, ny)},
		{"reminder to an inactive member", contact.Contact{Kind: contact.KindStaffReminder, To: member, Member: inactive, Customer: customer}, wed11, nil, contact.Refuse, contact.CodeOffShift, time.Time{}},
		{"reminder about an opted-out customer", contact.Contact{Kind: contact.KindStaffReminder, To: member, Member: ana, Customer: customer}, time.Date(2026, 12, 2, 13, 0, 0, 0, ny), optOuts{customer: true}, contact.Refuse, contact.CodeCustomerOptedOut, time.Time{}},
		{"reminder to an opted-out member", contact.Contact{Kind: contact.KindStaffReminder, To: member, Member: ana, Customer: customer}, time.Date(2026, 12, 2, 13, 0, 0, 0, ny), optOuts{member: true}, contact.Refuse, contact.CodeOptedOut, time.Time{}},
		{"shop staff phone on Saturday", contact.Contact{Kind: contact.KindStaffReminder, To: member, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "17:00", "Mon-Fri"), Customer: customer}, time.Date(2026, 12, 5, 11, 0, 0, 0, ny), nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 7, 9, 0, 0, 0, ny)},
		{"shop staff phone at 21:30", contact.Contact{Kind: contact.KindStaffReminder, To: member, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "17:00", "Mon-Fri"), Customer: customer}, time.Date(2026, 12, 2, 21, 30, 0, 0, ny), nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 3, 9, 0, 0, 0, ny)},
		{"bridge to the customer at 02:00", with(sms, func(c *contact.Contact) { c.Kind = contact.KindBridgeCustomer }), wed02, nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"bridge to the staff member who asked, at night", contact.Contact{Kind: contact.KindBridgeStaff, To: member, Member: ana, Customer: customer}, wed02, nil, contact.Send, contact.CodeOK, time.Time{}},
		{"reply forwarded to the member in their shift", contact.Contact{Kind: contact.KindReplyForward, To: member, Member: ana}, time.Date(2026, 12, 2, 13, 0, 0, 0, ny), nil, contact.Send, contact.CodeOK, time.Time{}},
		{"reply forwarded to the shop's staff phone at night waits", contact.Contact{Kind: contact.KindReplyForward, To: member, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "17:00", "Mon-Fri")}, wed02, nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 2, 9, 0, 0, 0, ny)},
		{"reply from a customer who said STOP still reaches staff", contact.Contact{Kind: contact.KindReplyForward, To: member, Member: ana}, time.Date(2026, 12, 2, 13, 0, 0, 0, ny), optOuts{customer: true}, contact.Send, contact.CodeOK, time.Time{}},
		{"answer to the customer at night waits", with(sms, func(c *contact.Contact) { c.Kind = contact.KindReplyAnswer }), wed02, nil, contact.Defer, contact.CodeOutsideHours, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"answer to a customer who said STOP is refused", with(sms, func(c *contact.Contact) { c.Kind = contact.KindReplyAnswer }), wed11, optOuts{customer: true}, contact.Refuse, contact.CodeOptedOut, time.Time{}},
		{"bridge to a staff member about an opted-out customer", contact.Contact{Kind: contact.KindBridgeStaff, To: member, Member: ana, Customer: customer}, wed02, optOuts{customer: true}, contact.Refuse, contact.CodeCustomerOptedOut, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &contact.Gate{Consent: tt.out, Caps: &slots{consent: tt.out}}
			got, err := g.Admit(context.Background(), tt.c, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got.Outcome != tt.outcome || got.Code != tt.code {
				t.Fatalf("got %s %s (%s), want %s %s", got.Outcome, got.Code, got.Reason(), tt.outcome, tt.code)
			}
			if !tt.next.IsZero() && !got.At.Equal(tt.next) {
				t.Fatalf("deferred to %v, want %v", got.At.In(tt.next.Location()), tt.next)
			}
		})
	}
}

func TestNumberCapAcrossTasksAndShops(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	g := &contact.Gate{Consent: optOuts{}, Caps: &slots{consent: optOuts{}}}
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	c := contact.Contact{Kind: contact.KindSMS, To: customer, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "20:00", "Mon-Sun"), Task: "shop-a:1"}
	ctx := context.Background()
	if d, _ := g.Admit(ctx, c, at); d.Outcome != contact.Send {
		t.Fatalf("first contact: %+v", d)
	}
	// The same task again (its call's SMS fallback) is the same contact.
	fallback := c
	fallback.Kind = contact.KindSMS
	if d, _ := g.Admit(ctx, fallback, at.Add(time.Minute)); d.Outcome != contact.Send {
		t.Fatalf("the same task's fallback: %+v", d)
	}
	other := c
	other.Task = "shop-b:9"
	d, _ := g.Admit(ctx, other, at.Add(time.Hour))
	// The period runs from the number's last contact: the fallback.
	if d.Outcome != contact.Defer || d.Code != contact.CodeNumberCap || !d.At.Equal(at.Add(time.Minute+24*time.Hour)) {
		t.Fatalf("another shop's task within 24h: %+v", d)
	}
	other.Deadline = at.Add(2 * time.Hour)
	if d, _ := g.Admit(ctx, other, at.Add(time.Hour)); d.Outcome != contact.Expire || d.Code != contact.CodeNumberCap {
		t.Fatalf("cap frees after the deadline: %+v", d)
	}
	other.Deadline = time.Time{}
	if d, _ := g.Admit(ctx, other, at.Add(24*time.Hour)); d.Outcome != contact.Defer {
		t.Fatalf("24h after the first contact, 23h59m after the fallback: %+v", d)
	}
	if d, _ := g.Admit(ctx, other, at.Add(time.Minute+24*time.Hour)); d.Outcome != contact.Send {
		t.Fatalf("after 24h: %+v", d)
	}
	// Check takes nothing.
	third := c
	third.Task = "shop-c:3"
	if d, _ := g.Check(ctx, third, at.Add(25*time.Hour)); d.Outcome != contact.Send {
		t.Fatalf("check: %+v", d)
	}
}

func TestLegalCapWins(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	g := &contact.Gate{Consent: optOuts{}, Caps: &slots{consent: optOuts{}}, NumberCap: contact.Cap{Max: 5, Per: time.Hour},
		LegalCap: func(polite.Recipient) (contact.Cap, bool) { return contact.Cap{Max: 3, Per: 24 * time.Hour}, true }}
	w := mustWindow(t, "09:00", "20:00", "Mon-Sun")
	sent := 0
	for i := range 6 {
		c := contact.Contact{Kind: contact.KindSMS, To: customer, Zones: []*time.Location{ny}, Window: w, Task: string(rune('a' + i))}
		if d, _ := g.Admit(context.Background(), c, at.Add(time.Duration(i)*2*time.Hour)); d.Outcome == contact.Send {
			sent++
		}
	}
	if sent != 3 {
		t.Fatalf("sent %d in 12h with a configured 5/h and a legal 3/24h, want 3", sent)
	}
}

func TestCustomerCapRefuses(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	g := &contact.Gate{Consent: optOuts{}, Caps: &slots{consent: optOuts{}}, NumberCap: contact.Cap{Max: 10, Per: time.Hour}}
	w := mustWindow(t, "09:00", "20:00", "Mon-Sun")
	c := contact.Contact{Kind: contact.KindSMS, To: customer, Zones: []*time.Location{ny}, Window: w, Task: "a", CustomerKey: "k", CustomerCap: 30 * 24 * time.Hour}
	if d, _ := g.Admit(context.Background(), c, at); d.Outcome != contact.Send {
		t.Fatalf("first: %+v", d)
	}
	c.Task = "b"
	d, _ := g.Admit(context.Background(), c, at.Add(2*time.Hour))
	if d.Outcome != contact.Refuse || d.Code != contact.CodeCustomerCap || d.Code.State() != thankyou.StateSkipped {
		t.Fatalf("second order within 30 days: %+v", d)
	}
}

// TestStateCapAppliesWithoutConfiguration: a gate built with no LegalCap
// still holds a Florida number to the state's cap (the rules' data file),
// whatever the deployment configures; a New York number is not held to it.
func TestStateCapAppliesWithoutConfiguration(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	w := mustWindow(t, "09:00", "20:00", "Mon-Sun")
	for _, tc := range []struct {
		number string
		want   int
	}{{"+13055550123", 3}, {customer, 6}} {
		g := &contact.Gate{Consent: optOuts{}, Caps: &slots{consent: optOuts{}}, NumberCap: contact.Cap{Max: 10, Per: time.Hour}}
		sent := 0
		for i := range 6 {
			c := contact.Contact{Kind: contact.KindSMS, To: tc.number, Zones: []*time.Location{ny}, Window: w, Task: string(rune('a' + i))}
			if d, _ := g.Admit(context.Background(), c, at.Add(time.Duration(i)*time.Hour)); d.Outcome == contact.Send {
				sent++
			}
		}
		if sent != tc.want {
			t.Errorf("%s: sent %d in 6h with a configured 10/h, want %d", tc.number, sent, tc.want)
		}
	}
}

type holds map[string]bool

func (h holds) PrivacyHold(_ context.Context, t thankyou.Task) (bool, error) { return h[t.ID], nil }

// TestPrivacyHoldRefusesEveryKind: a task whose erasure is pending gets no
// contact of any kind, the staff's own CALL legs included, and the
// refusal ends it cancelled.
func TestPrivacyHoldRefusesEveryKind(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	g := &contact.Gate{Consent: optOuts{}, Privacy: holds{"held": true}}
	w := mustWindow(t, "09:00", "20:00", "Mon-Sun")
	for _, k := range contact.Kinds {
		for _, id := range []string{"held", "free"} {
			task := thankyou.Task{ID: id}
			c := contact.Contact{Kind: k, To: customer, Zones: []*time.Location{ny}, Window: w, Task: id, For: &task, VoiceConsent: true}
			d, err := g.Check(context.Background(), c, at)
			if err != nil {
				t.Fatal(err)
			}
			if held := d.Code == contact.CodePrivacyHold; held != (id == "held") || (held && (d.Outcome != contact.Refuse || d.Code.State() != thankyou.StateCancelled)) {
				t.Errorf("%s for %s: %+v", k, id, d)
			}
		}
	}
}

func TestAnswerToACustomerTakesNoCapSlot(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	caps := &slots{consent: optOuts{}}
	g := &contact.Gate{Consent: optOuts{}, Caps: caps}
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	c := contact.Contact{Kind: contact.KindSMS, To: customer, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "20:00", "Mon-Sun"), Task: "shop-a:1"}
	ctx := context.Background()
	if d, _ := g.Admit(ctx, c, at); d.Outcome != contact.Send {
		t.Fatalf("thank-you: %+v", d)
	}
	// The customer wrote back; staff answer twice within the hour.
	answer := c
	answer.Kind = contact.KindReplyAnswer
	for i := range 2 {
		if d, _ := g.Admit(ctx, answer, at.Add(time.Duration(i+1)*10*time.Minute)); d.Outcome != contact.Send {
			t.Fatalf("REPLY %d after the thank-you: %+v", i+1, d)
		}
	}
	// And the next thank-you is still held by the first one's slot alone.
	next := c
	next.Task = "shop-b:9"
	if d, _ := g.Admit(ctx, next, at.Add(time.Hour)); d.Outcome != contact.Defer || d.Code != contact.CodeNumberCap {
		t.Fatalf("another thank-you within 24h: %+v", d)
	}
}

// countedOptOuts counts the gate's own reads of opt-outs.
type countedOptOuts struct {
	optOuts
	reads *atomic.Int32
}

func (o countedOptOuts) OptedOut(ctx context.Context, phone string) (bool, error) {
	o.reads.Add(1)
	return o.optOuts.OptedOut(ctx, phone)
}

func TestAThankYouIsAdmittedByTheNumbersOneWrite(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	open := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	night := time.Date(2026, 12, 2, 23, 0, 0, 0, ny)
	const stopped = "+12125550999"
	for _, tt := range []struct {
		name      string
		to        string
		at        time.Time
		kind      contact.Kind
		custCap   time.Duration
		want      contact.Outcome
		wantCode  contact.Code
		wantReads int32
	}{
		{"sent: no read of its own", customer, open, contact.KindSMS, 0, contact.Send, contact.CodeOK, 0},
		{"call sent: no read of its own", customer, open, contact.KindCall, 0, contact.Send, contact.CodeOK, 0},
		{"opted out: refused by the write", stopped, open, contact.KindSMS, 0, contact.Refuse, contact.CodeOptedOut, 0},
		{"opted out at night: refused, not deferred", stopped, night, contact.KindSMS, 0, contact.Refuse, contact.CodeOptedOut, 1},
		{"at night: deferred after one read", customer, night, contact.KindSMS, 0, contact.Defer, contact.CodeOutsideHours, 1},
		{"customer cap on: read first", stopped, open, contact.KindSMS, time.Hour, contact.Refuse, contact.CodeOptedOut, 1},
		{"not capped: read", stopped, open, contact.KindReplyAnswer, 0, contact.Refuse, contact.CodeOptedOut, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var reads atomic.Int32
			out := optOuts{stopped: true}
			caps := &slots{consent: out}
			g := &contact.Gate{Consent: countedOptOuts{out, &reads}, Caps: caps}
			c := contact.Contact{Kind: tt.kind, To: tt.to, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "20:00", "Mon-Sun"),
				Task: "shop-a:1", VoiceConsent: true, CustomerKey: "k", CustomerCap: tt.custCap}
			d, err := g.Admit(context.Background(), c, tt.at)
			if err != nil || d.Outcome != tt.want || d.Code != tt.wantCode {
				t.Fatalf("Admit = %+v, %v; want %s %s", d, err, tt.want, tt.wantCode)
			}
			if got := reads.Load(); got != tt.wantReads {
				t.Errorf("the gate read opt-outs %d times, want %d", got, tt.wantReads)
			}
			if route := caps.routes[tt.to]; (route == c.Task) != (d.Outcome == contact.Send && tt.kind != contact.KindReplyAnswer) {
				t.Errorf("reply route after %s: %q", d.Outcome, route)
			}
		})
	}
}

// events records, in order, what a send went through: the admission's
// write on the number's item, the pace's wait and the Twilio request.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.log, ",")
}

type recordedCaps struct {
	contact.Caps
	ev *events
}

func (r recordedCaps) AdmitNumber(ctx context.Context, phone, task string, n int, per time.Duration, now time.Time) (bool, bool, time.Time, error) {
	r.ev.add("admit")
	return r.Caps.AdmitNumber(ctx, phone, task, n, per, now)
}

type recordedTwilio struct{ ev *events }

func (r recordedTwilio) SendSMS(context.Context, string, string, string) (string, error) {
	r.ev.add("sms")
	return "SM1", nil
}

func (r recordedTwilio) StartCall(context.Context, string, string, string, string, twilio.CallOptions) (string, error) {
	r.ev.add("call")
	return "CA1", nil
}

// TestPaceWaitsBetweenTheAdmissionAndTheTwilioRequest: a send rate is kept
// at the moment Twilio is asked (after the admission's write, whose time
// varies), a contact not admitted waits for no turn, and a wait that ends
// sends nothing: the error says so (ErrNotSent), and the task keeps its
// slot, so that when it is admitted again it is sent in it.
func TestPaceWaitsBetweenTheAdmissionAndTheTwilioRequest(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	open := time.Date(2026, 12, 2, 11, 0, 0, 0, ny)
	const stopped = "+12125550999"
	ended := errors.New("run ended")
	for _, tt := range []struct {
		name     string
		to       string
		kind     contact.Kind
		pace     error
		want     contact.Outcome
		wantErr  error
		wantLog  string
		thenSent string // the same task admitted again with a pace that lets it go
	}{
		{"an SMS waits after its admission", customer, contact.KindSMS, nil, contact.Send, nil, "admit,pace,sms", ""},
		{"a call waits after its admission", customer, contact.KindCall, nil, contact.Send, nil, "admit,pace,call", ""},
		{"refused: no wait, nothing sent", stopped, contact.KindSMS, nil, contact.Refuse, nil, "admit", ""},
		{"the wait ends: nothing sent, the slot kept", customer, contact.KindSMS, ended, contact.Send, contact.ErrNotSent, "admit,pace", "admit,pace,admit,pace,sms"},
		{"a call's wait ends: none placed", customer, contact.KindCall, ended, contact.Send, contact.ErrNotSent, "admit,pace", "admit,pace,admit,pace,call"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			out := optOuts{stopped: true}
			pace := tt.pace
			g := &contact.Gate{Consent: out, Caps: recordedCaps{&slots{consent: out}, ev}, Sender: recordedTwilio{ev}, Caller: recordedTwilio{ev},
				Pace: func(context.Context) error { ev.add("pace"); return pace }}
			c := contact.Contact{Kind: tt.kind, To: tt.to, Zones: []*time.Location{ny}, Window: mustWindow(t, "09:00", "20:00", "Mon-Sun"),
				Task: "shop-a:1", VoiceConsent: true}
			send := func(at time.Time) (contact.Decision, string, error) {
				if tt.kind == contact.KindCall {
					return g.PlaceCall(context.Background(), c, at, "", "", "", twilio.CallOptions{})
				}
				return g.SendText(context.Background(), c, at, "Thank you", "")
			}
			d, sid, err := send(open)
			if d.Outcome != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("send = %+v, %q, %v; want %s, error %v", d, sid, err, tt.want, tt.wantErr)
			}
			if tt.wantErr != nil && (sid != "" || !errors.Is(err, ended)) {
				t.Errorf("send = %q, %v; want no SID and the pace's error", sid, err)
			}
			if got := ev.String(); got != tt.wantLog {
				t.Errorf("went through %s, want %s", got, tt.wantLog)
			}
			if tt.thenSent == "" {
				return
			}
			pace = nil
			if d, sid, err := send(open.Add(10 * time.Minute)); err != nil || d.Outcome != contact.Send || sid == "" {
				t.Errorf("admitted again = %+v, %q, %v; want sent in the slot it kept", d, sid, err)
			}
			if got := ev.String(); got != tt.thenSent {
				t.Errorf("went through %s, want %s", got, tt.thenSent)
			}
		})
	}
}
