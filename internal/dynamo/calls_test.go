package dynamo_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Staff members' numbers of the call tests.
const (
	callerA = "+12125550101"
	callerB = "+12125550102"
)

// staffCallTask returns a new staff call (ChannelStaff) for order id, due
// at due, to callerA.
func staffCallTask(id string, due time.Time) thankyou.Task {
	task := pendingTask(id, due)
	task.Channel, task.Recipient = thankyou.ChannelStaff, callerA
	task.Order.Items = []string{"2 × Blue mug", "1 × Teapot"}
	return task
}

// voiceTask returns a new automated call (ChannelCall) for order id, due at
// due, to the customer.
func voiceTask(id string, due time.Time) thankyou.Task {
	task := pendingTask(id, due)
	task.Channel = thankyou.ChannelCall
	task.Voice = thankyou.Voice{Consent: true, Voice: "Polly.Joanna", Language: "en-US"}
	return task
}

// reminder returns the reminder of the n-th reminder to e164, due again at
// follow.
func reminder(sid, member, e164 string, n int, follow time.Time) dynamo.Reminder {
	return dynamo.Reminder{SID: sid, MemberID: member, Phone: e164, Reminders: n, FollowUpAt: follow}
}

// reminded creates a staff call for order id due at t0, claims it at t0 and
// records r at at.
func (e env) reminded(t testing.TB, id string, r dynamo.Reminder, at time.Time) thankyou.Task {
	t.Helper()
	task := e.create(t, staffCallTask(id, t0))
	e.claim(t, task.ID, "run", t0)
	if err := e.store.Remind(context.Background(), task.ID, "run", r, at); err != nil {
		t.Fatalf("Remind(%s): %v", task.ID, err)
	}
	return e.get(t, task.ID)
}

// openCalls returns the ids of the calls open for e164, as OpenCalls orders
// them, and checks that CountOpenCalls agrees.
func (e env) openCalls(t testing.TB, e164 string) []string {
	t.Helper()
	ctx := context.Background()
	calls, err := e.store.OpenCalls(ctx, e164)
	if err != nil {
		t.Fatalf("OpenCalls: %v", err)
	}
	ids := []string{}
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	n, err := e.store.CountOpenCalls(ctx, e164)
	if err != nil || n != len(ids) {
		t.Errorf("CountOpenCalls = %d, %v; want %d (as OpenCalls)", n, err, len(ids))
	}
	return ids
}

// events returns the events of a task's history, and fails if a detail
// holds personal data (a customer's or a staff member's number, or a note).
func (e env) events(t testing.TB, id string, personal ...string) []dynamo.TaskEvent {
	t.Helper()
	_, h, err := e.store.GetTaskHistory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	personal = append(personal, testPhone, callerA, callerB, strings.TrimPrefix(callerA, "+"), strings.TrimPrefix(callerB, "+"))
	for _, ev := range h {
		for _, p := range personal {
			if strings.Contains(ev.Detail, p) {
				t.Errorf("history %s %q holds %q", ev.Event, ev.Detail, p)
			}
		}
	}
	return h
}

func lastEvent(h []dynamo.TaskEvent) dynamo.TaskEvent {
	if len(h) == 0 {
		return dynamo.TaskEvent{}
	}
	return h[len(h)-1]
}

