package samtemplate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Schema is a compiled AWS SAM template JSON schema (sam.schema.json from
// aws/serverless-application-model).
type Schema struct {
	schema *jsonschema.Schema
}

// LoadSchema reads and compiles the SAM JSON schema at path. The schema's
// patterns use look-ahead, which Go's regexp package lacks, so they are
// compiled with regexp2 (ECMAScript syntax, as JSON Schema specifies).
func LoadSchema(path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load SAM schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("load SAM schema %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load SAM schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compileRegexp2)
	if err := c.AddResource(abs, doc); err != nil {
		return nil, fmt.Errorf("load SAM schema %s: %w", path, err)
	}
	s, err := c.Compile(abs)
	if err != nil {
		return nil, fmt.Errorf("compile SAM schema %s: %w", path, err)
	}
	return &Schema{schema: s}, nil
}

// Validate checks the template against the schema. A mismatch is a
// *SchemaError.
func (s *Schema) Validate(t *Template) error {
	b, err := t.JSON()
	if err != nil {
		return fmt.Errorf("validate template: %w", err)
	}
	// Validate the JSON form, with the numbers and types the schema expects.
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("validate template: %w", err)
	}
	err = s.schema.Validate(inst)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return newSchemaError(ve)
	}
	if err != nil {
		return fmt.Errorf("validate template: %w", err)
	}
	return nil
}

// SchemaError says why a template does not match the SAM schema.
//
// A misspelt property or a wrong event type under a oneOf/anyOf yields one
// error per alternative tried; the telling one is usually "additional
// properties ... not allowed", so those come first in Problems.
type SchemaError struct {
	// Problems are the distinct leaf errors as "at '<JSON pointer>': <message>",
	// unknown ("additional") properties first (fewest first), then missing
	// ones, then the rest.
	Problems []string
	// Err is the validator's full error tree.
	Err *jsonschema.ValidationError
}

// maxShown is how many problems Error lists.
const maxShown = 12

// Error lists the most telling problems.
func (e *SchemaError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "template does not match the SAM schema (%d problems, unknown properties first):", len(e.Problems))
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&sb, "\n  ... and %d more", len(e.Problems)-maxShown)
			break
		}
		sb.WriteString("\n  ")
		sb.WriteString(p)
	}
	return sb.String()
}

// Unwrap returns the validator's error.
func (e *SchemaError) Unwrap() error { return e.Err }

func newSchemaError(ve *jsonschema.ValidationError) *SchemaError {
	// Unknown properties come first, the shortest lists first: the schema
	// alternative that fits best leaves the fewest properties unknown.
	rank := func(k jsonschema.ErrorKind) (int, int) {
		switch k := k.(type) {
		case *kind.AdditionalProperties:
			return 0, len(k.Properties)
		case *kind.Required:
			return 1, len(k.Missing)
		default:
			return 2, 0
		}
	}
	type problem struct {
		rank, n int
		text    string
	}
	var all []problem
	seen := map[string]bool{}
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		// A leaf's Error is "at '<JSON pointer>': <message>". Alternatives
		// list the same unknown properties in different orders: sort them
		// so that each set is listed once.
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			sorted := *e
			sorted.ErrorKind = &kind.AdditionalProperties{Properties: slices.Sorted(slices.Values(ap.Properties))}
			e = &sorted
		}
		text := e.Error()
		if !seen[text] {
			seen[text] = true
			r, n := rank(e.ErrorKind)
			all = append(all, problem{r, n, text})
		}
	}
	walk(ve)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].rank != all[j].rank {
			return all[i].rank < all[j].rank
		}
		return all[i].n < all[j].n
	})
	e := &SchemaError{Err: ve}
	for _, p := range all {
		e.Problems = append(e.Problems, p.text)
	}
	return e
}

// regexp2Regexp adapts a regexp2.Regexp to jsonschema.Regexp.
type regexp2Regexp regexp2.Regexp

func (re *regexp2Regexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *regexp2Regexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileRegexp2(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*regexp2Regexp)(re), nil
}
