package contact_test

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// propertyOrders is how many random orders the bulk property run makes.
const propertyOrders = 100_000

// TestPropertyNoContactBreaksARule drives the real gate and the real
// polite rules with 100,000 random orders over every channel — the
// thank-you SMS, the automated call and its SMS fallback, staff reminders
// and their follow-ups, end-of-shift digests, and both legs of the CALL
// bridge — on a simulated clock whose dispatcher runs are every five
// minutes, some late (up to 45 minutes), some missed, with outages of
// hours. Customers and staff text STOP at random times.
//
// The bulk run keeps opt-outs and cap slots in memory (optOutsAt, slots:
// the same contracts as the store's, whose conditional writes are tested
// against dynalite), so that it runs in seconds; a smaller run of 2,000
// orders goes through the real handlers, dynalite and the local Twilio
// (TestPropertyThroughTheStack). Every contact actually made is then
// checked by an oracle that does not ask the gate: inside polite.Hours (and
// the federal 08:00-21:00 in every zone of a customer's number, checked on
// the wall clock), inside a staff member's shift (staff.OnDuty), to no
// number opted out at that instant (nor about an opted-out customer), and
// never above a cap (one thank-you contact per number per 24 h across
// shops, one per customer per shop cap). It prints the decisions per kind,
// outcome and rule, and the tasks' ends.
func TestPropertyNoContactBreaksARule(t *testing.T) {
	n := propertyOrders
	if testing.Short() {
		n = 10_000
	}
	sim := newSimulation(rand.New(rand.NewPCG(9, 2026)), n)
	sim.run(t)
	sim.report(t)
	if v := sim.check(); len(v) > 0 {
		for _, s := range v[:min(len(v), 20)] {
			t.Error(s)
		}
		t.Fatalf("%d contacts broke a rule", len(v))
	}
}

// optOutsAt is the consent store of the simulation: a number is opted out
// from its instant on.
type optOutsAt struct {
	now *time.Time
	at  map[string]time.Time
}

func (o optOutsAt) OptedOut(_ context.Context, p string) (bool, error) {
	at, ok := o.at[p]
	return ok && !at.After(*o.now), nil
}

// made is one contact made: what the gate was asked, and when.
type made struct {
	c  contact.Contact
	at time.Time
}

type simShop struct {
	id          string
	zone        *time.Location
	window      thankyou.Window
	channel     thankyou.Channel
	voice       bool
	capDays     int
	staffPhone  string
	staffWindow thankyou.Window
	roster      []thankyou.StaffMember
}

type simTask struct {
	id       string
	shop     *simShop
	phone    string
	zones    []*time.Location
	region   string
	deadline time.Time
	channel  thankyou.Channel
	// staff call
	member     *thankyou.StaffMember
	to         string
	reminders  int
	reassigned int
	excluded   map[string]bool
	end        string
}

// The steps a task's event takes.
const (
	stepSend = iota
	stepBridge
	stepDone
	// A customer's reply forwarded to the shop's staff phone, and the
	// staff's REPLY to it: they happen after the thank-you ended.
	stepForward
	stepAnswer
)

type simEvent struct {
	at   time.Time
	seq  int
	task *simTask
	step int
}

type eventQueue []simEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type simulation struct {
	rng     *rand.Rand
	now     time.Time
	start   time.Time
	end     time.Time
	optOuts optOutsAt
	gate    *contact.Gate
	shops   []*simShop
	tasks   []*simTask
	queue   eventQueue
	seq     int
	made    []made
	sends   int // calls of the adapter, counted by the adapter
	open    map[string]int
	digest  map[string]bool
	members []thankyou.StaffMember

	decisions map[string]int // kind outcome code rule
	ends      map[string]int
	runs      struct{ on, late, missed int }
}

// adapter counts the sends and calls the gate makes.
type adapter struct{ n *int }

func (a adapter) SendSMS(context.Context, string, string, string) (string, error) {
	*a.n++
	return fmt.Sprintf("SM%d", *a.n), nil
}

func (a adapter) StartCall(context.Context, string, string, string, string, twilio.CallOptions) (string, error) {
	*a.n++
	return fmt.Sprintf("CA%d", *a.n), nil
}

