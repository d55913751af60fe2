// Package samtemplate reads the project's AWS SAM template (template.yaml)
// so that the local stack and the tests use the template's own definitions:
// the DynamoDB table is created locally from the very resource that is
// deployed, and tests check the template against the code.
//
// CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) are turned into
// their long JSON forms ({"Ref": ...}, {"Fn::Sub": ...}, ...).
package samtemplate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"gopkg.in/yaml.v3"
)

// Template is a parsed template: a generic JSON-like document.
type Template struct {
	Doc map[string]any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	return Parse(b)
}

// Parse parses template YAML.
func Parse(b []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("parse template: empty document")
	}
	c := converter{aliases: map[*yaml.Node]bool{}}
	v, err := c.convert(root.Content[0])
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template: top level is not a mapping")
	}
	return &Template{Doc: doc}, nil
}

// RepoTemplatePath returns the path of template.yaml at the repository root,
// found from this source file's location (for tests and local tools).
func RepoTemplatePath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "template.yaml")
}

// JSON returns the template as JSON (long-form intrinsic functions), ready for
// JSON schema validation.
func (t *Template) JSON() ([]byte, error) {
	return json.Marshal(t.Doc)
}

// Resources returns the template's Resources mapping.
func (t *Template) Resources() map[string]any {
	r, _ := t.Doc["Resources"].(map[string]any)
	return r
}

// Resource returns the Type and Properties of the named resource.
func (t *Template) Resource(name string) (typ string, props map[string]any, ok bool) {
	r, ok := t.Resources()[name].(map[string]any)
	if !ok {
		return "", nil, false
	}
	typ, _ = r["Type"].(string)
	props, _ = r["Properties"].(map[string]any)
	return typ, props, true
}

// TableName is the logical id of the one DynamoDB table in template.yaml.
const TableName = "TasksTable"

// CreateTableInput builds a DynamoDB CreateTable request named tableName from
// the template's table resource, so that local tables match the deployed one.
// The TTL setting is returned separately (dynalite has no UpdateTimeToLive).
func (t *Template) CreateTableInput(tableName string) (*dynamodb.CreateTableInput, error) {
	typ, props, ok := t.Resource(TableName)
	if !ok || typ != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("template: resource %s is not an AWS::DynamoDB::Table", TableName)
	}
	// The CloudFormation property names and shapes match the DynamoDB API's
	// JSON for the parts used here, so a JSON round trip converts them.
	keep := map[string]any{}
	for _, k := range []string{"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode", "LocalSecondaryIndexes"} {
		if v, ok := props[k]; ok {
			keep[k] = v
		}
	}
	b, err := json.Marshal(keep)
	if err != nil {
		return nil, fmt.Errorf("template: table: %w", err)
	}
	var in dynamodb.CreateTableInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("template: table: %w", err)
	}
	in.TableName = aws.String(tableName)
	return &in, nil
}

// TTLAttribute returns the table's TTL attribute name, or "" when TTL is off.
func (t *Template) TTLAttribute() string {
	_, props, _ := t.Resource(TableName)
	spec, _ := props["TimeToLiveSpecification"].(map[string]any)
	if on, _ := spec["Enabled"].(bool); !on {
		return ""
	}
	name, _ := spec["AttributeName"].(string)
	return name
}

var longForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!Join": "Fn::Join", "!If": "Fn::If",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!ImportValue": "Fn::ImportValue",
	"!GetAZs": "Fn::GetAZs", "!Transform": "Fn::Transform", "!ToJsonString": "Fn::ToJsonString",
	"!Length": "Fn::Length",
}

// maxNodes bounds the nodes a template may expand to through aliases
// (a "billion laughs" document is small but expands exponentially); the
// project's template has under a thousand.
const maxNodes = 100_000

// converter turns YAML nodes into JSON-like values.
type converter struct {
	aliases map[*yaml.Node]bool // anchors being expanded, to refuse cycles
	nodes   int
}

func (c *converter) convert(n *yaml.Node) (any, error) {
	if c.nodes++; c.nodes > maxNodes {
		return nil, fmt.Errorf("line %d: more than %d nodes once aliases are expanded", n.Line, maxNodes)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || c.aliases[n.Alias] {
			return nil, fmt.Errorf("line %d: alias *%s refers to itself", n.Line, n.Value)
		}
		c.aliases[n.Alias] = true
		defer delete(c.aliases, n.Alias)
		return c.convert(n.Alias)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := c.convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, cn := range n.Content {
			val, err := c.convert(cn)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.ScalarNode:
		if strings.HasPrefix(n.Tag, "!!") || n.Tag == "" {
			var out any
			if err := n.Decode(&out); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return out, nil
		}
		v = n.Value
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	name, ok := longForms[n.Tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	// !GetAtt A.B is a string in short form, a list in long form.
	if name == "Fn::GetAtt" {
		if s, ok := v.(string); ok {
			if i := strings.Index(s, "."); i > 0 {
				v = []any{s[:i], s[i+1:]}
			}
		}
	}
	return map[string]any{name: v}, nil
}
