package generic

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The body is checked against order.schema.json by plain Go here rather
// than by a JSON Schema library, whose own initialisation (its
// meta-schemas, parsed when the process starts) would cost every cold
// start of the order webhook. order.schema.json stays the contract: the
// tests run a JSON Schema validator over the fixtures and a fuzz corpus
// and require both to accept and refuse the same bodies with the same
// first problem, and check the constants below against the schema.

// The schema's patterns, compiled on first use.
var (
	patternID       = newPattern(`^\S(.*\S)?$`)
	patternTotal    = newPattern(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)
	patternCurrency = newPattern(`^[A-Za-z]{3}$`)
	patternCountry  = newPattern(`^[A-Za-z]{2}$`)
	patternRegion   = newPattern(`^([A-Za-z]{2}-)?[A-Za-z0-9]{1,3}$`)
	patternShop     = newPattern(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
)

// events are the body's "event" values, in the schema's order.
var events = []string{EventOrderCreated, EventOrderCancelled, EventOrderFulfilled, EventOrderDelivered}

// pattern is a regular expression of the schema, compiled on first use.
type pattern struct {
	expr string
	re   func() *regexp.Regexp
}

func newPattern(expr string) pattern {
	return pattern{expr, sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// text is a string property's rules: lengths in characters (0: none).
type text struct {
	min, max int
	pattern  pattern
	dateTime bool
}

// problem is one way the body breaks the schema: where (the property
// names and array indexes leading to the value) and the message.
type problem struct {
	at  []string
	msg string
}

// checker collects the problems of one body.
type checker struct {
	problems []problem
}

// decodeJSON reads a body as a JSON value, numbers kept as written; one
// value, nothing after it.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("invalid character after top-level value")
	}
	return doc, nil
}

// checkBody returns the first problem of a decoded body, as the sender
// reads it ("order.id: missing property"), or "" when the schema accepts
// it. The first is the shallowest, then by property name (array indexes
// compare as text); several at one place come in the schema's order.
func checkBody(doc any) string {
	var c checker
	c.body(doc)
	if len(c.problems) == 0 {
		return ""
	}
	slices.SortStableFunc(c.problems, func(a, b problem) int {
		return slices.CompareFunc(a.at, b.at, strings.Compare)
	})
	return c.problems[0].msg
}

// add records a problem of the value at loc: "<path>: <what>".
func (c *checker) add(loc []string, what string) {
	c.problems = append(c.problems, problem{loc, path(loc) + ": " + what})
}

// at is the location of a property or an index below loc.
func at(loc []string, tok string) []string {
	return append(slices.Clip(loc), tok)
}

func (c *checker) body(v any) {
	obj, ok := c.object(nil, v, "event", "order")
	if !ok {
		return
	}
	for name, v := range obj {
		loc := at(nil, name)
		switch name {
		case "event":
			if s, ok := v.(string); !ok || !slices.Contains(events, s) {
				c.add(loc, "must be one of "+strings.Join(events, ", "))
			}
		case "order":
			c.order(loc, v)
		case "shop":
			c.text(loc, v, text{pattern: patternShop})
		case "reason":
			c.text(loc, v, text{max: 200})
		}
	}
	// if/then: each event that needs its time requires it in the order.
	needs := map[string]string{EventOrderCreated: "created_at", EventOrderFulfilled: "fulfilled_at", EventOrderDelivered: "delivered_at"}
	if ev, ok := obj["event"].(string); ok && needs[ev] != "" {
		if o, ok := obj["order"].(map[string]any); ok {
			c.required(at(nil, "order"), o, needs[ev])
		}
	}
}

func (c *checker) order(loc []string, v any) {
	obj, ok := c.object(loc, v, "id")
	if !ok {
		return
	}
	for name, v := range obj {
		l := at(loc, name)
		switch name {
		case "id":
			c.text(l, v, text{min: 1, max: 100, pattern: patternID})
		case "number":
			c.text(l, v, text{max: 50})
		case "created_at", "fulfilled_at", "delivered_at":
			c.text(l, v, text{dateTime: true})
		case "locale":
			c.text(l, v, text{max: 64})
		case "total":
			c.text(l, v, text{pattern: patternTotal})
		case "currency":
			c.text(l, v, text{pattern: patternCurrency})
		case "test":
			if _, ok := v.(bool); !ok {
				c.wrongType(l, v, "boolean")
			}
		case "tags":
			c.array(l, v, 100, func(l []string, v any) { c.text(l, v, text{max: 200}) })
		case "customer":
			c.customer(l, v)
		case "shipping_country":
			c.text(l, v, text{pattern: patternCountry})
		case "shipping_region":
			c.text(l, v, text{pattern: patternRegion})
		case "customer_order_count":
			c.integer(l, v, 0, 1_000_000)
		case "items":
			c.array(l, v, 1000, c.item)
		}
	}
}

func (c *checker) item(loc []string, v any) {
	obj, ok := c.object(loc, v, "name")
	if !ok {
		return
	}
	for name, v := range obj {
		switch name {
		case "name":
			c.text(at(loc, name), v, text{max: 1000})
		case "quantity":
			c.integer(at(loc, name), v, 1, maxQuantity)
		}
	}
}

func (c *checker) customer(loc []string, v any) {
	obj, ok := c.object(loc, v)
	if !ok {
		return
	}
	limits := map[string]int{"first_name": 100, "last_name": 100, "phone": 64, "email": 320}
	for name, v := range obj {
		if max, ok := limits[name]; ok {
			c.text(at(loc, name), v, text{max: max})
		}
	}
}

// object checks that v is an object with the required properties.
func (c *checker) object(loc []string, v any, required ...string) (map[string]any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		c.wrongType(loc, v, "object")
		return nil, false
	}
	c.required(loc, obj, required...)
	return obj, true
}