// usAreas are area codes across US zones and state rules, with their state.
var usAreas = []struct{ code, region string }{
	{"212", "US-NY"}, {"305", "US-FL"}, {"850", "US-FL"}, {"713", "US-TX"}, {"915", "US-TX"}, {"312", "US-IL"},
	{"303", "US-CO"}, {"415", "US-CA"}, {"907", "US-AK"}, {"808", "US-HI"}, {"860", "US-CT"}, {"405", "US-OK"},
	{"410", "US-MD"}, {"602", "US-AZ"}, {"208", "US-ID"}, {"701", "US-ND"},
}

// randomPhone draws a number: mostly US, some Canada, UK, Germany,
// Australia (several zones), Japan, Brazil.
func (s *simulation) randomPhone() (string, string) {
	r := s.rng
	switch x := r.IntN(100); {
	case x < 70:
		a := usAreas[r.IntN(len(usAreas))]
		return fmt.Sprintf("+1%s%d%02d%04d", a.code, 2+r.IntN(8), r.IntN(100), r.IntN(10000)), a.region
	case x < 76:
		return fmt.Sprintf("+1416%d%02d%04d", 2+r.IntN(8), r.IntN(100), r.IntN(10000)), "CA-ON"
	case x < 84:
		return fmt.Sprintf("+447911%06d", r.IntN(1000000)), "GB-LND"
	case x < 90:
		return fmt.Sprintf("+49151%08d", r.IntN(100000000)), "DE-BE"
	case x < 94:
		return fmt.Sprintf("+614%08d", r.IntN(100000000)), ""
	case x < 97:
		return fmt.Sprintf("+8190%08d", r.IntN(100000000)), ""
	default:
		return fmt.Sprintf("+55119%08d", r.IntN(100000000)), ""
	}
}

var shopZones = []string{"America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Australia/Sydney"}

var windows = [][3]string{
	{"10:00", "17:00", "Mon-Fri"}, {"09:00", "20:00", "Mon-Sun"}, {"08:00", "21:00", "Mon-Sat"},
	{"12:00", "14:00", "Tue,Thu"}, {"07:00", "23:00", "Mon-Sun"}, {"18:00", "21:00", "Fri-Sun"},
}

func newSimulation(r *rand.Rand, orders int) *simulation {
	s := &simulation{
		rng:       r,
		start:     time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		open:      map[string]int{},
		digest:    map[string]bool{},
		decisions: map[string]int{},
		ends:      map[string]int{},
	}
	s.end = s.start.Add(40 * 24 * time.Hour)
	s.now = s.start
	s.optOuts = optOutsAt{now: &s.now, at: map[string]time.Time{}}
	s.gate = &contact.Gate{Consent: s.optOuts, Caps: &slots{consent: s.optOuts}, Sender: adapter{&s.sends}, Caller: adapter{&s.sends},
		Observe: func(c contact.Contact, d contact.Decision) {
			s.decisions[fmt.Sprintf("%-16s %-7s %-24s %s", c.Kind, d.Outcome, d.Code, d.Rule)]++
		}}
	// Shops: each with its zone, window, channel, cap, staff phone and roster.
	for i := range 40 {
		zone := mustLoad(shopZones[r.IntN(len(shopZones))])
		wdef := windows[r.IntN(len(windows))]
		w, err := thankyou.ParseWindow(wdef[0], wdef[1], wdef[2])
		if err != nil {
			panic(err)
		}
		sh := &simShop{id: fmt.Sprintf("shop-%d", i), zone: zone, window: w, staffWindow: contact.DefaultStaffWindow}
		switch x := r.IntN(10); {
		case x < 5:
			sh.channel = thankyou.ChannelSMS
		case x < 7:
			sh.channel, sh.voice = thankyou.ChannelCall, r.IntN(5) > 0
		default:
			sh.channel = thankyou.ChannelStaff
		}
		if r.IntN(3) == 0 {
			sh.capDays = 30
		}
		sh.staffPhone, _ = s.randomPhone()
		for j := range r.IntN(4) {
			p, _ := s.randomPhone()
			start := 7 + r.IntN(6)
			m := thankyou.StaffMember{Source: thankyou.SourceGeneric, ShopID: sh.id, ID: fmt.Sprintf("m%d", j), Phone: p,
				TimeZone: shopZones[r.IntN(len(shopZones))], Hours: thankyou.MustWindow(fmt.Sprintf("%02d:00-%02d:30 %s", start, start+4+r.IntN(6),
					[]string{"Mon-Fri", "Tue-Sat", "Mon-Sun"}[r.IntN(3)])), Active: r.IntN(8) > 0}
			sh.roster = append(sh.roster, m)
			s.members = append(s.members, m)
			if r.IntN(12) == 0 {
				s.optOuts.at[m.Phone] = s.randomInstant()
			}
		}
		if r.IntN(15) == 0 {
			s.optOuts.at[sh.staffPhone] = s.randomInstant()
		}
		s.shops = append(s.shops, sh)
	}
	// Orders: a pool of customers, so that numbers come back (caps).
	type customer struct {
		phone, region string
	}
	pool := make([]customer, orders*2/5)
	zoneCache := map[string][]string{}
	for i := range pool {
		p, region := s.randomPhone()
		if r.IntN(2) == 0 {
			region = "" // the order gives no address
		}
		pool[i] = customer{phone: p, region: region}
		if r.IntN(20) == 0 {
			s.optOuts.at[p] = s.randomInstant()
		}
		if _, ok := zoneCache[p]; !ok {
			zoneCache[p] = phone.TimeZones(p)
		}
	}
	for i := range orders {
		sh := s.shops[r.IntN(len(s.shops))]
		cu := pool[r.IntN(len(pool))]
		placed := s.start.Add(time.Duration(r.Int64N(int64(28 * 24 * time.Hour))))
		zones := polite.Zones(zoneCache[cu.phone], sh.zone)
		due := polite.Next(sh.window, placed.Add(time.Duration(r.IntN(4))*24*time.Hour), zones).Truncate(time.Second)
		t := &simTask{id: fmt.Sprintf("%s:%d", sh.id, i), shop: sh, phone: cu.phone, zones: zones, region: cu.region,
			deadline: due.Add(72 * time.Hour), channel: sh.channel}
		s.tasks = append(s.tasks, t)
		s.push(due, t, stepSend)
	}
	return s
}

