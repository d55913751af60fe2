package cost

import (
	"math"
	"time"
)

// Invocation is what one piece of work costs, as measured.
type Invocation struct {
	// DurationMs is how long the handler ran, in milliseconds.
	DurationMs float64 `json:"durationMs"`
	// Requests is the DynamoDB data requests it made.
	Requests float64 `json:"ddbRequests"`
	// Units is what those requests cost.
	Units Units `json:"units"`
	// LogBytes is the bytes of log it wrote.
	LogBytes float64 `json:"logBytes"`
}

// Profile is the measured cost of each kind of work the service does.
type Profile struct {
	// NewOrder is the order webhook handling a new order (warm).
	NewOrder Invocation `json:"newOrder"`
	// Duplicate is the order webhook handling a repeated delivery.
	Duplicate Invocation `json:"duplicate"`
	// Send is the dispatcher's work per message sent, within a run (the
	// run's sweep of the due index is Sweep).
	Send Invocation `json:"send"`
	// FirstStatusCallback is the Twilio webhook handling a message's
	// first status callback ("sent"), which records the send: the SID, out
	// of the dispatcher's lease and the due index.
	FirstStatusCallback Invocation `json:"firstStatusCallback"`
	// LaterStatusCallback is the Twilio webhook handling each later one
	// ("delivered"), which only moves the task's state.
	LaterStatusCallback Invocation `json:"laterStatusCallback"`
	// Sweep is a dispatcher run that finds nothing due: the fixed cost of
	// every scheduled run.
	Sweep Invocation `json:"sweep"`
	// InitMs is each function's cold start (INIT phase), in milliseconds,
	// by function name (order-webhook, dispatcher, twilio-webhook).
	InitMs map[string]float64 `json:"initMs"`
	// StoredBytesPerOrder is the table storage one order leaves: its items
	// and DynamoDB's 100 bytes of overhead per item.
	StoredBytesPerOrder float64 `json:"storedBytesPerOrder"`
}

// Assumptions are the figures of the model that are not measured.
type Assumptions struct {
	// MemoryMB is each function's memory (template.yaml's MemorySize).
	MemoryMB float64
	// DuplicatesPerOrder is the extra webhook deliveries per order
	// (platform retries, update events that change nothing).
	DuplicatesPerOrder float64
	// SendsPerOrder is the messages sent per order (1: every order is
	// thanked, the upper bound).
	SendsPerOrder float64
	// CallbacksPerSend is Twilio's status callbacks per message: one per
	// status change after creation (sent, delivered). The first is priced
	// at Profile.FirstStatusCallback, the others at LaterStatusCallback.
	CallbacksPerSend float64
	// SegmentsPerSMS is the SMS segments per message.
	SegmentsPerSMS float64
	// SweepsPerMonth is the dispatcher's scheduled runs in a month.
	SweepsPerMonth float64
	// ColdStartsCap bounds the cold starts of one function in a month:
	// traffic sparser than that is all cold starts.
	ColdStartsCap float64
	// RetentionMonths is how long an order's items stay in the table.
	RetentionMonths float64
}

// DaysPerMonth is the month the model prices.
const DaysPerMonth = 30

// DefaultAssumptions returns the model's assumptions for a function memory
// of memoryMB, a dispatcher run every `every` and items kept retentionDays:
// one extra delivery per order, one message of one segment per order, two
// status callbacks per message, at most one cold start per function every
// 15 minutes.
func DefaultAssumptions(memoryMB float64, every time.Duration, retentionDays float64) Assumptions {
	month := DaysPerMonth * 24 * time.Hour
	return Assumptions{
		MemoryMB:           memoryMB,
		DuplicatesPerOrder: 1,
		SendsPerOrder:      1,
		CallbacksPerSend:   2,
		SegmentsPerSMS:     1,
		SweepsPerMonth:     float64(month / every),
		ColdStartsCap:      float64(month / (15 * time.Minute)),
		RetentionMonths:    retentionDays / DaysPerMonth,
	}
}

// Line is one line of a bill.
type Line struct {
	Item     string
	Quantity float64
	Unit     string
	USD      float64
	// USDMax is the upper end when the price is a range (carrier fees).
	USDMax float64
}

// Bill is a month's cost.
type Bill struct {
	Orders float64
	// AWS and Twilio are the bill's lines; Twilio's are the messages.
	AWS, Twilio []Line
}

// AWSTotal returns the sum of the AWS lines.
func (b Bill) AWSTotal() float64 { return total(b.AWS, false) }

// TwilioTotal returns the sum of the Twilio lines, with carrier fees at
// their lowest (upper false) or highest (upper true).
func (b Bill) TwilioTotal(upper bool) float64 { return total(b.Twilio, upper) }