func TestCallAttributesReadBackUnchanged(t *testing.T) {
	tests := []struct {
		name   string
		change func(*thankyou.Task)
	}{
		{"items", func(task *thankyou.Task) { task.Order.Items = []string{"2 × Blue mug", "1 × Teapot", "Gift card"} }},
		{"staff call", func(task *thankyou.Task) {
			task.Channel, task.Recipient = thankyou.ChannelStaff, callerA
			task.Staff = thankyou.StaffCall{MemberID: "ana", Reminders: 2, Reassigned: 1, RemindedAt: t0.Add(-time.Hour), Note: "left a voicemail"}
		}},
		{"call outcome", func(task *thankyou.Task) {
			task.Call = thankyou.CallOutcome{SID: "CA1", Status: "completed", AnsweredBy: "human", Customer: "completed", Duration: 95 * time.Second, At: t0.Add(-time.Minute)}
		}},
		{"voice", func(task *thankyou.Task) {
			task.Channel = thankyou.ChannelCall
			task.Voice = thankyou.Voice{Consent: true, Voice: "Polly.Joanna", Language: "en-US", PlayURL: "https://example.com/thanks.mp3"}
		}},
		{"voice fallback", func(task *thankyou.Task) {
			task.VoiceFallback = true
			task.Call = thankyou.CallOutcome{SID: "CA2", Status: "no-answer", At: t0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			want := pendingTask("1", t0)
			tt.change(&want)
			e.create(t, want)
			if got := e.get(t, want.ID); !reflect.DeepEqual(got, want) {
				t.Errorf("GetTask =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestCallAttributesAreStoredByName(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := pendingTask("1", t0)
	task.Order.Items = []string{"2 × Blue mug"}
	task.Staff = thankyou.StaffCall{MemberID: "ana", Reminders: 2, Reassigned: 1, RemindedAt: t0, Note: "n"}
	task.Call = thankyou.CallOutcome{SID: "CA1", Status: "completed", AnsweredBy: "human", Customer: "busy", Duration: 95 * time.Second, At: t0}
	task.Voice = thankyou.Voice{Consent: true, Voice: "v", Language: "l", PlayURL: "https://p"}
	task.VoiceFallback = true
	e.create(t, task)
	item := e.raw(t, task.ID)
	for attr, want := range map[string]string{
		"staffMember": "ana", "remindedAt": "2030-03-04T10:00:00Z", "note": "n",
		"callSid": "CA1", "callStatus": "completed", "answeredBy": "human", "callCustomer": "busy", "callAt": "2030-03-04T10:00:00Z",
		"voice": "v", "voiceLanguage": "l", "voicePlayUrl": "https://p",
	} {
		if got := strAttr(item, attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	for attr, want := range map[string]string{"reminders": "2", "reassigned": "1", "callDuration": "95"} {
		if got := numAttr(t, item, attr); got != want {
			t.Errorf("%s = %s, want %s", attr, got, want)
		}
	}
	for _, attr := range []string{"items", "voiceConsent", "voiceFallback"} {
		if !hasAttr(item, attr) {
			t.Errorf("no %s", attr)
		}
	}
	// A new task is in no call's index until it is reminded.
	for _, attr := range []string{"callPk", "callSk"} {
		if hasAttr(item, attr) {
			t.Errorf("new task has %s", attr)
		}
	}

	plain := e.create(t, pendingTask("2", t0))
	for _, attr := range []string{"items", "staffMember", "reminders", "note", "callSid", "callDuration", "voiceConsent", "voice", "voiceFallback"} {
		if item := e.raw(t, plain.ID); hasAttr(item, attr) {
			t.Errorf("plain task has %s = %v, want none (omitted when empty)", attr, item[attr])
		}
	}
}

func TestRemindPutsTheCallInOpenCallsAndDueAtFollowUp(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	first := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0.Add(time.Minute))
	second := e.reminded(t, "2", reminder("SM2", "ana", callerA, 1, follow), t0.Add(2*time.Minute))
	other := e.reminded(t, "3", reminder("SM3", "", callerB, 1, follow), t0.Add(3*time.Minute))

	if got, want := e.openCalls(t, callerA), []string{second.ID, first.ID}; !slices.Equal(got, want) {
		t.Errorf("OpenCalls(A) = %v, want %v (newest reminder first)", got, want)
	}
	if got, want := e.openCalls(t, callerB), []string{other.ID}; !slices.Equal(got, want) {
		t.Errorf("OpenCalls(B) = %v, want %v", got, want)
	}
	if got := e.openCalls(t, "+12125550199"); len(got) != 0 {
		t.Errorf("OpenCalls(unknown) = %v, want none", got)
	}

	want := staffCallTask("1", t0)
	want.State, want.MessageSID, want.Recipient, want.Attempts = thankyou.StateReminded, "SM1", callerA, 0
	want.DueAt, want.UpdatedAt = follow, t0.Add(time.Minute)
	want.Staff = thankyou.StaffCall{MemberID: "ana", Reminders: 1, RemindedAt: t0.Add(time.Minute)}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("reminded task =\n%+v\nwant\n%+v", first, want)
	}
	if other.Staff.MemberID != "" || other.Recipient != callerB {
		t.Errorf("default-phone reminder: member %q, recipient %q", other.Staff.MemberID, other.Recipient)
	}
	if got := e.due(t, follow.Add(-time.Second), 0); len(got) != 0 {
		t.Errorf("due before the follow-up: %v, want none", got)
	}
	if got := e.due(t, follow, 0); len(got) != 3 {
		t.Errorf("due at the follow-up: %v, want the three calls", got)
	}
	item := e.raw(t, first.ID)
	for attr, want := range map[string]string{"callPk": "CALLS#" + callerA, "callSk": "2030-03-04T10:01:00Z#" + first.ID, "dueSk": "2030-03-04T12:00:00Z#" + first.ID} {
		if got := strAttr(item, attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if ev := lastEvent(e.events(t, first.ID)); ev.Event != "reminded" || ev.Detail != "sid=SM1 member=ana n=1" {
		t.Errorf("last event = %+v, want reminded sid=SM1 member=ana n=1", ev)
	}

	// Remind needs the lease, and a complete reminder.
	err := e.store.Remind(ctx, first.ID, "run", reminder("SM9", "ana", callerA, 2, follow), t0)
	if !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Remind without the lease: %v, want ErrNotClaimable", err)
	}
	for _, r := range []dynamo.Reminder{
		reminder("SM9", "ana", callerA, 2, time.Time{}),
		reminder("", "ana", callerA, 2, follow),
		reminder("SM9", "ana", "", 2, follow),
	} {
		if err := e.store.Remind(ctx, first.ID, "run", r, t0); thankyou.ErrorCode(err) != thankyou.EINVALID {
			t.Errorf("Remind(%+v): %v, want EINVALID", r, err)
		}
	}
}

func TestRemindedCallIsClaimedAgainWhenDue(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)

	_, err := e.store.Claim(ctx, task.ID, "run-b", follow.Add(-time.Second), 5*time.Minute)
	if !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Fatalf("Claim before the follow-up: %v, want ErrNotClaimable", err)
	}
	c := e.claim(t, task.ID, "run-b", follow)
	if c.Recovered {
		t.Error("the claim of a reminded call is Recovered")
	}
	if c.Task.State != thankyou.StateSending || c.Task.LeaseOwner != "run-b" || c.Task.Attempts != 1 {
		t.Errorf("claimed = state %s, owner %q, attempts %d; want sending, run-b, 1", c.Task.State, c.Task.LeaseOwner, c.Task.Attempts)
	}
	if c.Task.MessageSID != "SM1" || c.Task.Staff.Reminders != 1 || c.Task.Staff.MemberID != "ana" {
		t.Errorf("claimed task lost its reminder: %+v", c.Task)
	}
	if got := e.openCalls(t, callerA); !slices.Equal(got, []string{task.ID}) {
		t.Errorf("OpenCalls while sending = %v, want the call (a reply must still find it)", got)
	}
	if ev := lastEvent(e.events(t, task.ID)); ev.Event != "claimed" || ev.Detail != "owner=run-b from=reminded" {
		t.Errorf("last event = %+v", ev)
	}
	if _, err := e.store.Claim(ctx, task.ID, "run-c", follow.Add(time.Minute), 5*time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("second Claim under the lease: %v, want ErrNotClaimable", err)
	}
	// The follow-up's lease expires like any other.
	if c := e.claim(t, task.ID, "run-c", follow.Add(6*time.Minute)); !c.Recovered || !c.PreviousClaimAt.Equal(follow) {
		t.Errorf("claim after the lease = Recovered %v, previous %s; want true, %s", c.Recovered, c.PreviousClaimAt, follow)
	}
}

func TestAssignCall(t *testing.T) {
	tests := []struct {
		name      string
		member    string
		phone     string
		wantCalls map[string]int // open calls per phone after AssignCall
	}{
		{"to another member", "bo", callerB, map[string]int{callerA: 0, callerB: 0}},
		{"to the same phone", "ana", callerA, map[string]int{callerA: 1, callerB: 0}},
		{"to the default phone", "", callerB, map[string]int{callerA: 0, callerB: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			follow := t0.Add(2 * time.Hour)
			task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 2, follow), t0)
			e.claim(t, task.ID, "run-b", follow)

			if err := e.store.AssignCall(ctx, task.ID, "other", tt.member, tt.phone, follow); !errors.Is(err, thankyou.ErrNotClaimable) {
				t.Errorf("AssignCall without the lease: %v, want ErrNotClaimable", err)
			}
			if err := e.store.AssignCall(ctx, task.ID, "run-b", tt.member, tt.phone, follow); err != nil {
				t.Fatal(err)
			}
			for p, n := range tt.wantCalls {
				if got := e.openCalls(t, p); len(got) != n {
					t.Errorf("OpenCalls(%s) = %v, want %d", p, got, n)
				}
			}
			got := e.get(t, task.ID)
			if got.Recipient != tt.phone || got.Staff.MemberID != tt.member || got.State != thankyou.StateSending {
				t.Errorf("after AssignCall: recipient %q, member %q, state %s", got.Recipient, got.Staff.MemberID, got.State)
			}
			if ev := lastEvent(e.events(t, task.ID)); ev.Event != "assigned" || ev.Detail != "member="+tt.member {
				t.Errorf("last event = %+v", ev)
			}

			// The new assignee's reminder puts it under their number.
			r := reminder("SM2", tt.member, tt.phone, 1, follow.Add(time.Hour))
			r.Reassigned = 1
			if err := e.store.Remind(ctx, task.ID, "run-b", r, follow.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got := e.openCalls(t, tt.phone); !slices.Equal(got, []string{task.ID}) {
				t.Errorf("OpenCalls(new phone) = %v", got)
			}
			if got := e.get(t, task.ID).Staff; got.Reassigned != 1 || got.Reminders != 1 {
				t.Errorf("staff call = %+v, want reassigned 1, reminders 1", got)
			}
		})
	}
}

func TestAssignCallOfUnknownTaskOrWithoutPhone(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	if err := e.store.AssignCall(ctx, "shopify:x:404", "run", "ana", callerA, t0); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("unknown task: %v, want ENOTFOUND", err)
	}
	if err := e.store.AssignCall(ctx, "shopify:x:404", "run", "ana", "", t0); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("no phone: %v, want EINVALID", err)
	}
}

func TestCloseCall(t *testing.T) {
	const note = "Ada loved the mug"
	tests := []struct {
		name      string
		claimed   bool // a dispatcher holds the call for its follow-up
		phone     string
		state     thankyou.State
		note      string
		want      string // the error code, "" for success
		wantState thankyou.State
		wantNote  string
		wantWhy   string
	}{
		{name: "called with a note", phone: callerA, state: thankyou.StateCalled, note: note, wantState: thankyou.StateCalled, wantNote: note},
		{name: "called without a note", phone: callerA, state: thankyou.StateCalled, wantState: thankyou.StateCalled},
		{name: "skipped with a reason", phone: callerA, state: thankyou.StateSkipped, note: "wrong number", wantState: thankyou.StateSkipped, wantWhy: "wrong number"},
		{name: "skipped without a reason", phone: callerA, state: thankyou.StateSkipped, wantState: thankyou.StateSkipped, wantWhy: "skipped by staff"},
		{name: "while a dispatcher holds it", claimed: true, phone: callerA, state: thankyou.StateCalled, note: note, wantState: thankyou.StateCalled, wantNote: note},
		{name: "from another number", phone: callerB, state: thankyou.StateCalled, note: note, want: thankyou.ECONFLICT},
		{name: "claimed, from another number", claimed: true, phone: callerB, state: thankyou.StateCalled, want: thankyou.ECONFLICT},
		{name: "to an open state", phone: callerA, state: thankyou.StateReminded, want: thankyou.EINVALID},
		{name: "to another final state", phone: callerA, state: thankyou.StateDelivered, want: thankyou.EINVALID},
		{name: "without a number", phone: "", state: thankyou.StateCalled, want: thankyou.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			follow := t0.Add(2 * time.Hour)
			task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)
			at := t0.Add(time.Hour)
			if tt.claimed {
				at = follow.Add(time.Minute)
				e.claim(t, task.ID, "run-b", follow)
			}
			before := e.raw(t, task.ID)

			got, err := e.store.CloseCall(ctx, task.ID, tt.phone, tt.state, tt.note, at)
			if tt.want != "" {
				if code := thankyou.ErrorCode(err); code != tt.want {
					t.Fatalf("CloseCall: %v (code %q), want %s", err, code, tt.want)
				}
				if after := e.raw(t, task.ID); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused CloseCall changed the task")
				}
				return
			}
			if err != nil {
				t.Fatalf("CloseCall: %v", err)
			}
			if got.State != tt.wantState || got.Staff.Note != tt.wantNote || got.Reason != tt.wantWhy {
				t.Errorf("closed = state %s, note %q, reason %q; want %s, %q, %q", got.State, got.Staff.Note, got.Reason, tt.wantState, tt.wantNote, tt.wantWhy)
			}
			if !reflect.DeepEqual(got, e.get(t, task.ID)) {
				t.Errorf("CloseCall returned %+v, stored %+v", got, e.get(t, task.ID))
			}
			item := e.raw(t, task.ID)
			assertNotIndexed(t, item)
			for _, a := range []string{"callPk", "callSk"} {
				if hasAttr(item, a) {
					t.Errorf("closed call still has %s", a)
				}
			}
			if want := at.Add(retention).Unix(); got.ExpiresAt.Unix() != want {
				t.Errorf("expiresAt = %s, want %s", got.ExpiresAt, time.Unix(want, 0).UTC())
			}
			if ids := e.openCalls(t, callerA); len(ids) != 0 {
				t.Errorf("OpenCalls after close = %v", ids)
			}
			if ids := e.due(t, follow.Add(time.Hour), 0); len(ids) != 0 {
				t.Errorf("due after close = %v", ids)
			}
			if ev := lastEvent(e.events(t, task.ID, note)); ev.Event != "closed" || ev.Detail != "state="+string(tt.wantState) {
				t.Errorf("last event = %+v", ev)
			}
			if tt.claimed {
				err := e.store.Remind(ctx, task.ID, "run-b", reminder("SM2", "ana", callerA, 2, follow.Add(time.Hour)), at)
				if !errors.Is(err, thankyou.ErrNotClaimable) {
					t.Errorf("the dispatcher's Remind after the close: %v, want ErrNotClaimable", err)
				}
			}
			// A second reply finds nothing open.
			if _, err := e.store.CloseCall(ctx, task.ID, tt.phone, tt.state, "", at); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
				t.Errorf("second CloseCall: %v, want ECONFLICT", err)
			}
		})
	}
}

