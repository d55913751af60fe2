package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// The personal-call part of the demo: a second shop whose thank-yous are
// staff calls, with a roster of two.
const (
	callShop      = "thankyou-calls-demo.myshopify.com"
	callShopVar   = "THANKYOU_DEMO_CALL_SHOP_SECRET" // its secret reference: env:…
	callOrderID   = "820982911946154600"
	anaPhone      = "+12125550181"
	benPhone      = "+13125550182"
	callShopPhone = "+12125550199"
)

// staffDemo plays a staff call: the order, the reminder to the member on
// duty, a LATER, the reminder again, and CALL bridging her to the
// customer, with the local Twilio playing both phones.
func staffDemo(ctx context.Context, s *localstack.Stack, clock *localstack.Clock, env map[string]map[string]string, out io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(out, "\n== "+format+"\n", args...) }
	secret := env[localstack.OrderWebhookID]["SHOPIFY_WEBHOOK_SECRET"]
	// The stored shop names its secret by reference, as in a deployment
	// (there an SSM parameter); here the reference reads this variable.
	if err := os.Setenv(callShopVar, secret); err != nil {
		return err
	}
	// The next week, so that the demo prints everything in time order.
	const week = 7 * 24 * time.Hour
	clock.Set(demoStart.Add(week - 5*time.Minute))
	step("%s — the next week, a second shop thanks by phone: its settings and staff, as `thankyou shops put` and `thankyou staff put` store them", stamp(clock.Now()))
	sh := thankyou.Shop{
		Source: thankyou.SourceShopify, ID: callShop, Name: "Thank-you Calls Demo", SecretRefs: []string{"env:" + callShopVar},
		TimeZone: "America/New_York", DefaultCountry: "US", Channel: thankyou.ChannelStaff, StaffPhone: callShopPhone,
		Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"), Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour,
	}
	if err := s.DynamoDB.PutShop(ctx, sh, clock.Now()); err != nil {
		return err
	}
	for _, m := range []thankyou.StaffMember{
		{ID: "ana", Name: "Ana", Phone: anaPhone, TimeZone: "America/New_York"},
		{ID: "ben", Name: "Ben", Phone: benPhone, TimeZone: "America/Chicago"},
	} {
		m.Source, m.ShopID, m.Hours, m.Active = sh.Source, sh.ID, thankyou.MustWindow("09:00-17:00 Mon-Fri"), true
		if err := s.DynamoDB.PutStaff(ctx, m, clock.Now()); err != nil {
			return err
		}
		fmt.Fprintf(out, "  staff %s: %s, 09:00-17:00 Mon-Fri %s\n", m.ID, phone.Mask(m.Phone), m.TimeZone)
	}

	var ev events.APIGatewayV2HTTPRequest
	b, err := story.At(story.RefTime.Add(week), "order-webhook/shopify-orders-create.json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return err
	}
	// Order 1004 at the second shop, signed with its secret.
	ev.Body = strings.NewReplacer("820982911946154508", callOrderID, `"name":"#1001"`, `"name":"#1004"`,
		`"order_number":1001`, `"order_number":1004`).Replace(ev.Body)
	ev.Headers["x-shopify-shop-domain"] = callShop
	ev.Headers["x-shopify-webhook-id"] = "demo-call-order-1004"
	ev.Headers["x-shopify-event-id"] = "demo-call-order-1004"
	ev.Headers["x-shopify-hmac-sha256"] = shopify.Sign([]byte(secret), []byte(ev.Body))
	ev.Headers["content-length"] = fmt.Sprint(len(ev.Body))
	status, body, err := localstack.PostEvent(ctx, s.APIURL, ev)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s order 1004 (Jane Doe) at %s → %d %s\n", clock.Now().Format("Mon 15:04"), callShop, status, oneLine(string(body)))
	id := thankyou.TaskID(thankyou.SourceShopify, callShop, callOrderID)

	fresh := sentSince(s, len(s.Twilio.Messages()))
	show := func() {
		for _, m := range fresh() {
			fmt.Fprintf(out, "      SMS to %s: %q\n", phone.Mask(m.To), m.Body)
		}
	}
	run := func(at time.Time) error {
		clock.Set(at)
		sum, err := s.Dispatcher.Run(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s dispatcher: due %d, reminders sent %d\n", stamp(at), sum.Due, sum.Reminded)
		show()
		return nil
	}
	reply := func(from, text string) error {
		status, answer, err := s.Twilio.SendInbound(ctx, s.APIURL+"/twilio/inbound", from, env[localstack.DispatcherID]["TWILIO_FROM"], text)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s %s texts %q → %d %s\n", clock.Now().In(nyZone()).Format("15:04"), phone.Mask(from), text, status, oneLine(string(answer)))
		return nil
	}

	due := time.Date(2026, 12, 3, 11, 0, 5, 0, nyZone())
	step("Thursday 11:00 in New York, 72 h later: the reminder goes to the staff member on duty with the fewest open calls")
	if err := run(due); err != nil {
		return err
	}
	clock.Set(due.Add(25 * time.Minute))
	step("Ana is with a customer: she snoozes it")
	if err := reply(anaPhone, "later 2h"); err != nil {
		return err
	}
	step("Two hours later the reminder comes again")
	if err := run(due.Add(2*time.Hour + 25*time.Minute + 5*time.Second)); err != nil {
		return err
	}
	clock.Advance(3 * time.Minute)
	step("Ana replies CALL: Twilio rings her phone, then connects her to Jane, who sees the shop's number")
	if err := reply(anaPhone, "CALL"); err != nil {
		return err
	}
	calls := s.Twilio.Calls()
	if len(calls) == 0 {
		return fmt.Errorf("demo: no bridge call was placed")
	}
	c := calls[len(calls)-1]
	if err := s.Twilio.AnswerCall(ctx, c.SID, twiliotest.Answered(5*time.Second).Bridged(twiliotest.Answered(95*time.Second))); err != nil {
		return err
	}
	fmt.Fprintf(out, "  Twilio called %s; when she answered it fetched this TwiML:\n      %s\n", phone.Mask(c.To), maskNumbers(oneLine(s.Twilio.CallTwiML(c.SID))))
	for _, d := range s.Twilio.Dials() {
		fmt.Fprintf(out, "  <Dial> rang %s from %s: %s, %d s\n", phone.Mask(d.To), d.CallerID, d.Status, d.Duration)
	}
	task, err := s.DynamoDB.GetTask(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  task %s: %s (customer %s, %s on the line)\n", id, task.State, task.Call.Customer, task.Call.Duration)
	show()
	return nil
}

// sentSince returns a function giving the messages accepted since its
// last call, starting after the first n.
func sentSince(s *localstack.Stack, n int) func() []twiliotest.Message {
	return func() []twiliotest.Message {
		all := s.Twilio.Messages()
		out := all[min(n, len(all)):]
		n = len(all)
		return out
	}
}

func nyZone() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.UTC
	}
	return loc
}

// maskNumbers masks the E.164 numbers in a line of TwiML.
func maskNumbers(s string) string {
	for _, n := range []string{"+12125550123"} {
		s = strings.ReplaceAll(s, n, phone.Mask(n))
	}
	return s
}
