// Package dispatch is the dispatcher: on every tick of its schedule it finds
// the thank-you tasks that are due, claims each under a lease so that no two
// runs send the same task, re-checks it (opted out? still polite? too late?),
// sends it through Twilio and records the outcome.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// Store is what the dispatcher needs of the task store.
type Store interface {
	DueTaskIDs(ctx context.Context, now time.Time, limit int) ([]string, error)
	Claim(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (thankyou.Claim, error)
	MarkSent(ctx context.Context, id, owner, sid string, now time.Time) error
	Reschedule(ctx context.Context, id, owner string, due time.Time, reason string, code int, now time.Time) error
	// Defer is Reschedule for a task that may not be sent yet: not an
	// attempt that failed, so it does not count towards MaxAttempts.
	Defer(ctx context.Context, id, owner string, due time.Time, reason string, now time.Time) error
	Finish(ctx context.Context, id, owner string, state thankyou.State, reason string, code int, sid string, now time.Time) error
	OptedOut(ctx context.Context, phone string) (bool, error)
	// SetOptOut records an opt-out Twilio reported by refusing a send.
	SetOptOut(ctx context.Context, phone, keyword string, now time.Time) error
	GetTask(ctx context.Context, id string) (thankyou.Task, error)
}

// Sender sends SMS; refusals are errors wrapping *thankyou.SendError.
type Sender interface {
	SendSMS(ctx context.Context, to, body, statusCallback string) (sid string, err error)
	// FindSent finds a message already accepted for `to` since a time.
	FindSent(ctx context.Context, to, body string, since time.Time) (sid string, found bool, err error)
}

// Calls is what the dispatcher needs of the store for staff calls (the
// roster, who has which open calls, the reminders sent) and for automated
// calls falling back to SMS. Nil: staff reminders go to the task's
// recipient (the shop's default staff phone) with no roster, follow-up or
// digest.
type Calls interface {
	ListStaff(ctx context.Context, source thankyou.Source, shop string) ([]thankyou.StaffMember, error)
	ListAllStaff(ctx context.Context) ([]thankyou.StaffMember, error)
	CountOpenCalls(ctx context.Context, phone string) (int, error)
	OpenCalls(ctx context.Context, phone string) ([]thankyou.Task, error)
	LastAssigned(ctx context.Context, source thankyou.Source, shop string) (string, error)
	SetLastAssigned(ctx context.Context, source thankyou.Source, shop, memberID string, now time.Time) error
	AssignCall(ctx context.Context, id, owner, memberID, phone string, now time.Time) error
	Remind(ctx context.Context, id, owner string, r thankyou.Reminder, now time.Time) error
	ToSMS(ctx context.Context, id, owner, reason string, now time.Time) error
	ClaimDigest(ctx context.Context, source thankyou.Source, shop, memberID, day string, now time.Time) (bool, error)
	// GetShop reads a stored shop's settings (its staff phone's hours).
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
}

// Privacy carries out the recorded erasure requests and tells whether
// one is pending for a task's shop or customer.
type Privacy interface {
	CarryOutPrivacyRequests(ctx context.Context, now time.Time) (int, error)
	PrivacyHold(ctx context.Context, t thankyou.Task) (bool, error)
}

// DefaultPrivacyBudget is how long one run may spend carrying out erasure
// requests before it sweeps the due tasks; what is left is carried on by
// the next run.
const DefaultPrivacyBudget = time.Minute

// Caller places automated voice calls; refusals are errors wrapping
// *thankyou.SendError, as for Sender.
type Caller interface {
	StartCall(ctx context.Context, to, from, twimlURL, statusCallback string, opts twilio.CallOptions) (sid string, err error)
}

// clockSlack is how far before a claim a message found at Twilio still
// counts as sent by that claim.
const clockSlack = 2 * time.Minute

// Handler runs the dispatcher.
type Handler struct {
	Store  Store
	Sender Sender
	// Calls and Caller serve staff calls and automated calls (see Calls).
	Calls  Calls
	Caller Caller
	// Gate is the contact gate every send goes through; nil builds one
	// from Store (consent), Caps, NumberCap, Sender and Caller, paced at
	// Rate. Sender and Caller are only ever called by the gate.
	Gate *contact.Gate
	// Caps keeps the per-number and per-customer caps' counts (nil: no
	// caps); NumberCap is the per-number cap (zero: one per 24 h).
	Caps      contact.Caps
	NumberCap contact.Cap
	// Settings are the deployment's (its send window, zone, closed dates,
	// default staff phone's hours and shop name), for whatever a task's
	// shop does not set. Roster members have their own hours.
	Settings settings.Deployment
	Renderer *message.Renderer
	// Language is the language of Renderer's texts: a task in another
	// language gets the built-in texts of its own (package language).
	Language string
	// Privacy carries out erasure requests at the start of each run; the
	// contact gate asks it whether an erasure holds a task's contacts
	// (nil: none). The store's PrivacySnapshot answers from the requests
	// that listing read, read again when dynamo.PrivacySnapshotAge old,
	// instead of a query per send.
	Privacy Privacy
	// PrivacyBudget bounds the time a run spends on erasure requests
	// (DefaultPrivacyBudget when zero).
	PrivacyBudget time.Duration
	// PublicBaseURL is where Twilio posts status callbacks (…/twilio/status).
	PublicBaseURL string
	MaxAttempts   int
	Lease         time.Duration
	// Concurrency bounds the sends in flight; Rate the sends per second,
	// counted when Twilio is asked: the built gate waits for each send's
	// turn after admitting it, right before the request (contact.Gate.Pace).
	Concurrency int
	Rate        float64
	// BatchSize is how many due ids one sweep takes at a time (default 200).
	BatchSize int
	// EscalateAfter is the working time a staff call may stay unanswered
	// before one more reminder, and again before it is reassigned
	// (default 4h). DigestLead is how long before a staff member's shift
	// ends they get the digest of their open calls (default 30m).
	EscalateAfter, DigestLead time.Duration
	// RetryBase and RetryMax bound the exponential backoff (defaults 5m, 6h).
	RetryBase, RetryMax time.Duration
	// Now is the clock; the local demo moves it forward.
	Now func() time.Time
	// EventClock, for local runs only (sam local, the local stack), takes
	// "now" from the scheduled event's time: a run of an event written for
	// three days later sees three days later. Deployed it is false, and
	// the event's time is never read.
	EventClock bool
	Logger     *slog.Logger
	// Metrics counts runs (with a heartbeat), due tasks and each task's
	// outcome (nil: none).
	Metrics *metrics.Emitter

	// Forwards and Replies send customers' replies that waited for a
	// staff member's hours (nil: none are sent).
	Forwards Forwards
	Replies  *replies.Forwarder

	renderers renderers
	gateOnce  sync.Once
	builtGate *contact.Gate
}

// Summary counts what one run did.
type Summary struct {
	Due       int `json:"due"`
	Sent      int `json:"sent"`
	Retried   int `json:"retried"`
	Failed    int `json:"failed"`
	OptedOut  int `json:"optedOut"`
	Expired   int `json:"expired"`
	Deferred  int `json:"deferred"`  // outside the window now: rescheduled
	Recovered int `json:"recovered"` // interrupted sends found already accepted by Twilio
	Reminded  int `json:"reminded"`  // staff reminders sent (first ones and follow-ups)
	Called    int `json:"called"`    // automated calls placed
	Digests   int `json:"digests"`   // end-of-day digests sent to staff
	Forwarded int `json:"forwarded"` // customers' replies forwarded to staff after waiting
	Lost      int `json:"lost"`      // claimed by another run first
	Cancelled int `json:"cancelled"` // cancelled while claimed
	// Unanswered sends (timeouts) stay claimed until their lease expires,
	// then are checked against Twilio before any resend.
	Unanswered int `json:"unanswered"`
	Errors     int `json:"errors"`
}

func (s *Summary) add(o outcome) {
	switch o {
	case sent:
		s.Sent++
	case retried:
		s.Retried++
	case failed:
		s.Failed++
	case optedOut:
		s.OptedOut++
	case expired:
		s.Expired++
	case deferred:
		s.Deferred++
	case recovered:
		s.Recovered++
	case reminded:
		s.Reminded++
	case called:
		s.Called++
	case lost:
		s.Lost++
	case cancelled:
		s.Cancelled++
	case ambiguous:
		s.Unanswered++
	case errored:
		s.Errors++
	}
}

type outcome int

const (
	sent outcome = iota
	retried
	failed
	optedOut
	expired
	deferred
	recovered
	reminded
	called
	lost
	cancelled
	ambiguous
	errored
)

// Handle is the Lambda entry point for the EventBridge schedule. With
// EventClock set, the run's clock starts at the event's time.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (Summary, error) {
	if h.EventClock && !ev.Time.IsZero() {
		ctx = context.WithValue(ctx, clockOffset{}, ev.Time.Sub(h.now(ctx)))
	}
	return h.Run(ctx)
}

