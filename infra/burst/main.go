// Command burst is the Black Friday burst: it starts the local stack
// (dynalite, the local Twilio, the three functions behind the local HTTP
// API), posts -orders signed Shopify orders from -clients concurrent
// clients, and prints orders/s, p50/p99 latency, errors (want 0) and the
// tasks stored (want one per order). Then it moves the clock to when they
// are due and drains them with the dispatcher at -rate sends a second (0:
// SEND_RATE as configured), and prints how many were sent, how long that
// took, and, from the measured drain and the configuration (SEND_RATE,
// DISPATCH_TIMEOUT, the schedule, the send window), how long a Monday of
// that many orders takes to send and whether it fits its window.
//
//	go run ./infra/burst -orders 10000 -clients 64
//
// Development tooling: nothing of the product imports it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func main() {
	var o options
	flag.IntVar(&o.orders, "orders", 10000, "signed orders to post")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.Float64Var(&o.rate, "rate", 0, "sends per second while draining (0: SEND_RATE as configured)")
	flag.Parse()
	if o.orders < 1 || o.orders > 10000 || o.clients < 1 {
		fmt.Fprintln(os.Stderr, "burst: -orders from 1 to 10000 (one phone number each), -clients at least 1")
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "burst:", err)
		os.Exit(1)
	}
}

type options struct {
	orders, clients int
	rate            float64
}

// The fixture every order is made from, and the values each copy changes.
const (
	fixture      = "order-webhook/shopify-orders-create.json"
	fixtureOrder = "820982911946154508"
	fixturePhone = "2125550123"
	fixtureLocal = "(212) 555-0123"
)

func run(ctx context.Context, o options, w io.Writer) error {
	env, err := localstack.LoadEnvFile(filepath.Join("events", "env.json"))
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	raw, err := story.Recorded(fixture)
	if err != nil {
		return err
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return fmt.Errorf("%s: %w", fixture, err)
	}
	secret := []byte(env[localstack.OrderWebhookID]["SHOPIFY_WEBHOOK_SECRET"])
	received, err := time.Parse(time.RFC3339Nano, ev.Headers["x-shopify-triggered-at"])
	if err != nil {
		return fmt.Errorf("%s: triggered-at: %w", fixture, err)
	}
	clock := localstack.NewClock(received.Add(2 * time.Second))
	s, err := localstack.Start(ctx, localstack.Options{
		Env: env, APIAddr: "127.0.0.1:0", TwilioAddr: "127.0.0.1:0", DynamoDBAddr: "127.0.0.1:0",
		Now: clock.Now, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer s.Close()

	fmt.Fprintf(w, "Burst: %d signed Shopify orders from %d clients through the local HTTP API (%s)\n", o.orders, o.clients, s.APIURL)
	lat, errs, elapsed := post(ctx, s.APIURL, ev, secret, o)
	slices.Sort(lat)
	fmt.Fprintf(w, "  %.0f orders/s, latency p50 %s, p99 %s, errors %d (want 0)\n",
		float64(o.orders)/elapsed.Seconds(), ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99)), errs)
	tasks, err := scanTasks(ctx, s.Client, s.Table)
	if err != nil {
		return err
	}
	states := map[thankyou.State]int{}
	var lastDue time.Time
	for _, t := range tasks {
		states[t.state]++
		if t.due.After(lastDue) {
			lastDue = t.due
		}
	}
	fmt.Fprintf(w, "  tasks stored %d (want %d): %v\n", len(tasks), o.orders, states)
	if len(tasks) != o.orders || errs != 0 {
		return errors.New("the burst lost orders")
	}

	dcfg, err := config.LoadDispatcher(func(k string) string { return env[localstack.DispatcherID][k] })
	if err != nil {
		return err
	}
	rate := o.rate
	if rate <= 0 {
		rate = dcfg.SendRate
	}
	clock.Set(lastDue.Add(time.Minute))
	h := s.Dispatcher
	h.Rate = rate
	fmt.Fprintf(w, "Drain: the clock at the last due time (%s), the dispatcher at %.0f sends/s\n", lastDue.In(dcfg.ShopTimeZone).Format("Mon 2 Jan 15:04 MST"), rate)
	start := time.Now()
	var sum struct{ sent, expired, deferred, errs, runs int }
	for sum.runs = 1; ; sum.runs++ {
		r, err := h.Run(ctx)
		if err != nil {
			return fmt.Errorf("dispatcher run %d: %w", sum.runs, err)
		}
		sum.sent += r.Sent
		sum.expired += r.Expired
		sum.deferred += r.Deferred
		sum.errs += r.Errors
		if r.Due == 0 || sum.runs >= 100 {
			break
		}
	}
	drain := time.Since(start)
	measured := float64(sum.sent) / drain.Seconds()
	fmt.Fprintf(w, "  sent %d in %s (%.0f sends/s, %d runs), expired %d, deferred %d, errors %d\n",
		sum.sent, drain.Round(time.Millisecond), measured, sum.runs, sum.expired, sum.deferred, sum.errs)

	capa := cost.Capacity{
		Rate: dcfg.SendRate, Measured: measured, Timeout: dcfg.Timeout, Margin: 10 * time.Second,
		Every: dcfg.SchedulePeriod, WindowHours: windowHours(dcfg.Window), SendDays: 5,
	}
	runs := math.Ceil(float64(o.orders) / capa.PerRun())
	monday := time.Duration(runs-1)*capa.Every + time.Duration(float64(time.Second)*(float64(o.orders)-(runs-1)*capa.PerRun())/capa.SendsPerSecond())
	fits := runs <= capa.RunsPerDay()
	fmt.Fprintf(w, "A Monday of %d due at SEND_RATE %.0f/s: %.0f sends a run, %.0f runs (every %s), all sent %s after the first run; window %s–%s holds %.0f runs: %s\n",
		o.orders, dcfg.SendRate, capa.PerRun(), runs, capa.Every, monday.Round(time.Minute), dcfg.Window.Start, dcfg.Window.End, capa.RunsPerDay(),
		map[bool]string{true: "no window missed", false: "the window is missed (the rest waits for the next day, inside EXPIRE_AFTER)"}[fits])
	if sum.sent != o.orders || sum.expired != 0 || sum.errs != 0 {
		return fmt.Errorf("drain: %d sent of %d, %d expired, %d errors", sum.sent, o.orders, sum.expired, sum.errs)
	}
	return nil
}

