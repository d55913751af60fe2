package dispatch

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Defaults for Handler.EscalateAfter and Handler.DigestLead.
const (
	DefaultEscalateAfter = 4 * time.Hour
	DefaultDigestLead    = 30 * time.Minute
)

// A staff call goes like this. The first time it is due it is assigned to
// the roster member on duty with the fewest open calls (round-robin on
// ties), or, with nobody on duty, to the shop's default staff phone, and a
// reminder goes out. It then waits in state reminded, due again after
// EscalateAfter of the assignee's working time: then one more reminder to
// the same person; the time after that, it goes to the next member on duty.
// A LATER reply sets the due time and starts the count again.

// assignee is who a reminder goes to.
type assignee struct {
	member *thankyou.StaffMember // nil: the shop's default staff phone
	phone  string
}

func (a assignee) id() string {
	if a.member == nil {
		return ""
	}
	return a.member.ID
}

// progress counts a call's reminders to its assignee and its hand-overs.
type progress struct {
	reminders, reassigned int
}

// remind sends a staff call's reminder (the first, one more, or to a new
// assignee), or defers it to when someone is on duty.
func (j *job) remind(ctx context.Context) outcome {
	h, t, now := j.h, j.t, j.now
	var roster []thankyou.StaffMember
	if h.Calls != nil {
		var err error
		if roster, err = h.Calls.ListStaff(ctx, t.Order.Source, t.Order.Shop); err != nil {
			j.log.ErrorContext(ctx, "reading the staff roster failed", "error", err)
			return j.retry(ctx, "could not read the staff roster: "+err.Error(), 0, 0)
		}
	}
	current := member(roster, t.Staff.MemberID)
	p := progress{t.Staff.Reminders, t.Staff.Reassigned}
	// An assignee who texted STOP gets no more reminders: the call goes
	// to the next member on duty (the customer's task goes on).
	stopped := false
	if t.Staff.MemberID != "" || !t.Staff.RemindedAt.IsZero() {
		var err error
		if stopped, err = h.gate().OptedOut(ctx, t.Recipient); err != nil {
			j.log.ErrorContext(ctx, "checking the assignee's opt-out failed", "error", err)
			return j.retry(ctx, "could not check the staff member's opt-out: "+err.Error(), 0, 0)
		}
	}
	var to assignee
	fresh := false
	exclude := ""
	switch {
	case stopped:
		p.reminders, fresh, exclude = 0, true, t.Staff.MemberID
		p.reassigned++
	case t.Staff.MemberID != "" && current == nil:
		// The assignee left the roster: start again with someone else.
		p.reminders, fresh = 0, true
	case p.reminders >= 2:
		// Twice reminded, no answer: the next member on duty takes it.
		p.reminders, fresh = 0, true
		p.reassigned++
	case t.Staff.MemberID == "" && p.reminders == 0:
		fresh = true
	}
	if fresh {
		if t.Staff.Reminders >= 2 {
			exclude = t.Staff.MemberID
		}
		m, err := j.pick(ctx, roster, now, exclude)
		if err != nil {
			j.log.ErrorContext(ctx, "counting open calls failed", "error", err)
			return j.retry(ctx, "could not count open calls: "+err.Error(), 0, 0)
		}
		switch {
		case m != nil:
			to = assignee{member: m, phone: m.Phone}
		case stopped:
			return j.waitForStaff(ctx, roster, now, exclude, "the assignee opted out of reminders and nobody else is on duty")
		case t.Staff.Reminders >= 2:
			// Nobody else is on duty: wait for the next one who comes on.
			return j.waitForStaff(ctx, roster, now, exclude, "no other staff member on duty to take the call")
		case t.Recipient != "" && t.Staff.MemberID == "":
			to = assignee{phone: t.Recipient} // the shop's default staff phone
		default:
			return j.waitForStaff(ctx, roster, now, "", "no staff member on duty")
		}
	} else {
		to = assignee{member: current, phone: t.Recipient}
		if current != nil {
			to.phone = current.Phone
			if !staff.OnDuty(*current, now) {
				next, ok := staff.NextOnDuty(*current, now)
				if !ok {
					return j.waitForStaff(ctx, roster, now, current.ID, "the assigned staff member is inactive")
				}
				return j.deferTo(ctx, next, "the assigned staff member is off duty")
			}
		}
	}
	if to.phone == "" {
		return j.finish(ctx, thankyou.StateFailed, "no staff phone to remind: set the shop's staff phone or its roster", 0)
	}
	if to.id() != t.Staff.MemberID || to.phone != t.Recipient {
		// Recorded before sending: after a crash, the next run knows whom
		// to ask Twilio about.
		if err := h.Calls.AssignCall(ctx, t.ID, j.owner, to.id(), to.phone, now); err != nil {
			j.log.ErrorContext(ctx, "recording the assignment failed", "error", err)
			return errored
		}
		j.t.Staff.MemberID, j.t.Recipient = to.id(), to.phone
		t = j.t
		if fresh && to.member != nil {
			if err := h.Calls.SetLastAssigned(ctx, t.Order.Source, t.Order.Shop, to.id(), now); err != nil {
				j.log.WarnContext(ctx, "recording the round-robin position failed", "error", err)
			}
		}
	}
	j.log = j.log.With("member", to.id(), "recipient", phone.Mask(to.phone), "reminders", p.reminders)

	body, err := j.reminder(to, now)
	if err != nil {
		return j.finish(ctx, thankyou.StateFailed, "reminder could not be rendered: "+err.Error(), 0)
	}
	kind := contact.KindStaffReminder
	if t.Staff.Reminders > 0 || p.reassigned > 0 {
		kind = contact.KindFollowUp
	}
	sid, out, ok := j.sendText(ctx, j.staffContact(kind, to), body, func(ctx context.Context, d contact.Decision) outcome {
		return j.staffRefused(ctx, roster, to, d)
	})
	if !ok {
		return out
	}
	p.reminders++
	return j.recordReminder(ctx, to, sid, p, now)
}

