package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
)

// customerPhone is Jane Doe's number (orders 1001 and 1004).
const customerPhone = "+12125550123"

// conversationDemo plays a conversation: the customer texts back after
// her thank-you with a complaint, outside the staff's hours; the forward
// waits for them and says it needs attention, and the staff answer with
// REPLY, first too early for the customer, then in her hours.
func conversationDemo(ctx context.Context, s *localstack.Stack, clock *localstack.Clock, env map[string]map[string]string, out io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(out, "\n== "+format+"\n", args...) }
	ny := nyZone()
	fresh := sentSince(s, len(s.Twilio.Messages()))
	// staff is who the forward went to: the staff member who owns the
	// call, else the shop's staff phone.
	staff := ""
	show := func() {
		for _, m := range fresh() {
			fmt.Fprintf(out, "      SMS to %s: %q\n", phone.Mask(m.To), m.Body)
			if m.To != customerPhone {
				staff = m.To
			}
		}
	}
	text := func(at time.Time, from, body string) error {
		clock.Set(at)
		status, answer, err := s.Twilio.SendInbound(ctx, s.APIURL+"/twilio/inbound", from, env[localstack.DispatcherID]["TWILIO_FROM"], body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s %s texts %q → %d %s\n", at.In(ny).Format("Mon 15:04"), phone.Mask(from), body, status, oneLine(string(answer)))
		show()
		return nil
	}

	evening := time.Date(2026, 12, 7, 21, 30, 0, 0, ny)
	step("Monday 21:30 in New York: Jane texts the shop's number back. It is a complaint, after the staff's hours")
	if err := text(evening, customerPhone, "Thank you! Sadly the lid of the mug arrived broken."); err != nil {
		return err
	}
	id, found, err := s.DynamoDB.LastTask(ctx, customerPhone, clock.Now())
	if err != nil || !found {
		return fmt.Errorf("demo: the reply found no task (%v)", err)
	}
	task, err := s.DynamoDB.GetTask(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  kept on task %s (needs attention: %v); the forward waits for the staff member's hours\n", id, task.NeedsAttention)

	step("Tuesday 09:05: the dispatcher sends the waiting forward as the staff's hours open (the call's owner, else the shop's staff phone)")
	clock.Set(time.Date(2026, 12, 8, 9, 5, 0, 0, ny))
	sum, err := s.Dispatcher.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s dispatcher: forwarded %d\n", stamp(clock.Now()), sum.Forwarded)
	show()
	if staff == "" {
		return fmt.Errorf("demo: the reply was not forwarded")
	}

	num := task.Order.Number
	if len(num) > 0 && num[0] == '#' {
		num = num[1:]
	}
	step("The staff answer at once, but it is before the shop's hours for Jane: nothing is sent, and they are told when")
	if err := text(time.Date(2026, 12, 8, 9, 10, 0, 0, ny), staff, "REPLY "+num+" So sorry, Jane! A new lid is on its way today."); err != nil {
		return err
	}
	step("They send it again after 10:00: Jane gets it from the shop's number")
	if err := text(time.Date(2026, 12, 8, 10, 2, 0, 0, ny), staff, "REPLY "+num+" So sorry, Jane! A new lid is on its way today."); err != nil {
		return err
	}

	step("The conversation, as `thankyou tasks show --id %s` prints it (and `tasks list --state needs_attention` lists the task)", id)
	if task, err = s.DynamoDB.GetTask(ctx, id); err != nil {
		return err
	}
	for _, e := range task.Conversation {
		mark := ""
		if e.Complaint != "" {
			mark = " (complaint)"
		}
		fmt.Fprintf(out, "  %s  %s%s: %q\n", e.At.In(ny).Format("Mon 15:04"), e.From, mark, e.Text)
	}
	return nil
}
