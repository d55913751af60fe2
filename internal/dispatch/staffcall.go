package dispatch

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
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
	// hours and zone are the shop's staff phone's hours (zero: the
	// deployment's StaffWindow in ShopZone).
	hours thankyou.Window
	zone  *time.Location
}

func (a assignee) id() string {
	if a.member == nil {
		return ""
	}
	return a.member.ID
}

// remind sends a staff call's reminder (the first, one more, or to a new
// assignee), or defers it to when someone is on duty.
func (h *Handler) remind(ctx context.Context, owner string, t thankyou.Task, now time.Time, window thankyou.Window, zones []*time.Location, lim *limiter, log *slog.Logger) outcome {
	var roster []thankyou.StaffMember
	if h.Calls != nil {
		var err error
		if roster, err = h.Calls.ListStaff(ctx, t.Order.Source, t.Order.Shop); err != nil {
			log.ErrorContext(ctx, "reading the staff roster failed", "error", err)
			return h.retry(ctx, owner, t, window, zones, "could not read the staff roster: "+err.Error(), 0, 0, log)
		}
	}
	current := member(roster, t.Staff.MemberID)
	reminders, reassigned := t.Staff.Reminders, t.Staff.Reassigned
	// An assignee who texted STOP gets no more reminders: the call goes
	// to the next member on duty (the customer's task goes on).
	stopped := false
	if t.Staff.MemberID != "" || !t.Staff.RemindedAt.IsZero() {
		var err error
		if stopped, err = h.gate().OptedOut(ctx, t.Recipient); err != nil {
			log.ErrorContext(ctx, "checking the assignee's opt-out failed", "error", err)
			return h.retry(ctx, owner, t, window, zones, "could not check the staff member's opt-out: "+err.Error(), 0, 0, log)
		}
	}
	var to assignee
	fresh := false
	exclude := ""
	switch {
	case stopped:
		reminders, fresh, exclude = 0, true, t.Staff.MemberID
		reassigned++
	case t.Staff.MemberID != "" && current == nil:
		// The assignee left the roster: start again with someone else.
		reminders, fresh = 0, true
	case reminders >= 2:
		// Twice reminded, no answer: the next member on duty takes it.
		reminders, fresh = 0, true
		reassigned++
	case t.Staff.MemberID == "" && reminders == 0:
		fresh = true
	}
	if fresh {
		if t.Staff.Reminders >= 2 {
			exclude = t.Staff.MemberID
		}
		m, err := h.pick(ctx, t, roster, now, exclude)
		if err != nil {
			log.ErrorContext(ctx, "counting open calls failed", "error", err)
			return h.retry(ctx, owner, t, window, zones, "could not count open calls: "+err.Error(), 0, 0, log)
		}
		switch {
		case m != nil:
			to = assignee{member: m, phone: m.Phone}
		case stopped:
			return h.waitForStaff(ctx, owner, t, roster, now, exclude, "the assignee opted out of reminders and nobody else is on duty", log)
		case t.Staff.Reminders >= 2:
			// Nobody else is on duty: wait for the next one who comes on.
			return h.waitForStaff(ctx, owner, t, roster, now, exclude, "no other staff member on duty to take the call", log)
		case t.Recipient != "" && t.Staff.MemberID == "":
			to = assignee{phone: t.Recipient} // the shop's default staff phone
		default:
			return h.waitForStaff(ctx, owner, t, roster, now, "", "no staff member on duty", log)
		}
	} else {
		to = assignee{member: current, phone: t.Recipient}
		if current != nil {
			to.phone = current.Phone
			if !staff.OnDuty(*current, now) {
				next, ok := staff.NextOnDuty(*current, now)
				if !ok {
					return h.waitForStaff(ctx, owner, t, roster, now, current.ID, "the assigned staff member is inactive", log)
				}
				return h.deferTo(ctx, owner, t, next, "the assigned staff member is off duty", log)
			}
		}
	}
	if to.phone == "" {
		return h.finish(ctx, owner, t, thankyou.StateFailed, "no staff phone to remind: set the shop's staff phone or its roster", 0, log)
	}
	if to.id() != t.Staff.MemberID || to.phone != t.Recipient {
		// Recorded before sending: after a crash, the next run knows whom
		// to ask Twilio about.
		if err := h.Calls.AssignCall(ctx, t.ID, owner, to.id(), to.phone, now); err != nil {
			log.ErrorContext(ctx, "recording the assignment failed", "error", err)
			return errored
		}
		t.Staff.MemberID, t.Recipient = to.id(), to.phone
		if fresh && to.member != nil {
			if err := h.Calls.SetLastAssigned(ctx, t.Order.Source, t.Order.Shop, to.id(), now); err != nil {
				log.WarnContext(ctx, "recording the round-robin position failed", "error", err)
			}
		}
	}
	log = log.With("member", to.id(), "recipient", phone.Mask(to.phone), "reminders", reminders)
	if to.member == nil {
		var err error
		if to.hours, to.zone, err = h.shopStaffHours(ctx, t); err != nil {
			log.ErrorContext(ctx, "reading the shop's staff hours failed", "error", err)
			return h.retry(ctx, owner, t, window, zones, "could not read the shop's staff hours: "+err.Error(), 0, 0, log)
		}
	}

	body, err := h.reminder(t, to, now, window, zones)
	if err != nil {
		return h.finish(ctx, owner, t, thankyou.StateFailed, "reminder could not be rendered: "+err.Error(), 0, log)
	}
	if err := lim.wait(ctx); err != nil {
		return h.retry(ctx, owner, t, window, zones, "run ended before sending", 0, 0, log)
	}
	kind := contact.KindStaffReminder
	if t.Staff.Reminders > 0 || reassigned > 0 {
		kind = contact.KindFollowUp
	}
	d, sid, err := h.gate().SendText(ctx, h.staffContact(t, kind, to), h.now(ctx), body, config.StatusCallbackURL(h.PublicBaseURL, t.ID))
	switch {
	case err != nil && d.Outcome == contact.Send:
		return h.sendFailed(ctx, owner, t, window, zones, err, log)
	case err != nil:
		return h.retry(ctx, owner, t, window, zones, "could not check the contact: "+err.Error(), 0, 0, log)
	case d.Outcome != contact.Send:
		return h.staffRefused(ctx, owner, t, roster, to, d, log)
	}
	return h.recordReminder(ctx, owner, t, to, sid, reminders+1, reassigned, now, window, log)
}

