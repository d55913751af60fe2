package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// optOutKey is the primary key of a number's opt-out item. It contains the
// phone number: never log it.
func optOutKey(e164 string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("OPTOUT#" + e164), "sk": str("OPTOUT")}
}

func checkPhone(op, e164 string) error {
	if e164 == "" {
		return thankyou.Errorf(thankyou.EINVALID, "%s: empty phone number", op)
	}
	return nil
}

// SetOptOut records that the E.164 number e164 asked (with keyword, e.g.
// STOP) to receive no more messages. Recording it again updates it.
// Opt-outs do not expire.
func (s *Store) SetOptOut(ctx context.Context, e164, keyword string, now time.Time) error {
	if err := checkPhone("set opt-out", e164); err != nil {
		return err
	}
	item := optOutKey(e164)
	item["phone"] = str(e164)
	if keyword != "" {
		item["keyword"] = str(keyword)
	}
	item["optedOutAt"] = str(formatTime(now))
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	if err != nil {
		return fmt.Errorf("set opt-out %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// ClearOptOut removes the opt-out of the E.164 number e164 (it texted
// START). Clearing a number that is not opted out is no error.
func (s *Store) ClearOptOut(ctx context.Context, e164 string) error {
	if err := checkPhone("clear opt-out", e164); err != nil {
		return err
	}
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: optOutKey(e164)})
	if err != nil {
		return fmt.Errorf("clear opt-out %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// OptedOut reports whether the E.164 number e164 has opted out
// (strongly consistent read).
func (s *Store) OptedOut(ctx context.Context, e164 string) (bool, error) {
	if err := checkPhone("check opt-out", e164); err != nil {
		return false, err
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(s.table),
		Key:                  optOutKey(e164),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("pk"),
	})
	if err != nil {
		return false, fmt.Errorf("check opt-out %s: %w", phone.Mask(e164), err)
	}
	return out.Item != nil, nil
}
