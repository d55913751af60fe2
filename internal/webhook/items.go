package webhook

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// LenientList is a JSON array of T read leniently: an element that does
// not decode as a T is left out, and a value that is not an array (null,
// an object, ...) is an empty list. Items only describe an order: an odd
// line item must not refuse the order.
type LenientList[T any] []T

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (l *LenientList[T]) UnmarshalJSON(b []byte) error {
	*l = nil
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	for _, r := range raw {
		var v T
		if json.Unmarshal(r, &v) == nil {
			*l = append(*l, v)
		}
	}
	return nil
}

// Quantity reads a line item's quantity, a whole number written as a JSON
// number or string; 1 when it is missing (null) or unreadable, so that the
// item's title alone is shown.
func Quantity(v Scalar) int64 {
	s := strings.TrimSpace(v.Text)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return 1
}

// Items returns the first thankyou.MaxItems items of an order's lines as
// people read them (thankyou.ItemText: "2 × Mug"); line gives a line's
// title and quantity (read with Quantity). Lines without a title, or with
// a quantity below one, are left out.
func Items[L any](lines []L, line func(L) (title string, quantity Scalar)) []string {
	var out []string
	for _, l := range lines {
		if len(out) == thankyou.MaxItems {
			break
		}
		title, quantity := line(l)
		q := Quantity(quantity)
		if q < 1 {
			continue
		}
		if it := thankyou.ItemText(title, q); it != "" {
			out = append(out, it)
		}
	}
	return out
}
