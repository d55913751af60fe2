package twiliohook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Conversations is what the handler needs of the store for customers'
// replies and staff answers (see package replies).
type Conversations interface {
	GetTask(ctx context.Context, id string) (thankyou.Task, error)
	LastTask(ctx context.Context, phone string, now time.Time) (string, bool, error)
	AnswerableTask(ctx context.Context, staffPhone, number string, now time.Time) (string, bool, error)
	AddEntry(ctx context.Context, id string, e thankyou.Entry, now time.Time) (thankyou.Task, int, error)
}

// retryForward is how soon a forward that could not be decided (a store
// or Twilio error) is tried again by the dispatcher.
const retryForward = 5 * time.Minute

// forwarder is Replies with the handler's gate.
func (h *Handler) forwarder() *replies.Forwarder {
	f := *h.Replies
	if f.Gate == nil {
		f.Gate = h.gate()
	}
	return &f
}

// customerReply records a message from a number whose thank-you it
// answers on that task's conversation, flags a complaint, and forwards it
// to staff (now, or when their hours open). handled is false when the
// number has no thank-you to answer: the message is then nobody's.
func (h *Handler) customerReply(ctx context.Context, from, body, sid string, log *slog.Logger) (handled bool, err error) {
	if h.Conversations == nil {
		return false, nil
	}
	now := h.Now()
	id, found, err := h.Conversations.LastTask(ctx, from, now)
	if err != nil {
		return false, thankyou.WrapError(thankyou.EINTERNAL, "could not find the thank-you replied to", err)
	}
	if !found {
		return false, nil
	}
	text := body
	if len(text) > thankyou.MaxEntryText { // Twilio's bodies are shorter: a bound, not a rule
		text = strings.ToValidUTF8(text[:thankyou.MaxEntryText-len("…")], "") + "…"
	}
	e := thankyou.Entry{At: now, From: thankyou.SpeakerCustomer, Text: text, SID: sid}
	if w, ok := inbound.Complaint(body); ok {
		e.Complaint = w.Text
	}
	log = log.With("task", id, "complaint", e.Complaint != "", "length", len(body))
	t, n, err := h.Conversations.AddEntry(ctx, id, e, now)
	switch c := thankyou.ErrorCode(err); {
	case c == thankyou.ECONFLICT || c == thankyou.ENOTFOUND:
		log.InfoContext(ctx, "reply not recorded", "why", thankyou.ErrorMessage(err))
		return true, nil
	case err != nil:
		return false, thankyou.WrapError(thankyou.EINTERNAL, "could not record the reply", err)
	}
	log.InfoContext(ctx, "customer's reply recorded", "entry", n)
	if h.Replies == nil {
		return true, nil
	}
	fw := h.forwarder()
	res, err := fw.Forward(ctx, t, n, now)
	if err != nil {
		// Left for the dispatcher to try again: the reply is on the task.
		log.ErrorContext(ctx, "forwarding the reply failed: the dispatcher tries again", "error", err)
		if qerr := fw.Store.QueueForward(ctx, thankyou.Forward{TaskID: t.ID, Entry: n, Due: now.Add(retryForward)}, now); qerr != nil {
			log.ErrorContext(ctx, "the reply could not be queued for forwarding either", "error", qerr)
		}
		return true, nil
	}
	switch {
	case res.Sent:
		log.InfoContext(ctx, "reply forwarded to staff", "to", res.To)
	case !res.Waiting.IsZero():
		log.InfoContext(ctx, "reply waits for the staff member's hours", "to", res.To, "at", res.Waiting)
	default:
		log.WarnContext(ctx, "reply not forwarded", "why", res.Dropped)
	}
	return true, nil
}

