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

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
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
	// DigestDay is the day ("2006-01-02" in the member's zone) of the last
	// daily digest claimed for the member (ClaimDigest); PutStaff, which
	// replaces the item, drops it.
	DigestDay string `dynamodbav:"digestDay,omitempty"`
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
		TimeZone: m.TimeZone, Active: m.Active,
		UpdatedAt: formatTime(now),
	}
	it.WorkStart, it.WorkEnd, it.Days = m.Hours.Fields()
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
// erasure), and the shop's round-robin record (see LastAssigned), and
// returns how many members it deleted.
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
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: lastAssignedKey(source, shop)})
	if err != nil {
		return n, fmt.Errorf("delete staff of %s:%s: round-robin record: %w", source, shop, err)
	}
	return n, nil
}

// ListAllStaff returns the staff members of every shop, active or not,
// ordered by source, shop and id.
func (s *Store) ListAllStaff(ctx context.Context) ([]thankyou.StaffMember, error) {
	out, err := s.queryStaff(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list all staff: %w", err)
	}
	return out, nil
}

// StaffByPhone returns every roster entry, of any shop, whose phone is
// e164 (one person may work for several shops), ordered by source, shop
// and id. An empty number is EINVALID.
func (s *Store) StaffByPhone(ctx context.Context, e164 string) ([]thankyou.StaffMember, error) {
	if err := checkPhone("staff by phone", e164); err != nil {
		return nil, err
	}
	out, err := s.queryStaff(ctx, e164)
	if err != nil {
		return nil, fmt.Errorf("staff by phone %s: %w", phone.Mask(e164), err)
	}
	return out, nil
}

// queryStaff lists the roster entries of every shop, only those with phone
// e164 unless it is empty, ordered by source, shop and id.
func (s *Store) queryStaff(ctx context.Context, e164 string) ([]thankyou.StaffMember, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :staff)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(shopsPK), ":staff": str("STAFF#")},
		ConsistentRead:            aws.Bool(true),
	}
	if e164 != "" {
		in.FilterExpression = aws.String("phone = :phone")
		in.ExpressionAttributeValues[":phone"] = str(e164)
	}
	out := []thankyou.StaffMember{}
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			m, err := decodeStaff(it)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.ShopID != b.ShopID {
			return a.ShopID < b.ShopID
		}
		return a.ID < b.ID
	})
	return out, nil
}

// ClaimDigest claims the daily digest of day (the member's local date,
// "2006-01-02") for a staff member, so that one digest goes out per member
// and day however many dispatchers run: it records day on the member's
// item with one conditional update and returns true, or returns false and
// no error when the digest of that day was already claimed. An unknown
// member is ENOTFOUND; an empty day EINVALID.
func (s *Store) ClaimDigest(ctx context.Context, source thankyou.Source, shop, memberID, day string, now time.Time) (bool, error) {
	if day == "" {
		return false, thankyou.Errorf(thankyou.EINVALID, "claim digest of %s at %s:%s: empty day", memberID, source, shop)
	}
	u := newUpdate()
	u.set("digestDay", str(day))
	u.set("digestClaimedAt", str(formatTime(now)))
	cond := fmt.Sprintf("attribute_exists(%s) AND (attribute_not_exists(%s) OR %s <> %s)",
		u.name("pk"), u.name("digestDay"), u.name("digestDay"), u.value("condDay", str(day)))
	_, err := s.updateItem(ctx, staffKey(source, shop, memberID), u, cond)
	if isConditionFailed(err) {
		if _, err := s.GetStaff(ctx, source, shop, memberID); err != nil {
			return false, fmt.Errorf("claim digest: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim digest of %s at %s:%s: %w", memberID, source, shop, err)
	}
	return true, nil
}

// The last member a shop's call was assigned to (for the round-robin) is
// one small item beside the roster: pk "SHOPS", sk
// "STAFFRR#<source>:<shop>" (not under the "STAFF#" prefix of the roster).

func lastAssignedKey(source thankyou.Source, shop string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(shopsPK), "sk": str("STAFFRR#" + string(source) + ":" + shop)}
}

// LastAssigned returns the id of the staff member a call of the shop was
// last assigned to, "" when none was yet (strongly consistent read).
func (s *Store) LastAssigned(ctx context.Context, source thankyou.Source, shop string) (string, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: lastAssignedKey(source, shop), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("last assigned at %s:%s: %w", source, shop, err)
	}
	v, _ := out.Item["memberId"].(*types.AttributeValueMemberS)
	if v == nil {
		return "", nil
	}
	return v.Value, nil
}

// SetLastAssigned records memberID as the staff member a call of the shop
// was last assigned to, replacing the earlier one.
func (s *Store) SetLastAssigned(ctx context.Context, source thankyou.Source, shop, memberID string, now time.Time) error {
	item := lastAssignedKey(source, shop)
	if memberID != "" {
		item["memberId"] = str(memberID)
	}
	item["updatedAt"] = str(formatTime(now))
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("set last assigned at %s:%s: %w", source, shop, err)
	}
	return nil
}

func decodeStaff(av map[string]types.AttributeValue) (thankyou.StaffMember, error) {
	var it staffItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return thankyou.StaffMember{}, fmt.Errorf("decode staff member: %w", err)
	}
	hours, err := storedWindow(it.WorkStart, it.WorkEnd, it.Days)
	if err != nil {
		return thankyou.StaffMember{}, fmt.Errorf("staff member %s:%s#%s: stored hours: %w", it.Source, it.ShopID, it.ID, err)
	}
	return thankyou.StaffMember{
		Source: thankyou.Source(it.Source), ShopID: it.ShopID, ID: it.ID, Name: it.Name, Phone: it.Phone,
		TimeZone: it.TimeZone, Hours: hours, Active: it.Active,
	}, nil
}