func (s *simulation) randomInstant() time.Time {
	return s.start.Add(time.Duration(s.rng.Int64N(int64(s.end.Sub(s.start)))))
}

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func (s *simulation) push(at time.Time, t *simTask, step int) {
	s.seq++
	heap.Push(&s.queue, simEvent{at: at, seq: s.seq, task: t, step: step})
}

// run runs the dispatcher every five minutes, late and missed at times.
func (s *simulation) run(t *testing.T) {
	ctx := context.Background()
	outage := time.Time{}
	for tick := s.start; tick.Before(s.end); tick = tick.Add(5 * time.Minute) {
		if tick.Before(outage) {
			s.runs.missed++
			continue
		}
		switch x := s.rng.IntN(1000); {
		case x < 2:
			outage = tick.Add(time.Duration(4+s.rng.IntN(9)) * time.Hour)
			s.runs.missed++
			continue
		case x < 30:
			s.runs.missed++
			continue
		}
		at := tick.Add(time.Duration(s.rng.IntN(90)) * time.Second)
		if s.rng.IntN(100) < 3 {
			at = tick.Add(time.Duration(5+s.rng.IntN(40)) * time.Minute)
			s.runs.late++
		}
		if at.Before(s.now) {
			at = s.now // runs never go back in time
		}
		s.now = at
		s.runs.on++
		for len(s.queue) > 0 && !s.queue[0].at.After(at) {
			e := heap.Pop(&s.queue).(simEvent)
			if e.task.end != "" && e.step != stepForward && e.step != stepAnswer {
				continue
			}
			s.step(ctx, t, e)
		}
		s.digests(ctx, t)
	}
	for _, task := range s.tasks {
		if task.end == "" {
			task.end = "open at the end"
		}
		s.ends[task.end]++
	}
}

func (s *simulation) finish(task *simTask, end string) {
	task.end = end
	if task.to != "" {
		s.open[task.to]--
	}
}

// act carries out a decision other than Send, as the dispatcher does.
func (s *simulation) act(task *simTask, d contact.Decision, step int) {
	switch d.Outcome {
	case contact.Defer:
		s.push(d.At, task, step)
	default:
		s.finish(task, string(d.Code.State())+" "+string(d.Code))
	}
}

func (s *simulation) customer(task *simTask, kind contact.Kind) contact.Contact {
	c := contact.Contact{Kind: kind, To: task.phone, Zones: task.zones, Region: task.region, Window: task.shop.window,
		VoiceConsent: task.shop.voice, Deadline: task.deadline, Task: task.id}
	if task.shop.capDays > 0 {
		c.CustomerKey, c.CustomerCap = task.shop.id+":"+task.phone, time.Duration(task.shop.capDays)*24*time.Hour
	}
	return c
}

