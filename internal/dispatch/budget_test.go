package dispatch_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxRequestsPerSend is the DynamoDB ceiling of a sent SMS thank-you: its
// own requests and its share of the sweep that found it (40 due tasks, so
// the due-index query over every shard weighs 0.4 a send; at 10,000 it is
// nearly nothing). The goal is 3; with every rule kept it does not hold:
// measured 6.45 = the claim, the privacy hold (a query), the opt-out read
// (once, right before the send), the number cap's slot (one conditional
// write), the sent mark, the reply route (which task a customer's reply
// from this number belongs to), and the sweep's share (1.05 queries: the
// due index and the privacy requests, plus the waiting forwards). Without transactions (dynalite has
// none) each of these items is its own request. This ceiling catches
// regressions; going lower means folding the privacy hold, the opt-out or
// the reply route into an item the send already writes, which is open work.
const maxRequestsPerSend = 6.5

func TestASendStaysUnderItsRequestCeiling(t *testing.T) {
	const n = 40
	f := newFixture(t)
	_, table := dynamotest.NewTable(t)
	f.store = dynamo.New(dynamotest.NewClient(t), table, dynamo.Options{})
	m := benchMeter(t)
	client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = m.Client(awshttp.NewBuildableClient()) })
	for i := range n {
		number := fmt.Sprintf("+1212555%04d", 2000+i)
		f.addTask(t, fmt.Sprintf("budget-%d", i), func(task *thankyou.Task) {
			task.Order.Phone, task.Recipient = number, number
		})
	}
	metered := dynamo.New(client, table, dynamo.Options{})
	h := f.handler(t)
	// As the dispatcher's wiring builds it: the number cap's slot is taken
	// at send, the privacy holds are checked.
	h.Store, h.Calls, h.Caps, h.Privacy = metered, metered, metered, metered
	h.NumberCap = contact.DefaultNumberCap
	m.Take()
	s, err := h.Run(context.Background())
	if err != nil || s.Sent != n {
		t.Fatalf("run = %+v, %v; want %d sent", s, err, n)
	}
	reqs := m.Take()
	byOp := map[string]int{}
	for _, r := range reqs {
		op := r.Operation
		if r.Index != "" {
			op += " " + r.Index
		}
		if r.Failed {
			op += " (failed)"
		}
		byOp[op]++
	}
	ops := make([]string, 0, len(byOp))
	for op, c := range byOp {
		ops = append(ops, fmt.Sprintf("%s %.2f", op, float64(c)/n))
	}
	sort.Strings(ops)
	u := cost.Sum(reqs)
	per := float64(cost.DataRequests(reqs)) / n
	t.Logf("per send: %.2f requests, %.2f RRU, %.2f WRU: %v", per, u.RRU/n, u.WRU/n, ops)
	if per > maxRequestsPerSend {
		t.Errorf("a send costs %.2f DynamoDB requests with its share of the sweep, want at most %.2f", per, maxRequestsPerSend)
	}
}
