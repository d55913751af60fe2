// Package replies carries a customer's reply to a thank-you to the shop:
// it finds who the reply goes to (the staff member who owns the call, else
// the shop's staff phone), writes the forward ("Needs attention: Jane
// (order 1001) replied: ...") and sends it through the contact gate inside
// that person's hours, or leaves it waiting in the store for the
// dispatcher to send when the hours open. The Twilio webhook forwards a
// reply as it arrives; the dispatcher sends the waiting ones.
//
// A reply's text is personal data: it is sent to staff and kept on the
// task, never logged.
package replies

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Store is what a Forwarder needs of the store.
type Store interface {
	QueueForward(ctx context.Context, f thankyou.Forward, now time.Time) error
	NoteAnswerable(ctx context.Context, staffPhone, number, id string, now time.Time) error
	NoteForwarded(ctx context.Context, id string, n int, to string, now time.Time) error
}

// Directory finds the staff: the roster member who owns a call, and the
// shop's own settings (its staff phone and zone).
type Directory interface {
	GetStaff(ctx context.Context, source thankyou.Source, shop, id string) (thankyou.StaffMember, error)
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
}

// Forwarder forwards customers' replies to staff. Build one per handler.
type Forwarder struct {
	// Gate is the contact gate the forward goes through.
	Gate  *contact.Gate
	Store Store
	// Directory finds roster members and shops' settings; nil: the
	// deployment's StaffPhone only.
	Directory Directory
	// StaffPhone is the deployment's default staff phone (STAFF_PHONE),
	// for a call with no owner at a shop with no staff phone of its own.
	StaffPhone string
	// StaffWindow is the hours of a shop's staff phone (zero:
	// contact.DefaultStaffWindow), in ShopZone unless the shop has its own.
	StaffWindow thankyou.Window
	ShopZone    *time.Location
}

// Result is what became of a forward.
type Result struct {
	// Sent: the forward went out now.
	Sent bool
	// Waiting is when a forward outside the staff member's hours will go
	// (it is queued in the store).
	Waiting time.Time
	// Dropped says why the forward will never go ("" when sent or
	// waiting): nobody to forward to, the staff phone opted out, the
	// reply was erased meanwhile.
	Dropped string
	// To names who it went or goes to, for logs and the task's history:
	// "member=<id>" or "shop staff phone", never a number.
	To string
}

// Forward forwards entry n of task t's conversation at now: sent through
// the gate, queued until the hours open, or dropped with the reason (also
// when Twilio refuses it for good). An error means a rule or the send
// could not be carried out now (the caller tries again later).
func (f *Forwarder) Forward(ctx context.Context, t thankyou.Task, n int, now time.Time) (Result, error) {
	if n < 0 || n >= len(t.Conversation) || t.Conversation[n].Text == "" {
		return Result{Dropped: "the reply is no longer held (erased)"}, nil
	}
	e := t.Conversation[n]
	targets, err := f.targets(ctx, t)
	if err != nil {
		return Result{}, err
	}
	if len(targets) == 0 {
		return Result{Dropped: "no staff phone to forward to"}, nil
	}
	var last contact.Decision
	for _, tg := range targets {
		d, _, err := f.Gate.SendText(ctx, tg.c, now, Text(t, e), "")
		var se *thankyou.SendError
		switch {
		case err != nil && errors.As(err, &se) && !se.Temporary && se.Status != 0:
			// Twilio refused it for good (a number it cannot text): trying
			// again would only fail again.
			last = contact.Decision{Outcome: contact.Refuse, Code: contact.CodeOK, Detail: fmt.Sprintf("Twilio refused the forward (code %d)", se.Code)}
			continue
		case err != nil:
			return Result{}, fmt.Errorf("forward reply of task %s: %w", t.ID, err)
		}
		switch d.Outcome {
		case contact.Send:
			// The forward went: whatever follows is bookkeeping, and a
			// failure of it must not send the forward again.
			_ = f.Store.NoteAnswerable(ctx, tg.c.To, message.OrderNumber(t.Order), t.ID, now)
			_ = f.Store.NoteForwarded(ctx, t.ID, n, tg.name, now)
			return Result{Sent: true, To: tg.name}, nil
		case contact.Defer:
			if err := f.Store.QueueForward(ctx, thankyou.Forward{TaskID: t.ID, Entry: n, Due: d.At}, now); err != nil {
				return Result{}, err
			}
			return Result{Waiting: d.At, To: tg.name}, nil
		}
		// Refused (the member is inactive or opted out): the next in line.
		last = d
	}
	if last.Code == contact.CodeOK {
		return Result{Dropped: last.Detail}, nil
	}
	return Result{Dropped: last.Reason()}, nil
}