func TestCloseCallOfUnknownTaskIsNotFound(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	_, err := e.store.CloseCall(context.Background(), "shopify:x:404", callerA, thankyou.StateCalled, "", t0)
	if code := thankyou.ErrorCode(err); code != thankyou.ENOTFOUND {
		t.Errorf("CloseCall of unknown task: %v, want ENOTFOUND", err)
	}
}

func TestCloseCallOfACallRescheduledByTheDispatcher(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)
	e.claim(t, task.ID, "run-b", follow)
	// The follow-up could not go out yet (Twilio said 429).
	if err := e.store.Reschedule(ctx, task.ID, "run-b", follow.Add(time.Hour), "429", 20429, follow); err != nil {
		t.Fatal(err)
	}
	if got := e.openCalls(t, callerA); !slices.Equal(got, []string{task.ID}) {
		t.Fatalf("OpenCalls = %v", got)
	}
	got, err := e.store.CloseCall(ctx, task.ID, callerA, thankyou.StateCalled, "", follow.Add(time.Minute))
	if err != nil || got.State != thankyou.StateCalled {
		t.Errorf("CloseCall = %s, %v; want called", got.State, err)
	}
}

func TestSnooze(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 2, follow), t0)
	later := t0.Add(5 * time.Hour)

	if _, err := e.store.Snooze(ctx, task.ID, callerB, later, t0.Add(time.Hour)); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("Snooze from another number: %v, want ECONFLICT", err)
	}
	if _, err := e.store.Snooze(ctx, task.ID, callerA, time.Time{}, t0.Add(time.Hour)); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("Snooze with no time: %v, want EINVALID", err)
	}
	if _, err := e.store.Snooze(ctx, "shopify:x:404", callerA, later, t0); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("Snooze of unknown task: %v, want ENOTFOUND", err)
	}
	got, err := e.store.Snooze(ctx, task.ID, callerA, later, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StateReminded || !got.DueAt.Equal(later) || got.Staff.Reminders != 0 {
		t.Errorf("snoozed = state %s, due %s, reminders %d; want reminded, %s, 0", got.State, got.DueAt, got.Staff.Reminders, later)
	}
	if ids := e.due(t, later.Add(-time.Second), 0); len(ids) != 0 {
		t.Errorf("due before the snooze ends: %v", ids)
	}
	if ids := e.due(t, later, 0); !slices.Equal(ids, []string{task.ID}) {
		t.Errorf("due when the snooze ends: %v", ids)
	}
	if ids := e.openCalls(t, callerA); !slices.Equal(ids, []string{task.ID}) {
		t.Errorf("OpenCalls after snooze = %v", ids)
	}
	if ev := lastEvent(e.events(t, task.ID)); ev.Event != "snoozed" || ev.Detail != "due=2030-03-04T15:00:00Z" {
		t.Errorf("last event = %+v", ev)
	}
	// A call a dispatcher holds is not snoozed.
	e.claim(t, task.ID, "run-b", later)
	if _, err := e.store.Snooze(ctx, task.ID, callerA, later.Add(time.Hour), later); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("Snooze while sending: %v, want ECONFLICT", err)
	}
}

