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
// one: id the first time, the earlier id ever after. It reads the recorded
// id first (one consistent GetItem: what every cold instance after the
// first pays), and writes only when there is none, with a conditional
// PutItem, so concurrent first deliveries agree on a single id. Only a
// delivery whose signature was verified may call it.
func (s *Store) LearnShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
	if learnt, found, err := s.learntShopID(ctx, source); err != nil || found {
		return learnt, err
	}
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
	learnt, found, err := s.learntShopID(ctx, source)
	if err == nil && !found {
		err = fmt.Errorf("the learnt %s shop id is gone", source)
	}
	return learnt, err
}

// learntShopID reads the shop id learnt for a source (strongly consistent).
func (s *Store) learntShopID(ctx context.Context, source thankyou.Source) (string, bool, error) {
	var item map[string]types.AttributeValue
	found, err := s.getItem(ctx, deployShopKey(source), &item)
	if err != nil {
		return "", false, fmt.Errorf("read the learnt %s shop id: %w", source, err)
	}
	if !found {
		return "", false, nil
	}
	v, ok := item["shopId"].(*types.AttributeValueMemberS)
	if !ok {
		return "", false, fmt.Errorf("the learnt %s shop id is unreadable", source)
	}
	return v.Value, true, nil
}
