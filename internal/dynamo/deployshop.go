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
// id first (one consistent GetItem: what a cold instance pays when its
// first read did not fetch the id, see GetShopAndLearntID), and claims it
// (ClaimShopID) only when there is none. Only a delivery whose signature
// was verified may call it.
func (s *Store) LearnShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
	if learnt, found, err := s.learntShopID(ctx, source); err != nil || found {
		return learnt, err
	}
	return s.ClaimShopID(ctx, source, id, now)
}

// ClaimShopID records id as the source's learnt shop id with one
// conditional PutItem, for a caller that read that none was recorded: if
// one was recorded meanwhile, the put is refused and the recorded id is
// read and returned instead, so concurrent first deliveries agree on a
// single id. Only a delivery whose signature was verified may call it.
func (s *Store) ClaimShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
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
	return decodeLearntShopID(source, item)
}

func decodeLearntShopID(source thankyou.Source, item map[string]types.AttributeValue) (string, bool, error) {
	v, ok := item["shopId"].(*types.AttributeValueMemberS)
	if !ok {
		return "", false, fmt.Errorf("the learnt %s shop id is unreadable", source)
	}
	return v.Value, true, nil
}

// GetShopAndLearntID reads a shop's stored settings and the shop id the
// deployment's own shop learnt for the source with one strongly consistent
// BatchGetItem of the two items: what a cold instance's first delivery
// needs before it can verify and admit, in one request instead of two in
// sequence. found is false when no settings are stored for the shop. Keys
// the request leaves unprocessed (throttling) are asked again (batchGet).
func (s *Store) GetShopAndLearntID(ctx context.Context, source thankyou.Source, id string) (shop thankyou.Shop, found bool, learnt thankyou.LearntShopID, err error) {
	sk, lk := shopKey(source, id), deployShopKey(source)
	_, err = s.batchGet(ctx, []map[string]types.AttributeValue{sk, lk}, func(item map[string]types.AttributeValue) error {
		var err error
		if sameKey(item, lk) {
			learnt.ID, learnt.Found, err = decodeLearntShopID(source, item)
			return err
		}
		shop, err = decodeShop(item)
		found = err == nil
		return err
	})
	if err != nil {
		return thankyou.Shop{}, false, thankyou.LearntShopID{}, fmt.Errorf("get shop %s:%s and the learnt shop id: %w", source, id, err)
	}
	return shop, found, learnt, nil
}

// sameKey tells whether item has key's pk and sk.
func sameKey(item, key map[string]types.AttributeValue) bool {
	for _, k := range []string{"pk", "sk"} {
		a, ok1 := item[k].(*types.AttributeValueMemberS)
		b, ok2 := key[k].(*types.AttributeValueMemberS)
		if !ok1 || !ok2 || a.Value != b.Value {
			return false
		}
	}
	return true
}
