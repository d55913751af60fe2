package dynamo

import (
	"context"
	"errors"
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

// Shop settings live in one partition, pk "SHOPS", sk "SHOP#<source>:<id>":
// a handful of items that one Query lists and one GetItem reads. They hold
// no secrets, only where the secrets are kept (SecretRefs).
const shopsPK = "SHOPS"

func shopKey(source thankyou.Source, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(shopsPK), "sk": str("SHOP#" + string(source) + ":" + id)}
}

// shopItem is a shop's stored form.
type shopItem struct {
	PK               string   `dynamodbav:"pk"`
	SK               string   `dynamodbav:"sk"`
	Source           string   `dynamodbav:"source"`
	ID               string   `dynamodbav:"shopId"`
	Name             string   `dynamodbav:"name"`
	SecretRefs       []string `dynamodbav:"secretRefs,omitempty"`
	TimeZone         string   `dynamodbav:"timeZone"`
	DefaultCountry   string   `dynamodbav:"defaultCountry"`
	Channel          string   `dynamodbav:"channel"`
	StaffPhone       string   `dynamodbav:"staffPhone,omitempty"`
	StaffHours       string   `dynamodbav:"staffHours,omitempty"`
	WindowStart      string   `dynamodbav:"windowStart"`
	WindowEnd        string   `dynamodbav:"windowEnd"`
	Days             string   `dynamodbav:"days"`
	Closed           string   `dynamodbav:"closedDates,omitempty"`
	Delay            string   `dynamodbav:"delay"`
	ExpireAfter      string   `dynamodbav:"expireAfter"`
	MinTotal         string   `dynamodbav:"minTotal,omitempty"`
	FirstOrderOnly   bool     `dynamodbav:"firstOrderOnly"`
	SkipTestOrders   bool     `dynamodbav:"skipTestOrders"`
	SkipTags         []string `dynamodbav:"skipTags,omitempty"`
	Countries        []string `dynamodbav:"countries,omitempty"`
	FrequencyCapDays int      `dynamodbav:"frequencyCapDays"`
	SMSTemplate      string   `dynamodbav:"smsTemplate,omitempty"`
	StaffTemplate    string   `dynamodbav:"staffTemplate,omitempty"`
	VoiceConsent     bool     `dynamodbav:"voiceConsent,omitempty"`
	Voice            string   `dynamodbav:"voice,omitempty"`
	VoiceLanguage    string   `dynamodbav:"voiceLanguage,omitempty"`
	VoicePlayURL     string   `dynamodbav:"voicePlayUrl,omitempty"`
	Holdout          int      `dynamodbav:"holdout,omitempty"`
	Salt             string   `dynamodbav:"salt,omitempty"`
	UpdatedAt        string   `dynamodbav:"updatedAt"`
	ErasedAt         string   `dynamodbav:"erasedAt,omitempty"`
	ExpiresAt        int64    `dynamodbav:"expiresAt,omitempty"`
	// Trigger and MaxWait (a Go duration) are what the delay counts from
	// and how long a task waits for it; Language the shop's language;
	// the template maps the shop's own texts by language.
	Trigger        string            `dynamodbav:"trigger,omitempty"`
	MaxWait        string            `dynamodbav:"maxWait,omitempty"`
	Language       string            `dynamodbav:"language,omitempty"`
	SMSTemplates   map[string]string `dynamodbav:"smsTemplates,omitempty"`
	StaffTemplates map[string]string `dynamodbav:"staffTemplates,omitempty"`
}

// PutShop stores a shop's settings, replacing any earlier ones. The shop
// must name its source and id; validating the settings themselves is the
// caller's job (the operators' tool does it before writing).
func (s *Store) PutShop(ctx context.Context, sh thankyou.Shop, now time.Time) error {
	if sh.Source == "" || strings.TrimSpace(sh.ID) == "" {
		return thankyou.Errorf(thankyou.EINVALID, "a shop needs a source and an id")
	}
	it := shopItem{
		PK: shopsPK, SK: "SHOP#" + string(sh.Source) + ":" + sh.ID,
		Source: string(sh.Source), ID: sh.ID, Name: sh.Name, SecretRefs: sh.SecretRefs,
		TimeZone: sh.TimeZone, DefaultCountry: sh.DefaultCountry, Channel: string(sh.Channel), StaffPhone: sh.StaffPhone, StaffHours: sh.StaffHours.String(),
		Closed: sh.Closed,
		Delay:  sh.Delay.String(), ExpireAfter: sh.ExpireAfter.String(),
		MinTotal: sh.Rules.MinTotal, FirstOrderOnly: sh.Rules.FirstOrderOnly, SkipTestOrders: sh.Rules.SkipTestOrders,
		SkipTags: sh.Rules.SkipTags, Countries: sh.Rules.Countries, FrequencyCapDays: sh.Rules.FrequencyCapDays,
		SMSTemplate: sh.SMSTemplate, StaffTemplate: sh.StaffTemplate,
		VoiceConsent: sh.Voice.Consent, Voice: sh.Voice.Voice, VoiceLanguage: sh.Voice.Language, VoicePlayURL: sh.Voice.PlayURL,
		Holdout: int(sh.Holdout), Salt: sh.Salt,
		UpdatedAt: formatTime(now),
		Trigger:   string(sh.Trigger), Language: sh.Language,
		SMSTemplates: sh.SMSTemplates, StaffTemplates: sh.StaffTemplates,
	}
	if sh.MaxWait > 0 {
		it.MaxWait = sh.MaxWait.String()
	}
	it.WindowStart, it.WindowEnd, it.Days = sh.Window.Fields()
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("put shop %s:%s: %w", sh.Source, sh.ID, err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("put shop %s:%s: %w", sh.Source, sh.ID, err)
	}
	return nil
}