func (s *simulation) record(c contact.Contact, d contact.Decision, err error) bool {
	if err != nil {
		panic(err)
	}
	if d.Outcome == contact.Send {
		s.made = append(s.made, made{c: c, at: s.now})
		return true
	}
	return false
}

func (s *simulation) step(ctx context.Context, t *testing.T, e simEvent) {
	task := e.task
	switch e.step {
	case stepForward:
		s.forward(ctx, task)
		return
	case stepAnswer:
		s.answer(ctx, task)
		return
	}
	if s.now.After(task.deadline) {
		s.finish(task, "expired past_deadline")
		return
	}
	switch {
	case e.step == stepBridge:
		s.bridge(ctx, task)
	case task.channel == thankyou.ChannelStaff:
		s.remind(ctx, task)
	case task.channel == thankyou.ChannelCall && task.shop.voice:
		c := s.customer(task, contact.KindCall)
		d, _, err := s.gate.PlaceCall(ctx, c, s.now, "", "https://example.com/voice", "", twilio.CallOptions{})
		if !s.record(c, d, err) {
			s.act(task, d, stepSend)
			return
		}
		if s.rng.IntN(5) < 2 {
			// Not answered: the SMS instead, through the gate again.
			task.channel = thankyou.ChannelSMS
			s.push(s.now.Add(2*time.Minute), task, stepSend)
			return
		}
		s.finish(task, "called")
	default:
		c := s.customer(task, contact.KindSMS)
		d, _, err := s.gate.SendText(ctx, c, s.now, "Thank you!", "")
		if !s.record(c, d, err) {
			s.act(task, d, stepSend)
			return
		}
		s.finish(task, "sent")
		// A third of the customers write back, at any hour in the next
		// two days (some after they said STOP).
		if s.rng.IntN(3) == 0 {
			s.push(s.now.Add(time.Duration(s.rng.Int64N(int64(48*time.Hour)))), task, stepForward)
		}
	}
}

// forward forwards a customer's reply to the shop's staff phone, as the
// Twilio webhook and the dispatcher do: now, or when its hours open. The
// staff answer it some time later, at any hour.
func (s *simulation) forward(ctx context.Context, task *simTask) {
	c := contact.Contact{Kind: contact.KindReplyForward, To: task.shop.staffPhone, Zones: []*time.Location{task.shop.zone},
		Window: task.shop.staffWindow, Task: task.id}
	d, _, err := s.gate.SendText(ctx, c, s.now, "Jane (order #1) replied: thanks!", "")
	if !s.record(c, d, err) {
		if d.Outcome == contact.Defer {
			s.push(d.At, task, stepForward)
		}
		return
	}
	s.push(s.now.Add(time.Duration(s.rng.Int64N(int64(24*time.Hour)))), task, stepAnswer)
}

// answer sends the staff's REPLY to the customer; outside their hours the
// staff member is told when, and sends it again then or a little later.
func (s *simulation) answer(ctx context.Context, task *simTask) {
	c := contact.Contact{Kind: contact.KindReplyAnswer, To: task.phone, Zones: task.zones, Region: task.region, Window: task.shop.window, Task: task.id}
	d, _, err := s.gate.SendText(ctx, c, s.now, "So sorry, a new one is on its way", "")
	if !s.record(c, d, err) && d.Outcome == contact.Defer {
		s.push(d.At.Add(time.Duration(s.rng.Int64N(int64(2*time.Hour)))), task, stepAnswer)
	}
}

