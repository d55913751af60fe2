package localstack_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// stackOrders is how many orders the run through the real handlers makes;
// raceOrders under the race detector (about five times slower), so that
// the package's -race run stays within a few minutes on two cores.
const (
	stackOrders = 2000
	raceOrders  = 500
)

// TestPropertyThroughTheStack is the contact gate's property run through
// the real handlers: 2,000 random orders posted to the order webhook of
// four shops (SMS, a late-evening window with a 30-day cap, automated
// calls, staff calls with a roster), dispatcher runs every 30 minutes on a
// simulated clock (some late, some missed), customers and a staff member
// texting STOP, automated calls answered or not (the SMS fallback), staff
// replying CALL (the bridge dials the customer through the local Twilio)
// or DONE. Dynalite holds the table and the local Twilio records what was
// sent and dialled. (Under the race detector the run makes 500 orders.) (The 100,000-order run is TestPropertyNoContactBreaksARule
// in package contact, on the real gate with an in-memory store.)
//
// The oracle reads what the local Twilio accepted — messages, calls and
// the bridge's dials, with their times — and checks each against the
// rules without asking the gate: no contact to a number opted out at that
// instant (nor a reminder about an opted-out customer), every customer
// contact inside the shop's window narrowed by polite.Hours and inside
// 08:00-21:00 on the wall clock of every zone of the number, every staff
// message inside the member's shift (or the shop's staff hours), and at
// most one thank-you contact per number per 24 hours across shops.
func TestPropertyThroughTheStack(t *testing.T) {
	n := stackOrders
	switch {
	case testing.Short():
		n = 300
	case raceDetector:
		n = raceOrders
	}
	r := rand.New(rand.NewPCG(7, 2026))
	start := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC) // a Monday
	clock := localstack.NewClock(start)
	// Sends are spaced in real time (SEND_RATE): not in this run.
	s := startStack(t, clock, &syncBuffer{}, "SEND_RATE=100000")
	ctx := context.Background()

	// The shops: the environment's (generic, SMS, 10:00-17:00 Mon-Fri in
	// New York) and three stored ones.
	la, chi := mustZone(t, "America/Los_Angeles"), mustZone(t, "America/Chicago")
	t.Setenv("PROP_SHOP_SECRET", "prop-shop-secret")
	stored := []thankyou.Shop{
		{ID: "late-sms", Channel: thankyou.ChannelSMS, TimeZone: la.String(), Window: thankyou.MustWindow("18:00-21:00 Mon-Sun"),
			Rules: thankyou.Rules{FrequencyCapDays: 30}},
		{ID: "voice", Channel: thankyou.ChannelCall, TimeZone: chi.String(), Window: thankyou.MustWindow("09:00-20:00 Mon-Sat"),
			Voice: thankyou.Voice{Consent: true, Language: "en-US"}},
		{ID: "callers", Channel: thankyou.ChannelStaff, TimeZone: "America/New_York", Window: thankyou.MustWindow("10:00-19:00 Mon-Fri"),
			StaffPhone: "+13125550177"},
	}
	for _, sh := range stored {
		sh.Source, sh.Name, sh.SecretRefs, sh.DefaultCountry = thankyou.SourceGeneric, sh.ID, []string{"env:PROP_SHOP_SECRET"}, "US"
		sh.Delay, sh.ExpireAfter = 24*time.Hour, 72*time.Hour
		if err := s.DynamoDB.PutShop(ctx, sh, start); err != nil {
			t.Fatal(err)
		}
	}
	roster := []thankyou.StaffMember{
		{ID: "ana", Phone: "+12125550181", TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri")},
		{ID: "lee", Phone: "+14155550183", TimeZone: "America/Los_Angeles", Hours: thankyou.MustWindow("12:00-20:00 Mon-Sat")},
	}
	for i := range roster {
		roster[i].Source, roster[i].ShopID, roster[i].Name, roster[i].Active = thankyou.SourceGeneric, "callers", roster[i].ID, true
		if err := s.DynamoDB.PutStaff(ctx, roster[i], start); err != nil {
			t.Fatal(err)
		}
	}
	staffHours := contact.DefaultStaffWindow
	members := map[string]thankyou.StaffMember{}
	for _, m := range roster {
		members[m.Phone] = m
	}

	// The world's events, in time order: orders, STOPs, dispatcher runs.
	var evs []propEvent
	pool := make([]string, 0, n/3)
	for len(pool) < n/3 {
		var p string
		switch x := r.IntN(10); {
		case x < 8:
			a := usAreas[r.IntN(len(usAreas))]
			p = fmt.Sprintf("+1%s%d%02d%04d", a.code, 2+r.IntN(8), r.IntN(100), r.IntN(10000))
		case x < 9:
			p = fmt.Sprintf("+447911%06d", r.IntN(1000000))
		default:
			p = fmt.Sprintf("+49151%08d", r.IntN(100000000))
		}
		if len(phone.TimeZones(p)) > 0 { // a valid number
			pool = append(pool, p)
		}
	}
	shopIDs := []string{"thankyou-demo", "late-sms", "voice", "callers"}
	secrets := map[string]string{"thankyou-demo": "local-generic-webhook-secret"}
	for _, sh := range stored {
		secrets[sh.ID] = "prop-shop-secret"
	}
	span := 5 * 24 * time.Hour
	for i := range n {
		evs = append(evs, propEvent{at: start.Add(time.Duration(r.Int64N(int64(span)))), kind: "order", arg: pool[r.IntN(len(pool))], shop: shopIDs[r.IntN(len(shopIDs))], num: 5000 + i})
	}
	stopAt := map[string]time.Time{}
	for _, p := range pool {
		if r.IntN(20) == 0 {
			at := start.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
			stopAt[p] = at
			evs = append(evs, propEvent{at: at, kind: "stop", arg: p})
		}
	}
	anaStop := start.Add(3*24*time.Hour + 15*time.Hour) // Thursday 10:00 in New York
	stopAt[roster[0].Phone] = anaStop
	evs = append(evs, propEvent{at: anaStop, kind: "stop", arg: roster[0].Phone})
	runs, late, missed := 0, 0, 0
	for tick := start; tick.Before(start.Add(11 * 24 * time.Hour)); tick = tick.Add(30 * time.Minute) {
		switch x := r.IntN(100); {
		case x < 4:
			missed++
			continue
		case x < 8:
			late++
			evs = append(evs, propEvent{at: tick.Add(time.Duration(5+r.IntN(50)) * time.Minute), kind: "run"})
		default:
			evs = append(evs, propEvent{at: tick.Add(time.Duration(r.IntN(120)) * time.Second), kind: "run"})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })

	type dial struct {
		at        time.Time
		to, call  string
		connected bool
	}
	var dials []dial
	handledCalls := map[string]bool{}
	seenMessages := 0
	reminderOrder := regexp.MustCompile(`order #(\d+)`)
	orderPhone := map[string]string{} // order number -> customer
	post := func(ev events.APIGatewayV2HTTPRequest) {
		t.Helper()
		status, body, err := localstack.PostEvent(ctx, s.APIURL, ev)
		if err != nil || status != http.StatusCreated && status != http.StatusOK {
			t.Fatalf("order: %d %s %v", status, body, err)
		}
	}
	for len(evs) > 0 {
		e := evs[0]
		evs = evs[1:]
		if e.at.Before(clock.Now()) {
			e.at = clock.Now()
		}
		clock.Set(e.at)
		switch e.kind {
		case "order":
			orderPhone[fmt.Sprint(e.num)] = e.arg
			post(genericOrder(e.shop, secrets[e.shop], fmt.Sprintf("P-%d", e.num), fmt.Sprint(e.num), e.arg, e.at))
		case "stop":
			reply(t, s, e.arg, "STOP")
		case "reply":
			reply(t, s, e.arg, e.shop) // shop holds the reply's text
		case "run":
			runs++
			if _, err := s.Dispatcher.Run(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// What the staff and the customers do with what reached them.
		msgs := s.Twilio.Messages()
		for _, m := range msgs[seenMessages:] {
			if _, ok := members[m.To]; !ok && m.To != stored[2].StaffPhone {
				continue
			}
			num := reminderOrder.FindStringSubmatch(m.Body)
			if num == nil || !strings.Contains(m.Body, "Reply DONE") {
				continue
			}
			switch x := r.IntN(10); {
			case x < 4:
				evs = insertEvent(evs, propEvent{at: clock.Now().Add(time.Duration(r.Int64N(int64(8 * time.Hour)))), kind: "reply", arg: m.To, shop: "CALL " + num[1]})
			case x < 6:
				evs = insertEvent(evs, propEvent{at: clock.Now().Add(time.Duration(r.Int64N(int64(2 * time.Hour)))), kind: "reply", arg: m.To, shop: "DONE " + num[1]})
			}
		}
		seenMessages = len(msgs)
		for _, c := range s.Twilio.Calls() {
			if handledCalls[c.SID] {
				continue
			}
			handledCalls[c.SID] = true
			before := len(s.Twilio.Dials())
			var how twiliotest.CallOutcome
			switch {
			case strings.Contains(c.URL, config.BridgePath):
				customerLeg := twiliotest.Answered(40 * time.Second)
				if r.IntN(3) == 0 {
					customerLeg = twiliotest.NoAnswer()
				}
				how = twiliotest.Answered(5 * time.Second).Bridged(customerLeg)
			case r.IntN(5) < 2:
				how = twiliotest.NoAnswer()
			default:
				how = twiliotest.Answered(30 * time.Second)
			}
			if err := s.Twilio.AnswerCall(ctx, c.SID, how); err != nil {
				t.Fatal(err)
			}
			for _, d := range s.Twilio.Dials()[before:] {
				dials = append(dials, dial{at: clock.Now(), to: d.To, call: d.ParentSID, connected: d.Status == "completed"})
			}
		}
	}

	// The tasks as they ended.
	tasks := map[string]thankyou.Task{}
	ends := map[string]int{}
	if err := s.DynamoDB.ListTasks(ctx, dynamo.TaskFilter{}, func(task thankyou.Task) error {
		end := string(task.State)
		if task.State == thankyou.StateFailed || task.State == thankyou.StateExpired || task.State == thankyou.StateSkipped {
			reason, _, _ := strings.Cut(task.Reason, ":")
			end += " (" + strings.TrimRightFunc(reason, func(r rune) bool { return r == '-' || r == 'T' || r >= '0' && r <= '9' }) + ")"
		}
		ends[end]++
		tasks[task.ID] = task
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// taskOf reads the task a message's status callback or a call's URL
	// names (every contact of a task carries it).
	taskOf := func(raw string) (thankyou.Task, bool) {
		u, err := url.Parse(raw)
		if err != nil {
			return thankyou.Task{}, false
		}
		task, ok := tasks[u.Query().Get("task")]
		return task, ok
	}
	callTask := map[string]thankyou.Task{}
	for _, c := range s.Twilio.Calls() {
		if task, ok := taskOf(c.URL); ok {
			callTask[c.SID] = task
		}
	}

	// The oracle.
	var bad []string
	optedOut := func(p string, at time.Time) bool { o, ok := stopAt[p]; return ok && !o.After(at) }
	type hit struct {
		at   time.Time
		to   string
		task string
	}
	var customerHits []hit
	checkCustomer := func(what, to string, task thankyou.Task, known bool, at time.Time) {
		if optedOut(to, at) {
			bad = append(bad, fmt.Sprintf("%s to opted-out %s at %s", what, phone.Mask(to), at))
		}
		zones := polite.Zones(phone.TimeZones(to), nil)
		if !known {
			bad = append(bad, fmt.Sprintf("%s to %s at %s names no task", what, phone.Mask(to), at))
		} else {
			zones = polite.Zones(strings.Split(task.TimeZone, ","), nil)
			w := task.Window
			if v := (polite.Hours{Window: w}).At(at, polite.Recipient{Phone: to, Zones: zones}); !v.Open {
				bad = append(bad, fmt.Sprintf("%s to %s at %s outside the hours of task %s (%s)", what, phone.Mask(to), at, task.ID, v.Reason))
			}
		}
		for _, z := range zones {
			if h := at.In(z).Hour(); h < 8 || h >= 21 {
				bad = append(bad, fmt.Sprintf("%s to %s at %02d:%02d in %s", what, phone.Mask(to), h, at.In(z).Minute(), z))
			}
		}
		customerHits = append(customerHits, hit{at, to, task.ID})
	}
	contacts := map[string]int{}
	for _, m := range s.Twilio.Messages() {
		switch mem, isMember := members[m.To]; {
		case isMember || m.To == stored[2].StaffPhone:
			contacts["staff message"]++
			if optedOut(m.To, m.Created) {
				bad = append(bad, fmt.Sprintf("staff message to opted-out %s at %s", phone.Mask(m.To), m.Created))
			}
			if num := reminderOrder.FindStringSubmatch(m.Body); num != nil && optedOut(orderPhone[num[1]], m.Created) {
				bad = append(bad, fmt.Sprintf("reminder about opted-out customer %s at %s", phone.Mask(orderPhone[num[1]]), m.Created))
			}
			switch {
			case strings.Contains(m.Body, "did not answer"):
				// The note after a CALL the member just made.
			case isMember && !staff.OnDuty(mem, m.Created):
				bad = append(bad, fmt.Sprintf("staff message to %s at %s, off shift", mem.ID, m.Created))
			case !isMember && !polite.Contains(staffHours, m.Created, []*time.Location{mustZone(t, "America/New_York")}):
				bad = append(bad, fmt.Sprintf("staff message to the shop's phone at %s, outside its hours", m.Created))
			}
		default:
			contacts["customer SMS"]++
			task, known := taskOf(m.StatusCallback)
			checkCustomer("SMS", m.To, task, known, m.Created)
		}
	}
	for _, c := range s.Twilio.Calls() {
		if strings.Contains(c.URL, config.BridgePath) {
			contacts["bridge staff leg"]++
			if optedOut(c.To, c.Created) {
				bad = append(bad, fmt.Sprintf("bridge call to opted-out staff %s at %s", phone.Mask(c.To), c.Created))
			}
			continue
		}
		contacts["automated call"]++
		task, known := callTask[c.SID]
		checkCustomer("call", c.To, task, known, c.Created)
	}
	for _, d := range dials {
		contacts["bridge customer leg"]++
		task, known := callTask[d.call]
		checkCustomer("bridge", d.to, task, known, d.at)
	}
	sort.Slice(customerHits, func(i, j int) bool { return customerHits[i].at.Before(customerHits[j].at) })
	last := map[string]hit{}
	for _, h := range customerHits {
		if p, ok := last[h.to]; ok && p.task != h.task && h.at.Sub(p.at) < contact.DefaultNumberCap.Per {
			bad = append(bad, fmt.Sprintf("%s contacted by %s and %s %s apart", phone.Mask(h.to), p.task, h.task, h.at.Sub(p.at)))
		}
		last[h.to] = h
	}

	t.Logf("%d orders, %d dispatcher runs (%d late, %d missed)", n, runs, late, missed)
	for _, k := range sortedKeys(contacts) {
		t.Logf("  contacts %-22s %6d", k, contacts[k])
	}
	for _, k := range sortedKeys(ends) {
		t.Logf("  tasks %-60s %6d", k, ends[k])
	}
	if contacts["customer SMS"] == 0 || contacts["automated call"] == 0 || contacts["staff message"] == 0 || contacts["bridge customer leg"] == 0 {
		t.Errorf("a channel was never exercised: %v", contacts)
	}
	for _, b := range bad[:min(len(bad), 20)] {
		t.Error(b)
	}
	if len(bad) > 0 {
		t.Fatalf("%d contacts broke a rule", len(bad))
	}
}

// propEvent is one thing that happens in the property run's world.
type propEvent struct {
	at   time.Time
	kind string // order, stop, run, reply
	arg  string // the number: the customer's, the one that texts
	shop string // the order's shop; a reply's text
	num  int    // the order's number
}

// insertEvent inserts e after the events due at or before it.
func insertEvent(evs []propEvent, e propEvent) []propEvent {
	i := sort.Search(len(evs), func(i int) bool { return evs[i].at.After(e.at) })
	return append(evs[:i], append([]propEvent{e}, evs[i:]...)...)
}

var usAreas = []struct{ code string }{{"212"}, {"305"}, {"713"}, {"312"}, {"303"}, {"415"}, {"907"}, {"808"}, {"860"}, {"405"}, {"410"}, {"602"}}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// genericOrder is a signed generic order.created delivery.
func genericOrder(shop, secret, id, number, phone string, at time.Time) events.APIGatewayV2HTTPRequest {
	body := fmt.Sprintf(`{"event":"order.created","order":{"id":%q,"number":%q,"created_at":%q,"total":"30.00","currency":"USD",`+
		`"customer":{"first_name":"Pat","last_name":"Lee","phone":%q},"shipping_country":"US"}}`, id, number, at.Format(time.RFC3339), phone)
	return events.APIGatewayV2HTTPRequest{
		RouteKey:       "POST /webhooks/{source}",
		RawPath:        "/webhooks/generic",
		PathParameters: map[string]string{"source": "generic"},
		Headers: map[string]string{
			"content-type":    "application/json",
			"x-shop":          shop,
			"x-timestamp":     fmt.Sprint(at.Unix()),
			"x-signature-256": generic.Sign([]byte(secret), at, []byte(body)),
			"x-event-id":      "evt-" + shop + "-" + id,
		},
		Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{TimeEpoch: at.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/webhooks/generic"}},
	}
}
