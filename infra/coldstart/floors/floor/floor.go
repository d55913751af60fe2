// Package floor is the body of the cold-start floors (floors/basic and
// floors/phonenumbers): the least a Go order webhook on Lambda can be with
// the same libraries as this project's — aws-lambda-go, the aws-sdk-go-v2
// DynamoDB client and twilio-go — that checks a Shopify delivery's HMAC and
// stores it with one conditional PutItem. infra/coldstart times the
// functions against them; nothing of the product uses this package.
package floor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Order is the part of a Shopify order the floors read.
type Order struct {
	ID       int64 `json:"id"`
	Phone    string
	Customer struct {
		Phone string `json:"phone"`
	} `json:"customer"`
}

// Enrich adds attributes to the stored item from the order (the
// phonenumbers floor's parse and zone); nil adds none.
type Enrich func(o Order, item map[string]types.AttributeValue) error

// Run starts the Lambda function. It exits if the AWS configuration does
// not load.
func Run(enrich Enrich) {
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	h := &handler{
		db:     dynamodb.NewFromConfig(cfg),
		tw:     twilioAPI(os.Getenv("TWILIO_ACCOUNT_SID"), os.Getenv("TWILIO_AUTH_TOKEN")),
		secret: []byte(os.Getenv("SHOPIFY_WEBHOOK_SECRET")),
		table:  os.Getenv("TABLE_NAME"),
		name:   os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		send:   os.Getenv("FLOOR_SEND_FROM"),
		enrich: enrich,
	}
	lambda.Start(h.handle)
}

type handler struct {
	db     *dynamodb.Client
	tw     *twapi.ApiService
	secret []byte
	table  string
	name   string // the function's, in the item's key: two floors share a table
	send   string // a From number: text the customer (never set by the bench)
	enrich Enrich
}

func (h *handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return answer(http.StatusBadRequest), nil
		}
		body = b
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	got, err := base64.StdEncoding.DecodeString(req.Headers["x-shopify-hmac-sha256"])
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return answer(http.StatusUnauthorized), nil
	}
	var o Order
	if err := json.Unmarshal(body, &o); err != nil || o.ID == 0 {
		return answer(http.StatusBadRequest), nil
	}
	o.Phone = o.Customer.Phone
	item := map[string]types.AttributeValue{
		"pk":    &types.AttributeValueMemberS{Value: h.name + "#" + req.Headers["x-shopify-shop-domain"] + "#" + strconv.FormatInt(o.ID, 10)},
		"sk":    &types.AttributeValueMemberS{Value: "task"},
		"phone": &types.AttributeValueMemberS{Value: o.Phone},
	}
	if h.enrich != nil {
		if err := h.enrich(o, item); err != nil {
			return answer(http.StatusBadRequest), nil
		}
	}
	_, err = h.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(h.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var exists *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &exists):
		return answer(http.StatusOK), nil
	case err != nil:
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if h.send != "" && o.Phone != "" {
		p := &twapi.CreateMessageParams{}
		p.SetTo(o.Phone)
		p.SetFrom(h.send)
		p.SetBody("Thank you for your order!")
		if _, err := h.tw.CreateMessage(p); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	return answer(http.StatusCreated), nil
}

// twilioAPI is twilio-go's Messages API as this project uses it (the client
// and the 2010 API, not the root package with every product's API).
func twilioAPI(sid, token string) *twapi.ApiService {
	c := &twclient.Client{Credentials: twclient.NewCredentials(sid, token), HTTPClient: http.DefaultClient}
	c.SetAccountSid(sid)
	return twapi.NewApiServiceWithClient(c)
}

func answer(status int) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status}
}
