package webhook

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestQuantityReadsWholeNumbers(t *testing.T) {
	tests := []struct {
		name string
		json string // the quantity value as a platform writes it; "" leaves it out
		want int64
	}{
		{"a number", `2`, 2},
		{"a string", `"12"`, 12},
		{"padded string", `" 7 "`, 7},
		{"zero kept", `0`, 0},
		{"negative kept", `-1`, -1},
		{"whole number written 3.0", `3.0`, 3},
		{"whole number as the string 2.0", `"2.0"`, 2},
		{"exponent", `1e2`, 100},
		{"large ids read exactly", `9007199254740993`, 9007199254740993},
		{"largest int64", `9223372036854775807`, 9223372036854775807},
		{"missing: one", ``, 1},
		{"null: one", `null`, 1},
		{"empty string: one", `""`, 1},
		{"fraction: one", `2.5`, 1},
		{"words: one", `"two"`, 1},
		{"beyond int64: one", `9223372036854775808`, 1},
		{"float beyond exact integers: one", `1e300`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var li struct {
				Quantity Scalar `json:"quantity"`
			}
			body := `{}`
			if tt.json != "" {
				body = `{"quantity":` + tt.json + `}`
			}
			if err := json.Unmarshal([]byte(body), &li); err != nil {
				t.Fatal(err)
			}
			if got := Quantity(li.Quantity); got != tt.want {
				t.Errorf("Quantity(%s) = %d, want %d", tt.json, got, tt.want)
			}
		})
	}
}

func TestLenientListSkipsWhatDoesNotDecode(t *testing.T) {
	type line struct {
		Name     string `json:"name"`
		Quantity Scalar `json:"quantity"`
	}
	tests := []struct {
		name string
		json string // the lines value; "" leaves it out
		want []line
	}{
		{"every element decodes", `[{"name":"A","quantity":1},{"name":"B","quantity":"2"}]`,
			[]line{{"A", Scalar{"1"}}, {"B", Scalar{"2"}}}},
		{"elements of another shape left out", `[{"name":5},"mug",3,[],{"name":"A","quantity":{}},{"name":"B"}]`,
			[]line{{Name: "B"}}},
		{"a null element is a zero element", `[null,{"name":"A"}]`, []line{{}, {Name: "A"}}},
		{"unknown fields ignored", `[{"name":"A","sku":"MUG-1"}]`, []line{{Name: "A"}}},
		{"empty array", `[]`, nil},
		{"missing", ``, nil},
		{"null", `null`, nil},
		{"an object: empty, not an error", `{"name":"A"}`, nil},
		{"a string: empty, not an error", `"A"`, nil},
		{"a number: empty, not an error", `12`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o struct {
				Lines LenientList[line] `json:"lines"`
				After string            `json:"after"`
			}
			body := `{"after":"read"}`
			if tt.json != "" {
				body = `{"lines":` + tt.json + `,"after":"read"}`
			}
			if err := json.Unmarshal([]byte(body), &o); err != nil {
				t.Fatalf("Unmarshal = %v, want no error", err)
			}
			if !slices.Equal(o.Lines, tt.want) {
				t.Errorf("Lines = %+v, want %+v", o.Lines, tt.want)
			}
			if o.After != "read" {
				t.Errorf("the field after the list was not read: %q", o.After)
			}
		})
	}
}

func TestLenientListReplacesWhatItHeld(t *testing.T) {
	for _, body := range []string{`[]`, `{"name":"A"}`, `"A"`, `[1,2]`} {
		l := LenientList[struct{ Name string }]{{Name: "old"}}
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatalf("Unmarshal(%s) = %v, want no error", body, err)
		}
		if len(l) != 0 {
			t.Errorf("Unmarshal(%s) into a list that held an element: %+v, want it empty", body, l)
		}
	}
}
