package orderhook_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
)

// benchHandler builds the order webhook on a fresh table with a client that
// counts its DynamoDB requests.
func benchHandler(b *testing.B) (*orderhook.Handler, *dynamodb.Client, string, *atomic.Int64) {
	b.Helper()
	_, table := dynamotest.NewTable(b)
	var n *atomic.Int64
	client := dynamotest.NewClient(b, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
	env, err := localstack.LoadEnvFile(filepath.Join("..", "..", "events", "env.json"))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.LoadOrderWebhook(func(k string) string {
		if k == "TABLE_NAME" {
			return table
		}
		return env[localstack.OrderWebhookID][k]
	})
	if err != nil {
		b.Fatal(err)
	}
	h, err := orderwebhook.New(context.Background(), cfg, app.Deps{
		DynamoDB: client, Secrets: &secret.Resolver{},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Now:    func() time.Time { return received },
	})
	if err != nil {
		b.Fatal(err)
	}
	return h, client, table, n
}

// BenchmarkWebhookNewOrder measures the whole handler for a new signed
// order (verify, parse, due time, conditional PutItem) against the
// DynamoDB endpoint in use; compare with BenchmarkRawPutItem.
func BenchmarkWebhookNewOrder(b *testing.B) {
	h, _, _, n := benchHandler(b)
	ev := loadEvent(b, "shopify-orders-create.json")
	secretKey := []byte("local-shopify-webhook-secret")
	const id = `"id":820982911946154508`
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = strings.Replace(ev.Body, id, `"id":`+strconv.Itoa(1_000_000+i), 1)
	}
	n.Store(0)
	b.ResetTimer()
	for i := range b.N {
		ev.Body = bodies[i]
		ev.Headers["x-shopify-hmac-sha256"] = shopify.Sign(secretKey, []byte(bodies[i]))
		ev.Headers["x-shopify-webhook-id"] = "bench-" + strconv.Itoa(i)
		resp, err := h.Handle(context.Background(), ev)
		if err != nil || resp.StatusCode != 201 {
			b.Fatalf("answer %d %s, %v", resp.StatusCode, resp.Body, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "ddb-req/order")
}

// BenchmarkWebhookDuplicate measures a repeated delivery (one failed
// conditional write, nothing changed).
func BenchmarkWebhookDuplicate(b *testing.B) {
	h, _, _, n := benchHandler(b)
	ev := loadEvent(b, "shopify-orders-create.json")
	if resp, err := h.Handle(context.Background(), ev); err != nil || resp.StatusCode != 201 {
		b.Fatalf("first delivery: %d, %v", resp.StatusCode, err)
	}
	n.Store(0)
	b.ResetTimer()
	for range b.N {
		if resp, err := h.Handle(context.Background(), ev); err != nil || resp.StatusCode != 200 {
			b.Fatalf("answer %d, %v", resp.StatusCode, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "ddb-req/duplicate")
}

// BenchmarkRawPutItem is the floor: one conditional PutItem of an item of
// the same size on the same endpoint, with no webhook work around it.
func BenchmarkRawPutItem(b *testing.B) {
	_, client, table, _ := benchHandler(b)
	pad := strings.Repeat("x", 900)
	b.ResetTimer()
	for i := range b.N {
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				"pk":  &types.AttributeValueMemberS{Value: "TASK#raw-" + strconv.Itoa(i)},
				"sk":  &types.AttributeValueMemberS{Value: "TASK"},
				"pad": &types.AttributeValueMemberS{Value: pad},
			},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
