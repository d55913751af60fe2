package cost_test

import (
	"math"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
)

// profile is a measured profile with round figures, so the expected bills
// can be worked out by hand.
var profile = cost.Profile{
	NewOrder:            cost.Invocation{DurationMs: 9.2, Requests: 4, Units: cost.Units{RRU: 1, WRU: 4}, LogBytes: 1000},
	Duplicate:           cost.Invocation{DurationMs: 2, Requests: 1, Units: cost.Units{RRU: 1}, LogBytes: 500},
	Send:                cost.Invocation{DurationMs: 50, Requests: 3, Units: cost.Units{RRU: 1, WRU: 5}, LogBytes: 400},
	FirstStatusCallback: cost.Invocation{DurationMs: 3, Requests: 1, Units: cost.Units{WRU: 3}, LogBytes: 300},
	LaterStatusCallback: cost.Invocation{DurationMs: 1.5, Requests: 1, Units: cost.Units{RRU: 0.5, WRU: 2}, LogBytes: 250},
	Sweep:               cost.Invocation{DurationMs: 20, Requests: 16, Units: cost.Units{RRU: 8}, LogBytes: 200},
	InitMs:              map[string]float64{"order-webhook": 100, "dispatcher": 100, "twilio-webhook": 100},
	// A GiB per 2^20 orders a month, so that storage comes out round.
	StoredBytesPerOrder: 1024,
}

var assumptions = cost.Assumptions{
	MemoryMB:           256,
	DuplicatesPerOrder: 1,
	SendsPerOrder:      1,
	CallbacksPerSend:   2,
	SegmentsPerSMS:     1,
	SweepsPerMonth:     8640,
	ColdStartsCap:      2880,
	RetentionMonths:    6,
}

