// Command phonenumbers is the second Go floor for cold starts: the basic
// floor plus nyaruka/phonenumbers (the customer's number parsed, its time
// zones looked up) and the embedded zone database (time/tzdata).
package main

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/nyaruka/phonenumbers"

	"github.com/thankyoucalls/thankyoucalls/infra/coldstart/floors/floor"
)

func main() { floor.Run(zone) }

// zone stores the number in E.164 and the first zone of its region.
func zone(o floor.Order, item map[string]types.AttributeValue) error {
	if o.Phone == "" {
		return nil
	}
	n, err := phonenumbers.Parse(o.Phone, "US")
	if err != nil {
		return fmt.Errorf("phone: %w", err)
	}
	zones, err := phonenumbers.GetTimezonesForNumber(n)
	if err != nil || len(zones) == 0 {
		return fmt.Errorf("phone zones: %v", err)
	}
	loc, err := time.LoadLocation(zones[0])
	if err != nil {
		return fmt.Errorf("zone: %w", err)
	}
	item["phone"] = &types.AttributeValueMemberS{Value: phonenumbers.Format(n, phonenumbers.E164)}
	item["zone"] = &types.AttributeValueMemberS{Value: loc.String()}
	return nil
}
