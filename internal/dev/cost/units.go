// Package cost models what the service costs to run: it meters the
// DynamoDB requests the functions make as on-demand read and write request
// units (Meter), and prices a month of orders from measured figures with
// AWS's and Twilio's list prices (Monthly, ListPrices). It also says how
// many sends one dispatcher can make (Capacity).
//
// Nothing here is asserted about speed: the figures come from `make bench`
// (infra/bench.sh), which measures them and prints the model's tables.
package cost

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Units are DynamoDB on-demand request units.
type Units struct {
	// RRU are read request units: one strongly consistent read of up to
	// 4 KB, or two eventually consistent ones.
	RRU float64 `json:"rru"`
	// WRU are write request units: one write of up to 1 KB, on the table or
	// on a global secondary index.
	WRU float64 `json:"wru"`
}

// Add returns u + v.
func (u Units) Add(v Units) Units { return Units{RRU: u.RRU + v.RRU, WRU: u.WRU + v.WRU} }

// Scale returns u × f.
func (u Units) Scale(f float64) Units { return Units{RRU: u.RRU * f, WRU: u.WRU * f} }

// Sizes DynamoDB rounds request units up to.
const (
	readBlock  = 4096
	writeBlock = 1024
)

// ReadUnits returns the read request units of reading size bytes of items in
// one request (a GetItem, or the items a Query returns): one unit per 4 KB,
// rounded up, halved when eventually consistent. A read that finds nothing
// still costs one block.
func ReadUnits(size int, consistent bool) float64 {
	blocks := math.Max(1, math.Ceil(float64(size)/readBlock))
	if consistent {
		return blocks
	}
	return blocks / 2
}

// WriteUnits returns the write request units of writing an item of size
// bytes: one per KB, rounded up, at least one (a failed conditional write and
// a delete of a missing item cost one too).
func WriteUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/writeBlock))
}

// ItemSize returns the size DynamoDB bills for an item in the JSON wire form
// of the DynamoDB API ({"pk": {"S": "..."}, ...}): for each attribute, the
// UTF-8 length of its name plus the size of its value.
func ItemSize(item map[string]json.RawMessage) (int, error) {
	n := 0
	for name, raw := range item {
		v, err := valueSize(raw)
		if err != nil {
			return 0, fmt.Errorf("attribute %q: %w", name, err)
		}
		n += len(name) + v
	}
	return n, nil
}

// valueSize returns the size of one AttributeValue ({"S": "abc"}):
// strings by their UTF-8 length, binaries by their decoded length, numbers
// by 1 byte per two significant digits plus 1, booleans and nulls 1 byte,
// lists and maps 3 bytes plus 1 per element plus their elements (and, for
// maps, the elements' names); sets the sum of their elements.
func valueSize(raw json.RawMessage) (int, error) {
	var av map[string]json.RawMessage
	if err := json.Unmarshal(raw, &av); err != nil {
		return 0, fmt.Errorf("not an attribute value: %w", err)
	}
	if len(av) != 1 {
		return 0, fmt.Errorf("an attribute value has one type, got %d", len(av))
	}
	for typ, v := range av {
		switch typ {
		case "S":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return 0, fmt.Errorf("bad S value: %w", err)
			}
			return len(s), nil
		case "N":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return 0, fmt.Errorf("bad N value: %w", err)
			}
			return numberSize(s), nil
		case "B":
			b, err := decodeBinary(v)
			if err != nil {
				return 0, fmt.Errorf("bad B value: %w", err)
			}
			return len(b), nil
		case "BOOL", "NULL":
			return 1, nil
		case "SS", "NS", "BS":
			var elems []json.RawMessage
			if err := json.Unmarshal(v, &elems); err != nil {
				return 0, fmt.Errorf("%s: %w", typ, err)
			}
			n := 0
			for _, e := range elems {
				m, err := valueSize(json.RawMessage(`{"` + typ[:1] + `":` + string(e) + `}`))
				if err != nil {
					return 0, fmt.Errorf("%s: %w", typ, err)
				}
				n += m
			}
			return n, nil
		case "L":
			var elems []json.RawMessage
			if err := json.Unmarshal(v, &elems); err != nil {
				return 0, fmt.Errorf("bad L value: %w", err)
			}
			n := 3
			for _, e := range elems {
				m, err := valueSize(e)
				if err != nil {
					return 0, fmt.Errorf("bad L value: %w", err)
				}
				n += 1 + m
			}
			return n, nil
		case "M":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return 0, fmt.Errorf("bad M value: %w", err)
			}
			inner, err := ItemSize(m)
			if err != nil {
				return 0, fmt.Errorf("bad M value: %w", err)
			}
			return 3 + len(m) + inner, nil
		default:
			return 0, fmt.Errorf("unknown attribute type %q", typ)
		}
	}
	return 0, nil // not reached: av has one entry
}

// numberSize is DynamoDB's size of a number: 1 byte per two significant
// digits (leading and trailing zeros trimmed), plus 1.
func numberSize(s string) int {
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, mantissa)
	digits = strings.Trim(digits, "0")
	if digits == "" {
		return 1
	}
	return (len(digits)+1)/2 + 1
}

func decodeBinary(v json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}
