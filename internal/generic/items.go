package generic

import (
	"math"
	"strconv"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxQuantity is the largest order.items[].quantity the schema allows.
const maxQuantity = 1_000_000_000

// orderItems formats order.items, which the schema checked: at most
// thankyou.MaxItems, items without a name left out.
func orderItems(list []item) ([]string, error) {
	var out []string
	for i, it := range list {
		if len(out) == thankyou.MaxItems {
			break
		}
		q := int64(1)
		if it.Quantity != "" {
			f, err := strconv.ParseFloat(string(it.Quantity), 64)
			if err != nil || f < 1 || f > maxQuantity || f != math.Trunc(f) {
				return nil, thankyou.Errorf(thankyou.EINVALID, "order.items[%d].quantity: not a whole number from 1 to %d", i, maxQuantity)
			}
			q = int64(f)
		}
		if s := thankyou.ItemText(it.Name, q); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}
