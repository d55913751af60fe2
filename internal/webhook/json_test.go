package webhook

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestDecodeObjectNamesTheProblem(t *testing.T) {
	type order struct {
		ID    Scalar `json:"id"`
		Total string `json:"total"`
	}
	for _, tc := range []struct{ body, want string }{
		{``, "body is empty"},
		{`{"id":`, "body is not valid JSON: unexpected end of JSON input at offset"},
		{`[{"id":1}]`, "body is a JSON array, not an object"},
		{`null`, "body is a JSON null, not an object"},
		{`{"id":1,"total":12}`, "order field total is a JSON number, which is not allowed there"},
		{`{"id":{}}`, "order field id is a JSON object, which is not allowed there"},
	} {
		var o order
		err := DecodeObject([]byte(tc.body), &o, "body", "order", "Demo order")
		if thankyou.ErrorCode(err) != thankyou.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeObject(%q) = %v, want EINVALID saying %q", tc.body, err, tc.want)
		}
	}
}

func TestScalarKeepsLargeIDsExactly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`18446744073709551615`, "18446744073709551615"},
		{`"820982911946154508"`, "820982911946154508"},
		{`null`, ""},
	} {
		var s Scalar
		if err := json.Unmarshal([]byte(tc.in), &s); err != nil || s.Text != tc.want {
			t.Errorf("Scalar(%s) = %q, %v; want %q", tc.in, s.Text, err, tc.want)
		}
	}
	var s Scalar
	if err := json.Unmarshal([]byte(`true`), &s); err == nil {
		t.Error("a boolean was accepted as an id")
	}
}
