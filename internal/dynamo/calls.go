package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// This file holds the calls of issue 5: staff calls (ChannelStaff) that
// wait for the staff member's reply after a reminder, the staff member's
// click-to-call bridge, and the automated thank-you call (ChannelCall) with
// its once-only fallback to the thank-you SMS.
//
// A reminded staff call is in the calls index (CallsIndex) under the phone
// its reminder went to, callPk "CALLS#<phone>" and callSk "<reminded
// at>#<task id>", until it ends (endTask removes the keys): a staff
// member's reply finds the calls waiting for them with one Query.

// Reminder is the domain's: what a sent staff reminder records.
type Reminder = thankyou.Reminder

// skippedByStaff is the reason of a call a staff member skipped without
// saying why.
const skippedByStaff = "skipped by staff"

// callPK is the calls-index partition of the calls reminded to e164. It
// holds the number: never log it.
func callPK(e164 string) string { return "CALLS#" + e164 }

// callSK is the calls-index sort key of task id reminded at t.
func callSK(t time.Time, id string) string { return formatTime(t) + "#" + id }

// callOpen returns the condition that task's call is open for e164: it is
// in the calls index under that number and still waits for a reply, either
// reminded, or held by a dispatcher for a follow-up (sending), or put back
// to pending by a dispatcher that could not send the follow-up yet.
// The states are those a staff reply closes the call from (see
// thankyou.MoveReply).
func callOpen(u *update, e164 string) string {
	return fmt.Sprintf("%s = %s AND %s IN (%s)",
		u.name("callPk"), u.value("condCallPk", str(callPK(e164))),
		u.name("state"), stateList(u, "condOpen", thankyou.MoveReply.From()))
}

// stateList adds the states to u's values, named prefix0, prefix1, ...,
// and returns them as a comma-separated list for an IN condition.
func stateList(u *update, prefix string, states []thankyou.State) string {
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = u.value(fmt.Sprintf("%s%d", prefix, i), str(string(st)))
	}
	return strings.Join(names, ", ")
}

// notOpen explains a failed condition on task id: ENOTFOUND when the task
// does not exist, else an ECONFLICT with msg.
func (s *Store) notOpen(ctx context.Context, id, msg string) error {
	_, _, err := s.getTask(ctx, id)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ENOTFOUND:
		return err
	case err != nil:
		return thankyou.WrapError(thankyou.ECONFLICT, msg+" (and the task could not be read again)", err)
	}
	return thankyou.Errorf(thankyou.ECONFLICT, "%s", msg)
}

// AssignCall hands the staff call id, which owner holds under its lease, to
// the roster member memberID ("" for the shop's default staff phone) at
// e164: the task's recipient becomes e164. When the call was in the calls
// index under another number, it leaves it (the earlier assignee's replies
// no longer find it) until Remind puts it under e164. The history records
// the member's id, never the number.
//
// It reads the task first; an unknown task is ENOTFOUND, an empty number
// EINVALID. The write requires owner's lease, else the error matches
// thankyou.ErrNotClaimable.
func (s *Store) AssignCall(ctx context.Context, id, owner, memberID, e164 string, now time.Time) error {
	if err := checkPhone("assign call "+id, e164); err != nil {
		return err
	}
	_, it, err := s.getTask(ctx, id)
	if err != nil {
		return fmt.Errorf("assign call %s: %w", id, err)
	}
	u := newUpdate()
	u.setString("staffMember", memberID)
	u.set("recipient", str(e164))
	if it.CallPK != "" && it.CallPK != callPK(e164) {
		u.remove("callPk", "callSk")
	}
	u.set("updatedAt", str(formatTime(now)))
	u.history(now, "assigned", "member="+memberID)
	return s.leaseGuarded(ctx, "assign call", id, owner, u)
}

