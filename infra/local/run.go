package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

type options struct {
	demo, services                  bool
	apiAddr, twilioAddr, dynamoAddr string
	envFile                         string
}

// demoStart is the demo's first instant: Monday 23 November 2026, 11:05 in
// New York, five minutes after the fixture order was placed.
var demoStart = time.Date(2026, 11, 23, 16, 5, 0, 0, time.UTC)

func run(ctx context.Context, o options, out io.Writer) error {
	env, err := localstack.LoadEnvFile(o.envFile)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	var clock *localstack.Clock
	now := time.Now
	if o.demo {
		// The story prints what matters; the functions' JSON logs go to a file.
		level = slog.LevelDebug
		clock = localstack.NewClock(demoStart)
		now = clock.Now
	}
	logOut := io.Writer(os.Stderr)
	if o.demo {
		f, err := os.Create(filepath.Join(os.TempDir(), "thankyou-demo.log"))
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f
	}
	logger := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: level}))
	stack, err := localstack.Start(ctx, localstack.Options{
		Env:              env,
		DynamoDBEndpoint: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		DynamoDBAddr:     o.dynamoAddr,
		APIAddr:          o.apiAddr,
		TwilioAddr:       o.twilioAddr,
		Now:              now,
		Logger:           logger,
		ServicesOnly:     o.services,
	})
	if err != nil {
		return err
	}
	defer stack.Close()

	banner(out, stack)
	if o.services {
		fmt.Fprintln(out, "For sam local invoke (events/env.json points the functions here). Ctrl-C stops.")
		<-ctx.Done()
		return nil
	}
	if !o.demo {
		fmt.Fprintln(out, "Serving with the real clock; the dispatcher runs every minute. Ctrl-C stops.")
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if _, err := stack.Dispatcher.Run(ctx); err != nil {
					logger.Error("dispatcher run failed", "error", err)
				}
			}
		}
	}
	if o.demo {
		fmt.Fprintf(out, "Functions' JSON logs: %s\n\n", filepath.Join(os.TempDir(), "thankyou-demo.log"))
	}
	return demo(ctx, stack, clock, env, out)
}

func demo(ctx context.Context, s *localstack.Stack, clock *localstack.Clock, env map[string]map[string]string, out io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(out, "\n== "+format+"\n", args...) }

	step("Monday and Tuesday — shops' platforms send webhooks (the fixtures of events/order-webhook/ as recorded, in the order they arrive)")
	var ids []string
	start := clock.Now()
	type delivery struct {
		file string
		ev   events.APIGatewayV2HTTPRequest
		at   time.Time
	}
	var deliveries []delivery
	for _, f := range []string{
		"shopify-orders-create.json", "shopify-duplicate.json", "shopify-second-order.json",
		"shopify-no-phone.json", "shopify-bad-signature.json", "shopify-malformed.json",
		"woocommerce-order-created.json", "woocommerce-order-pending.json",
		"stripe-checkout-completed.json", "stripe-replayed.json", "stripe-rotated-secret.json",
		"generic-order-created.json", "woocommerce-order-cancelled.json",
	} {
		ev, err := recordedEvent("order-webhook/" + f)
		if err != nil {
			return err
		}
		deliveries = append(deliveries, delivery{f, ev, time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()})
	}
	// Printed in time order: each delivery arrives at its own time, and
	// replay windows are judged against it.
	slices.SortStableFunc(deliveries, func(a, b delivery) int { return a.at.Compare(b.at) })
	for _, d := range deliveries {
		f, ev, at := d.file, d.ev, d.at
		clock.Set(at)
		status, raw, err := localstack.PostEvent(ctx, s.APIURL, ev)
		if err != nil {
			return err
		}
		body := string(raw)
		fmt.Fprintf(out, "  %s %-34s → %d %s\n", at.Format("Mon 15:04"), f, status, shorten(oneLine(body), 150))
		var a struct {
			Status string `json:"status"`
			Task   string `json:"task"`
		}
		if json.Unmarshal([]byte(body), &a) == nil && a.Status == "created" {
			ids = append(ids, a.Task)
		}
	}
	if clock.Now().Before(start) {
		clock.Set(start)
	}
	printTasks(ctx, s, ids, out)

	clock.Set(start.Add(24 * time.Hour))
	from := "+447911123456"
	step("%s — the London customer (%s) texts STOP to the shop's number", stamp(clock.Now()), phone.Mask(from))
	status, body, err := s.Twilio.SendInbound(ctx, s.APIURL+"/twilio/inbound", from, env[localstack.DispatcherID]["TWILIO_FROM"], "STOP")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  /twilio/inbound → %d %s\n", status, oneLine(string(body)))

	s.Twilio.Inject(twiliotest.ServerError())
	step("The local Twilio will answer the first send with a 500, to show a retry with backoff")

	step("The dispatcher's clock moves forward an hour at a time (a real deployment sweeps every 5 minutes)")
	sentBefore := 0
	end := clock.Now().Add(5 * 24 * time.Hour)
	for clock.Now().Before(end) {
		clock.Advance(time.Hour)
		sum, err := s.Dispatcher.Run(ctx)
		if err != nil {
			return err
		}
		msgs := s.Twilio.Messages()
		if sum.Due == 0 && len(msgs) == sentBefore {
			continue
		}
		fmt.Fprintf(out, "  %s dispatcher: due %d, sent %d, opted out %d, deferred %d, retried %d, failed %d\n",
			stamp(clock.Now()), sum.Due, sum.Sent, sum.OptedOut, sum.Deferred, sum.Retried, sum.Failed)
		if sum.Retried > 0 {
			fmt.Fprintln(out, "      (Twilio answered 500: the task is pending again, due after a backoff with jitter)")
		}
		for _, m := range msgs[sentBefore:] {
			fmt.Fprintf(out, "      SMS %s to %s (%s for them): %q\n", m.SID, phone.Mask(m.To), localTime(m.To, m.Created), m.Body)
		}
		sentBefore = len(msgs)
	}
	// Twilio's status callbacks arrive asynchronously; give them a moment.
	time.Sleep(500 * time.Millisecond)

	step("A second sweep later changes nothing (each task is sent once)")
	clock.Advance(time.Hour)
	sum, err := s.Dispatcher.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  due %d, sent %d; Twilio received %d create requests in all\n", sum.Due, sum.Sent, s.Twilio.Requests())

	step("Final task states (status callbacks from the local Twilio marked deliveries)")
	printTasks(ctx, s, ids, out)
	if err := staffDemo(ctx, s, clock, env, out); err != nil {
		return err
	}
	return conversationDemo(ctx, s, clock, env, out)
}

