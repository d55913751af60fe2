package twiliohook_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxCommonCallbackRequests is the DynamoDB ceiling of the two common
// status callbacks: the first "sent" of an SMS the dispatcher left in
// sending, and a later status of a sent message. Each is one conditional
// UpdateItem, with no read first.
const maxCommonCallbackRequests = 1

// statusEvent is order 1001's status callback for message sid with
// status, signed as Twilio signs it.
func (f *fixture) statusEvent(t *testing.T, status string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	return f.resigned(t, "status-delivered.json", map[string]string{"MessageStatus": status})
}

// TestAStatusCallbackCostsOneDynamoDBRequest counts, through the real
// client, the requests of the Twilio webhook's status callbacks: the
// common ones are held to one; the rarer ones (a late or repeated
// callback, "delivered" before "sent") read the task and decide, and
// their cost is printed.
func TestAStatusCallbackCostsOneDynamoDBRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before are the callbacks applied first, unmetered.
		before []string
		status string
		want   thankyou.State
		// limit is the ceiling of the metered callback's requests (0: printed only).
		limit int
	}{
		{"sent, the task in sending", nil, "sent", thankyou.StateSent, maxCommonCallbackRequests},
		{"delivered after sent", []string{"sent"}, "delivered", thankyou.StateDelivered, maxCommonCallbackRequests},
		{"undelivered after sent", []string{"sent"}, "undelivered", thankyou.StateUndelivered, maxCommonCallbackRequests},
		{"failed after sent", []string{"sent"}, "failed", thankyou.StateFailed, maxCommonCallbackRequests},
		{"delivered before sent", nil, "delivered", thankyou.StateDelivered, maxCommonCallbackRequests},
		{"sent after delivered", []string{"sent", "delivered"}, "sent", thankyou.StateDelivered, 0},
		{"delivered repeated", []string{"sent", "delivered"}, "delivered", thankyou.StateDelivered, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := cost.NewTemplateMeter()
			if err != nil {
				t.Fatal(err)
			}
			_, table := dynamotest.NewTable(t)
			client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = m.Client(awshttp.NewBuildableClient()) })
			f := newFixtureOn(t, client, table)
			f.sentTask(t, false)
			for _, s := range tc.before {
				wantTwiML(t, f.post(t, f.statusEvent(t, s)))
			}
			m.Take()
			wantTwiML(t, f.post(t, f.statusEvent(t, tc.status)))
			reqs := m.Take()
			ops := make([]string, len(reqs))
			for i, r := range reqs {
				ops[i] = r.Operation
				if r.Failed {
					ops[i] += " (failed)"
				}
			}
			n := cost.DataRequests(reqs)
			t.Logf("%s: %d DynamoDB requests, %.1f WRU, %.1f RRU: %v", tc.name, n, cost.Sum(reqs).WRU, cost.Sum(reqs).RRU, ops)
			if tc.limit > 0 && n > tc.limit {
				t.Errorf("%s costs %d DynamoDB requests, want at most %d", tc.name, n, tc.limit)
			}
			if got := f.task(t); got.State != tc.want || got.MessageSID != sid || got.LeaseOwner != "" {
				t.Errorf("task = %s sid %q lease %q, want %s with the callback's SID and no lease", got.State, got.MessageSID, got.LeaseOwner, tc.want)
			}
		})
	}
}