// Remind records that the reminder r.SID went out for the staff call id,
// which owner holds under its lease: the task becomes reminded, with
// r.SID as its message SID, r.Phone as its recipient, the assignee and
// counts of r, RemindedAt now and its attempts reset. It is due again at
// r.FollowUpAt (the due index) for a follow-up, and in the calls index
// under r.Phone, newest reminder first, until a reply or the end of the
// task. The lease ends, and the reason and error code of earlier attempts
// are cleared (the history keeps them).
//
// r needs a SID, a phone and a follow-up time, else the error is EINVALID.
// A lost lease is an error matching thankyou.ErrNotClaimable.
func (s *Store) Remind(ctx context.Context, id, owner string, r Reminder, now time.Time) error {
	switch {
	case r.FollowUpAt.IsZero():
		return thankyou.Errorf(thankyou.EINVALID, "remind task %s: zero follow-up time", id)
	case r.SID == "" || r.Phone == "":
		return thankyou.Errorf(thankyou.EINVALID, "remind task %s: the reminder needs a message SID and a phone", id)
	}
	u := newUpdate()
	u.set("state", str(string(thankyou.StateReminded)))
	u.set("messageSid", str(r.SID))
	u.set("recipient", str(r.Phone))
	u.setString("staffMember", r.MemberID)
	u.setInt("reminders", r.Reminders)
	u.setInt("reassigned", r.Reassigned)
	u.set("remindedAt", str(formatTime(now)))
	u.set("attempts", num(0))
	s.setDue(u, id, r.FollowUpAt)
	u.set("callPk", str(callPK(r.Phone)))
	u.set("callSk", str(callSK(now, id)))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("leaseOwner", "leaseExpiresAt", "prevClaimedAt", "reason", "errorCode")
	u.history(now, "reminded", fmt.Sprintf("sid=%s member=%s n=%d", r.SID, r.MemberID, r.Reminders))
	return s.leaseGuarded(ctx, "remind", id, owner, u)
}

// callsQuery is the calls-index query of the calls open for e164.
func (s *Store) callsQuery(e164 string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(CallsIndex),
		KeyConditionExpression:    aws.String("callPk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(callPK(e164))},
		ScanIndexForward:          aws.Bool(false),
	}
}

// OpenCalls returns the staff calls waiting for a reply from the staff
// member at e164 (those reminded to that number and not ended), the newest
// reminder first. It reads the calls index, which is eventually consistent:
// a call closed a moment ago may still be listed, so a change must still be
// conditional (CloseCall, Snooze and RecordBridge are).
func (s *Store) OpenCalls(ctx context.Context, e164 string) ([]thankyou.Task, error) {
	if err := checkPhone("open calls", e164); err != nil {
		return nil, err
	}
	var out []thankyou.Task
	err := s.eachItem(ctx, s.callsQuery(e164), "", func(item map[string]types.AttributeValue) error {
		t, _, err := decodeTask(item)
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open calls of %s: %w", phone.Mask(e164), err)
	}
	return out, nil
}

// CountOpenCalls returns how many staff calls wait for a reply from the
// staff member at e164 (as OpenCalls lists them), counted by the index
// without reading the tasks.
func (s *Store) CountOpenCalls(ctx context.Context, e164 string) (int, error) {
	if err := checkPhone("count open calls", e164); err != nil {
		return 0, err
	}
	in := s.callsQuery(e164)
	in.Select = types.SelectCount
	n := 0
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count open calls of %s: %w", phone.Mask(e164), err)
		}
		n += int(page.Count)
	}
	return n, nil
}

// CloseCall ends the staff call id on its staff member's reply from e164:
// state StateCalled (DONE; note, if not empty, is kept as the call's note
// and any earlier reason is cleared) or StateSkipped (SKIP; note is the
// reason, "skipped by staff" when empty) or StateOptedOut (the customer
// opted out; note is the reason). The task leaves the due and calls
// indexes, any dispatcher's lease ends (its next write finds the lease
// lost) and the item gets its expiry. The history records the state, never
// the note. It returns the task as it is afterwards.
//
// The one conditional write requires the call to be open for e164 (see
// OpenCalls): in the calls index under e164 and reminded, sending or
// pending. Otherwise nothing changes and the error is ECONFLICT ("the call
// is not open for this number"), or ENOTFOUND for an unknown task. Another
// state, or an empty number, is EINVALID.
func (s *Store) CloseCall(ctx context.Context, id, e164 string, state thankyou.State, note string, now time.Time) (thankyou.Task, error) {
	if !thankyou.StateReminded.Can(thankyou.MoveReply, state) {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "close call %s: %q is not %q, %q or %q", id, state, thankyou.StateCalled, thankyou.StateSkipped, thankyou.StateOptedOut)
	}
	if err := checkPhone("close call "+id, e164); err != nil {
		return thankyou.Task{}, err
	}
	u := newUpdate()
	s.endTask(u, state, now)
	if state == thankyou.StateCalled {
		if note != "" {
			u.set("note", str(note))
		}
		u.remove("reason")
	} else {
		if note == "" {
			note = skippedByStaff
		}
		u.set("reason", str(note))
		if state == thankyou.StateSkipped {
			u.set("skipCode", str(string(thankyou.SkipStaff)))
		}
	}
	u.history(now, "closed", "state="+string(state))
	return s.applyCall(ctx, "close call", id, u, callOpen(u, e164), "the call is not open for this number")
}