// staffAnswer carries out REPLY <order> <text> from a number a reply of
// that order's customer was forwarded to: the text goes to the customer
// from the shop's number, through the gate (the customer's consent and
// polite hours). Outside the hours nothing is sent or kept for later: the
// staff member is told from when they may answer. handled is false when
// no reply of that order was forwarded to this number.
func (h *Handler) staffAnswer(ctx context.Context, from string, cmd inbound.Command, log *slog.Logger) (events.APIGatewayV2HTTPResponse, bool, error) {
	if h.Conversations == nil {
		return events.APIGatewayV2HTTPResponse{}, false, nil
	}
	now := h.Now()
	id, found, err := h.Conversations.AnswerableTask(ctx, from, cmd.Order, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, false, thankyou.WrapError(thankyou.EINTERNAL, "could not find the reply answered", err)
	}
	if !found {
		return events.APIGatewayV2HTTPResponse{}, false, nil
	}
	t, err := h.Conversations.GetTask(ctx, id)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		return messageTwiML(fmt.Sprintf("Order %s is no longer held: nothing was sent.", cmd.Order)), true, nil
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, false, thankyou.WrapError(thankyou.EINTERNAL, "could not read the task answered", err)
	}
	log = log.With("task", t.ID, "verb", cmd.Verb, "length", len(cmd.Note))
	who, num := firstName(t), orderNumber(t)
	body := AnswerText(h.shopName(t), cmd.Note)
	if n := utf8.RuneCountInString(body); n > inbound.MaxReply {
		return messageTwiML(fmt.Sprintf("Not sent: your answer is %d characters too long (with the shop's name, %d at most).", n-inbound.MaxReply, inbound.MaxReply)), true, nil
	}
	d, _, err := h.gate().SendText(ctx, h.answerContact(t), now, body, "")
	switch {
	case err != nil:
		log.ErrorContext(ctx, "REPLY not sent", "error", err)
		return messageTwiML(fmt.Sprintf("Sorry, your answer to %s (order %s) could not be sent. Try again in a minute.", who, num)), true, nil
	case d.Code == contact.CodeOptedOut:
		log.InfoContext(ctx, "REPLY to a customer who opted out: not sent")
		return messageTwiML(fmt.Sprintf("Not sent: %s (order %s) has opted out of messages (STOP). Please do not contact them by text.", who, num)), true, nil
	case d.Outcome == contact.Defer && d.Code == contact.CodeOutsideHours:
		log.InfoContext(ctx, "REPLY outside the customer's hours: not sent", "rule", d.Rule, "next", d.At)
		return messageTwiML(AnswerLaterText(who, num, now, d.At, h.customer(t).Zones[0])), true, nil
	case d.Outcome != contact.Send:
		log.InfoContext(ctx, "REPLY not allowed: not sent", "gate", d.Code)
		return messageTwiML(fmt.Sprintf("Not sent to %s (order %s): %s.", who, num, d.Reason())), true, nil
	}
	entry := thankyou.Entry{At: now, From: thankyou.SpeakerStaff, Text: cmd.Note}
	if _, _, err := h.Conversations.AddEntry(ctx, t.ID, entry, now); err != nil {
		log.WarnContext(ctx, "REPLY sent but not recorded on the task", "error", err)
	}
	log.InfoContext(ctx, "REPLY sent to the customer")
	return messageTwiML(fmt.Sprintf("Sent to %s (order %s).", who, num)), true, nil
}

// AnswerText is a staff member's answer as the customer gets it: the
// shop's name first, so the customer knows who writes.
func AnswerText(shop, text string) string {
	if shop == "" {
		return text
	}
	return shop + ": " + text
}

// AnswerLaterText tells a staff member that their answer was not sent
// because it is outside the customer's hours, and from when to send it
// again on the customer's clock in zone.
func AnswerLaterText(who, num string, now, next time.Time, zone *time.Location) string {
	n, x := now.In(zone), next.In(zone)
	from := x.Format("15:04")
	if y1, m1, d1 := n.Date(); x.Day() != d1 || x.Month() != m1 || x.Year() != y1 {
		from = x.Format("Mon 15:04")
	}
	return fmt.Sprintf("Not sent: it is %s for %s (order %s). Send your %s again from %s their time.", n.Format("15:04"), who, num, inbound.WordReply, from)
}

// answerContact is a REPLY to the task's customer (no deadline: it
// answers a message they wrote).
func (h *Handler) answerContact(t thankyou.Task) contact.Contact {
	return h.customer(t).Customer(t, contact.KindReplyAnswer)
}
