package dispatch_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// tasksEnv names the variable that sets how many due tasks each
// BenchmarkDispatch case drains; unset, it drains b.N. Set it with
// -benchtime 1x, so that each case drains them once:
//
//	BENCH_DISPATCH_TASKS=10000 go test -run '^$' -bench BenchmarkDispatch -benchtime 1x -timeout 60m ./internal/dispatch
const tasksEnv = "BENCH_DISPATCH_TASKS"

// benchRate is the send rate of the rate-limited case: well below what 32
// sends in flight reach, so the limit is what bounds the run.
const benchRate = 50

// BenchmarkDispatch drains due tasks through the real twilio-go client to
// the local Twilio server (answering at once, or after 50 ms like a distant
// API), at several concurrencies, with no send rate limit, then once with
// one (rate=50). Each op is one send. It reports:
//   - sends/s over the whole run, sweeps included;
//   - ddb-req/send, and the DynamoDB request units they cost (rru/send,
//     wru/send, index writes included; see internal/dev/cost);
//   - log-B/send, the bytes of JSON log the run wrote per send at INFO;
//   - max-sends/s, the most sends handed to the Twilio client within any
//     one second of the run (see mostInASecond); with a rate,
//     limit-sends/s is the limit, which it never exceeds;
//   - max-admits/s, the most admissions (the write on the number's item
//     before each send) begun within any one second: the rate is kept at
//     the Twilio request, after the admission, so a write's varying
//     latency cannot bunch the sends.
func BenchmarkDispatch(b *testing.B) {
	for _, latency := range []time.Duration{0, 50 * time.Millisecond} {
		for _, conc := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("twilio=%s/concurrency=%d", latency, conc), func(b *testing.B) {
				benchDispatch(b, conc, latency, 0)
			})
		}
	}
	b.Run(fmt.Sprintf("twilio=50ms/concurrency=32/rate=%d", benchRate), func(b *testing.B) {
		benchDispatch(b, 32, 50*time.Millisecond, benchRate)
	})
}

func benchTasks(b *testing.B) int {
	v := os.Getenv(tasksEnv)
	if v == "" {
		return b.N
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number of tasks", tasksEnv, v)
	}
	return n
}

func benchDispatch(b *testing.B, concurrency int, latency time.Duration, rate float64) {
	n := benchTasks(b)
	_, table := dynamotest.NewTable(b)
	meter := benchMeter(b)
	var count *atomic.Int64
	client := dynamotest.NewClient(b, func(o *dynamodb.Options) {
		count = dynamotest.CountRequests(o)
		o.HTTPClient = meter.Client(awshttp.NewBuildableClient())
	})
	clock := localstack.NewClock(dueAt.Add(5 * time.Minute))
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken, Latency: latency, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tw.Close() })
	sender, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: tw.URL()})
	if err != nil {
		b.Fatal(err)
	}
	f := &fixture{store: dynamo.New(client, table, dynamo.Options{}), twilio: tw, clock: clock, lease: time.Minute, sender: sender}
	addBenchTasks(b, f, n)

	rec := &recordingSender{next: sender}
	admits := &recordingCaps{Caps: f.store}
	logs := &countingWriter{}
	h := f.handler(b)
	h.Sender = rec
	// As the dispatcher's wiring builds it (internal/app/dispatcher): the
	// number's item admits at send, the privacy holds come from the run's
	// listing of the requests, so the cost per send is production's.
	h.Calls, h.Caps, h.Privacy = f.store, admits, f.store.PrivacySnapshot(clock.Now)
	h.NumberCap = contact.DefaultNumberCap
	h.Concurrency = concurrency
	h.BatchSize = 500
	h.Rate = rate
	// As in Lambda: JSON at INFO with the request id on every line.
	h.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr})).
		With("requestId", "8f5b3a0e-6c1d-4f2a-9b7e-3d2c1a0f9e8d")
	count.Store(0)
	meter.Take()
	b.ResetTimer()
	start := time.Now()
	s, err := h.Run(context.Background())
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || s.Sent != n {
		b.Fatalf("run = %+v, %v; want %d sent", s, err, n)
	}
	units := cost.Sum(meter.Take())
	per := func(v float64) float64 { return v / float64(n) }
	b.ReportMetric(per(float64(elapsed.Nanoseconds())), "ns/op")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "sends/s")
	b.ReportMetric(per(float64(count.Load())), "ddb-req/send")
	b.ReportMetric(per(units.RRU), "rru/send")
	b.ReportMetric(per(units.WRU), "wru/send")
	b.ReportMetric(per(float64(logs.n.Load())), "log-B/send")
	b.ReportMetric(mostInASecond(rec.times()), "max-sends/s")
	b.ReportMetric(mostInASecond(admits.times()), "max-admits/s")
	if rate > 0 {
		b.ReportMetric(rate, "limit-sends/s")
	}
}