// target is one person a reply may be forwarded to.
type target struct {
	c    contact.Contact
	name string
}

// targets lists who a task's replies go to, in order: the roster member
// who owns the call, then the shop's staff phone.
func (f *Forwarder) targets(ctx context.Context, t thankyou.Task) ([]target, error) {
	var out []target
	if id := t.Staff.MemberID; id != "" && f.Directory != nil {
		m, err := f.Directory.GetStaff(ctx, t.Order.Source, t.Order.Shop, id)
		switch {
		case err == nil && m.Phone != "":
			out = append(out, target{contact.Contact{Kind: contact.KindReplyForward, To: m.Phone, Member: &m, Task: t.ID, For: &t}, "member=" + id})
		case err != nil && thankyou.ErrorCode(err) != thankyou.ENOTFOUND:
			return nil, fmt.Errorf("forward reply of task %s: staff member: %w", t.ID, err)
		}
	}
	phone, zone := "", f.ShopZone
	if f.Directory != nil {
		sh, err := f.Directory.GetShop(ctx, t.Order.Source, t.Order.Shop)
		switch {
		case err == nil:
			phone = sh.StaffPhone
			if loc, lerr := time.LoadLocation(sh.TimeZone); lerr == nil && sh.TimeZone != "" {
				zone = loc
			}
		case thankyou.ErrorCode(err) != thankyou.ENOTFOUND:
			return nil, fmt.Errorf("forward reply of task %s: shop: %w", t.ID, err)
		}
	}
	if phone == "" && t.Channel == thankyou.ChannelStaff && t.Staff.MemberID == "" {
		phone = t.Recipient // the shop's staff phone when the task was made
	}
	if phone == "" {
		phone = f.StaffPhone
	}
	if phone != "" && (len(out) == 0 || out[0].c.To != phone) {
		w := f.StaffWindow
		if w == (thankyou.Window{}) {
			w = contact.DefaultStaffWindow
		}
		if zone == nil {
			zone = time.UTC
		}
		out = append(out, target{contact.Contact{Kind: contact.KindReplyForward, To: phone, Zones: []*time.Location{zone}, Window: w, Task: t.ID, For: &t}, "shop staff phone"})
	}
	return out, nil
}

// MaxQuoted is how much of a customer's reply a forward quotes; the rest
// is on the task (thankyou tasks show).
const MaxQuoted = 600

// needsAttention opens the forward of a reply that read as a complaint.
const needsAttention = "Needs attention: "

// Text is the forward of reply e to staff: "Jane (order 1001) replied:
// ..." (after "Needs attention: " for a complaint), then how to answer.
func Text(t thankyou.Task, e thankyou.Entry) string {
	var b strings.Builder
	if e.Complaint != "" {
		b.WriteString(needsAttention)
	}
	num := message.OrderNumber(t.Order)
	fmt.Fprintf(&b, "%s (order #%s) replied: %s\n", message.FirstName(t.Order), num, Quote(e.Text))
	fmt.Fprintf(&b, "Answer with %s %s and your text.", inbound.WordReply, num)
	return b.String()
}

// Quote is a customer's text as a forward quotes it: control and
// direction characters dropped, lines joined, at most MaxQuoted bytes.
func Quote(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= MaxQuoted {
		return s
	}
	cut := MaxQuoted
	for cut > 0 && !utfStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utfStart(b byte) bool { return b&0xC0 != 0x80 }
