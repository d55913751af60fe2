package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// DecodeObject unmarshals the JSON object b into v. Failures are EINVALID
// errors that name the problem for the platform's developers: what names
// the value in messages ("body", "event evt_1 data.object"), fieldPrefix
// the object whose field had the wrong type ("order"), kind what b should
// have been ("Shopify order").
func DecodeObject(b []byte, v any, what, fieldPrefix, kind string) error {
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return thankyou.Errorf(thankyou.EINVALID, "%s is empty", what)
	}
	err := json.Unmarshal(b, v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return thankyou.Errorf(thankyou.EINVALID, "%s is not valid JSON: %s at offset %d",
			what, strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	}
	if trimmed[0] != '{' {
		return thankyou.Errorf(thankyou.EINVALID, "%s is a JSON %s, not an object", what, JSONKind(trimmed[0]))
	}
	if err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return thankyou.Errorf(thankyou.EINVALID, "%s field %s is a JSON %s, which is not allowed there", fieldPrefix, typ.Field, typ.Value)
		}
		return thankyou.WrapError(thankyou.EINVALID, what+" is not a valid "+kind, err)
	}
	return nil
}

// JSONKind names the kind of JSON value that starts with first.
func JSONKind(first byte) string {
	switch first {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	}
	return "number"
}

// Scalar is a JSON number or string kept exactly as written (platforms'
// 64-bit ids lose digits as float64); null leaves it empty.
type Scalar struct {
	Text string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Scalar) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty JSON value")
	case bytes.Equal(b, []byte("null")):
		*v = Scalar{}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Scalar{Text: s}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*v = Scalar{Text: string(b)}
	default:
		return &json.UnmarshalTypeError{Value: JSONKind(b[0]), Type: reflect.TypeFor[string]()}
	}
	return nil
}