// remind reminds staff of a call, as the dispatcher does: the customer
// first, then the assignee (the next on duty who has not opted out, else
// the shop's staff phone).
func (s *simulation) remind(ctx context.Context, task *simTask) {
	d, err := s.gate.Check(ctx, s.customer(task, contact.KindCallList), s.now)
	if err != nil {
		panic(err)
	}
	if d.Outcome != contact.Send {
		s.act(task, d, stepSend)
		return
	}
	if task.to != "" && task.reminders >= 2 {
		task.excluded[task.to] = true
		s.open[task.to]--
		task.to, task.member, task.reminders = "", nil, 0
		task.reassigned++
	}
	if task.to == "" {
		if task.excluded == nil {
			task.excluded = map[string]bool{}
		}
		for i := range task.shop.roster {
			m := &task.shop.roster[i]
			out, _ := s.gate.OptedOut(ctx, m.Phone)
			if task.excluded[m.Phone] || out || !staff.OnDuty(*m, s.now) {
				continue
			}
			if task.member == nil || s.open[m.Phone] < s.open[task.member.Phone] {
				task.member = m
			}
		}
		switch {
		case task.member != nil:
			task.to = task.member.Phone
		case !task.excluded[task.shop.staffPhone]:
			task.to = task.shop.staffPhone
		default:
			s.push(s.now.Add(30*time.Minute), task, stepSend) // wait for someone on duty
			return
		}
		s.open[task.to]++
	}
	kind := contact.KindStaffReminder
	if task.reminders > 0 || task.reassigned > 0 {
		kind = contact.KindFollowUp
	}
	c := contact.Contact{Kind: kind, To: task.to, Member: task.member, Zones: []*time.Location{task.shop.zone}, Window: task.shop.staffWindow,
		Customer: task.phone, Deadline: task.deadline, Task: task.id}
	d, _, err = s.gate.SendText(ctx, c, s.now, "Please call", "")
	if !s.record(c, d, err) {
		switch {
		case d.Code == contact.CodeOptedOut || d.Code == contact.CodeOffShift:
			// The assignee opted out (or is never on duty): the next one.
			task.excluded[task.to] = true
			s.open[task.to]--
			task.to, task.member, task.reminders = "", nil, 0
			task.reassigned++
			s.push(s.now.Add(time.Second), task, stepSend)
		default:
			s.act(task, d, stepSend)
		}
		return
	}
	task.reminders++
	switch x := s.rng.IntN(100); {
	case x < 35: // CALL, some time later
		s.push(s.now.Add(time.Duration(s.rng.Int64N(int64(12*time.Hour)))), task, stepBridge)
	case x < 55: // DONE from the staff member's own phone
		s.finish(task, "called (DONE)")
	default: // no answer: followed up after 4 h
		s.push(s.now.Add(4*time.Hour), task, stepSend)
	}
}

// bridge is a CALL reply: the customer's consent and hours first, then
// the staff leg, then, when the staff member answers, the customer's leg.
func (s *simulation) bridge(ctx context.Context, task *simTask) {
	cust := s.customer(task, contact.KindBridgeCustomer)
	d, err := s.gate.Check(ctx, cust, s.now)
	if err != nil {
		panic(err)
	}
	if d.Outcome == contact.Defer {
		// The staff member is told when, and replies LATER.
		s.push(d.At, task, stepBridge)
		return
	}
	if d.Outcome != contact.Send {
		s.act(task, d, stepBridge)
		return
	}
	staffLeg := contact.Contact{Kind: contact.KindBridgeStaff, To: task.to, Customer: task.phone, Task: task.id}
	d, _, err = s.gate.PlaceCall(ctx, staffLeg, s.now, "", "https://example.com/bridge", "", twilio.CallOptions{})
	if !s.record(staffLeg, d, err) {
		s.act(task, d, stepBridge)
		return
	}
	d, err = s.gate.Admit(ctx, cust, s.now)
	if !s.record(cust, d, err) {
		s.act(task, d, stepBridge)
		return
	}
	s.finish(task, "called (bridge)")
}

// digests sends each member with open calls one digest in the last half
// hour of their shift, through the gate.
func (s *simulation) digests(ctx context.Context, t *testing.T) {
	for i := range s.members {
		m := &s.members[i]
		if s.open[m.Phone] <= 0 {
			continue
		}
		end, ok := staff.OnDutyUntil(*m, s.now)
		if !ok || end.Sub(s.now) > 30*time.Minute {
			continue
		}
		key := m.ShopID + m.ID + end.Format(time.DateOnly)
		if s.digest[key] {
			continue
		}
		s.digest[key] = true
		c := contact.Contact{Kind: contact.KindDigest, To: m.Phone, Member: m}
		d, _, err := s.gate.SendText(ctx, c, s.now, "End of day", "")
		s.record(c, d, err)
	}
}