func TestBridgeAndCallStatus(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, t0.Add(2*time.Hour)), t0)
	at := t0.Add(10 * time.Minute)

	if err := e.store.RecordBridge(ctx, task.ID, callerB, "CA1", at); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("RecordBridge from another number: %v, want ECONFLICT", err)
	}
	if err := e.store.RecordBridge(ctx, "shopify:x:404", callerA, "CA1", at); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("RecordBridge of unknown task: %v, want ENOTFOUND", err)
	}
	if err := e.store.RecordBridge(ctx, task.ID, callerA, "", at); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("RecordBridge without a SID: %v, want EINVALID", err)
	}
	if err := e.store.RecordBridge(ctx, task.ID, callerA, "CA1", at); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, task.ID); got.Call != (thankyou.CallOutcome{SID: "CA1", Status: "queued", At: at}) || got.State != thankyou.StateReminded {
		t.Errorf("after RecordBridge: call %+v, state %s", got.Call, got.State)
	}

	steps := []struct {
		sid  string
		o    thankyou.CallOutcome
		want thankyou.CallOutcome // without At
		code string
	}{
		{"CA9", thankyou.CallOutcome{Status: "ringing"}, thankyou.CallOutcome{}, thankyou.ECONFLICT},
		{"CA1", thankyou.CallOutcome{Status: "ringing"}, thankyou.CallOutcome{SID: "CA1", Status: "ringing"}, ""},
		{"CA1", thankyou.CallOutcome{Status: "in-progress", Customer: "completed", Duration: 95 * time.Second}, thankyou.CallOutcome{SID: "CA1", Status: "in-progress", Customer: "completed", Duration: 95 * time.Second}, ""},
		{"CA1", thankyou.CallOutcome{Status: "completed"}, thankyou.CallOutcome{SID: "CA1", Status: "completed", Customer: "completed", Duration: 95 * time.Second}, ""},
		// A late progress report does not undo the end.
		{"CA1", thankyou.CallOutcome{Status: "ringing", AnsweredBy: "human"}, thankyou.CallOutcome{SID: "CA1", Status: "completed", AnsweredBy: "human", Customer: "completed", Duration: 95 * time.Second}, ""},
	}
	for i, st := range steps {
		now := at.Add(time.Duration(i+1) * time.Minute)
		got, err := e.store.RecordCallStatus(ctx, task.ID, st.sid, st.o, now)
		if code := thankyou.ErrorCode(err); code != st.code {
			t.Fatalf("step %d: RecordCallStatus: %v, want code %q", i, err, st.code)
		}
		if st.code != "" {
			continue
		}
		want := st.want
		want.At = now
		if got.Call != want || got.State != thankyou.StateReminded {
			t.Errorf("step %d: call %+v, state %s; want %+v, reminded", i, got.Call, got.State, want)
		}
	}
	if ev := lastEvent(e.events(t, task.ID)); ev.Event != "call" || ev.Detail != "status=ringing answeredBy=human" {
		t.Errorf("last event = %+v", ev)
	}

	// A second bridge starts afresh.
	if err := e.store.RecordBridge(ctx, task.ID, callerA, "CA2", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, task.ID).Call; got != (thankyou.CallOutcome{SID: "CA2", Status: "queued", At: at.Add(time.Hour)}) {
		t.Errorf("after the second bridge: %+v", got)
	}
	if _, err := e.store.RecordCallStatus(ctx, task.ID, "CA1", thankyou.CallOutcome{Status: "completed"}, at.Add(time.Hour)); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("status of the first bridge: %v, want ECONFLICT", err)
	}
	if _, err := e.store.RecordCallStatus(ctx, "shopify:x:404", "CA1", thankyou.CallOutcome{Status: "completed"}, at); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("status of unknown task: %v, want ENOTFOUND", err)
	}
}

