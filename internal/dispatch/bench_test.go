package dispatch_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// BenchmarkDispatch drains b.N due tasks through the real twilio-go client
// to the local Twilio server (answering after a fixed latency), at several
// concurrencies, and reports sends per second and DynamoDB requests per
// send. The send rate limit is off here; it only lowers these figures.
func BenchmarkDispatch(b *testing.B) {
	for _, latency := range []time.Duration{0, 50 * time.Millisecond} {
		for _, conc := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("twilio=%s/concurrency=%d", latency, conc), func(b *testing.B) {
				benchDispatch(b, conc, latency)
			})
		}
	}
}

func benchDispatch(b *testing.B, concurrency int, latency time.Duration) {
	_, table := dynamotest.NewTable(b)
	var n *atomic.Int64
	client := dynamotest.NewClient(b, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
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
	for i := range b.N {
		f.addTask(b, fmt.Sprintf("bench-%d", i))
	}
	h := f.handler(b)
	h.Concurrency = concurrency
	h.BatchSize = 500
	n.Store(0)
	b.ResetTimer()
	start := time.Now()
	s, err := h.Run(context.Background())
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || s.Sent != b.N {
		b.Fatalf("run = %+v, %v; want %d sent", s, err, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
	b.ReportMetric(float64(n.Load())/float64(b.N), "ddb-req/send")
}