// clockOffset is the context key of a run's clock offset (EventClock).
type clockOffset struct{}

// now is the run's clock: h.Now, moved by the offset Handle put in ctx.
func (h *Handler) now(ctx context.Context) time.Time {
	if d, ok := ctx.Value(clockOffset{}).(time.Duration); ok {
		return h.Now().Add(d)
	}
	return h.Now()
}

// Run sweeps the due index until nothing due is left or the context's
// deadline is near, and returns what it did. Only a failed sweep is an
// error; a task that fails is recorded on the task and counted.
//
// The run's opening reads go out at once, as none waits for another: the
// pending erasure requests (then carried out), the sweep's first batch,
// and what the run's end needs (the staff rosters for the digests, the
// waiting forwards). Nothing is sent before the erasure requests are read
// and carried out (within the privacy budget): the first batch is
// processed only then, so every send's privacy hold answers from them.
func (h *Handler) Run(ctx context.Context) (Summary, error) {
	owner := newOwner()
	log := h.Logger.With("run", owner)
	var sum Summary
	limit := h.BatchSize
	if limit <= 0 {
		limit = 200
	}
	privacyDone := h.startPrivacy(ctx, log)
	// Whatever way the run ends, the erasure work it started has ended.
	defer func() { <-privacyDone }()
	end := h.readForEnd(ctx)
	seen := map[string]bool{}
	for {
		if h.nearDeadline(ctx) {
			log.WarnContext(ctx, "stopping early: the invocation's deadline is near")
			break
		}
		ids, err := h.Store.DueTaskIDs(ctx, h.now(ctx), limit)
		if err != nil {
			end.wait()
			h.Metrics.Count(metrics.DispatchRuns, 1, metrics.Outcome(metrics.OutcomeError))
			return sum, fmt.Errorf("dispatch: find due tasks: %w", err)
		}
		// A task seen in this run and still due (rescheduled to now, or
		// claimed by another run) is left for the next run.
		fresh := ids[:0]
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		if len(fresh) == 0 {
			break
		}
		<-privacyDone // no send before the erasure requests are read
		sum.Due += len(fresh)
		for _, o := range h.process(ctx, owner, fresh, log) {
			sum.add(o)
		}
		if len(ids) < limit {
			break
		}
	}
	<-privacyDone // the digests and forwards are sends too
	end.wait()
	sum.Digests = h.digests(ctx, owner, end.roster, end.rosterErr, log)
	sum.Forwarded = h.forwards(ctx, end.forwards, end.forwardsErr, log)
	log.InfoContext(ctx, "dispatch run finished", "summary", sum)
	h.Metrics.Emit([]metrics.Value{{Metric: metrics.DueTasks, N: sum.Due}, {Metric: metrics.Deferred, N: sum.Deferred},
		{Metric: metrics.Unanswered, N: sum.Unanswered}, {Metric: metrics.TaskErrors, N: sum.Errors},
		{Metric: metrics.DispatcherHeartbeat, N: 1}})
	h.Metrics.Count(metrics.DispatchRuns, 1, metrics.Outcome(metrics.OutcomeOK))
	return sum, nil
}