// staffRefused acts on the gate's refusal of a reminder: the customer
// opted out ends the task opted_out; an assignee who opted out or is never
// on duty hands the call on at the next run; outside the assignee's hours
// it waits for them; an expiry ends it.
func (h *Handler) staffRefused(ctx context.Context, owner string, t thankyou.Task, roster []thankyou.StaffMember, to assignee, d contact.Decision, log *slog.Logger) outcome {
	switch {
	case d.Outcome == contact.Defer:
		return h.deferTo(ctx, owner, t, d.At, d.Reason(), log)
	case d.Code == contact.CodeCustomerOptedOut || d.Outcome == contact.Expire:
		return h.act(ctx, owner, t, d, log)
	case d.Code == contact.CodeOptedOut && to.member == nil:
		return h.waitForStaff(ctx, owner, t, roster, h.now(ctx), "", "the shop's staff phone opted out of reminders", log)
	default:
		// Recorded on the call: the next run sees the assignee opted
		// out (or off shift) and picks someone else.
		return h.waitForStaff(ctx, owner, t, roster, h.now(ctx), to.id(), d.Reason(), log)
	}
}

// recordReminder records a reminder Twilio accepted, due again for its
// follow-up after EscalateAfter of the assignee's working time.
func (h *Handler) recordReminder(ctx context.Context, owner string, t thankyou.Task, to assignee, sid string, reminders, reassigned int, now time.Time, window thankyou.Window, log *slog.Logger) outcome {
	r := thankyou.Reminder{
		SID: sid, MemberID: to.id(), Phone: to.phone,
		Reminders: reminders, Reassigned: reassigned,
		FollowUpAt: h.followUp(to, now, window),
	}
	if h.Calls == nil {
		// No call store: a reminder is a plain message.
		if err := h.Store.MarkSent(ctx, t.ID, owner, sid, h.now(ctx)); err != nil {
			log.ErrorContext(ctx, "sent, but recording the SID failed", "sid", sid, "error", err)
			return errored
		}
		h.Metrics.Count(metrics.Sent, 1)
		return reminded
	}
	if err := h.Calls.Remind(ctx, t.ID, owner, r, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "reminder sent, but recording it failed; the next run finds it at Twilio", "sid", sid, "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Sent, 1)
	log.InfoContext(ctx, "staff reminder sent", "sid", sid, "followUp", r.FollowUpAt.UTC())
	return reminded
}

// followUp is when an unanswered reminder sent at now is followed up:
// EscalateAfter of the member's working time, or of the shop's window for
// the default staff phone.
func (h *Handler) followUp(to assignee, now time.Time, window thankyou.Window) time.Time {
	d := h.EscalateAfter
	if d <= 0 {
		d = DefaultEscalateAfter
	}
	if to.member != nil {
		if at, ok := staff.AfterWorking(*to.member, now, d); ok {
			return at.UTC().Truncate(time.Second)
		}
	}
	hours, zone := to.staffHours(h)
	return polite.Add(hours, now, d, []*time.Location{zone}).UTC().Truncate(time.Second)
}

func (h *Handler) zone() *time.Location {
	if h.ShopZone != nil {
		return h.ShopZone
	}
	return time.UTC
}

// pick assigns a new call among the roster's members on duty at now (not
// exclude): fewest open calls, round-robin on ties. nil when nobody is.
func (h *Handler) pick(ctx context.Context, t thankyou.Task, roster []thankyou.StaffMember, now time.Time, exclude string) (*thankyou.StaffMember, error) {
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
	last, err := h.Calls.LastAssigned(ctx, t.Order.Source, t.Order.Shop)
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
// exclude) comes on duty; with none, it waits until its deadline, when it
// expires unless someone answered it.
func (h *Handler) waitForStaff(ctx context.Context, owner string, t thankyou.Task, roster []thankyou.StaffMember, now time.Time, exclude, why string, log *slog.Logger) outcome {
	var next time.Time
	for _, m := range roster {
		if m.ID == exclude {
			continue
		}
		if at, ok := staff.NextOnDuty(m, now.Add(time.Second)); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if next.IsZero() || next.After(t.Deadline) {
		next = t.Deadline.Add(time.Second)
	}
	return h.deferTo(ctx, owner, t, next, why, log)
}

// deferTo puts a call back until due, keeping its progress.
func (h *Handler) deferTo(ctx context.Context, owner string, t thankyou.Task, due time.Time, why string, log *slog.Logger) outcome {
	// Rounded up to the second: never due before the time given.
	if r := due.UTC().Truncate(time.Second); r.Before(due) {
		due = r.Add(time.Second)
	} else {
		due = r
	}
	if err := h.Store.Defer(ctx, t.ID, owner, due, why, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "deferring failed", "error", err)
		return errored
	}
	log.InfoContext(ctx, "deferred", "due", due, "why", why)
	return deferred
}

// reminder renders the reminder for to at now: the customer's legal hours
// end ("call by") on the staff member's clock, cut to their shift's end.
func (h *Handler) reminder(t thankyou.Task, to assignee, now time.Time, window thankyou.Window, zones []*time.Location) (string, error) {
	loc := h.zone()
	until, ok := polite.Until(window, now, zones)
	if to.member != nil {
		if _, mloc, ok := staff.Shift(*to.member); ok {
			loc = mloc
		}
		if end, onDuty := staff.OnDutyUntil(*to.member, now); onDuty && (!ok || end.Before(until)) {
			until, ok = end, true
		}
	}
	d := message.DataFor(t, h.shopName(t))
	d.OrderedAgo = message.AgoIn(t.Language, t.Order.CreatedAt, now, loc)
	if ok {
		d.CallUntil = until.In(loc).Format("15:04")
	}
	r, err := h.rendererFor(t, thankyou.ChannelStaff)
	if err != nil {
		return "", err
	}
	return r.RenderReminder(d, t.Order.Items)
}

// recoverReminder handles a staff call whose lease expired mid-send: if
// Twilio accepted the reminder the dead run sent (same recipient and text,
// rendered as at that claim), it is recorded instead of sent again.
func (h *Handler) recoverReminder(ctx context.Context, owner string, c thankyou.Claim, window thankyou.Window, zones []*time.Location, log *slog.Logger) (outcome, bool) {
	t := c.Task
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
	body, err := h.reminder(t, to, c.PreviousClaimAt, window, zones)
	if err != nil {
		return 0, false
	}
	sid, found, err := h.Sender.FindSent(ctx, t.Recipient, body, c.PreviousClaimAt.Add(-clockSlack))
	switch {
	case err != nil && h.now(ctx).After(t.Deadline):
		return h.finish(ctx, owner, t, thankyou.StateFailed, "could not confirm with Twilio whether an interrupted reminder went out before the deadline", 0, log), true
	case err != nil:
		log.ErrorContext(ctx, "could not check whether the interrupted reminder went out; checking again after the lease", "error", err)
		return ambiguous, true
	case found && sid != t.MessageSID:
		log.WarnContext(ctx, "interrupted reminder had gone out: recording it, not sending again", "sid", sid)
		return h.recordReminder(ctx, owner, t, to, sid, t.Staff.Reminders+1, t.Staff.Reassigned, h.now(ctx), window, log), true
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
// only if the day's digest was not claimed yet.
func (h *Handler) digests(ctx context.Context, owner string, log *slog.Logger) int {
	if h.Calls == nil || h.nearDeadline(ctx) {
		return 0
	}
	lead := h.DigestLead
	if lead <= 0 {
		lead = DefaultDigestLead
	}
	now := h.now(ctx)
	roster, err := h.Calls.ListAllStaff(ctx)
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