// Snooze puts off the staff call id, reminded to e164, until due: it is due
// again then (for one more reminder) and its count of reminders restarts.
// It stays in the calls index. It returns the task as it is afterwards.
//
// The conditional write requires the call to be reminded and in the calls
// index under e164, else nothing changes and the error is ECONFLICT (or
// ENOTFOUND for an unknown task). A zero due time or an empty number is
// EINVALID.
func (s *Store) Snooze(ctx context.Context, id, e164 string, due, now time.Time) (thankyou.Task, error) {
	if due.IsZero() {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "snooze call %s: zero due time", id)
	}
	if err := checkPhone("snooze call "+id, e164); err != nil {
		return thankyou.Task{}, err
	}
	u := newUpdate()
	s.setDue(u, id, due)
	u.setInt("reminders", 0)
	u.set("updatedAt", str(formatTime(now)))
	u.history(now, "snoozed", "due="+formatTime(due))
	cond := fmt.Sprintf("%s = %s AND %s = %s",
		u.name("callPk"), u.value("condCallPk", str(callPK(e164))),
		u.name("state"), u.value("condState", str(string(thankyou.StateReminded))))
	return s.applyCall(ctx, "snooze call", id, u, cond, "the call is not waiting for a reply from this number")
}

// RecordBridge records that a click-to-call bridge was started for the
// staff call id on the request of the staff member at e164: Twilio's SID of
// the call to the staff member (callSid), its status "queued" and when; the
// outcome of an earlier bridge (the customer's leg, the duration, the
// machine detection) is cleared. The call stays open: the staff member
// still closes it with their reply.
//
// The conditional write requires the call to be open for e164 (as
// CloseCall), else nothing changes and the error is ECONFLICT (or
// ENOTFOUND). An empty SID or number is EINVALID.
func (s *Store) RecordBridge(ctx context.Context, id, e164, callSid string, now time.Time) error {
	if callSid == "" {
		return thankyou.Errorf(thankyou.EINVALID, "record bridge of call %s: empty call SID", id)
	}
	if err := checkPhone("record bridge of call "+id, e164); err != nil {
		return err
	}
	u := newUpdate()
	u.set("callSid", str(callSid))
	u.set("callStatus", str(string(twilio.CallQueued)))
	u.set("callAt", str(formatTime(now)))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("callCustomer", "callDuration", "answeredBy")
	u.history(now, "bridge", "sid="+callSid)
	_, err := s.applyCall(ctx, "record bridge of call", id, u, callOpen(u, e164), "the call is not open for this number")
	return err
}

// applyCall runs u on task id under cond and returns the task afterwards;
// a failed condition is explained by notOpen with msg.
func (s *Store) applyCall(ctx context.Context, op, id string, u *update, cond, msg string) (thankyou.Task, error) {
	av, err := s.apply(ctx, id, u, cond)
	if isConditionFailed(err) {
		return thankyou.Task{}, fmt.Errorf("%s %s: %w", op, id, s.notOpen(ctx, id, msg))
	}
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("%s %s: %w", op, id, err)
	}
	t, _, err := decodeTask(av)
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("%s %s: %w", op, id, err)
	}
	return t, nil
}

// finalCallStatus reports whether a Twilio CallStatus is one a call ends in.
func finalCallStatus(status string) bool { return twilio.CallStatus(status).Final() }