// voiceSent creates an automated call task and takes it through claim and
// MarkSent with the call's SID.
func (e env) voiceSent(t testing.TB, n, sid string) thankyou.Task {
	t.Helper()
	task := e.create(t, voiceTask(n, t0))
	e.claim(t, task.ID, "run", t0)
	if err := e.store.MarkSent(context.Background(), task.ID, "run", sid, t0); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestFinishVoiceCall(t *testing.T) {
	end := t0.Add(2 * time.Minute)
	tests := []struct {
		name     string
		o        thankyou.CallOutcome
		answered bool
		check    func(t *testing.T, e env, got thankyou.Task)
	}{
		{"answered by a person", thankyou.CallOutcome{Status: "completed", AnsweredBy: "human", Duration: 31 * time.Second}, true,
			func(t *testing.T, e env, got thankyou.Task) {
				want := thankyou.CallOutcome{SID: "CA1", Status: "completed", AnsweredBy: "human", Duration: 31 * time.Second, At: end}
				if got.State != thankyou.StateCalled || got.Call != want || got.Channel != thankyou.ChannelCall || got.VoiceFallback {
					t.Errorf("answered = state %s, channel %s, fallback %v, call %+v; want called, call, false, %+v", got.State, got.Channel, got.VoiceFallback, got.Call, want)
				}
				if got.ExpiresAt.Unix() != end.Add(retention).Unix() {
					t.Errorf("expiresAt = %s, want renewed", got.ExpiresAt)
				}
				assertNotIndexed(t, e.raw(t, got.ID))
			}},
		{"not answered", thankyou.CallOutcome{Status: "no-answer"}, false,
			func(t *testing.T, e env, got thankyou.Task) {
				want := thankyou.CallOutcome{SID: "CA1", Status: "no-answer", At: end}
				if got.State != thankyou.StatePending || got.Channel != thankyou.ChannelSMS || !got.VoiceFallback || got.Call != want {
					t.Errorf("fallback = state %s, channel %s, fallback %v, call %+v; want pending, sms, true, %+v", got.State, got.Channel, got.VoiceFallback, got.Call, want)
				}
				if got.MessageSID != "" || !got.ExpiresAt.IsZero() || got.Attempts != 0 || !got.DueAt.Equal(end) {
					t.Errorf("fallback = sid %q, expires %s, attempts %d, due %s; want none, zero, 0, %s", got.MessageSID, got.ExpiresAt, got.Attempts, got.DueAt, end)
				}
				if want := "automated call no-answer: thank-you SMS instead"; got.Reason != want {
					t.Errorf("reason = %q, want %q", got.Reason, want)
				}
				if ids := e.due(t, end, 0); !slices.Equal(ids, []string{got.ID}) {
					t.Errorf("due = %v, want the fallback", ids)
				}
				// The fallback SMS goes out; a late report of the call
				// changes nothing, and no call report falls back again.
				c := e.claim(t, got.ID, "run-2", end)
				if c.Task.Channel != thankyou.ChannelSMS || c.Task.Attempts != 1 {
					t.Errorf("claimed fallback: channel %s, attempts %d", c.Task.Channel, c.Task.Attempts)
				}
				if err := e.store.MarkSent(context.Background(), got.ID, "run-2", "SM1", end); err != nil {
					t.Fatal(err)
				}
				after, err := e.store.FinishVoiceCall(context.Background(), got.ID, "CA1", thankyou.CallOutcome{Status: "no-answer"}, false, end.Add(time.Minute))
				if err != nil || after.State != thankyou.StateSent || after.MessageSID != "SM1" {
					t.Errorf("late report after the SMS: state %s, sid %s, %v; want sent, SM1, nil", after.State, after.MessageSID, err)
				}
				_, err = e.store.FinishVoiceCall(context.Background(), got.ID, "SM1", thankyou.CallOutcome{Status: "busy"}, false, end.Add(time.Minute))
				if thankyou.ErrorCode(err) != thankyou.ECONFLICT {
					t.Errorf("a second fallback: %v, want ECONFLICT", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			task := e.voiceSent(t, "1", "CA1")

			if _, err := e.store.FinishVoiceCall(ctx, task.ID, "CA9", tt.o, tt.answered, end); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
				t.Errorf("report of another call: %v, want ECONFLICT", err)
			}
			got, err := e.store.FinishVoiceCall(ctx, task.ID, "CA1", tt.o, tt.answered, end)
			if err != nil {
				t.Fatalf("FinishVoiceCall: %v", err)
			}
			if stored := e.get(t, task.ID); !reflect.DeepEqual(got, stored) {
				t.Errorf("returned %+v, stored %+v", got, stored)
			}
			before := e.raw(t, task.ID)
			again, err := e.store.FinishVoiceCall(ctx, task.ID, "CA1", tt.o, tt.answered, end.Add(time.Minute))
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("repeated report = %+v, %v; want the task unchanged, nil", again, err)
			}
			if !reflect.DeepEqual(e.raw(t, task.ID), before) {
				t.Error("a repeated report changed the task")
			}
			e.events(t, task.ID)
			tt.check(t, e, got)
		})
	}
}

func TestFinishVoiceCallRefusesOtherTasks(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	sms := e.sentTask(t, "1", "SM1")
	pending := e.create(t, voiceTask("2", t0))
	for _, tt := range []struct {
		name, id, sid string
		want          string
	}{
		{"an SMS task", sms.ID, "SM1", thankyou.ECONFLICT},
		{"a call not placed yet", pending.ID, "CA1", thankyou.ECONFLICT},
		{"an unknown task", "shopify:x:404", "CA1", thankyou.ENOTFOUND},
		{"no SID", pending.ID, "", thankyou.EINVALID},
	} {
		if _, err := e.store.FinishVoiceCall(ctx, tt.id, tt.sid, thankyou.CallOutcome{Status: "completed"}, true, t0); thankyou.ErrorCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestRecordCallStatusOfAnAutomatedCall(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.voiceSent(t, "1", "CA1")
	got, err := e.store.RecordCallStatus(context.Background(), task.ID, "CA1", thankyou.CallOutcome{Status: "ringing"}, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := (thankyou.CallOutcome{SID: "CA1", Status: "ringing", At: t0.Add(time.Second)}); got.Call != want || got.State != thankyou.StateSent {
		t.Errorf("call %+v, state %s; want %+v, sent", got.Call, got.State, want)
	}
}

func TestToSMS(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, voiceTask("1", t0))
	e.claim(t, task.ID, "run", t0)
	at := t0.Add(time.Minute)

	if err := e.store.ToSMS(ctx, task.ID, "other", "no consent", at); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("ToSMS without the lease: %v, want ErrNotClaimable", err)
	}
	if err := e.store.ToSMS(ctx, task.ID, "run", "no consent", at); err != nil {
		t.Fatal(err)
	}
	got := e.get(t, task.ID)
	if got.Channel != thankyou.ChannelSMS || !got.VoiceFallback || got.State != thankyou.StatePending || got.Reason != "no consent" {
		t.Errorf("after ToSMS: channel %s, fallback %v, state %s, reason %q", got.Channel, got.VoiceFallback, got.State, got.Reason)
	}
	if got.LeaseOwner != "" || got.Attempts != 0 || !got.DueAt.Equal(at) {
		t.Errorf("after ToSMS: owner %q, attempts %d, due %s", got.LeaseOwner, got.Attempts, got.DueAt)
	}
	if ids := e.due(t, at, 0); !slices.Equal(ids, []string{task.ID}) {
		t.Errorf("due = %v", ids)
	}
	if c := e.claim(t, task.ID, "run-2", at); c.Recovered || c.Task.Channel != thankyou.ChannelSMS {
		t.Errorf("claim of the fallback: %+v", c)
	}
}

func TestApplyStatusOfAReminderChangesNothing(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)
	e.claim(t, task.ID, "run-b", follow)
	if err := e.store.Remind(ctx, task.ID, "run-b", reminder("SM2", "ana", callerA, 2, follow.Add(time.Hour)), follow); err != nil {
		t.Fatal(err)
	}
	before := e.raw(t, task.ID)
	for _, cb := range []struct {
		sid    string
		status thankyou.State
	}{{"SM2", thankyou.StateDelivered}, {"SM1", thankyou.StateUndelivered}, {"SM2", thankyou.StateFailed}} {
		got, err := e.store.ApplyStatus(ctx, task.ID, cb.sid, cb.status, 30003, "unreachable", follow.Add(time.Minute))
		if err != nil || got.State != thankyou.StateReminded {
			t.Errorf("ApplyStatus(%s, %s) = %s, %v; want reminded, nil", cb.sid, cb.status, got.State, err)
		}
	}
	if !reflect.DeepEqual(e.raw(t, task.ID), before) {
		t.Error("a reminder's status changed the call")
	}
}

func TestLastAssigned(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const other = "other.myshopify.com"
	if err := e.store.PutStaff(ctx, staffMember(testShop, "ana", callerA), t0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		shop, set, want string
	}{
		{testShop, "", ""},
		{testShop, "ana", "ana"},
		{testShop, "bo", "bo"},
		{other, "", ""},
		{other, "cy", "cy"},
		{testShop, "", "bo"},
	}
	for i, st := range steps {
		if st.set != "" {
			if err := e.store.SetLastAssigned(ctx, thankyou.SourceShopify, st.shop, st.set, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.store.LastAssigned(ctx, thankyou.SourceShopify, st.shop)
		if err != nil || got != st.want {
			t.Errorf("step %d: LastAssigned(%s) = %q, %v; want %q", i, st.shop, got, err, st.want)
		}
	}
	if list, err := e.store.ListStaff(ctx, thankyou.SourceShopify, testShop); err != nil || len(list) != 1 {
		t.Errorf("ListStaff = %+v, %v; want ana alone", list, err)
	}
	if n, err := e.store.DeleteShopStaff(ctx, thankyou.SourceShopify, testShop); err != nil || n != 1 {
		t.Errorf("DeleteShopStaff = %d, %v; want 1, nil", n, err)
	}
	if got, err := e.store.LastAssigned(ctx, thankyou.SourceShopify, testShop); err != nil || got != "" {
		t.Errorf("LastAssigned after DeleteShopStaff = %q, %v; want none", got, err)
	}
	if got, _ := e.store.LastAssigned(ctx, thankyou.SourceShopify, other); got != "cy" {
		t.Errorf("the other shop's LastAssigned = %q, want cy", got)
	}
}

func TestStaffByPhoneAndListAllStaff(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const other = "other.myshopify.com"
	members := []thankyou.StaffMember{
		staffMember(other, "ana", callerA),
		staffMember(testShop, "bo", callerB),
		staffMember(testShop, "ana", callerA),
		{Source: thankyou.SourceWooCommerce, ShopID: "woo.example", ID: "ann", Phone: callerA},
	}
	for _, m := range members {
		if err := e.store.PutStaff(ctx, m, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.SetLastAssigned(ctx, thankyou.SourceShopify, testShop, "bo", t0); err != nil {
		t.Fatal(err)
	}
	key := func(ms []thankyou.StaffMember) []string {
		var out []string
		for _, m := range ms {
			out = append(out, string(m.Source)+":"+m.ShopID+"#"+m.ID)
		}
		return out
	}
	tests := []struct {
		phone string
		want  []string
	}{
		{callerA, []string{"shopify:example.myshopify.com#ana", "shopify:other.myshopify.com#ana", "woocommerce:woo.example#ann"}},
		{callerB, []string{"shopify:example.myshopify.com#bo"}},
		{"+12125550199", nil},
	}
	for _, tt := range tests {
		got, err := e.store.StaffByPhone(ctx, tt.phone)
		if err != nil || !slices.Equal(key(got), tt.want) {
			t.Errorf("StaffByPhone(%s) = %v, %v; want %v", tt.phone, key(got), err, tt.want)
		}
	}
	if _, err := e.store.StaffByPhone(ctx, ""); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("StaffByPhone(\"\"): %v, want EINVALID", err)
	}
	all, err := e.store.ListAllStaff(ctx)
	want := []string{"shopify:example.myshopify.com#ana", "shopify:example.myshopify.com#bo", "shopify:other.myshopify.com#ana", "woocommerce:woo.example#ann"}
	if err != nil || !slices.Equal(key(all), want) {
		t.Errorf("ListAllStaff = %v, %v; want %v", key(all), err, want)
	}
	if len(all) == 4 && !reflect.DeepEqual(all[0], members[2]) {
		t.Errorf("ListAllStaff[0] = %+v, want %+v", all[0], members[2])
	}
}

func TestClaimDigestOncePerDay(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	ana := staffMember(testShop, "ana", callerA)
	if err := e.store.PutStaff(ctx, ana, t0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		day  string
		want bool
	}{
		{"2030-03-04", true},
		{"2030-03-04", false},
		{"2030-03-05", true},
		{"2030-03-05", false},
	}
	for i, st := range steps {
		got, err := e.store.ClaimDigest(ctx, thankyou.SourceShopify, testShop, "ana", st.day, t0)
		if err != nil || got != st.want {
			t.Errorf("step %d: ClaimDigest(%s) = %v, %v; want %v", i, st.day, got, err, st.want)
		}
	}
	if got, err := e.store.GetStaff(ctx, thankyou.SourceShopify, testShop, "ana"); err != nil || !reflect.DeepEqual(got, ana) {
		t.Errorf("GetStaff after ClaimDigest = %+v, %v; want %+v", got, err, ana)
	}
	if _, err := e.store.ClaimDigest(ctx, thankyou.SourceShopify, testShop, "nobody", "2030-03-04", t0); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("ClaimDigest of unknown member: %v, want ENOTFOUND", err)
	}
	if list, _ := e.store.ListStaff(ctx, thankyou.SourceShopify, testShop); len(list) != 1 {
		t.Errorf("ClaimDigest of an unknown member created an item: %d members", len(list))
	}
}

func TestEraseCustomerClosesTheCallAndRemovesItemsAndNotes(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const note = "Ada loved the Blue mug"
	follow := t0.Add(2 * time.Hour)
	open := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)
	done := e.reminded(t, "2", reminder("SM2", "ana", callerA, 1, follow), t0)
	if _, err := e.store.CloseCall(ctx, done.ID, callerA, thankyou.StateCalled, note, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	skip := e.reminded(t, "3", reminder("SM3", "ana", callerA, 1, follow), t0)
	if _, err := e.store.CloseCall(ctx, skip.ID, callerA, thankyou.StateSkipped, "she asked not to be called", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	c := thankyou.Customer{OrderIDs: []string{"1", "2", "3"}}
	n, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, c, t0.Add(time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("EraseCustomer = %d, %v; want 3, nil", n, err)
	}
	if ids := e.openCalls(t, callerA); len(ids) != 0 {
		t.Errorf("OpenCalls after the erasure = %v, want none", ids)
	}
	if ids := e.due(t, follow, 0); len(ids) != 0 {
		t.Errorf("due after the erasure = %v, want none", ids)
	}
	if got := e.get(t, open.ID); got.State != thankyou.StateCancelled || got.Reason != "customer data erased" {
		t.Errorf("open call after the erasure: state %s, reason %q; want cancelled", got.State, got.Reason)
	}
	if got := e.get(t, skip.ID); got.State != thankyou.StateSkipped || got.Reason != "customer data erased" {
		t.Errorf("skipped call after the erasure: state %s, reason %q; want the staff member's words gone", got.State, got.Reason)
	}
	for _, id := range []string{open.ID, done.ID, skip.ID} {
		item := e.raw(t, id)
		for _, a := range []string{"items", "note", "callPk", "callSk"} {
			if hasAttr(item, a) {
				t.Errorf("task %s still has %s after the erasure", id, a)
			}
		}
		for _, s := range []string{"Blue mug", "Teapot", note} {
			if itemContains(item, s) {
				t.Errorf("task %s still holds %q", id, s)
			}
		}
		if got := strAttr(item, "recipient"); got != callerA {
			t.Errorf("task %s: recipient %q, want the staff member's number kept", id, got)
		}
	}
	if again, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, c, t0.Add(2*time.Hour)); err != nil || again != 0 {
		t.Errorf("second EraseCustomer = %d, %v; want 0, nil", again, err)
	}
}

func TestCancelEndsAStaffCallWaitingForItsReply(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	follow := t0.Add(2 * time.Hour)
	task := e.reminded(t, "1", reminder("SM1", "ana", callerA, 1, follow), t0)

	got, err := e.store.CancelTask(ctx, cancellation(task), "refunded", t0.Add(time.Hour))
	if err != nil || got.State != thankyou.StateCancelled || got.Reason != "refunded" {
		t.Fatalf("CancelTask of a reminded call = %s %q, %v; want cancelled, refunded", got.State, got.Reason, err)
	}
	if ids := e.openCalls(t, callerA); len(ids) != 0 {
		t.Errorf("OpenCalls after the cancellation = %v, want none", ids)
	}
	if ids := e.due(t, follow, 0); len(ids) != 0 {
		t.Errorf("due after the cancellation = %v, want none (no follow-up)", ids)
	}
	if _, err := e.store.CloseCall(ctx, task.ID, callerA, thankyou.StateCalled, "", t0.Add(2*time.Hour)); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("DONE after the cancellation = %v, want ECONFLICT", err)
	}
}

// TestApplyStatusBeforeTheReminderIsRecorded: Twilio's first callback can
// beat the dispatcher's Remind. It must not end the call as a sent
// message: the dispatcher's Remind, under its lease, still lands.
func TestApplyStatusBeforeTheReminderIsRecorded(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, staffCallTask("1", t0))
	e.claim(t, task.ID, "run", t0)
	before := e.raw(t, task.ID)
	got, err := e.store.ApplyStatus(ctx, task.ID, "SM1", thankyou.StateSent, 0, "", t0.Add(time.Second))
	if err != nil || got.State != thankyou.StateSending {
		t.Errorf("ApplyStatus before Remind = %s, %v; want sending, nil", got.State, err)
	}
	if !reflect.DeepEqual(e.raw(t, task.ID), before) {
		t.Error("an early reminder status changed the call")
	}
	if err := e.store.Remind(ctx, task.ID, "run", reminder("SM1", "ana", callerA, 1, t0.Add(time.Hour)), t0.Add(2*time.Second)); err != nil {
		t.Fatalf("Remind after the early callback: %v", err)
	}
	if got := e.get(t, task.ID); got.State != thankyou.StateReminded {
		t.Errorf("after Remind: %s, want reminded", got.State)
	}
}