// startPrivacy carries out the pending erasure requests (carryOutPrivacy)
// beside the caller; the channel is closed when that is over.
func (h *Handler) startPrivacy(ctx context.Context, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.carryOutPrivacy(ctx, log)
	}()
	return done
}

// endReads are the reads of what a run does after its sweep, made at its
// start beside the sweep: the staff rosters (for the digests) and the
// forwards due then. Each is read once a run.
type endReads struct {
	wg          sync.WaitGroup
	roster      []thankyou.StaffMember
	rosterErr   error
	forwards    []thankyou.Forward
	forwardsErr error
}

// readForEnd starts the reads of the run's end (see endReads); wait
// waits for them.
func (h *Handler) readForEnd(ctx context.Context) *endReads {
	e := &endReads{}
	if h.Calls != nil {
		e.wg.Go(func() { e.roster, e.rosterErr = h.Calls.ListAllStaff(ctx) })
	}
	if h.Forwards != nil && h.Replies != nil {
		now := h.Now()
		e.wg.Go(func() { e.forwards, e.forwardsErr = h.Forwards.DueForwards(ctx, now, maxForwards) })
	}
	return e
}

func (e *endReads) wait() { e.wg.Wait() }

// carryOutPrivacy carries out the pending erasure requests for at most the
// privacy budget, leaving time for the sweep; a request it did not finish
// stays pending (and its sends held) for the next run.
func (h *Handler) carryOutPrivacy(ctx context.Context, log *slog.Logger) {
	if h.Privacy == nil {
		return
	}
	budget := h.PrivacyBudget
	if budget <= 0 {
		budget = DefaultPrivacyBudget
	}
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl)/2)
	}
	pctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	n, err := h.Privacy.CarryOutPrivacyRequests(pctx, h.Now())
	if err != nil {
		log.WarnContext(ctx, "erasure requests not all carried out: the next run continues", "finished", n, "error", err)
		return
	}
	if n > 0 {
		log.InfoContext(ctx, "erasure requests carried out", "finished", n)
	}
}

