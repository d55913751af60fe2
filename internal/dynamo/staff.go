package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Staff members live in the shops' partition, pk "SHOPS", sk
// "STAFF#<source>:<shop>#<id>", so one Query with begins_with lists a shop's
// roster. The phone number is an attribute, never part of a key.

func staffPrefix(source thankyou.Source, shop string) string {
	return "STAFF#" + string(source) + ":" + shop + "#"
}

func staffKey(source thankyou.Source, shop, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(shopsPK), "sk": str(staffPrefix(source, shop) + id)}
}

// staffItem is a staff member's stored form.
type staffItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Source    string `dynamodbav:"source"`
	ShopID    string `dynamodbav:"shopId"`
	ID        string `dynamodbav:"staffId"`
	Name      string `dynamodbav:"name"`
	Phone     string `dynamodbav:"phone"`
	TimeZone  string `dynamodbav:"timeZone"`
	WorkStart string `dynamodbav:"workStart"`
	WorkEnd   string `dynamodbav:"workEnd"`
	Days      string `dynamodbav:"days"`
	Active    bool   `dynamodbav:"active"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

// PutStaff stores a staff member, replacing any earlier record with the
// same source, shop and id. The member must name all three, and the id may
// not hold '#' (the key's separator); validating the rest is the caller's
// job (the operators' tool does it before writing).
func (s *Store) PutStaff(ctx context.Context, m thankyou.StaffMember, now time.Time) error {
	if m.Source == "" || strings.TrimSpace(m.ShopID) == "" || strings.TrimSpace(m.ID) == "" || strings.Contains(m.ID, "#") {
		return thankyou.Errorf(thankyou.EINVALID, "a staff member needs a source, a shop and an id without '#'")
	}
	it := staffItem{
		PK: shopsPK, SK: staffPrefix(m.Source, m.ShopID) + m.ID,
		Source: string(m.Source), ShopID: m.ShopID, ID: m.ID, Name: m.Name, Phone: m.Phone,
		TimeZone: m.TimeZone, WorkStart: m.WorkStart, WorkEnd: m.WorkEnd, Days: m.Days, Active: m.Active,
		UpdatedAt: formatTime(now),
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("put staff %s:%s#%s: %w", m.Source, m.ShopID, m.ID, err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("put staff %s:%s#%s: %w", m.Source, m.ShopID, m.ID, err)
	}
	return nil
}

// GetStaff reads one staff member; an unknown one is ENOTFOUND.
func (s *Store) GetStaff(ctx context.Context, source thankyou.Source, shop, id string) (thankyou.StaffMember, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: staffKey(source, shop, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return thankyou.StaffMember{}, fmt.Errorf("get staff %s:%s#%s: %w", source, shop, id, err)
	}
	if out.Item == nil {
		return thankyou.StaffMember{}, thankyou.Errorf(thankyou.ENOTFOUND, "no staff member %s at shop %s:%s", id, source, shop)
	}
	return decodeStaff(out.Item)
}

// ListStaff returns a shop's staff members, active or not, ordered by id.
func (s *Store) ListStaff(ctx context.Context, source thankyou.Source, shop string) ([]thankyou.StaffMember, error) {
	out := []thankyou.StaffMember{}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :staff)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(shopsPK), ":staff": str(staffPrefix(source, shop))},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list staff of %s:%s: %w", source, shop, err)
		}
		for _, it := range page.Items {
			m, err := decodeStaff(it)
			if err != nil {
				return nil, err
			}
			// A shop whose id holds '#' shares the prefix ("a" and "a#b"):
			// keep only this shop's members.
			if m.Source != source || m.ShopID != shop {
				continue
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DeleteStaff removes a staff member; an unknown one is ENOTFOUND.
func (s *Store) DeleteStaff(ctx context.Context, source thankyou.Source, shop, id string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: staffKey(source, shop, id),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if isConditionFailed(err) {
		return thankyou.Errorf(thankyou.ENOTFOUND, "no staff member %s at shop %s:%s", id, source, shop)
	}
	if err != nil {
		return fmt.Errorf("delete staff %s:%s#%s: %w", source, shop, id, err)
	}
	return nil
}

// DeleteShopStaff removes every staff member of a shop (for a shop's
// erasure) and returns how many it deleted.
func (s *Store) DeleteShopStaff(ctx context.Context, source thankyou.Source, shop string) (int, error) {
	list, err := s.ListStaff(ctx, source, shop)
	if err != nil {
		return 0, fmt.Errorf("delete staff of %s:%s: %w", source, shop, err)
	}
	keys := make([]map[string]types.AttributeValue, 0, len(list))
	for _, m := range list {
		keys = append(keys, staffKey(m.Source, m.ShopID, m.ID))
	}
	n, err := s.deleteAll(ctx, keys)
	if err != nil {
		return n, fmt.Errorf("delete staff of %s:%s: %w", source, shop, err)
	}
	return n, nil
}

func decodeStaff(av map[string]types.AttributeValue) (thankyou.StaffMember, error) {
	var it staffItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return thankyou.StaffMember{}, fmt.Errorf("decode staff member: %w", err)
	}
	return thankyou.StaffMember{
		Source: thankyou.Source(it.Source), ShopID: it.ShopID, ID: it.ID, Name: it.Name, Phone: it.Phone,
		TimeZone: it.TimeZone, WorkStart: it.WorkStart, WorkEnd: it.WorkEnd, Days: it.Days, Active: it.Active,
	}, nil
}