// callDetail is the history detail of a call outcome: statuses, the
// machine detection verdict and the duration, never personal data.
func callDetail(o thankyou.CallOutcome) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"status", o.Status}, {"answeredBy", o.AnsweredBy}, {"customer", o.Customer}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	if o.Duration > 0 {
		parts = append(parts, fmt.Sprintf("duration=%ds", durationSeconds(o.Duration)))
	}
	return strings.Join(parts, " ")
}

// RecordCallStatus records Twilio's report o about the call callSid of task
// id (a bridge's status callback or its <Dial> action, or an automated
// call's progress before FinishVoiceCall): each non-empty field of o
// (Status, AnsweredBy, Customer, a positive Duration) and the time. o.SID
// is not used. The task's call is callSid when RecordBridge or
// FinishVoiceCall recorded it, or when the task is a ChannelCall task whose
// message SID (MarkSent's) is callSid. The task's
// state does not change. A call's status never goes back from a final one
// (completed, busy, no-answer, failed, canceled) to one of progress: a
// late "ringing" keeps "completed" (the other fields are still recorded).
// It returns the task as it is afterwards.
//
// Every write is conditional on the task's call being callSid (and on the
// call status read); a lost race is re-read and decided again. A task whose call
// is another is ECONFLICT, an unknown one ENOTFOUND, an empty SID EINVALID.
func (s *Store) RecordCallStatus(ctx context.Context, id, callSid string, o thankyou.CallOutcome, now time.Time) (thankyou.Task, error) {
	if callSid == "" {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "record call status of task %s: empty call SID", id)
	}
	for range maxStatusRounds {
		t, it, err := s.getTask(ctx, id)
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("record call status of task %s: %w", id, err)
		}
		u := newUpdate()
		var cond string
		switch {
		case t.Call.SID == callSid:
			cond = fmt.Sprintf("%s = %s", u.name("callSid"), u.value("condSid", str(callSid)))
		case t.Channel == thankyou.ChannelCall && t.MessageSID == callSid:
			// The automated call in progress: MarkSent recorded its SID.
			u.set("callSid", str(callSid))
			cond = fmt.Sprintf("%s = %s AND %s = %s",
				u.name("channel"), u.value("condChannel", str(string(thankyou.ChannelCall))),
				u.name("messageSid"), u.value("condSid", str(callSid)))
		default:
			return thankyou.Task{}, fmt.Errorf("record call status of task %s: %w", id,
				thankyou.Errorf(thankyou.ECONFLICT, "status of another call"))
		}
		if o.Status != "" && !(finalCallStatus(it.CallStatus) && !finalCallStatus(o.Status)) {
			u.set("callStatus", str(o.Status))
		}
		if o.AnsweredBy != "" {
			u.set("answeredBy", str(o.AnsweredBy))
		}
		if o.Customer != "" {
			u.set("callCustomer", str(o.Customer))
		}
		if d := durationSeconds(o.Duration); d > 0 {
			u.set("callDuration", num(d))
		}
		u.set("callAt", str(formatTime(now)))
		u.set("updatedAt", str(formatTime(now)))
		u.history(now, "call", callDetail(o))
		if it.CallStatus == "" {
			cond += fmt.Sprintf(" AND attribute_not_exists(%s)", u.name("callStatus"))
		} else {
			cond += fmt.Sprintf(" AND %s = %s", u.name("callStatus"), u.value("condStatus", str(it.CallStatus)))
		}
		av, err := s.apply(ctx, id, u, cond)
		if isConditionFailed(err) {
			continue // changed since read: decide again
		}
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("record call status of task %s: %w", id, err)
		}
		if t, _, err = decodeTask(av); err != nil {
			return thankyou.Task{}, fmt.Errorf("record call status of task %s: %w", id, err)
		}
		return t, nil
	}
	return thankyou.Task{}, fmt.Errorf("record call status of task %s: %w", id,
		thankyou.Errorf(thankyou.ECONFLICT, "task kept changing"))
}

// smsFallback adds to u the move of an automated call's task to its
// thank-you SMS: channel sms, marked as fallen back (never to be called
// again), pending and due at now, with no message SID, no expiry and its
// attempts reset.
func (s *Store) smsFallback(u *update, id string, now time.Time) {
	u.set("channel", str(string(thankyou.ChannelSMS)))
	u.set("voiceFallback", &types.AttributeValueMemberBOOL{Value: true})
	s.setPending(u, id, now)
	u.set("attempts", num(0))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("messageSid", "expiresAt", "errorCode")
}