// benchMeter returns a DynamoDB meter for template.yaml's table.
func benchMeter(b testing.TB) *cost.Meter {
	b.Helper()
	m, err := cost.NewTemplateMeter()
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// addBenchTasks stores n due tasks, a few at a time, each for its own
// customer (one customer's record could not hold 10,000 orders).
func addBenchTasks(b *testing.B, f *fixture, n int) {
	b.Helper()
	var (
		next   atomic.Int64
		failed atomic.Value
		wg     sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				id := fmt.Sprintf("bench-%d", i)
				number := fmt.Sprintf("+1212555%04d", i%10000)
				t := thankyou.Task{
					ID: id,
					Order: thankyou.Order{
						Source: thankyou.SourceShopify, Shop: "demo.myshopify.com", ID: id, Number: strconv.Itoa(1001 + i),
						CustomerName: "Jane Doe", FirstName: "Jane", Phone: number, Total: "199.65", Currency: "USD",
						CreatedAt: dueAt.Add(-72 * time.Hour),
					},
					Channel:   thankyou.ChannelSMS,
					Recipient: number,
					State:     thankyou.StatePending,
					DueAt:     dueAt,
					Deadline:  dueAt.Add(72 * time.Hour),
					TimeZone:  "America/New_York",
					CreatedAt: dueAt.Add(-72 * time.Hour),
				}
				if created, err := f.store.CreateTask(context.Background(), t); err != nil || !created {
					failed.CompareAndSwap(nil, fmt.Errorf("CreateTask(%s) = %v, %v", id, created, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

// recordingSender notes when each send is handed to the Twilio client
// (after the contact gate's pace, the dispatcher's rate limiter, let it go).
type recordingSender struct {
	next dispatch.Sender
	mu   sync.Mutex
	at   []time.Time
}

func (r *recordingSender) SendSMS(ctx context.Context, to, body, statusCallback string) (string, error) {
	r.mu.Lock()
	r.at = append(r.at, time.Now())
	r.mu.Unlock()
	return r.next.SendSMS(ctx, to, body, statusCallback)
}

func (r *recordingSender) FindSent(ctx context.Context, to, body string, since time.Time) (string, bool, error) {
	return r.next.FindSent(ctx, to, body, since)
}

func (r *recordingSender) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.at)
}

// recordingCaps notes when the gate asks for each send's admission on the
// number's item (the write before the Twilio request).
type recordingCaps struct {
	contact.Caps
	mu sync.Mutex
	at []time.Time
}

func (r *recordingCaps) AdmitNumber(ctx context.Context, e164, task string, slots int, per time.Duration, now time.Time) (ok, optedOut bool, free time.Time, err error) {
	r.mu.Lock()
	r.at = append(r.at, time.Now())
	r.mu.Unlock()
	return r.Caps.AdmitNumber(ctx, e164, task, slots, per, now)
}

func (r *recordingCaps) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.at)
}

// mostInASecond returns the most of the moments at within any one-second
// window [t, t+1s) of the run.
func mostInASecond(at []time.Time) float64 {
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range at {
		for j < len(at) && at[j].Sub(at[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	return float64(most)
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}