// check is the oracle: every contact made, against the rules, without
// asking the gate.
func (s *simulation) check() []string {
	var bad []string
	for _, m := range s.made {
		c, at := m.c, m.at
		if o, ok := s.optOuts.at[c.To]; ok && !o.After(at) {
			bad = append(bad, fmt.Sprintf("%s to %s at %s: opted out at %s", c.Kind, phone.Mask(c.To), at, o))
		}
		if o, ok := s.optOuts.at[c.Customer]; c.Customer != "" && ok && !o.After(at) {
			bad = append(bad, fmt.Sprintf("%s about %s at %s: customer opted out at %s", c.Kind, phone.Mask(c.Customer), at, o))
		}
		switch {
		case c.Kind == contact.KindBridgeStaff:
			// Asked for by the staff member just now: consent only.
		case c.Member != nil:
			if !staff.OnDuty(*c.Member, at) {
				bad = append(bad, fmt.Sprintf("%s to member %s at %s: outside their shift", c.Kind, c.Member.ID, at))
			}
		default:
			// A customer is timed by the law where they live; the shop's
			// staff phone by its hours within the federal ones.
			rcpt := polite.Recipient{Zones: c.Zones}
			switch c.Kind {
			case contact.KindSMS, contact.KindCall, contact.KindCallList, contact.KindBridgeCustomer:
				rcpt = polite.Recipient{Phone: c.To, Zones: c.Zones, Region: c.Region, Country: c.Country}
			}
			if v := (polite.Hours{Window: c.Window, Closed: c.Closed}).At(at, rcpt); !v.Open {
				bad = append(bad, fmt.Sprintf("%s to %s at %s: outside the hours (%s)", c.Kind, phone.Mask(c.To), at, v.Reason))
			}
			for _, z := range c.Zones {
				if h := at.In(z).Hour(); h < 8 || h >= 21 {
					bad = append(bad, fmt.Sprintf("%s to %s at %s: %02d:%02d in %s", c.Kind, phone.Mask(c.To), at, h, at.In(z).Minute(), z))
				}
			}
		}
	}
	bad = append(bad, capViolations(s.made, func(c contact.Contact) (string, time.Duration) {
		return c.To, contact.DefaultNumberCap.Per
	})...)
	bad = append(bad, capViolations(s.made, func(c contact.Contact) (string, time.Duration) {
		return c.CustomerKey, c.CustomerCap
	})...)
	// Every send and call the adapter made was one the gate allowed (the
	// bridge's customer leg is dialled by the bridge's TwiML instead).
	viaAdapter := 0
	for _, m := range s.made {
		if m.c.Kind != contact.KindBridgeCustomer {
			viaAdapter++
		}
	}
	if s.sends != viaAdapter {
		bad = append(bad, fmt.Sprintf("the adapter sent %d times, the gate allowed %d", s.sends, viaAdapter))
	}
	return bad
}

// capViolations finds thank-you contacts to one key (number or customer)
// from different tasks closer than the cap's period: one per period.
func capViolations(all []made, key func(contact.Contact) (string, time.Duration)) []string {
	type hit struct {
		at   time.Time
		task string
	}
	by := map[string][]hit{}
	per := map[string]time.Duration{}
	for _, m := range all {
		if m.c.Kind != contact.KindSMS && m.c.Kind != contact.KindCall && m.c.Kind != contact.KindBridgeCustomer {
			continue
		}
		k, p := key(m.c)
		if k == "" || p <= 0 {
			continue
		}
		by[k] = append(by[k], hit{m.at, m.c.Task})
		per[k] = p
	}
	var bad []string
	for k, hits := range by {
		sort.Slice(hits, func(i, j int) bool { return hits[i].at.Before(hits[j].at) })
		for i := 1; i < len(hits); i++ {
			for j := i - 1; j >= 0 && hits[i].at.Sub(hits[j].at) < per[k]; j-- {
				if hits[j].task != hits[i].task {
					bad = append(bad, fmt.Sprintf("cap of %s: tasks %s and %s %s apart", phone.Mask(k), hits[j].task, hits[i].task, hits[i].at.Sub(hits[j].at)))
				}
			}
		}
	}
	return bad
}

// report prints the counts per kind, outcome and rule, and the ends.
func (s *simulation) report(t *testing.T) {
	t.Logf("%d orders, %d dispatcher runs (%d late, %d missed), %d contacts made", len(s.tasks), s.runs.on, s.runs.late, s.runs.missed, len(s.made))
	byKind := map[contact.Kind]int{}
	for _, m := range s.made {
		byKind[m.c.Kind]++
	}
	for _, k := range contact.Kinds {
		t.Logf("  contacts %-16s %7d", k, byKind[k])
	}
	keys := make([]string, 0, len(s.decisions))
	for k := range s.decisions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t.Logf("decisions (kind, outcome, code, hours rule):")
	for _, k := range keys {
		t.Logf("  %-64s %7d", k, s.decisions[k])
	}
	ends := make([]string, 0, len(s.ends))
	for k := range s.ends {
		ends = append(ends, k)
	}
	slices.Sort(ends)
	t.Logf("tasks' ends:")
	for _, k := range ends {
		t.Logf("  %-40s %7d", k, s.ends[k])
	}
}