// GetShop reads a shop's settings; an unknown shop is ENOTFOUND.
func (s *Store) GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: shopKey(source, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return thankyou.Shop{}, fmt.Errorf("get shop %s:%s: %w", source, id, err)
	}
	if out.Item == nil {
		return thankyou.Shop{}, thankyou.Errorf(thankyou.ENOTFOUND, "no shop %s:%s", source, id)
	}
	return decodeShop(out.Item)
}

// ListShops returns every shop's settings, ordered by source and id.
func (s *Store) ListShops(ctx context.Context) ([]thankyou.Shop, error) {
	var out []thankyou.Shop
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :shop)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(shopsPK), ":shop": str("SHOP#")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list shops: %w", err)
		}
		for _, it := range page.Items {
			sh, err := decodeShop(it)
			if err != nil {
				return nil, err
			}
			out = append(out, sh)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// EraseShopSettings replaces a stored shop's settings with what is left of
// them once the shop's data is erased: its source, id and secret
// references (no personal data; they verify a repeated privacy request),
// and when it was erased; the item expires with the retention. A shop
// without stored settings is left alone.
func (s *Store) EraseShopSettings(ctx context.Context, source thankyou.Source, id string, now time.Time) error {
	sh, err := s.GetShop(ctx, source, id)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	it := shopItem{
		PK: shopsPK, SK: "SHOP#" + string(source) + ":" + id, Source: string(source), ID: id, SecretRefs: sh.SecretRefs,
		Delay: "0s", ExpireAfter: "0s", UpdatedAt: formatTime(now), ErasedAt: formatTime(now), ExpiresAt: s.expiresAt(now),
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("erase shop settings %s:%s: %w", source, id, err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("erase shop settings %s:%s: %w", source, id, err)
	}
	return nil
}

// DeleteShop removes a shop's settings (not its tasks); an unknown shop is
// ENOTFOUND.
func (s *Store) DeleteShop(ctx context.Context, source thankyou.Source, id string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: shopKey(source, id),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if isConditionFailed(err) {
		return thankyou.Errorf(thankyou.ENOTFOUND, "no shop %s:%s", source, id)
	}
	if err != nil {
		return fmt.Errorf("delete shop %s:%s: %w", source, id, err)
	}
	return nil
}

func decodeShop(av map[string]types.AttributeValue) (thankyou.Shop, error) {
	var it shopItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return thankyou.Shop{}, fmt.Errorf("decode shop: %w", err)
	}
	delay, err1 := time.ParseDuration(it.Delay)
	expire, err2 := time.ParseDuration(it.ExpireAfter)
	var maxWait time.Duration
	var err3 error
	if it.MaxWait != "" {
		maxWait, err3 = time.ParseDuration(it.MaxWait)
	}
	trigger, err4 := thankyou.ParseTrigger(it.Trigger)
	window, err5 := storedWindow(it.WindowStart, it.WindowEnd, it.Days)
	staffHours, err6 := thankyou.ParseWindowText(it.StaffHours)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return thankyou.Shop{}, fmt.Errorf("decode shop %s:%s: %w", it.Source, it.ID, err)
	}
	var erased time.Time
	if it.ErasedAt != "" {
		var err error
		if erased, err = time.Parse(time.RFC3339Nano, it.ErasedAt); err != nil {
			return thankyou.Shop{}, fmt.Errorf("decode shop %s:%s: erasedAt: %w", it.Source, it.ID, err)
		}
	}
	return thankyou.Shop{
		ErasedAt: erased,
		Trigger:  trigger, MaxWait: maxWait, Language: it.Language,
		SMSTemplates: it.SMSTemplates, StaffTemplates: it.StaffTemplates,
		Source: thankyou.Source(it.Source), ID: it.ID, Name: it.Name, SecretRefs: it.SecretRefs,
		TimeZone: it.TimeZone, DefaultCountry: it.DefaultCountry, Channel: thankyou.Channel(it.Channel), StaffPhone: it.StaffPhone, StaffHours: staffHours,
		Window: window, Closed: it.Closed, Delay: delay, ExpireAfter: expire,
		SMSTemplate: it.SMSTemplate, StaffTemplate: it.StaffTemplate,
		Voice:   thankyou.Voice{Consent: it.VoiceConsent, Voice: it.Voice, Language: it.VoiceLanguage, PlayURL: it.VoicePlayURL},
		Holdout: thankyou.Share(it.Holdout), Salt: it.Salt,
		Rules: thankyou.Rules{
			MinTotal: it.MinTotal, FirstOrderOnly: it.FirstOrderOnly, SkipTestOrders: it.SkipTestOrders,
			SkipTags: it.SkipTags, Countries: it.Countries, FrequencyCapDays: it.FrequencyCapDays,
		},
	}, nil
}

// storedWindow reads a window stored as its three configured parts; three
// empty ones (an erased shop) are the zero Window.
func storedWindow(start, end, days string) (thankyou.Window, error) {
	if start == "" && end == "" && days == "" {
		return thankyou.Window{}, nil
	}
	return thankyou.ParseWindow(start, end, days)
}
