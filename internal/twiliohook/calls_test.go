package twiliohook_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

// Values of the calls' fixtures (infra/fixtures/calls.go).
const (
	// staffPhone is STAFF_PHONE of events/env.json: the staff replies come
	// from it.
	staffPhone = "+12125550199"
	// bridgeCallSID is the click-to-call bridge's call to staffPhone
	// (bridge-answered.json, dial-*.json, call-status-no-answer.json).
	bridgeCallSID = "CA6683d76c2d2282cb5e5271574dda8071"
	// voiceCallSID is the automated call to the customer (voice-*.json).
	voiceCallSID = "CA6e3f6f2fafedb478e3b4b9c20758326d"
	// reminderSID is the call reminder SMS sent to staffPhone.
	reminderSID = "SMfeedfacefeedfacefeedfacefeedface"
	// callerID is TWILIO_FROM: the caller id the customer sees.
	callerID = "+15005550006"
)

var newYork = mustLoad("America/New_York")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestCallFixturesUseTheLocalStaffPhone(t *testing.T) {
	envs, err := localstack.LoadEnvFile(filepath.Join("..", "..", "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := envs[localstack.OrderWebhookID]["STAFF_PHONE"]; got != staffPhone {
		t.Errorf("STAFF_PHONE = %q, want %s (the staff fixtures' From)", got, staffPhone)
	}
	if got := envs[localstack.TwilioWebhookID]["TWILIO_FROM"]; got != callerID {
		t.Errorf("TWILIO_FROM = %q, want %s", got, callerID)
	}
}

// localTwilio starts a local Twilio server that takes events/env.json's
// credentials.
func localTwilio(t *testing.T) *twiliotest.Server {
	t.Helper()
	envs, err := localstack.LoadEnvFile(filepath.Join("..", "..", "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := envs[localstack.TwilioWebhookID]
	srv, err := twiliotest.NewServer(twiliotest.Options{AccountSID: env["TWILIO_ACCOUNT_SID"], AuthToken: env["TWILIO_AUTH_TOKEN"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// withTwilioAPI points the handler's Twilio client at baseURL.
func withTwilioAPI(baseURL string) fixtureOption {
	return func(env map[string]string) { env["TWILIO_API_BASE_URL"] = baseURL }
}

// order1001 is order 1001 of the fixtures: Jane Doe, +12125550123.
func order1001() thankyou.Order {
	return thankyou.Order{Source: thankyou.SourceShopify, Shop: "thankyou-demo.myshopify.com", ID: "820982911946154508",
		Number: "1001", Phone: customer, CustomerName: "Jane Doe", FirstName: "Jane"}
}

// staffCall stores order 1001's staff call as the dispatcher leaves it
// after reminding the shop's default staff phone: reminded, waiting for a
// reply from staffPhone.
func (f *fixture) staffCall(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	due := now.Add(-10 * time.Minute)
	_, err := f.store.CreateTask(ctx, thankyou.Task{
		ID: task1001, Order: order1001(), Channel: thankyou.ChannelStaff, Recipient: staffPhone,
		State: thankyou.StatePending, DueAt: due, Deadline: due.Add(72 * time.Hour),
		TimeZone: "America/New_York", CreatedAt: due.Add(-72 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Claim(ctx, task1001, "run-1", due, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := dynamo.Reminder{SID: reminderSID, Phone: staffPhone, Reminders: 1, FollowUpAt: now.Add(2 * time.Hour)}
	if err := f.store.Remind(ctx, task1001, "run-1", r, due); err != nil {
		t.Fatal(err)
	}
}

// bridged records the click-to-call bridge of the fixtures on the staff
// call, as a CALL reply does once Twilio accepted the call.
func (f *fixture) bridged(t *testing.T) {
	t.Helper()
	if err := f.store.RecordBridge(context.Background(), task1001, staffPhone, bridgeCallSID, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// voiceCall stores order 1001's automated call as the dispatcher leaves it
// once Twilio accepted the call voiceCallSID.
func (f *fixture) voiceCall(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	due := now.Add(-10 * time.Minute)
	_, err := f.store.CreateTask(ctx, thankyou.Task{
		ID: task1001, Order: order1001(), Channel: thankyou.ChannelCall, Recipient: customer,
		Voice: thankyou.Voice{Consent: true, Voice: "Polly.Joanna", Language: "en-US"},
		State: thankyou.StatePending, DueAt: due, Deadline: due.Add(72 * time.Hour),
		TimeZone: "America/New_York", CreatedAt: due.Add(-72 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Claim(ctx, task1001, "run-1", due, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.store.MarkSent(ctx, task1001, "run-1", voiceCallSID, due); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) openCalls(t *testing.T) []string {
	t.Helper()
	calls, err := f.store.OpenCalls(context.Background(), staffPhone)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	return ids
}

// twiml is what the tests read of a TwiML answer.
type twiml struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
	Says     []struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Dials []struct {
		CallerID string   `xml:"callerId,attr"`
		Action   string   `xml:"action,attr"`
		Method   string   `xml:"method,attr"`
		Timeout  string   `xml:"timeout,attr"`
		Numbers  []string `xml:"Number"`
	} `xml:"Dial"`
	Hangup *struct{} `xml:"Hangup"`
}

// readTwiML checks that resp is 200 TwiML that Twilio would play and reads it.
func readTwiML(t *testing.T, resp events.APIGatewayV2HTTPResponse) twiml {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Headers["Content-Type"], "text/xml") {
		t.Fatalf("answer = %d %q, want 200 TwiML: %s", resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
	}
	if err := twiliotest.CheckTwiML(resp.Body); err != nil {
		t.Fatalf("Twilio would not play the answer: %v\n%s", err, resp.Body)
	}
	var doc twiml
	if err := xml.Unmarshal([]byte(resp.Body), &doc); err != nil {
		t.Fatalf("TwiML is not well-formed: %v\n%s", err, resp.Body)
	}
	return doc
}

// reply reads the one SMS reply of a TwiML answer.
func reply(t *testing.T, resp events.APIGatewayV2HTTPResponse) string {
	t.Helper()
	doc := readTwiML(t, resp)
	if len(doc.Messages) != 1 || len(doc.Says) != 0 || len(doc.Dials) != 0 {
		t.Fatalf("answer is not one <Message>: %s", resp.Body)
	}
	return doc.Messages[0]
}

func TestStaffRepliesToTheCallReminder(t *testing.T) {
	// Friday: the staff phone's hours (STAFF_HOURS) start at 09:00, the
	// customer's (the send window) at 10:00, when the dispatcher reminds.
	tomorrow10 := time.Date(2026, 12, 4, 10, 0, 0, 0, newYork)
	tests := []struct {
		fixture string
		want    []string // in the reply
		check   func(t *testing.T, f *fixture, before, after thankyou.Task)
	}{
		{"staff-done.json", []string{"Order 1001 (Jane) is marked done."}, func(t *testing.T, f *fixture, _, got thankyou.Task) {
			if got.State != thankyou.StateCalled || got.Staff.Note != "lovely chat, she loves the mug" || got.ExpiresAt.IsZero() {
				t.Errorf("task = %s, note %q, expires %v; want called with the note, expiring", got.State, got.Staff.Note, got.ExpiresAt)
			}
			if ids := f.openCalls(t); len(ids) != 0 {
				t.Errorf("open calls after DONE: %v", ids)
			}
		}},
		{"staff-later.json", []string{"remind you about order 1001 (Jane) at 13:10."}, func(t *testing.T, f *fixture, _, got thankyou.Task) {
			want := now.Add(2 * time.Hour)
			if got.State != thankyou.StateReminded || !got.DueAt.Equal(want) || got.Staff.Reminders != 0 {
				t.Errorf("task = %s due %v, %d reminders; want reminded, due %v, count restarted", got.State, got.DueAt, got.Staff.Reminders, want)
			}
			if !polite.Contains(f.h.Settings.StaffWindow, got.DueAt, []*time.Location{newYork}) {
				t.Errorf("due %v is outside the staff phone's hours %s", got.DueAt.In(newYork), f.h.Settings.StaffWindow)
			}
			if ids := f.openCalls(t); !slices.Equal(ids, []string{task1001}) {
				t.Errorf("open calls after LATER: %v, want the snoozed call", ids)
			}
		}},
		{"staff-later-tomorrow.json", []string{"remind you about order 1001 (Jane) on Fri at 10:00."}, func(t *testing.T, f *fixture, _, got thankyou.Task) {
			if got.State != thankyou.StateReminded || !got.DueAt.Equal(tomorrow10) {
				t.Errorf("task = %s due %v; want reminded, due %v", got.State, got.DueAt.In(newYork), tomorrow10)
			}
			if !polite.Contains(f.h.Settings.StaffWindow, got.DueAt, []*time.Location{newYork}) {
				t.Errorf("due %v is outside the staff phone's hours %s", got.DueAt.In(newYork), f.h.Settings.StaffWindow)
			}
		}},
		{"staff-skip.json", []string{"Order 1001 (Jane) is marked skipped."}, func(t *testing.T, f *fixture, _, got thankyou.Task) {
			if got.State != thankyou.StateSkipped || got.Reason != "wrong number" {
				t.Errorf("task = %s (%q), want skipped, reason \"wrong number\"", got.State, got.Reason)
			}
			if ids := f.openCalls(t); len(ids) != 0 {
				t.Errorf("open calls after SKIP: %v", ids)
			}
		}},
		{"staff-list.json", []string{"1 open thank-you call:", "#1001 Jane Doe " + message.HumanPhone(customer)}, unchanged},
		{"staff-help.json", []string{"Reply DONE", "LATER", "SKIP", "CALL", "LIST"}, unchanged},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			f := newFixture(t)
			f.staffCall(t)
			before := f.task(t)
			msg := reply(t, f.post(t, loadEvent(t, tc.fixture)))
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("reply %q does not say %q", msg, w)
				}
			}
			tc.check(t, f, before, f.task(t))
		})
	}
}

// unchanged checks that a task is as it was.
func unchanged(t *testing.T, _ *fixture, before, after thankyou.Task) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("task changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestStaffReplyFromAnUnknownNumberSaysNothing(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	before := f.task(t)
	resp := f.post(t, loadEvent(t, "staff-from-unknown-number.json"))
	doc := readTwiML(t, resp)
	if len(doc.Messages) != 0 || len(doc.Says) != 0 {
		t.Errorf("a stranger got an answer: %s", resp.Body)
	}
	for _, secret := range []string{"1001", "Jane", "Doe", customer, strings.TrimPrefix(customer, "+1"), message.HumanPhone(customer), staffPhone} {
		if strings.Contains(resp.Body, secret) {
			t.Errorf("answer to a stranger holds %q: %s", secret, resp.Body)
		}
	}
	unchanged(t, f, before, f.task(t))
	if ids := f.openCalls(t); !slices.Equal(ids, []string{task1001}) {
		t.Errorf("open calls = %v, want the call still open", ids)
	}
}

func TestAnAmbiguousMessageFromStaffIsAnsweredAsAStaffReply(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	before := f.task(t)
	msg := reply(t, f.post(t, f.sms(t, staffPhone, "Had to stop for lunch, I will call her after")))
	if msg != inbound.StaffHelp {
		t.Errorf("answer %q, want the staff reply words", msg)
	}
	if out, _ := f.store.OptedOut(context.Background(), staffPhone); out {
		t.Error("the staff member was opted out")
	}
	unchanged(t, f, before, f.task(t))
}

func TestStaffReplyWithABadSignatureIsRefused(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	before := f.task(t)
	resp := f.post(t, loadEvent(t, "staff-bad-signature.json"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
	if strings.Contains(resp.Body, "1001") || strings.Contains(resp.Body, customer) {
		t.Errorf("refusal leaks the call: %s", resp.Body)
	}
	unchanged(t, f, before, f.task(t))
}

func TestStaffCallReplyStartsTheClickToCallBridge(t *testing.T) {
	local := localTwilio(t)
	f := newFixture(t, withTwilioAPI(local.URL()))
	f.staffCall(t)
	msg := reply(t, f.post(t, loadEvent(t, "staff-call.json")))
	if !strings.Contains(msg, "Calling you now") || !strings.Contains(msg, "Jane (order 1001)") {
		t.Errorf("reply %q, want that the call is coming, to Jane about order 1001", msg)
	}
	calls := local.Calls()
	if len(calls) != 1 {
		t.Fatalf("local Twilio got %d calls, want 1", len(calls))
	}
	c := calls[0]
	base := f.env["PUBLIC_BASE_URL"]
	if c.To != staffPhone || c.From != callerID || c.Method != http.MethodPost ||
		c.URL != twilio.CallbackURL(base, twilio.BridgePath, task1001) ||
		c.StatusCallback != twilio.CallbackURL(base, twilio.CallStatusPath, task1001) ||
		c.Timeout != int(twiliohook.BridgeRingTimeout/time.Second) {
		t.Errorf("call = to %s from %s, %s %s, status callback %s, timeout %d; want the staff phone called from %s with the bridge's TwiML",
			c.To, c.From, c.Method, c.URL, c.StatusCallback, c.Timeout, callerID)
	}
	got := f.task(t)
	if got.Call.SID != c.SID || got.Call.Status != "queued" || got.State != thankyou.StateReminded {
		t.Errorf("task = %s, call %+v; want still reminded, the bridge %s recorded as queued", got.State, got.Call, c.SID)
	}
	if ids := f.openCalls(t); !slices.Equal(ids, []string{task1001}) {
		t.Errorf("open calls = %v, want the call still open until DONE", ids)
	}
}

func TestBridgeAnsweredDialsTheCustomerWithTheShopsNumber(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	f.bridged(t)
	before := f.task(t)
	doc := readTwiML(t, f.post(t, loadEvent(t, "bridge-answered.json")))
	if len(doc.Says) != 1 || !strings.Contains(doc.Says[0].Text, "Jane") || !strings.Contains(doc.Says[0].Text, "1001") {
		t.Errorf("<Say> = %+v, want one naming Jane and order 1001", doc.Says)
	}
	if len(doc.Dials) != 1 {
		t.Fatalf("%d <Dial>s, want 1", len(doc.Dials))
	}
	d := doc.Dials[0]
	if want := twilio.CallbackURL(f.env["PUBLIC_BASE_URL"], twilio.DialPath, task1001); d.CallerID != callerID ||
		!slices.Equal(d.Numbers, []string{customer}) || d.Action != want || d.Method != http.MethodPost {
		t.Errorf("<Dial callerId=%q action=%q method=%q> numbers %v; want callerId %s, <Number>%s</Number>, POST to %s",
			d.CallerID, d.Action, d.Method, d.Numbers, callerID, customer, want)
	}
	unchanged(t, f, before, f.task(t))
	// The leg's admission recorded where a text back from the customer goes.
	if id, found, err := f.store.LastTask(context.Background(), customer, now); err != nil || !found || id != task1001 {
		t.Errorf("a reply from the customer goes to %q, %v, %v; want %s", id, found, err, task1001)
	}
}

func TestBridgeOfAnotherCallHangsUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, f *fixture)
	}{
		{"no bridge recorded", func(t *testing.T, f *fixture) { f.staffCall(t) }},
		{"call already done", func(t *testing.T, f *fixture) {
			f.staffCall(t)
			f.bridged(t)
			if _, err := f.store.CloseCall(context.Background(), task1001, staffPhone, thankyou.StateCalled, "", now); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(t, f)
			resp := f.post(t, loadEvent(t, "bridge-answered.json"))
			doc := readTwiML(t, resp)
			if len(doc.Dials) != 0 || doc.Hangup == nil || strings.Contains(resp.Body, customer) {
				t.Errorf("answer %s, want a hang-up without the customer's number", resp.Body)
			}
		})
	}
}

func TestDialActionRecordsTheCustomersLeg(t *testing.T) {
	tests := []struct {
		fixture string
		say     string
		check   func(t *testing.T, got thankyou.Task, sms []twiliotest.Message)
	}{
		{"dial-completed.json", "Thank you!", func(t *testing.T, got thankyou.Task, sms []twiliotest.Message) {
			if got.State != thankyou.StateCalled || got.Call.Customer != "completed" || got.Call.Duration != 95*time.Second ||
				!strings.Contains(got.Staff.Note, "click-to-call") {
				t.Errorf("task = %s, call %+v, note %q; want called after a 95 s bridged call", got.State, got.Call, got.Staff.Note)
			}
			if len(sms) != 0 {
				t.Errorf("staff got %d SMS after a connected call", len(sms))
			}
		}},
		{"dial-no-answer.json", "Jane did not answer.", func(t *testing.T, got thankyou.Task, sms []twiliotest.Message) {
			if got.State != thankyou.StateReminded || got.Call.Customer != "no-answer" || got.Call.SID != bridgeCallSID {
				t.Errorf("task = %s, call %+v; want still reminded, customer leg no-answer", got.State, got.Call)
			}
			if len(sms) != 1 || sms[0].To != staffPhone || sms[0].From != callerID ||
				!strings.Contains(sms[0].Body, "LATER 1001") || !strings.Contains(sms[0].Body, "SKIP 1001") {
				t.Errorf("SMS = %+v, want one to the staff phone offering LATER 1001 or SKIP 1001", sms)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			local := localTwilio(t)
			f := newFixture(t, withTwilioAPI(local.URL()))
			f.staffCall(t)
			f.bridged(t)
			resp := f.post(t, loadEvent(t, tc.fixture))
			doc := readTwiML(t, resp)
			if len(doc.Says) != 1 || !strings.Contains(doc.Says[0].Text, tc.say) || doc.Hangup == nil || len(doc.Dials) != 0 {
				t.Errorf("answer %s, want <Say> %q and a hang-up", resp.Body, tc.say)
			}
			tc.check(t, f.task(t), local.Messages())
		})
	}
}

func TestBridgeCallNotAnsweredByTheStaffKeepsTheCallOpen(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	f.bridged(t)
	doc := readTwiML(t, f.post(t, loadEvent(t, "call-status-no-answer.json")))
	if len(doc.Messages)+len(doc.Says)+len(doc.Dials) != 0 {
		t.Errorf("status callback answered %+v, want empty TwiML", doc)
	}
	got := f.task(t)
	if got.State != thankyou.StateReminded || got.Call.SID != bridgeCallSID || got.Call.Status != "no-answer" || !got.Call.At.Equal(now) {
		t.Errorf("task = %s, call %+v; want still reminded, the bridge's no-answer recorded", got.State, got.Call)
	}
	if ids := f.openCalls(t); !slices.Equal(ids, []string{task1001}) {
		t.Errorf("open calls = %v, want the call still open", ids)
	}
}

func TestAutomatedCallTwiMLForAPersonAndForAVoicemail(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		machine bool
	}{
		{"voice-answered-human.json", false},
		{"voice-answered-machine.json", true},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			f := newFixture(t)
			f.voiceCall(t)
			before := f.task(t)
			resp := f.post(t, loadEvent(t, tc.fixture))
			doc := readTwiML(t, resp)
			if len(doc.Says) != 1 || doc.Hangup == nil {
				t.Fatalf("answer %s, want one <Say> and a hang-up", resp.Body)
			}
			say := doc.Says[0]
			if say.Voice != "Polly.Joanna" || say.Language != "en-US" || !strings.Contains(say.Text, "Jane") ||
				!strings.Contains(say.Text, f.env["SHOP_NAME"]) {
				t.Errorf("<Say voice=%q language=%q>%s; want the task's voice and language, thanking Jane for the shop", say.Voice, say.Language, say.Text)
			}
			want := twiliohook.VoiceTwiML(before, f.env["SHOP_NAME"], tc.machine)
			other := twiliohook.VoiceTwiML(before, f.env["SHOP_NAME"], !tc.machine)
			if resp.Body != want || resp.Body == other {
				t.Errorf("answer %s\nwant (machine %v) %s", resp.Body, tc.machine, want)
			}
			unchanged(t, f, before, f.task(t))
		})
	}
}

func TestAutomatedCallEnds(t *testing.T) {
	tests := []struct {
		fixture string
		check   func(t *testing.T, f *fixture, got thankyou.Task)
	}{
		{"voice-call-completed.json", func(t *testing.T, _ *fixture, got thankyou.Task) {
			want := thankyou.CallOutcome{SID: voiceCallSID, Status: "completed", AnsweredBy: "human", Duration: 42 * time.Second, At: now}
			c := got.Call
			if got.State != thankyou.StateCalled || got.Channel != thankyou.ChannelCall || got.ExpiresAt.IsZero() ||
				c.SID != want.SID || c.Status != want.Status || c.AnsweredBy != want.AnsweredBy || c.Customer != "" ||
				c.Duration != want.Duration || !c.At.Equal(want.At) {
				t.Errorf("task = %s %s, call %+v, expires %v; want called, %+v, expiring", got.State, got.Channel, got.Call, got.ExpiresAt, want)
			}
		}},
		{"voice-call-no-answer.json", func(t *testing.T, f *fixture, got thankyou.Task) {
			if got.State != thankyou.StatePending || got.Channel != thankyou.ChannelSMS || !got.VoiceFallback ||
				got.MessageSID != "" || !got.DueAt.Equal(now) || got.Call.Status != "no-answer" || !strings.Contains(got.Reason, "no-answer") {
				t.Errorf("task = %s %s, fallback %v, sid %q, due %v, call %+v, reason %q; want the thank-you SMS pending now",
					got.State, got.Channel, got.VoiceFallback, got.MessageSID, got.DueAt, got.Call, got.Reason)
			}
			due, err := f.store.DueTaskIDs(context.Background(), now, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(due, task1001) {
				t.Errorf("due tasks = %v, want the fallen-back SMS", due)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			f := newFixture(t)
			f.voiceCall(t)
			ev := loadEvent(t, tc.fixture)
			doc := readTwiML(t, f.post(t, ev))
			if len(doc.Messages)+len(doc.Says)+len(doc.Dials) != 0 {
				t.Errorf("status callback answered %+v, want empty TwiML", doc)
			}
			got := f.task(t)
			tc.check(t, f, got)
			// Twilio may repeat a callback: nothing changes the second time.
			readTwiML(t, f.post(t, ev))
			unchanged(t, f, got, f.task(t))
		})
	}
}

// TestBridgeDialsNoCustomerWhoOptedOutMeanwhile: the customer texted STOP
// between the staff member's CALL and their answering: the bridge's
// customer leg goes through the gate too, and nobody is dialled.
func TestBridgeDialsNoCustomerWhoOptedOutMeanwhile(t *testing.T) {
	f := newFixture(t)
	f.staffCall(t)
	f.bridged(t)
	if err := f.store.SetOptOut(context.Background(), customer, "STOP", now.Add(-30*time.Second)); err != nil {
		t.Fatal(err)
	}
	doc := readTwiML(t, f.post(t, loadEvent(t, "bridge-answered.json")))
	if len(doc.Dials) != 0 {
		t.Fatalf("<Dial>s = %+v, want none for an opted-out customer", doc.Dials)
	}
	if len(doc.Says) != 1 || !strings.Contains(doc.Says[0].Text, "cannot be called now") {
		t.Errorf("<Say> = %+v, want that Jane cannot be called", doc.Says)
	}
}