// staffRefused acts on the gate's refusal of a reminder: the customer
// opted out ends the task opted_out; an assignee who opted out or is never
// on duty hands the call on at the next run; outside the assignee's hours
// it waits for them; an expiry ends it.
func (j *job) staffRefused(ctx context.Context, roster []thankyou.StaffMember, to assignee, d contact.Decision) outcome {
	switch {
	case d.Outcome == contact.Defer:
		return j.deferTo(ctx, d.At, d.Reason())
	case d.Code == contact.CodeCustomerOptedOut || d.Outcome == contact.Expire:
		return j.act(ctx, d)
	case d.Code == contact.CodeOptedOut && to.member == nil:
		return j.waitForStaff(ctx, roster, j.h.now(ctx), "", "the shop's staff phone opted out of reminders")
	default:
		// Recorded on the call: the next run sees the assignee opted
		// out (or off shift) and picks someone else.
		return j.waitForStaff(ctx, roster, j.h.now(ctx), to.id(), d.Reason())
	}
}

// recordReminder records reminder p.reminders, which Twilio accepted as
// sid at now, due again for its follow-up after EscalateAfter of the
// assignee's working time.
func (j *job) recordReminder(ctx context.Context, to assignee, sid string, p progress, now time.Time) outcome {
	h, log := j.h, j.log
	r := thankyou.Reminder{
		SID: sid, MemberID: to.id(), Phone: to.phone,
		Reminders: p.reminders, Reassigned: p.reassigned,
		FollowUpAt: j.followUp(to, now),
	}
	if h.Calls == nil {
		// No call store: a reminder is a plain message.
		if err := h.Store.MarkSent(ctx, j.t.ID, j.owner, sid, h.now(ctx)); err != nil {
			log.ErrorContext(ctx, "sent, but recording the SID failed", "sid", sid, "error", err)
			return errored
		}
		h.Metrics.Count(metrics.Sent, 1)
		return reminded
	}
	if err := h.Calls.Remind(ctx, j.t.ID, j.owner, r, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "reminder sent, but recording it failed; the next run finds it at Twilio", "sid", sid, "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Sent, 1)
	log.InfoContext(ctx, "staff reminder sent", "sid", sid, "followUp", r.FollowUpAt.UTC())
	return reminded
}

// followUp is when an unanswered reminder sent at now is followed up:
// EscalateAfter of the member's working time, or of the shop's staff
// phone's hours for the default staff phone.
func (j *job) followUp(to assignee, now time.Time) time.Time {
	d := j.h.EscalateAfter
	if d <= 0 {
		d = DefaultEscalateAfter
	}
	if to.member != nil {
		if at, ok := staff.AfterWorking(*to.member, now, d); ok {
			return at.UTC().Truncate(time.Second)
		}
	}
	return polite.Add(j.set.StaffHours, now, d, []*time.Location{j.set.StaffZone}).UTC().Truncate(time.Second)
}

// pick assigns a new call among the roster's members on duty at now (not
// exclude): fewest open calls, round-robin on ties. nil when nobody is.
func (j *job) pick(ctx context.Context, roster []thankyou.StaffMember, now time.Time, exclude string) (*thankyou.StaffMember, error) {
	h := j.h
	var onDuty []thankyou.StaffMember
	for _, m := range roster {
		if m.ID == exclude || !staff.OnDuty(m, now) {
			continue
		}
		// A member who opted out of reminders is never assigned.
		out, err := h.gate().OptedOut(ctx, m.Phone)
		if err != nil {
			return nil, err
		}
		if !out {
			onDuty = append(onDuty, m)
		}
	}
	if len(onDuty) == 0 {
		return nil, nil
	}
	open := map[string]int{}
	for _, m := range onDuty {
		n, err := h.Calls.CountOpenCalls(ctx, m.Phone)
		if err != nil {
			return nil, err
		}
		open[m.ID] = n
	}
	last, err := h.Calls.LastAssigned(ctx, j.t.Order.Source, j.t.Order.Shop)
	if err != nil {
		return nil, err
	}
	id, ok := staff.Assign(now, onDuty, open, last)
	if !ok {
		return nil, nil
	}
	return member(roster, id), nil
}

// waitForStaff defers a call to when the first active member (not
// exclude) comes on duty after now; with none, it waits until its
// deadline, when it expires unless someone answered it.
func (j *job) waitForStaff(ctx context.Context, roster []thankyou.StaffMember, now time.Time, exclude, why string) outcome {
	var next time.Time
	for _, m := range roster {
		if m.ID == exclude {
			continue
		}
		if at, ok := staff.NextOnDuty(m, now.Add(time.Second)); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if next.IsZero() || next.After(j.t.Deadline) {
		next = j.t.Deadline.Add(time.Second)
	}
	return j.deferTo(ctx, next, why)
}

// deferTo puts the task back until due, keeping its progress.
func (j *job) deferTo(ctx context.Context, due time.Time, why string) outcome {
	// Rounded up to the second: never due before the time given.
	if r := due.UTC().Truncate(time.Second); r.Before(due) {
		due = r.Add(time.Second)
	} else {
		due = r
	}
	if err := j.h.Store.Defer(ctx, j.t.ID, j.owner, due, why, j.h.now(ctx)); err != nil {
		j.log.ErrorContext(ctx, "deferring failed", "error", err)
		return errored
	}
	j.log.InfoContext(ctx, "deferred", "due", due, "why", why)
	return deferred
}

// reminder renders the reminder for to at now: the customer's legal hours
// end ("call by") on the staff member's clock, cut to their shift's end.
func (j *job) reminder(to assignee, now time.Time) (string, error) {
	t := j.t
	loc := j.set.StaffZoneOf(to.member)
	until, ok := polite.Until(j.set.Window, now, j.set.Zones)
	if to.member != nil {
		if end, onDuty := staff.OnDutyUntil(*to.member, now); onDuty && (!ok || end.Before(until)) {
			until, ok = end, true
		}
	}
	d := message.DataFor(t, j.set.ShopName)
	d.OrderedAgo = message.AgoIn(t.Language, t.Order.CreatedAt, now, loc)
	if ok {
		d.CallUntil = until.In(loc).Format("15:04")
	}
	r, err := j.h.rendererFor(t, thankyou.ChannelStaff)
	if err != nil {
		return "", err
	}
	return r.RenderReminder(d, t.Order.Items)
}

// recoverReminder handles a staff call whose lease expired mid-send: if
// Twilio accepted the reminder the dead run sent (same recipient and text,
// rendered as at that claim), it is recorded instead of sent again.
func (j *job) recoverReminder(ctx context.Context) (outcome, bool) {
	h, t, c, log := j.h, j.t, j.claim, j.log
	if t.Recipient == "" || h.Calls == nil {
		return 0, false
	}
	var roster []thankyou.StaffMember
	if t.Staff.MemberID != "" {
		var err error
		if roster, err = h.Calls.ListStaff(ctx, t.Order.Source, t.Order.Shop); err != nil {
			log.ErrorContext(ctx, "could not read the roster to check the interrupted reminder; checking again after the lease", "error", err)
			return ambiguous, true
		}
	}
	to := assignee{member: member(roster, t.Staff.MemberID), phone: t.Recipient}
	body, err := j.reminder(to, c.PreviousClaimAt)
	if err != nil {
		return 0, false
	}
	sid, found, o, done := j.findSent(ctx, body, "reminder")
	switch {
	case done:
		return o, true
	case found && sid != t.MessageSID:
		log.WarnContext(ctx, "interrupted reminder had gone out: recording it, not sending again", "sid", sid)
		return j.recordReminder(ctx, to, sid, progress{t.Staff.Reminders + 1, t.Staff.Reassigned}, h.now(ctx)), true
	}
	return 0, false
}

// member finds id in the roster.
func member(roster []thankyou.StaffMember, id string) *thankyou.StaffMember {
	if id == "" {
		return nil
	}
	i := slices.IndexFunc(roster, func(m thankyou.StaffMember) bool { return m.ID == id })
	if i < 0 {
		return nil
	}
	return &roster[i]
}

// digests sends each active roster member, once a day in the last
// DigestLead of their shift, the list of their open calls (if any). It
// returns how many went out; failures are logged and retried next run
// only if the day's digest was not claimed yet. roster is every shop's
// roster as the run read it at its start (err: that read failed).
func (h *Handler) digests(ctx context.Context, owner string, roster []thankyou.StaffMember, err error, log *slog.Logger) int {
	if h.Calls == nil || h.nearDeadline(ctx) {
		return 0
	}
	lead := h.DigestLead
	if lead <= 0 {
		lead = DefaultDigestLead
	}
	now := h.now(ctx)
	if err != nil {
		log.ErrorContext(ctx, "digest: reading the rosters failed", "error", err)
		return 0
	}
	sent := 0
	for _, m := range roster {
		end, ok := staff.OnDutyUntil(m, now)
		if !ok || end.Sub(now) > lead {
			continue
		}
		mlog := log.With("member", m.ID, "shop", m.ShopID)
		calls, err := h.Calls.OpenCalls(ctx, m.Phone)
		if err != nil {
			mlog.ErrorContext(ctx, "digest: reading open calls failed", "error", err)
			continue
		}
		calls = slices.DeleteFunc(calls, func(t thankyou.Task) bool {
			return t.Order.Source != m.Source || t.Order.Shop != m.ShopID || t.Staff.MemberID != m.ID
		})
		if len(calls) == 0 {
			continue
		}
		day := now.In(end.Location()).Format(time.DateOnly)
		claimed, err := h.Calls.ClaimDigest(ctx, m.Source, m.ShopID, m.ID, day, now)
		if err != nil || !claimed {
			if err != nil {
				mlog.ErrorContext(ctx, "digest: claiming today's digest failed", "error", err)
			}
			continue
		}
		c := contact.Contact{Kind: contact.KindDigest, To: m.Phone, Member: &m}
		d, _, err := h.gate().SendText(ctx, c, now, Digest(calls), "")
		if err != nil {
			mlog.ErrorContext(ctx, "digest: sending failed; it is not sent again today", "error", err)
			continue
		}
		if d.Outcome != contact.Send {
			mlog.InfoContext(ctx, "digest: not sent", "gate", d.Code)
			continue
		}
		mlog.InfoContext(ctx, "digest sent", "openCalls", len(calls), "run", owner)
		sent++
	}
	return sent
}

// maxDigestCalls is how many calls a digest names; it counts them all.
const maxDigestCalls = 5

// Digest is the end-of-day SMS listing a staff member's open calls.
func Digest(calls []thankyou.Task) string {
	return message.CallList("End of day: ", calls, maxDigestCalls, false) +
		"\nReply " + inbound.WordList + " for details, or " + inbound.WordLater + " <order> tomorrow."
}