func (h *Handler) nearDeadline(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < 10*time.Second
}

// process handles ids with at most Concurrency tasks in flight.
func (h *Handler) process(ctx context.Context, owner string, ids []string, log *slog.Logger) []outcome {
	n := h.Concurrency
	if n <= 0 {
		n = 1
	}
	out := make([]outcome, len(ids))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, id := range ids {
		if h.nearDeadline(ctx) {
			out[i] = lost // not claimed: left for the next run
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = h.one(ctx, owner, id, log.With("task", id))
		}()
	}
	wg.Wait()
	return out
}

// one claims one task and runs its job.
func (h *Handler) one(ctx context.Context, owner, id string, log *slog.Logger) outcome {
	now := h.now(ctx)
	c, err := h.Store.Claim(ctx, id, owner, now, h.Lease)
	if errors.Is(err, thankyou.ErrNotClaimable) {
		log.DebugContext(ctx, "not claimed: another run has it or it is no longer due")
		return lost
	}
	if err != nil {
		log.ErrorContext(ctx, "claim failed", "error", err)
		return errored
	}
	t := c.Task
	log = log.With("attempt", t.Attempts, "channel", t.Channel, "recipient", phone.Mask(t.Recipient))
	j := &job{h: h, owner: owner, claim: c, t: t, log: log, now: now}
	return j.run(ctx)
}

// job is the dispatch of one claimed task: the handler, the run that
// holds the claim, the task, the settings that apply to it (resolved once),
// the run's send limiter, the task's log and the claim's time.
type job struct {
	h     *Handler
	owner string
	claim thankyou.Claim
	t     thankyou.Task
	set   settings.Task
	log   *slog.Logger
	now   time.Time
}

