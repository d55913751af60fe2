package generic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The production code checks bodies by plain Go (problem.go); these tests
// hold it to order.schema.json, run by a JSON Schema validator (a test-only
// import): the same bodies accepted, the same refused, with the same first
// problem.

// compiledSchema is order.schema.json compiled by the validator.
func compiledSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://github.com/thankyoucalls/thankyoucalls/internal/generic/order.schema.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// bySchema is the validator's verdict on a body: "invalid JSON", "" when
// accepted, else its first problem, worded as checkBody words it.
func bySchema(sch *jsonschema.Schema, raw []byte) string {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "invalid JSON"
	}
	err = sch.Validate(doc)
	if err == nil {
		return ""
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return slices.CompareFunc(a.InstanceLocation, b.InstanceLocation, strings.Compare)
	})
	e := leaves[0]
	at := path(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		names := make([]string, len(k.Missing))
		for i, m := range k.Missing {
			names[i] = path(append(slices.Clip(e.InstanceLocation), m))
		}
		if len(names) == 1 {
			return names[0] + ": missing property"
		}
		return strings.Join(names, ", ") + ": missing properties"
	case *kind.Type:
		return fmt.Sprintf("%s: got %s, want %s", at, k.Got, strings.Join(k.Want, " or "))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return fmt.Sprintf("%s: must be one of %s", at, strings.Join(want, ", "))
	case *kind.Pattern:
		return fmt.Sprintf("%s: does not match the pattern %s", at, k.Want)
	case *kind.Format:
		return fmt.Sprintf("%s: is not a valid %s", at, k.Want)
	case *kind.MinLength:
		return fmt.Sprintf("%s: is shorter than %d characters", at, k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("%s: is longer than %d characters", at, k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("%s: has more than %d items", at, k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("%s: is less than %s", at, k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("%s: is more than %s", at, k.Want.RatString())
	}
	return fmt.Sprintf("%s: fails the schema's %q check", at, strings.Join(e.ErrorKind.KeywordPath(), "/"))
}

// byCode is checkBody's verdict, in bySchema's words.
func byCode(raw []byte) string {
	doc, err := decodeJSON(raw)
	if err != nil {
		return "invalid JSON"
	}
	return checkBody(doc)
}

// equivalenceSeeds are bodies near every rule of the schema.
var equivalenceSeeds = []string{
	`{}`, `[]`, `null`, `"x"`, `{"event":1}`, `{"event":"order.created"}`, `{"order":{}}`,
	`{"event":"order.created","order":{}}`,
	`{"event":"order.created","order":"1"}`,
	`{"event":"order.cancelled","order":{"id":"1"}} {}`,
	`{"event":"order.cancelled","order":{"id":"1"},"order":{"created_at":"x"}}`,
	`{"event":"order.fulfilled","order":{"id":"1"}}`,
	`{"event":"order.delivered","order":{"id":"1","delivered_at":"2026-11-23T23:59:60+00:00"}}`,
	`{"event":"order.delivered","order":{"id":"1","delivered_at":"2026-11-23t18:59:60-05:00"}}`,
	`{"event":"order.delivered","order":{"id":"1","delivered_at":"2026-11-23T18:59:60+05:00"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T+1:00:00Z"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00.Z"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00.5z"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00+24:00"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00+05:-0"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-02-30T01:00:00Z"}}`,
	`{"event":"order.created","order":{"id":" 1 ","created_at":"x","total":"1.","currency":"us","tags":[1,"a",null],"test":0}}`,
	`{"event":"order.created","order":{"id":"","created_at":"2026-11-23T01:00:00Z","items":[{},{"name":"a","quantity":0.5},"x",{"name":"b","quantity":1e10},{"name":"c","quantity":"1"}]}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00Z","items":[{"name":1},{"name":"b"},{"name":"c"},{"name":"d"},{"name":"e"},{"name":"f"},{"name":"g"},{"name":"h"},{"name":"i"},{"name":"j"},{"quantity":-1}]}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00Z","customer":{"first_name":null,"phone":1,"email":[]},"customer_order_count":-0.5,"shipping_region":"us-fla"}}`,
	`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T01:00:00Z","customer":"x","customer_order_count":3.0,"shipping_country":"u1"}}`,
	`{"event":"order.cancelled","order":{"id":"1"},"shop":"-x","reason":null}`,
	`{"event":"order.cancelled","order":{"id":"x\u00e9\u2028y"},"shop":"Shop.A_b-1"}`,
}

// limitSeeds writes bodies at and past each length, count and number
// limit the schema gives the order's, the items' and the customer's
// properties, read from order.schema.json itself.
func limitSeeds(t testing.TB) []string {
	var schema struct {
		Defs map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schemaJSON, &schema); err != nil {
		t.Fatal(err)
	}
	wrap := map[string]func(string, string) string{
		"order": func(k, v string) string { return `{"event":"order.cancelled","order":{"id":"1",` + k + `:` + v + `}}` },
		"item": func(k, v string) string {
			return `{"event":"order.cancelled","order":{"id":"1","items":[{"name":"n",` + k + `:` + v + `}]}}`
		},
		"customer": func(k, v string) string {
			return `{"event":"order.cancelled","order":{"id":"1","customer":{` + k + `:` + v + `}}}`
		},
	}
	var out []string
	for def, w := range wrap {
		for name, p := range schema.Defs[def].Properties {
			k := `"` + name + `"`
			if n, ok := p["maxLength"].(float64); ok {
				out = append(out, w(k, `"`+strings.Repeat("é", int(n))+`"`), w(k, `"`+strings.Repeat("é", int(n)+1)+`"`))
			}
			if n, ok := p["minLength"].(float64); ok && n > 0 {
				out = append(out, w(k, `"`+strings.Repeat("x", int(n)-1)+`"`))
			}
			if n, ok := p["maxItems"].(float64); ok {
				out = append(out, w(k, `[`+strings.TrimSuffix(strings.Repeat(`{"name":"m"},`, int(n)+1), ",")+`]`))
			}
			for _, b := range []string{"minimum", "maximum"} {
				if n, ok := p[b].(float64); ok {
					out = append(out, w(k, fmt.Sprint(n)), w(k, fmt.Sprint(n-1)), w(k, fmt.Sprint(n+1)), w(k, fmt.Sprintf("%ge0", n)))
				}
			}
		}
	}
	return out
}

func TestCodeAndSchemaAgree(t *testing.T) {
	sch := compiledSchema(t)
	bodies := append(slices.Clone(equivalenceSeeds), limitSeeds(t)...)
	for _, p := range testdataPayloads(t) {
		bodies = append(bodies, string(p))
	}
	refused := 0
	for _, b := range bodies {
		want, got := bySchema(sch, []byte(b)), byCode([]byte(b))
		if got != want {
			t.Errorf("body %.200s:\n code:   %q\n schema: %q", b, got, want)
		}
		if want != "" {
			refused++
		}
	}
	// The check can fail: most of these bodies are refused.
	if refused < len(bodies)/2 {
		t.Errorf("only %d of %d bodies refused", refused, len(bodies))
	}
}

// FuzzCodeAndSchemaAgree: any body the validator accepts the code accepts,
// any it refuses the code refuses with the same first problem.
func FuzzCodeAndSchemaAgree(f *testing.F) {
	for _, b := range equivalenceSeeds {
		f.Add([]byte(b))
	}
	for _, b := range testdataPayloads(f) {
		f.Add(b)
	}
	sch := compiledSchema(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if want, got := bySchema(sch, body), byCode(body); got != want {
			t.Fatalf("code %q, schema %q", got, want)
		}
	})
}

// TestPatternsAreTheSchemas: every pattern of order.schema.json is one of
// problem.go's, and the other way round.
func TestPatternsAreTheSchemas(t *testing.T) {
	var inSchema []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["pattern"].(string); ok {
				inSchema = append(inSchema, p)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		t.Fatal(err)
	}
	walk(doc)
	var inCode []string
	for _, p := range []pattern{patternID, patternTotal, patternCurrency, patternCountry, patternRegion, patternShop} {
		inCode = append(inCode, p.expr)
	}
	slices.Sort(inSchema)
	slices.Sort(inCode)
	if !slices.Equal(inSchema, inCode) {
		t.Errorf("schema patterns %q, code %q", inSchema, inCode)
	}
}
