package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// deployShopKey is the key of the shop id a deployment's own shop learnt
// for a source (pk "DEPLOYSHOP#<source>").
func deployShopKey(source thankyou.Source) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("DEPLOYSHOP#" + string(source)), "sk": str("DEPLOYSHOP")}
}

// LearnShopID records id as the one shop id of the deployment's own shop
// for a source, unless one was recorded already, and returns the recorded
// one: id the first time, the earlier id ever after. It is one conditional
// PutItem, and one consistent GetItem when an id was recorded already, so
// concurrent first deliveries agree on a single id. Only a delivery whose
// signature was verified may call it.
func (s *Store) LearnShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
	item := deployShopKey(source)
	item["source"] = str(string(source))
	item["shopId"] = str(id)
	item["learntAt"] = str(formatTime(now))
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err == nil {
		return id, nil
	}
	if !isConditionFailed(err) {
		return "", fmt.Errorf("learn the %s shop id: %w", source, err)
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            deployShopKey(source),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("read the learnt %s shop id: %w", source, err)
	}
	v, ok := out.Item["shopId"].(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("the learnt %s shop id is unreadable", source)
	}
	return v.Value, nil
}