func total(lines []Line, upper bool) float64 {
	t := 0.0
	for _, l := range lines {
		if upper && l.USDMax > 0 {
			t += l.USDMax
		} else {
			t += l.USD
		}
	}
	return t
}

// gigabyte is the GB of AWS's bills.
const gigabyte = 1 << 30

// Monthly prices a month of orders: the webhook deliveries, the sends and
// their status callbacks, the dispatcher's scheduled runs, and the cold
// starts they cause, from the measured profile p.
func Monthly(orders float64, p Profile, a Assumptions, pr Prices) Bill {
	deliveries := orders * (1 + a.DuplicatesPerOrder)
	sends := orders * a.SendsPerOrder
	callbacks := sends * a.CallbacksPerSend
	firsts := sends * math.Min(1, a.CallbacksPerSend)
	laters := callbacks - firsts
	sweeps := a.SweepsPerMonth
	invocations := deliveries + callbacks + sweeps

	// Lambda bills each invocation by the millisecond, rounded up. A
	// send is part of a run, so its time is not rounded on its own.
	billedMs := orders*billed(p.NewOrder.DurationMs) +
		orders*a.DuplicatesPerOrder*billed(p.Duplicate.DurationMs) +
		sends*p.Send.DurationMs +
		firsts*billed(p.FirstStatusCallback.DurationMs) +
		laters*billed(p.LaterStatusCallback.DurationMs) +
		sweeps*billed(p.Sweep.DurationMs)
	cold := map[string]float64{
		"order-webhook":  math.Min(deliveries, a.ColdStartsCap),
		"dispatcher":     math.Min(sweeps, a.ColdStartsCap),
		"twilio-webhook": math.Min(callbacks, a.ColdStartsCap),
	}
	for fn, n := range cold {
		billedMs += n * billed(p.InitMs[fn])
	}
	gbSeconds := a.MemoryMB / 1024 * billedMs / 1000

	units := p.NewOrder.Units.Scale(orders).
		Add(p.Duplicate.Units.Scale(orders * a.DuplicatesPerOrder)).
		Add(p.Send.Units.Scale(sends)).
		Add(p.FirstStatusCallback.Units.Scale(firsts)).
		Add(p.LaterStatusCallback.Units.Scale(laters)).
		Add(p.Sweep.Units.Scale(sweeps))
	storedGB := orders * a.RetentionMonths * p.StoredBytesPerOrder / gigabyte
	logGB := (orders*p.NewOrder.LogBytes +
		orders*a.DuplicatesPerOrder*p.Duplicate.LogBytes +
		sends*p.Send.LogBytes +
		firsts*p.FirstStatusCallback.LogBytes +
		laters*p.LaterStatusCallback.LogBytes +
		sweeps*p.Sweep.LogBytes) / gigabyte
	apiRequests := deliveries + callbacks
	segments := sends * a.SegmentsPerSMS

	return Bill{
		Orders: orders,
		AWS: []Line{
			{Item: "Lambda requests", Quantity: invocations, Unit: "requests", USD: invocations * pr.LambdaRequest},
			{Item: "Lambda compute (arm64)", Quantity: gbSeconds, Unit: "GB-s", USD: gbSeconds * pr.LambdaGBSecond},
			{Item: "DynamoDB writes", Quantity: units.WRU, Unit: "WRU", USD: units.WRU * pr.DynamoDBWRU},
			{Item: "DynamoDB reads", Quantity: units.RRU, Unit: "RRU", USD: units.RRU * pr.DynamoDBRRU},
			{Item: "DynamoDB storage + PITR", Quantity: storedGB, Unit: "GB-month", USD: storedGB * (pr.DynamoDBStorageGBMonth + pr.DynamoDBPITRGBMonth)},
			{Item: "API Gateway HTTP API", Quantity: apiRequests, Unit: "requests", USD: apiRequests * pr.HTTPAPIRequest},
			{Item: "CloudWatch Logs ingestion", Quantity: logGB, Unit: "GB", USD: logGB * pr.LogsIngestionGB},
			{Item: "EventBridge scheduled rule", Quantity: sweeps, Unit: "invocations", USD: sweeps * pr.ScheduledRuleInvocation},
		},
		Twilio: []Line{
			{Item: "Twilio SMS (US)", Quantity: segments, Unit: "segments", USD: segments * pr.TwilioSMSSegmentUS},
			{Item: "US carrier fees", Quantity: segments, Unit: "segments", USD: segments * pr.TwilioCarrierFeeMin, USDMax: segments * pr.TwilioCarrierFeeMax},
			{Item: "Twilio number", Quantity: 1, Unit: "number", USD: pr.TwilioNumberMonth},
		},
	}
}

// billed is Lambda's billed duration of an invocation that ran ms
// milliseconds: rounded up to the millisecond.
func billed(ms float64) float64 { return math.Ceil(ms) }
