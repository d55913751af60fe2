package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// EventRetention is how long a webhook event's id is remembered. Platforms
// retry a delivery for at most a few days (Shopify 48 hours, Stripe 3 days).
const EventRetention = 30 * 24 * time.Hour

// maxEventIDLen is the longest event id kept as is in a key; a longer one
// (no platform sends one) is replaced by its hash, since a partition key
// holds at most 2048 bytes.
const maxEventIDLen = 256

// eventKey is the primary key of a webhook event's item.
func eventKey(source thankyou.Source, shop, eventID string) map[string]types.AttributeValue {
	if len(eventID) > maxEventIDLen {
		eventID = "sha256:" + identityKey(eventID)
	}
	return map[string]types.AttributeValue{"pk": str("EVENT#" + scope(source, shop) + ":" + eventID), "sk": str("EVENT")}
}

// RecordEvent records that the platform's event eventID of a shop arrived
// and reports whether it is the first time (first=false for a redelivery).
// It is one conditional PutItem; concurrent deliveries of one event get
// first=true exactly once. The record expires EventRetention after now
// (a record past its expiry that DynamoDB has not deleted yet counts as
// absent). An empty eventID (the platform sends none) is always first and
// writes nothing.
func (s *Store) RecordEvent(ctx context.Context, source thankyou.Source, shop, eventID string, now time.Time) (first bool, err error) {
	if eventID == "" {
		return true, nil
	}
	item := eventKey(source, shop, eventID)
	item["source"] = str(string(source))
	if shop != "" {
		item["shop"] = str(shop)
	}
	if len(eventID) <= maxEventIDLen {
		item["eventId"] = str(eventID)
	}
	item["receivedAt"] = str(formatTime(now))
	item["expiresAt"] = num(now.Add(EventRetention).Unix())
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR #expiresAt < :now"),
		ExpressionAttributeNames: map[string]string{"#expiresAt": "expiresAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record event of %s: %w", scope(source, shop), err)
	}
	return true, nil
}

// SeenEvent reports whether the platform's event eventID of a shop was
// recorded (RecordEvent) and has not expired yet. An empty eventID is never
// seen. It is one consistent GetItem.
func (s *Store) SeenEvent(ctx context.Context, source thankyou.Source, shop, eventID string, now time.Time) (bool, error) {
	if eventID == "" {
		return false, nil
	}
	var item map[string]types.AttributeValue
	found, err := s.getItem(ctx, eventKey(source, shop, eventID), &item)
	if err != nil {
		return false, fmt.Errorf("seen event %s: %w", scope(source, shop), err)
	}
	if !found {
		return false, nil
	}
	if exp, ok := item["expiresAt"].(*types.AttributeValueMemberN); ok {
		if n, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && n < now.Unix() {
			return false, nil
		}
	}
	return true, nil
}