func (c *checker) required(loc []string, obj map[string]any, names ...string) {
	var missing []string
	for _, n := range names {
		if _, ok := obj[n]; !ok {
			missing = append(missing, path(at(loc, n)))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		c.problems = append(c.problems, problem{loc, missing[0] + ": missing property"})
	default:
		c.problems = append(c.problems, problem{loc, strings.Join(missing, ", ") + ": missing properties"})
	}
}

func (c *checker) array(loc []string, v any, maxItems int, each func([]string, any)) {
	list, ok := v.([]any)
	if !ok {
		c.wrongType(loc, v, "array")
		return
	}
	if len(list) > maxItems {
		c.add(loc, "has more than "+strconv.Itoa(maxItems)+" items")
	}
	for i, v := range list {
		each(at(loc, strconv.Itoa(i)), v)
	}
}

func (c *checker) text(loc []string, v any, r text) {
	s, ok := v.(string)
	if !ok {
		c.wrongType(loc, v, "string")
		return
	}
	if r.dateTime {
		if !isDateTime(s) {
			c.add(loc, "is not a valid date-time")
		}
		return
	}
	n := utf8.RuneCountInString(s)
	if r.min > 0 && n < r.min {
		c.add(loc, "is shorter than "+strconv.Itoa(r.min)+" characters")
	}
	if r.max > 0 && n > r.max {
		c.add(loc, "is longer than "+strconv.Itoa(r.max)+" characters")
	}
	if r.pattern.expr != "" && !r.pattern.re().MatchString(s) {
		c.add(loc, "does not match the pattern "+r.pattern.expr)
	}
}

// integer checks a whole number (3, 3.0 and 3e0 are) from min to max.
func (c *checker) integer(loc []string, v any, min, max int64) {
	n, ok := v.(json.Number)
	var r *big.Rat
	if ok {
		r, ok = new(big.Rat).SetString(string(n))
	}
	if !ok || !r.IsInt() {
		c.wrongType(loc, v, "integer")
		return
	}
	if r.Cmp(big.NewRat(min, 1)) < 0 {
		c.add(loc, "is less than "+strconv.FormatInt(min, 10))
	}
	if r.Cmp(big.NewRat(max, 1)) > 0 {
		c.add(loc, "is more than "+strconv.FormatInt(max, 10))
	}
}

func (c *checker) wrongType(loc []string, v any, want string) {
	c.add(loc, "got "+jsonType(v)+", want "+want)
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// isDateTime is the schema's "date-time" format as JSON Schema validators
// check it: RFC 3339 date "T" time, with seconds, an optional fraction and
// "Z" or an offset; t and z in either case; a leap second only at 23:59 UTC.
func isDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 't' && s[10] != 'T') {
		return false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return false
	}
	return isTime(s[11:])
}

// isTime checks the time of a date-time ("hh:mm:ss[.frac](Z|±hh:mm)").
func isTime(s string) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	h, okH := twoDigits(s[0:2])
	m, okM := twoDigits(s[3:5])
	sec, okS := twoDigits(s[6:8])
	if !okH || !okM || !okS || h > 23 || m > 59 || sec > 60 {
		return false
	}
	s = s[8:]
	if rest, ok := strings.CutPrefix(s, "."); ok {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			return false
		}
		s = rest[n:]
	}
	if s != "z" && s != "Z" {
		if len(s) != 6 || s[3] != ':' {
			return false
		}
		sign := 0
		switch s[0] {
		case '+':
			sign = -1
		case '-':
			sign = 1
		default:
			return false
		}
		zh, okH := twoDigits(s[1:3])
		zm, okM := twoDigits(s[4:6])
		if !okH || !okM || zh > 23 || zm > 59 {
			return false
		}
		hm := h*60 + m + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	// A leap second is 23:59:60 UTC.
	return sec < 60 || (h == 23 && m == 59)
}

// twoDigits reads a two-character number as strconv.Atoi does ("+5" is 5);
// negative numbers are refused.
func twoDigits(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// path writes an instance location as "order.tags[0]"; the body itself
// is "body".
func path(loc []string) string {
	var b strings.Builder
	for i, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return cmp.Or(b.String(), "body")
}