// FinishVoiceCall records the end of the automated call callSid of the
// ChannelCall task id, with Twilio's last report o.
//
//   - answered (by a person or a voicemail): the task ends called, with the
//     call's outcome, and gets its expiry.
//   - not answered (busy, no answer, failed, ...): the task falls back, once,
//     to the thank-you SMS: channel sms, VoiceFallback set, pending and due
//     now (the due index), no message SID, no expiry, attempts reset, the
//     call's outcome kept and the reason "automated call <status>:
//     thank-you SMS instead".
//
// The write requires the task to be a call task, sent, with callSid as its
// message SID. It returns the task as it is afterwards. A repeated report
// for a task that already ended called by callSid, or already fell back
// from callSid, returns the task and no error (a fallen-back task is an SMS
// task: it cannot fall back again). Any other task is ECONFLICT, an unknown
// one ENOTFOUND, an empty SID EINVALID.
func (s *Store) FinishVoiceCall(ctx context.Context, id, callSid string, o thankyou.CallOutcome, answered bool, now time.Time) (thankyou.Task, error) {
	if callSid == "" {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "finish voice call of task %s: empty call SID", id)
	}
	u := newUpdate()
	u.set("callSid", str(callSid))
	u.setString("callStatus", o.Status)
	u.setString("answeredBy", o.AnsweredBy)
	if d := durationSeconds(o.Duration); d > 0 {
		u.set("callDuration", num(d))
	} else {
		u.remove("callDuration")
	}
	u.set("callAt", str(formatTime(now)))
	detail := "sid=" + callSid
	if cd := callDetail(o); cd != "" {
		detail += " " + cd
	}
	if answered {
		s.endTask(u, thankyou.StateCalled, now)
		u.remove("reason", "errorCode")
		detail = "state=called " + detail
	} else {
		s.smsFallback(u, id, now)
		status := o.Status
		if status == "" {
			status = "unanswered"
		}
		u.set("reason", str("automated call "+status+": thank-you SMS instead"))
		detail = "state=pending channel=sms " + detail
	}
	u.history(now, "call ended", detail)
	cond := fmt.Sprintf("%s = %s AND %s = %s AND %s = %s",
		u.name("channel"), u.value("condChannel", str(string(thankyou.ChannelCall))),
		u.name("state"), u.value("condState", str(string(thankyou.StateSent))),
		u.name("messageSid"), u.value("condSid", str(callSid)))
	av, err := s.apply(ctx, id, u, cond)
	if isConditionFailed(err) {
		t, _, err := s.getTask(ctx, id)
		switch {
		case err != nil:
			return thankyou.Task{}, fmt.Errorf("finish voice call of task %s: %w", id, err)
		case t.Call.SID == callSid && (t.State == thankyou.StateCalled || t.VoiceFallback):
			return t, nil // a repeated report
		}
		return thankyou.Task{}, fmt.Errorf("finish voice call of task %s: %w", id,
			thankyou.Errorf(thankyou.ECONFLICT, "the task is not waiting for this automated call (it is %s, channel %s)", t.State, t.Channel))
	}
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("finish voice call of task %s: %w", id, err)
	}
	t, _, err := decodeTask(av)
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("finish voice call of task %s: %w", id, err)
	}
	return t, nil
}

// ToSMS moves the automated call task id, which owner holds under its
// lease, to its thank-you SMS without calling (the call could not be placed,
// or must not be: no consent, ...): the same once-only fallback as an
// unanswered call in FinishVoiceCall (channel sms, VoiceFallback set,
// pending and due now, attempts reset), with reason. The lease ends. A lost
// lease is an error matching thankyou.ErrNotClaimable.
func (s *Store) ToSMS(ctx context.Context, id, owner, reason string, now time.Time) error {
	u := newUpdate()
	s.smsFallback(u, id, now)
	u.setString("reason", reason)
	u.remove("leaseOwner", "leaseExpiresAt", "prevClaimedAt")
	u.history(now, "to sms", "channel=sms")
	return s.leaseGuarded(ctx, "move to sms", id, owner, u)
}