func printTasks(ctx context.Context, s *localstack.Stack, ids []string, out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TASK\tSTATE\tTO\tDUE (recipient's time)\tSID\tREASON")
	for _, id := range ids {
		t, err := s.DynamoDB.GetTask(ctx, id)
		if err != nil {
			fmt.Fprintf(tw, "  %s\t(error: %v)\n", id, err)
			continue
		}
		due := "-"
		if !t.DueAt.IsZero() {
			due = localTime(t.Order.Phone, t.DueAt)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", id, t.State, orDash(phone.Mask(t.Recipient)), due, orDash(t.MessageSID), orDash(t.Reason))
	}
	tw.Flush()
}

func localTime(number string, t time.Time) string {
	zones := phone.TimeZones(number)
	if len(zones) == 0 {
		return t.UTC().Format("Mon 2 Jan 15:04 MST")
	}
	loc, err := time.LoadLocation(zones[len(zones)-1])
	if err != nil {
		return t.UTC().Format("Mon 2 Jan 15:04 MST")
	}
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func stamp(t time.Time) string { return t.UTC().Format("Mon 2 Jan 15:04 UTC") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recordedEvent is a fixture of the recorded story (story.RefTime), which
// the demo replays with its own clock, whatever time events/ was last
// written for.
func recordedEvent(path string) (events.APIGatewayV2HTTPRequest, error) {
	var ev events.APIGatewayV2HTTPRequest
	b, err := story.Recorded(path)
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, fmt.Errorf("%s: %w", path, err)
	}
	return ev, nil
}

// banner prints where everything listens: the API and each of its routes,
// DynamoDB and its table, the local Twilio, and the environment the
// operators' tool needs to read the local table.
func banner(out io.Writer, s *localstack.Stack) {
	fmt.Fprintln(out, "Local stack is up:")
	if s.APIURL != "" {
		fmt.Fprintf(out, "  HTTP API      %s\n", s.APIURL)
		for _, fn := range []string{config.OrderWebhook, config.TwilioWebhook} {
			for _, route := range config.Routes[fn] {
				method, path, _ := strings.Cut(route, " ")
				paths := []string{path}
				if strings.Contains(path, "{source}") {
					paths = nil
					for _, src := range []thankyou.Source{thankyou.SourceShopify, thankyou.SourceWooCommerce, thankyou.SourceStripe, thankyou.SourceGeneric} {
						paths = append(paths, strings.Replace(path, "{source}", string(src), 1))
					}
				}
				for _, p := range paths {
					fmt.Fprintf(out, "                %-4s %s%s  (%s)\n", method, s.APIURL, p, fn)
				}
			}
		}
	}
	fmt.Fprintf(out, "  DynamoDB      %s  table %s\n", s.DynamoDBEndpoint, s.Table)
	fmt.Fprintf(out, "  Local Twilio  %s  (nothing leaves this machine)\n", s.Twilio.URL())
	fmt.Fprintf(out, "  thankyou:     export AWS_ENDPOINT_URL_DYNAMODB=%s AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local TABLE_NAME=%s\n\n",
		s.DynamoDBEndpoint, s.Table)
}