// post sends the orders and returns each one's latency, the errors and
// the time it all took.
func post(ctx context.Context, api string, ev events.APIGatewayV2HTTPRequest, secret []byte, o options) ([]float64, int, time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}, Timeout: 30 * time.Second}
	var (
		next   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		lat    = make([]float64, 0, o.orders)
		wg     sync.WaitGroup
		start  = time.Now()
		header = ev.Headers
	)
	for range o.clients {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < o.orders; i = int(next.Add(1)) - 1 {
				body := order(ev.Body, i)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, api+ev.RawPath, bytes.NewReader(body))
				if err != nil {
					errs.Add(1)
					continue
				}
				for k, v := range header {
					if k != "content-length" && k != "host" {
						req.Header.Set(k, v)
					}
				}
				req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign(secret, body))
				req.Header.Set("X-Shopify-Event-Id", fmt.Sprintf("burst-event-%d", i))
				req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprintf("burst-webhook-%d", i))
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0).Seconds()
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					errs.Add(1)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, int(errs.Load()), time.Since(start)
}

// order is the fixture's body for the i-th order: its own order id and its
// own phone number (+1 212 555 0000 + i), so that no cap joins two orders.
func order(body string, i int) []byte {
	id := strconv.FormatInt(820982911946100000+int64(i), 10)
	num := fmt.Sprintf("212555%04d", i)
	r := strings.NewReplacer(fixtureOrder, id, fixturePhone, num, fixtureLocal, fmt.Sprintf("(212) 555-%04d", i))
	return []byte(r.Replace(body))
}

type task struct {
	state thankyou.State
	due   time.Time
}

// scanTasks reads every task's state and due time.
func scanTasks(ctx context.Context, c *dynamodb.Client, table string) ([]task, error) {
	var out []task
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("sk = :task"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":task": &types.AttributeValueMemberS{Value: "TASK"}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan tasks: %w", err)
		}
		for _, it := range page.Items {
			var t task
			if v, ok := it["state"].(*types.AttributeValueMemberS); ok {
				t.state = thankyou.State(v.Value)
			}
			if v, ok := it["dueAt"].(*types.AttributeValueMemberS); ok {
				t.due, _ = time.Parse(time.RFC3339Nano, v.Value)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// windowHours is the length of a send window such as 10:00–17:00.
func windowHours(w thankyou.Window) float64 {
	return (w.End - w.Start).Hours()
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(math.Round(q*float64(len(sorted)-1)))]
}

func ms(seconds float64) string { return fmt.Sprintf("%.1f ms", seconds*1000) }
