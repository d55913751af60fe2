package cost

// PricesCheckedOn is the day the list prices below were looked up.
const PricesCheckedOn = "2026-11-23"

// Prices are unit prices in US dollars.
type Prices struct {
	// Region the AWS prices are for.
	Region string
	// LambdaRequest is the price of one Lambda invocation.
	LambdaRequest float64
	// LambdaGBSecond is the price of one GB-second of Lambda compute on
	// arm64 (first tier: the first 7.5 billion GB-seconds of a month).
	LambdaGBSecond float64
	// DynamoDBWRU and DynamoDBRRU are the on-demand prices of one write and
	// one read request unit (after the November 2024 price cut).
	DynamoDBWRU, DynamoDBRRU float64
	// DynamoDBStorageGBMonth and DynamoDBPITRGBMonth are the prices of a
	// GB-month of table storage (Standard table class) and of continuous
	// backups (point-in-time recovery, which template.yaml turns on).
	DynamoDBStorageGBMonth, DynamoDBPITRGBMonth float64
	// HTTPAPIRequest is the price of one API Gateway HTTP API request
	// (first 300 million a month; metered in 512 KB increments).
	HTTPAPIRequest float64
	// LogsIngestionGB is the price of a GB of CloudWatch Logs ingested
	// (Standard class; Lambda logs' first tier, up to 10 TB a month).
	LogsIngestionGB float64
	// ScheduledRuleInvocation is the price of one invocation by an
	// EventBridge scheduled rule (AWS::Events::Rule, what SAM's Schedule
	// event creates): scheduled events on the default bus are not charged.
	// EventBridge Scheduler (ScheduleV2) would be $1.00 per million after
	// 14 million free invocations a month; 8,640 a month is far below.
	ScheduledRuleInvocation float64
	// TwilioSMSSegmentUS is Twilio's price of one outbound SMS segment to a
	// US number from a long code (A2P 10DLC), before carrier fees.
	TwilioSMSSegmentUS float64
	// TwilioCarrierFeeMin and Max bound the US carriers' pass-through fee
	// per segment, added to Twilio's price.
	TwilioCarrierFeeMin, TwilioCarrierFeeMax float64
	// TwilioNumberMonth is the monthly price of a US local number.
	TwilioNumberMonth float64
	// TwilioCallMinuteUS is the price of a minute of an outbound call to a
	// US number through Twilio Voice (for calls placed through Twilio; the
	// staff channel's reminder is an SMS and the call is the staff's own).
	TwilioCallMinuteUS float64
}

// ListPrices returns the list prices of us-east-1 and of Twilio's US
// pricing pages, as looked up on PricesCheckedOn:
//
//   - Lambda: aws.amazon.com/lambda/pricing: $0.20 per 1M requests;
//     arm64 $0.0000133334 per GB-second (x86 $0.0000166667). Since
//     1 August 2025 the INIT phase is billed for every runtime (it
//     always was for provided.al2023).
//   - DynamoDB on-demand: aws.amazon.com/dynamodb/pricing/on-demand: from
//     1 November 2024, $0.625 per million WRU and $0.125 per million RRU
//     (before: $1.25 and $0.25); storage $0.25 per GB-month (first 25 GB
//     free); PITR $0.20 per GB-month.
//   - API Gateway HTTP API: aws.amazon.com/api-gateway/pricing: $1.00 per
//     million requests (first 300 million).
//   - CloudWatch Logs: aws.amazon.com/cloudwatch/pricing: $0.50 per GB
//     ingested (Standard).
//   - EventBridge: aws.amazon.com/eventbridge/pricing: scheduled rules on
//     the default bus are not charged.
//   - Twilio: twilio.com/en-us/sms/pricing/us: $0.0083 per outbound SMS
//     segment, plus carrier fees of $0.0025 to $0.0062 per segment; a local
//     number $1.15 a month. twilio.com/en-us/voice/pricing/us: $0.0140 per
//     minute of an outbound call.
func ListPrices() Prices {
	return Prices{
		Region:                  "us-east-1",
		LambdaRequest:           0.20 / 1e6,
		LambdaGBSecond:          0.0000133334,
		DynamoDBWRU:             0.625 / 1e6,
		DynamoDBRRU:             0.125 / 1e6,
		DynamoDBStorageGBMonth:  0.25,
		DynamoDBPITRGBMonth:     0.20,
		HTTPAPIRequest:          1.00 / 1e6,
		LogsIngestionGB:         0.50,
		ScheduledRuleInvocation: 0,
		TwilioSMSSegmentUS:      0.0083,
		TwilioCarrierFeeMin:     0.0025,
		TwilioCarrierFeeMax:     0.0062,
		TwilioNumberMonth:       1.15,
		TwilioCallMinuteUS:      0.0140,
	}
}