// run checks, sends and records the job's task.
func (j *job) run(ctx context.Context) outcome {
	h, t, log := j.h, j.t, j.log
	if j.claim.Waited {
		// Its fulfilment or delivery never came within the shop's wait.
		return j.finish(ctx, thankyou.StateExpired, fmt.Sprintf("no %s of the order by %s", t.Trigger, t.Deadline.UTC().Format(time.RFC3339)), 0)
	}
	if err := j.resolve(ctx); err != nil {
		log.ErrorContext(ctx, "reading the task's shop failed", "error", err)
		if j.claim.Recovered {
			// Left claimed: the next run checks the interrupted send.
			return ambiguous
		}
		return j.retry(ctx, "could not read the shop's settings: "+err.Error(), 0, 0)
	}
	if j.claim.Recovered {
		log.WarnContext(ctx, "took over an expired lease", "previousClaim", j.claim.PreviousClaimAt)
		var o outcome
		var done bool
		switch {
		case t.Channel == thankyou.ChannelStaff:
			o, done = j.recoverReminder(ctx)
		case t.Channel == thankyou.ChannelCall && t.Voice.Consent:
			o, done = j.recoverCall(ctx)
		default:
			o, done = j.recover(ctx)
		}
		if done {
			return o
		}
	}
	switch {
	case t.CancelRequested:
		reason := "order cancelled before it was sent"
		if t.CancelReason != "" {
			reason = t.CancelReason
		}
		return j.finish(ctx, thankyou.StateCancelled, reason, 0)
	case t.Attempts > h.MaxAttempts:
		return j.finish(ctx, thankyou.StateFailed, fmt.Sprintf("gave up after %d attempts: %s", h.MaxAttempts, lastReason(t)), t.ErrorCode)
	case j.now.After(t.Deadline):
		return j.finish(ctx, thankyou.StateExpired, fmt.Sprintf("not sent by its deadline %s", t.Deadline.UTC().Format(time.RFC3339)), 0)
	}

	switch {
	case t.Channel == thankyou.ChannelStaff:
		// The customer first: a staff call is made only for a customer
		// who may be called, inside the customer's hours (the reminder's
		// own contact is the staff member's, with their hours).
		d, err := h.gate().Check(ctx, j.customer(contact.KindCallList), j.now)
		if err != nil {
			log.ErrorContext(ctx, "contact check failed", "error", err)
			return j.retry(ctx, "could not check consent: "+err.Error(), 0, 0)
		}
		if d.Outcome != contact.Send {
			return j.act(ctx, d)
		}
		return j.remind(ctx)
	case t.Channel == thankyou.ChannelCall && t.Voice.Consent:
		// Decided once, by PlaceCall right before Twilio is asked.
		return j.call(ctx)
	case t.Channel == thankyou.ChannelCall:
		// Without the shop's consent nobody is called: the thank-you goes
		// out as the SMS.
		log.InfoContext(ctx, "automated calls are off for this shop (no consent): sending the SMS")
	}
	body, err := j.render()
	if err != nil {
		return j.finish(ctx, thankyou.StateFailed, "message could not be rendered: "+err.Error(), 0)
	}
	if segs, enc := message.Segments(body); segs > 1 {
		log.WarnContext(ctx, "message needs more than one SMS segment", "segments", segs, "encoding", enc)
	}
	// An SMS is decided once, by SendText right before it goes (the
	// opt-out read then is the fresh one), then waits for its turn under
	// Rate.
	sid, out, ok := j.sendText(ctx, j.customer(contact.KindSMS), body, j.act)
	if !ok {
		return out
	}
	if h.statusCallback(t.ID) != "" {
		// Its status callback records it: the first one (Twilio signs it,
		// and its URL names the task) takes the SID and the status and
		// ends the lease. Meanwhile the task stays in sending under this
		// run's lease; if no callback comes before the lease expires, the
		// next run's recovery asks Twilio (FindSent) and records it as
		// sent, never sending it again.
		h.Metrics.Count(metrics.Sent, 1)
		log.InfoContext(ctx, "thank-you sent: its status callback records it", "sid", sid)
		return sent
	}
	// No status callback comes: record the SID at once. This is the one
	// window where a crash would lose it (the next run's recovery then
	// finds the message at Twilio).
	if err := h.Store.MarkSent(ctx, t.ID, j.owner, sid, h.now(ctx)); err != nil {
		// Another run's recovery can take over an expired lease and
		// record the message first; then this lease-guarded write loses.
		if errors.Is(err, thankyou.ErrNotClaimable) && j.recordedBy(ctx, sid) {
			h.Metrics.Count(metrics.Sent, 1)
			log.InfoContext(ctx, "thank-you sent (another run recorded it first)", "sid", sid)
			return sent
		}
		log.ErrorContext(ctx, "sent, but recording the SID failed; the status callback will repair it", "sid", sid, "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Sent, 1)
	log.InfoContext(ctx, "thank-you sent", "sid", sid)
	return sent
}

// sendText sends body to c through the gate, with the task's status
// callback. ok is true when it went (sid is Twilio's); otherwise out is
// what became of the task: a failed send or an unreadable rule retried or
// ended, a decision other than Send handed to refused.
func (j *job) sendText(ctx context.Context, c contact.Contact, body string, refused func(context.Context, contact.Decision) outcome) (sid string, out outcome, ok bool) {
	h := j.h
	d, sid, err := h.gate().SendText(ctx, c, h.now(ctx), body, h.statusCallback(j.t.ID))
	switch {
	case errors.Is(err, contact.ErrNotSent):
		// The run ended while it waited for its turn: nothing went. Its
		// slot on the number's item stays the task's, so the retry is
		// admitted again in it.
		return "", j.retry(ctx, "run ended before sending", 0, 0), false
	case err != nil && d.Outcome == contact.Send:
		return "", j.sendFailed(ctx, err), false
	case err != nil:
		return "", j.retry(ctx, "could not check the contact: "+err.Error(), 0, 0), false
	case d.Outcome != contact.Send:
		return "", refused(ctx, d), false
	}
	return sid, sent, true
}

// statusCallback is the status callback URL of task id's messages, where
// Twilio reports what became of them; "" without a PublicBaseURL, when no
// callback comes (and the dispatcher records every send itself).
func (h *Handler) statusCallback(id string) string {
	if h.PublicBaseURL == "" {
		return ""
	}
	return twilio.StatusCallbackURL(h.PublicBaseURL, id)
}

// resolve resolves the settings that apply to the task: a staff call's
// with its stored shop (the staff phone's hours), the others' from the
// task and the deployment alone. An error means the shop could not be
// read; the deployment's settings are then set.
func (j *job) resolve(ctx context.Context) error {
	var shops settings.Shops
	if j.t.Channel == thankyou.ChannelStaff && j.h.Calls != nil {
		shops = j.h.Calls
	}
	set, err := j.h.Settings.Read(ctx, shops, j.t)
	j.set = set
	if set.Unreadable != nil {
		j.log.WarnContext(ctx, "unreadable settings replaced by the deployment's", "error", set.Unreadable)
	}
	return err
}

// customer is a contact of kind with the task's customer.
func (j *job) customer(kind contact.Kind) contact.Contact {
	return j.set.Customer(j.t, kind)
}

// recover handles a claim that took over an expired lease: a run died, or
// Twilio did not answer, or an SMS sent with a status callback got none
// before the lease expired. If Twilio already accepted this task's message,
// the task is recorded as sent instead of sending again; if that cannot be
// checked, the task stays claimed and the next run checks again.
func (j *job) recover(ctx context.Context) (outcome, bool) {
	t, log := j.t, j.log
	if t.MessageSID != "" {
		return j.finishSent(ctx, t.MessageSID, "sent"), true
	}
	body, _ := j.render()
	sid, found, o, done := j.findSent(ctx, body, "send")
	switch {
	case done:
		return o, true
	case found:
		log.WarnContext(ctx, "the send had gone out (its run was interrupted, or no status callback came): recording it, not sending again", "sid", sid)
		return j.finishSent(ctx, sid, "sent (found at Twilio by a later run)"), true
	}
	return 0, false
}

// findSent asks Twilio whether the message body (what: "send",
// "reminder") of the run whose lease this claim took over went out. When
// that cannot be told, done is set with the outcome: the task failed past
// its deadline, else left claimed for the next run to ask again.
func (j *job) findSent(ctx context.Context, body, what string) (sid string, found bool, o outcome, done bool) {
	h, t := j.h, j.t
	// Twilio's date_created has one-second precision and its clock is not
	// ours: look a little before the claim, erring towards recording a send
	// rather than sending twice.
	sid, found, err := h.Sender.FindSent(ctx, t.Recipient, body, j.claim.PreviousClaimAt.Add(-clockSlack))
	switch {
	case err != nil && h.now(ctx).After(t.Deadline):
		return "", false, j.finish(ctx, thankyou.StateFailed, "could not confirm with Twilio whether an interrupted "+what+" went out before the deadline", 0), true
	case err != nil:
		// Left claimed, not rescheduled: a normal claim would send without
		// this check. The next run takes it over and asks Twilio again.
		j.log.ErrorContext(ctx, "could not check whether the interrupted "+what+" went out; checking again after the lease", "error", err)
		return "", false, ambiguous, true
	}
	return sid, found, 0, false
}

// finishSent records a send found after an interrupted run, or one whose
// status callback had not come when the lease expired.
func (j *job) finishSent(ctx context.Context, sid, reason string) outcome {
	if err := j.h.Store.Finish(ctx, j.t.ID, j.owner, thankyou.StateSent, reason, 0, sid, j.h.now(ctx)); err != nil {
		// The message's status callback can arrive while this claim is
		// held: it records the SID itself and ends the lease, and then
		// this lease-guarded write loses.
		if errors.Is(err, thankyou.ErrNotClaimable) && j.recordedBy(ctx, sid) {
			j.h.Metrics.Count(metrics.Sent, 1)
			j.log.InfoContext(ctx, "recovered send: its status callback recorded it first", "sid", sid)
			return recovered
		}
		j.log.ErrorContext(ctx, "record recovered send failed", "error", err)
		return errored
	}
	j.h.Metrics.Count(metrics.Sent, 1)
	return recovered
}

// recordedBy reports whether the task, read again after a lease-guarded
// write lost, records message sid: something else (a status callback,
// another run) recorded the send first.
func (j *job) recordedBy(ctx context.Context, sid string) bool {
	cur, err := j.h.Store.GetTask(ctx, j.t.ID)
	return err == nil && cur.MessageSID == sid
}

// sendFailed records a refused or failed send: temporary errors are retried
// with backoff, Twilio's final refusals fail the task with code and reason.
func (j *job) sendFailed(ctx context.Context, err error) outcome {
	log := j.log
	var se *thankyou.SendError
	if !errors.As(err, &se) || se.Status == 0 {
		// No answer from Twilio (timeout, broken connection, run ended): the
		// message may have been accepted. Sending again now could send it
		// twice, so the task stays claimed; when its lease expires the next
		// run asks Twilio whether it went out before sending (see recover).
		log.WarnContext(ctx, "no answer from Twilio: the task is checked against Twilio after its lease expires", "error", err)
		return ambiguous
	}
	log = log.With("status", se.Status, "code", se.Code)
	switch {
	case se.Temporary:
		log.WarnContext(ctx, "temporary send failure", "error", se.Message)
		return j.retry(ctx, se.Error(), se.Code, se.RetryAfter)
	case twilio.ErrorCode(se.Code).OptedOut():
		// Twilio knows the recipient unsubscribed (STOP) even if we missed
		// it; the gate recorded the opt-out.
		return j.finish(ctx, thankyou.StateOptedOut, twilio.ErrorCode(se.Code).Reason(), se.Code)
	default:
		return j.finish(ctx, thankyou.StateFailed, se.Error(), se.Code)
	}
}

// retry puts the task back with exponential backoff and jitter, inside the
// window, or fails it when out of attempts or past its deadline.
func (j *job) retry(ctx context.Context, reason string, code int, after time.Duration) outcome {
	h, t, log := j.h, j.t, j.log
	now := h.now(ctx)
	if t.Attempts >= h.MaxAttempts {
		return j.finish(ctx, thankyou.StateFailed, fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, reason), code)
	}
	wait := max(h.Backoff(t.Attempts), after)
	due := now.Add(wait)
	// A staff call is timed by the customer's hours too.
	switch v := j.set.Hours().At(due, j.set.Recipient(t)); {
	case v.Reason == polite.ReasonNoPoliteTime:
		return j.finish(ctx, thankyou.StateExpired, polite.NoPoliteTimeText, code)
	case !v.Open:
		due = v.Next
	}
	if due.After(t.Deadline) {
		return j.finish(ctx, thankyou.StateFailed, "could not be sent before its deadline: "+reason, code)
	}
	if err := h.Store.Reschedule(ctx, t.ID, j.owner, due, reason, code, now); err != nil {
		log.ErrorContext(ctx, "reschedule failed", "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Retried, 1, metrics.TwilioCode(code))
	log.InfoContext(ctx, "will retry", "due", due.UTC(), "reason", reason)
	return retried
}

// render renders the task's message with its shop's name and own template
// when it has them (parsed once per template), else the configured ones.
func (j *job) render() (string, error) {
	t := j.t
	r, err := j.h.rendererFor(t, t.Channel)
	if err != nil {
		return "", err
	}
	ch := t.Channel
	if ch == thankyou.ChannelCall {
		ch = thankyou.ChannelSMS // the SMS sent instead of a call
	}
	return r.Render(ch, message.DataFor(t, j.set.ShopName))
}

// rendererFor is the renderer of a task's message on channel ch: the
// task's own template, else the configured ones when the task is in their
// language, else the built-in texts of the task's language.
func (h *Handler) rendererFor(t thankyou.Task, ch thankyou.Channel) (*message.Renderer, error) {
	switch {
	case t.Template != "":
		return h.renderers.get(ch, t.Template)
	case t.Language == "" || t.Language == h.Language || h.Language == "" && t.Language == language.English:
		return h.Renderer, nil
	}
	return h.renderers.builtin(t.Language)
}

// renderers caches renderers of shops' own templates.
type renderers struct {
	mu sync.Mutex
	m  map[string]*message.Renderer
}

// builtin returns the renderer of a language's built-in texts.
func (rs *renderers) builtin(lang string) (*message.Renderer, error) {
	return rs.cached("builtin\x00"+lang, func() (*message.Renderer, error) { return message.NewRendererIn(lang, "", "") })
}

func (rs *renderers) get(ch thankyou.Channel, text string) (*message.Renderer, error) {
	return rs.cached(string(ch)+"\x00"+text, func() (*message.Renderer, error) {
		sms, staff := text, ""
		if ch == thankyou.ChannelStaff {
			sms, staff = "", text
		}
		return message.NewRenderer(sms, staff)
	})
}

// cached returns the renderer under key, built once by build.
func (rs *renderers) cached(key string, build func() (*message.Renderer, error)) (*message.Renderer, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.m[key]; ok {
		return r, nil
	}
	r, err := build()
	if err != nil {
		return nil, err
	}
	if rs.m == nil {
		rs.m = map[string]*message.Renderer{}
	}
	rs.m[key] = r
	return r, nil
}

// Backoff returns the wait before retry number attempt (1-based): RetryBase
// doubled each attempt, capped at RetryMax, with jitter in [d/2, d].
func (h *Handler) Backoff(attempt int) time.Duration {
	base, maxWait := h.RetryBase, h.RetryMax
	if base <= 0 {
		base = 5 * time.Minute
	}
	if maxWait <= 0 {
		maxWait = 6 * time.Hour
	}
	d := base
	for i := 1; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func (j *job) finish(ctx context.Context, state thankyou.State, reason string, code int) outcome {
	h, log := j.h, j.log
	if err := h.Store.Finish(ctx, j.t.ID, j.owner, state, reason, code, "", h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "recording the outcome failed", "state", state, "error", err)
		return errored
	}
	log.InfoContext(ctx, "task ended", "state", state, "reason", reason, "code", code)
	switch state {
	case thankyou.StateOptedOut:
		h.Metrics.Count(metrics.OptedOut, 1)
		return optedOut
	case thankyou.StateExpired:
		h.Metrics.Count(metrics.Expired, 1)
		return expired
	case thankyou.StateCancelled:
		h.Metrics.Count(metrics.OrdersCancelled, 1)
		return cancelled
	default:
		h.Metrics.Count(metrics.Failed, 1, metrics.TwilioCode(code))
		return failed
	}
}

func lastReason(t thankyou.Task) string {
	if t.Reason != "" {
		return t.Reason
	}
	return "no reason recorded"
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "run-" + hex.EncodeToString(b)
}
