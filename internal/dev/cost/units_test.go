package cost_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
)

func TestReadsCostHalfAUnitPer4KBEventuallyAndOneStrongly(t *testing.T) {
	for _, tc := range []struct {
		size       int
		consistent bool
		want       float64
	}{
		{0, false, 0.5}, // nothing found still costs the minimum
		{0, true, 1},
		{1, false, 0.5},
		{4096, false, 0.5},
		{4096, true, 1},
		{4097, false, 1},
		{4097, true, 2},
		{3 * 4096, true, 3},
		{3*4096 + 1, false, 2},
	} {
		if got := cost.ReadUnits(tc.size, tc.consistent); got != tc.want {
			t.Errorf("ReadUnits(%d, %v) = %v, want %v", tc.size, tc.consistent, got, tc.want)
		}
	}
}

func TestWritesCostAUnitPerKB(t *testing.T) {
	for _, tc := range []struct {
		size int
		want float64
	}{
		{0, 1}, // a failed conditional write or a delete of nothing
		{1, 1},
		{1024, 1},
		{1025, 2},
		{2048, 2},
		{10*1024 + 1, 11},
	} {
		if got := cost.WriteUnits(tc.size); got != tc.want {
			t.Errorf("WriteUnits(%d) = %v, want %v", tc.size, got, tc.want)
		}
	}
}

func TestItemSizeFollowsDynamoDBSizeRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		item string
		want int
	}{
		{"string: name and UTF-8 bytes", `{"pk": {"S": "abc"}}`, 2 + 3},
		{"multibyte string", `{"n": {"S": "é€"}}`, 1 + 2 + 3},
		{"number: a byte per two significant digits, plus one", `{"n": {"N": "12345"}}`, 1 + 3 + 1},
		{"number: zeros trimmed", `{"n": {"N": "000120.00"}}`, 1 + 1 + 1},
		{"number: zero", `{"n": {"N": "0"}}`, 1 + 1},
		{"number: exponent ignored", `{"n": {"N": "-1.5E+10"}}`, 1 + 1 + 1},
		{"binary: decoded bytes", `{"b": {"B": "AAEC"}}`, 1 + 3},
		{"bool and null: one byte", `{"t": {"BOOL": true}, "z": {"NULL": true}}`, 1 + 1 + 1 + 1},
		{"string set", `{"ss": {"SS": ["a", "bc"]}}`, 2 + 1 + 2},
		{"number set", `{"ns": {"NS": ["1", "22", "333"]}}`, 2 + 2 + 2 + 3},
		{"list: 3 bytes, 1 per element", `{"l": {"L": [{"S": "ab"}, {"N": "1"}]}}`, 1 + 3 + (1 + 2) + (1 + 2)},
		{"empty map", `{"m": {"M": {}}}`, 1 + 3},
		{"map: 3 bytes, 1 per element, names and values", `{"m": {"M": {"k": {"S": "v"}, "kk": {"BOOL": false}}}}`, 1 + 3 + 2 + (1 + 1) + (2 + 1)},
		{"several attributes", `{"pk": {"S": "TASK#1"}, "sk": {"S": "TASK"}, "attempts": {"N": "3"}}`, (2 + 6) + (2 + 4) + (8 + 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var item map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tc.item), &item); err != nil {
				t.Fatal(err)
			}
			got, err := cost.ItemSize(item)
			if err != nil {
				t.Fatalf("ItemSize(%s): %v", tc.item, err)
			}
			if got != tc.want {
				t.Errorf("ItemSize(%s) = %d, want %d", tc.item, got, tc.want)
			}
		})
	}
}

func TestItemSizeRefusesWhatIsNotAnAttributeValue(t *testing.T) {
	for _, item := range []string{
		`{"a": "plain"}`,
		`{"a": {"S": "x", "N": "1"}}`,
		`{"a": {"X": "1"}}`,
		`{"a": {"B": "not base64!"}}`,
		`{"a": {"L": [{"S": 1}]}}`,
	} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(item), &m); err != nil {
			t.Fatal(err)
		}
		if n, err := cost.ItemSize(m); err == nil {
			t.Errorf("ItemSize(%s) = %d, nil; want an error", item, n)
		}
	}
}

func TestUnitsAddAndScale(t *testing.T) {
	u := cost.Units{RRU: 1.5, WRU: 4}.Add(cost.Units{RRU: 0.5, WRU: 1}).Scale(3)
	if want := (cost.Units{RRU: 6, WRU: 15}); u != want {
		t.Errorf("got %+v, want %+v", u, want)
	}
}

func FuzzItemSize(f *testing.F) {
	f.Add(`{"pk": {"S": "a"}, "n": {"N": "1.50"}, "l": {"L": [{"M": {"x": {"BS": ["AA=="]}}}]}}`)
	f.Add(`{"a": {"NS": ["1e5", "-0.0"]}}`)
	f.Add(strings.Repeat(`{"m": {"M": `, 20) + `{}` + strings.Repeat(`}}`, 20))
	f.Fuzz(func(t *testing.T, s string) {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		n, err := cost.ItemSize(m)
		if err == nil && n < 0 {
			t.Errorf("ItemSize(%s) = %d, want >= 0", s, n)
		}
	})
}
