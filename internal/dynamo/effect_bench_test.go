package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// BenchmarkLinkOrder measures what measuring a shop's effect adds to a new
// order (LinkOrder, before the task is written), in DynamoDB requests and
// on-demand request units: a new customer's first order with a phone and
// an email (a read of each key, the link and the email's alias), and a
// returning customer's repeat order (a read of the phone's key and one
// update).
func BenchmarkLinkOrder(b *testing.B) {
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		b.Fatal(err)
	}
	in, err := tpl.CreateTableInput("shape")
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"first-order", "repeat-order"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			_, table := dynamotest.NewTable(b)
			meter := cost.NewMeter(in)
			client := dynamotest.NewClient(b, func(o *dynamodb.Options) { o.HTTPClient = meter.Client(awshttp.NewBuildableClient()) })
			store := dynamo.New(client, table, dynamo.Options{})
			sh := thankyou.Shop{Source: thankyou.SourceShopify, ID: testShop, Channel: thankyou.ChannelSMS, Holdout: 1000, Salt: "bench-salt"}
			day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			task := func(i, n int) thankyou.Task {
				return order(thankyou.SourceShopify, fmt.Sprintf("b%d-%d", i, n), fmt.Sprintf("+1212555%04d", i%10000), fmt.Sprintf("c%d@example.com", i), "20.00", day0.Add(time.Duration(n)*time.Hour))
			}
			if kind == "repeat-order" {
				for i := range b.N {
					if _, err := store.LinkOrder(ctx, sh, task(i, 0)); err != nil {
						b.Fatal(err)
					}
				}
			}
			meter.Take()
			b.ResetTimer()
			for i := range b.N {
				n := 0
				if kind == "repeat-order" {
					n = 1
				}
				if _, err := store.LinkOrder(ctx, sh, task(i, n)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reqs := meter.Take()
			u := cost.Sum(reqs)
			b.ReportMetric(float64(cost.DataRequests(reqs))/float64(b.N), "ddb-req/order")
			b.ReportMetric(u.RRU/float64(b.N), "rru/order")
			b.ReportMetric(u.WRU/float64(b.N), "wru/order")
		})
	}
}
