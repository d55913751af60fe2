package generic

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// firstProblem turns a schema validation error into one message for the
// sender: the first failed check, with the path of the value in the body
// ("order.id: missing property"). It never repeats a value from the body.
//
// The validator visits an object's properties in map order, so the
// failures are sorted by where they are in the body (shallower first,
// then by property name); failures at the same place keep the
// validator's keyword order.
func firstProblem(ve *jsonschema.ValidationError) string {
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return slices.CompareFunc(a.InstanceLocation, b.InstanceLocation, strings.Compare)
	})
	return describe(leaves[0])
}

// describe writes one failure as "<path>: <problem>".
func describe(e *jsonschema.ValidationError) string {
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