func line(t *testing.T, lines []cost.Line, item string) cost.Line {
	t.Helper()
	for _, l := range lines {
		if l.Item == item {
			return l
		}
	}
	t.Fatalf("no line %q in %+v", item, lines)
	return cost.Line{}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestMonthlyBillsEachResourceForItsUse(t *testing.T) {
	p := cost.ListPrices()
	const gib = 1 << 30
	for _, tc := range []struct {
		orders float64
		// Quantities worked out by hand from profile and assumptions.
		requests, gbSeconds, wru, rru, storedGB, apiRequests, logGB, segments float64
	}{
		{
			// No orders: only the dispatcher's runs, each a cold start
			// until the cap.
			orders:      0,
			requests:    8640,
			gbSeconds:   0.25 * (8640*20 + 2880*100) / 1000,
			rru:         8640 * 8,
			logGB:       8640 * 200.0 / gib,
			apiRequests: 0,
		},
		{
			// 100 orders: 200 deliveries and 200 callbacks (100 first,
			// 100 later), every one a cold start; sends are not rounded to
			// the millisecond, the 9.2 and 1.5 ms invocations are (10, 2 ms).
			orders:      100,
			requests:    200 + 200 + 8640,
			gbSeconds:   0.25 * (100*10 + 100*2 + 100*50 + 100*3 + 100*2 + 8640*20 + (200+2880+200)*100) / 1000,
			wru:         100*4 + 100*5 + 100*3 + 100*2,
			rru:         100*1 + 100*1 + 100*1 + 100*0.5 + 8640*8,
			storedGB:    100 * 6 * 1024.0 / gib,
			apiRequests: 400,
			logGB:       (100*1000 + 100*500 + 100*400 + 100*300 + 100*250 + 8640*200.0) / gib,
			segments:    100,
		},
		{
			// 1,048,576 orders: cold starts capped for every function.
			orders:      1 << 20,
			requests:    2<<20 + 2<<20 + 8640,
			gbSeconds:   0.25 * ((1<<20)*(10+2+50+3+2) + 8640*20 + 3*2880*100) / 1000,
			wru:         (1 << 20) * (4 + 5 + 3 + 2),
			rru:         (1<<20)*(1+1+1+0.5) + 8640*8,
			storedGB:    6,
			apiRequests: 4 << 20,
			logGB:       ((1<<20)*(1000+500+400+300+250) + 8640*200.0) / gib,
			segments:    1 << 20,
		},
	} {
		b := cost.Monthly(tc.orders, profile, assumptions, p)
		for _, c := range []struct {
			item      string
			qty, unit float64
		}{
			{"Lambda requests", tc.requests, p.LambdaRequest},
			{"Lambda compute (arm64)", tc.gbSeconds, p.LambdaGBSecond},
			{"DynamoDB writes", tc.wru, p.DynamoDBWRU},
			{"DynamoDB reads", tc.rru, p.DynamoDBRRU},
			{"DynamoDB storage + PITR", tc.storedGB, p.DynamoDBStorageGBMonth + p.DynamoDBPITRGBMonth},
			{"API Gateway HTTP API", tc.apiRequests, p.HTTPAPIRequest},
			{"CloudWatch Logs ingestion", tc.logGB, p.LogsIngestionGB},
			{"EventBridge scheduled rule", 8640, 0},
			{"Twilio SMS (US)", tc.segments, p.TwilioSMSSegmentUS},
		} {
			lines := b.AWS
			if c.item == "Twilio SMS (US)" {
				lines = b.Twilio
			}
			l := line(t, lines, c.item)
			if !near(l.Quantity, c.qty) || !near(l.USD, c.qty*c.unit) {
				t.Errorf("%v orders: %s = %v %s, $%v; want %v, $%v", tc.orders, c.item, l.Quantity, l.Unit, l.USD, c.qty, c.qty*c.unit)
			}
		}
		sum := 0.0
		for _, l := range b.AWS {
			sum += l.USD
		}
		if !near(b.AWSTotal(), sum) {
			t.Errorf("%v orders: AWS total $%v, want the sum of its lines $%v", tc.orders, b.AWSTotal(), sum)
		}
		fees := line(t, b.Twilio, "US carrier fees")
		if lo, hi := tc.segments*p.TwilioCarrierFeeMin, tc.segments*p.TwilioCarrierFeeMax; !near(fees.USD, lo) || !near(fees.USDMax, hi) {
			t.Errorf("%v orders: carrier fees $%v to $%v, want $%v to $%v", tc.orders, fees.USD, fees.USDMax, lo, hi)
		}
		sms := tc.segments * p.TwilioSMSSegmentUS
		if lo, hi := sms+tc.segments*p.TwilioCarrierFeeMin+p.TwilioNumberMonth, sms+tc.segments*p.TwilioCarrierFeeMax+p.TwilioNumberMonth; !near(b.TwilioTotal(false), lo) || !near(b.TwilioTotal(true), hi) {
			t.Errorf("%v orders: Twilio $%v to $%v, want $%v to $%v", tc.orders, b.TwilioTotal(false), b.TwilioTotal(true), lo, hi)
		}
	}
}

func TestEverySweepIsAScheduledRuleInvocationAndCostsNothingThere(t *testing.T) {
	b := cost.Monthly(10_000, profile, assumptions, cost.ListPrices())
	if l := line(t, b.AWS, "EventBridge scheduled rule"); l.Quantity != 8640 || l.USD != 0 {
		t.Errorf("EventBridge line = %+v, want 8640 invocations at $0", l)
	}
}

func TestDefaultAssumptionsFollowTheScheduleAndRetention(t *testing.T) {
	a := cost.DefaultAssumptions(256, 5*time.Minute, 180)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"memory", a.MemoryMB, 256},
		{"sweeps a month at rate(5 minutes)", a.SweepsPerMonth, 30 * 24 * 12},
		{"cold starts at most every 15 minutes", a.ColdStartsCap, 30 * 24 * 4},
		{"retention months", a.RetentionMonths, 6},
		{"callbacks per send (sent, delivered)", a.CallbacksPerSend, 2},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestPricesAreTheListPricesOfTheirDate(t *testing.T) {
	p := cost.ListPrices()
	// The November 2024 cut halved DynamoDB's on-demand prices.
	if !near(p.DynamoDBWRU*1e6, 1.25/2) || !near(p.DynamoDBRRU*1e6, 0.25/2) {
		t.Errorf("DynamoDB $%v/M WRU, $%v/M RRU; want the post-November-2024 $0.625 and $0.125", p.DynamoDBWRU*1e6, p.DynamoDBRRU*1e6)
	}
	// arm64 is 20% cheaper than x86's $0.0000166667 per GB-second.
	if math.Abs(p.LambdaGBSecond/0.0000166667-0.8) > 1e-4 {
		t.Errorf("Lambda arm64 $%v/GB-s, want 80%% of x86", p.LambdaGBSecond)
	}
	if p.Region != "us-east-1" || cost.PricesCheckedOn == "" {
		t.Errorf("prices for %q checked on %q", p.Region, cost.PricesCheckedOn)
	}
}
