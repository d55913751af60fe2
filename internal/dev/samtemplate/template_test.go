package samtemplate

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// These tests check template.yaml against the SAM schema and against the
// code: the functions it deploys, the variables and routes each one needs
// (internal/config), and the permissions each one uses.

// functionNames are the functions the code has, as folder names under functions/.
var functionNames = []string{config.OrderWebhook, config.Dispatcher, config.TwilioWebhook}

func repoRoot() string { return filepath.Dir(RepoTemplatePath()) }

func mustLoadRepoTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := Load(RepoTemplatePath())
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// mustLoadSchema loads /work/shared/sam/sam.schema.json, found from the
// repository root as ../shared/sam/sam.schema.json. A missing schema fails
// the test: without it nothing would be checked.
func mustLoadSchema(t *testing.T) *Schema {
	t.Helper()
	path := filepath.Join(repoRoot(), "..", "shared", "sam", "sam.schema.json")
	s, err := LoadSchema(path)
	if err != nil {
		t.Fatalf("the SAM JSON schema is needed at ../shared/sam/sam.schema.json from the repository root: %v", err)
	}
	return s
}

// function is one AWS::Serverless::Function of the template.
type function struct {
	id       string         // logical id
	name     string         // folder under functions/ (config's function name)
	resource map[string]any // the whole resource (Type, Metadata, Properties)
	props    map[string]any
}

// mustFunctions returns the template's functions by name. Each is built
// by sam build with BuildMethod makefile from the repository root (CodeUri
// .): the Makefile's build-<LogicalId> target names the functions/<name>
// package it builds, which must be one of the code's functions, once.
func mustFunctions(t *testing.T, tpl *Template) map[string]function {
	t.Helper()
	targets := mustMakefileTargets(t)
	fns := map[string]function{}
	ids := make([]string, 0, len(tpl.Resources()))
	for id := range tpl.Resources() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res, _ := tpl.Resources()[id].(map[string]any)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		if codeURI, _ := props["CodeUri"].(string); codeURI != "." {
			t.Errorf("%s: CodeUri = %q, want . (the Makefile at the repository root builds it)", id, codeURI)
		}
		meta, _ := res["Metadata"].(map[string]any)
		if got := meta["BuildMethod"]; got != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v, want makefile (a plain go build has no -tags lambda.norpc, no -s -w)", id, got)
		}
		recipe, ok := targets["build-"+id]
		if !ok {
			t.Errorf("%s: the Makefile has no build-%s target for sam build", id, id)
			continue
		}
		_, pkg, _ := strings.Cut(recipe, "./functions/")
		name, _, _ := strings.Cut(pkg, " ")
		if !slices.Contains(functionNames, name) {
			t.Errorf("%s: build-%s builds %q, want ./functions/<name> with name one of %v", id, id, recipe, functionNames)
			continue
		}
		if prev, dup := fns[name]; dup {
			t.Errorf("%s and %s both deploy functions/%s", prev.id, id, name)
		}
		fns[name] = function{id: id, name: name, resource: res, props: props}
	}
	for _, name := range functionNames {
		if _, ok := fns[name]; !ok {
			t.Errorf("no AWS::Serverless::Function is built from functions/%s", name)
		}
	}
	return fns
}

// mustMakefileTargets returns the Makefile's variables and one-line
// recipes, expanded: name (or "build-X") to its value or recipe.
func mustMakefileTargets(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	vars, targets := map[string]string{}, map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if k, v, ok := strings.Cut(line, " ?= "); ok && !strings.ContainsAny(k, " \t") {
			vars[k] = v
		} else if k, v, ok := strings.Cut(line, " = "); ok && !strings.ContainsAny(k, " \t") {
			vars[k] = v
		} else if k, ok := strings.CutSuffix(line, ":"); ok && strings.HasPrefix(k, "build-") && i+1 < len(lines) {
			targets[k] = strings.TrimPrefix(lines[i+1], "\t")
		}
	}
	for k, recipe := range targets {
		for range 3 { // variables in variables
			for name, v := range vars {
				recipe = strings.ReplaceAll(recipe, "$("+name+")", v)
			}
		}
		targets[k] = recipe
	}
	return targets
}

// TestSAMBuildsWhatTheBenchmarksMeasure: every function's build-<LogicalId>
// recipe is the stripped, lambda.norpc, static Linux build that make bench
// and infra/coldstart measure, for the template's architecture.
func TestSAMBuildsWhatTheBenchmarksMeasure(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	targets := mustMakefileTargets(t)
	for _, fn := range mustFunctions(t, tpl) {
		recipe := targets["build-"+fn.id]
		archs, _ := property(tpl, fn, "Architectures").([]any)
		if len(archs) != 1 {
			t.Fatalf("%s: Architectures = %v, want one", fn.id, archs)
		}
		goarch := map[any]string{"arm64": "arm64", "x86_64": "amd64"}[archs[0]]
		for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + goarch, " build ", "-trimpath", "-ldflags='-s -w'",
			"-tags lambda.norpc", "-o $(ARTIFACTS_DIR)/bootstrap", "./functions/" + fn.name} {
			if !strings.Contains(recipe, want) {
				t.Errorf("build-%s: %q lacks %q", fn.id, recipe, want)
			}
		}
	}
}

// globalFunction returns Globals.Function.
func globalFunction(tpl *Template) map[string]any {
	g, _ := tpl.Doc["Globals"].(map[string]any)
	f, _ := g["Function"].(map[string]any)
	return f
}

// property returns a function's property, or the Globals.Function one.
func property(tpl *Template, fn function, name string) any {
	if v, ok := fn.props[name]; ok {
		return v
	}
	return globalFunction(tpl)[name]
}

func envVariables(m map[string]any) map[string]any {
	env, _ := m["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// environment returns the variables a function gets: Globals' and its own.
func environment(tpl *Template, fn function) map[string]any {
	out := map[string]any{}
	for k, v := range envVariables(globalFunction(tpl)) {
		out[k] = v
	}
	for k, v := range envVariables(fn.props) {
		out[k] = v
	}
	return out
}

// events returns a function's events of the given Type, by name.
func events(fn function, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	evs, _ := fn.props["Events"].(map[string]any)
	for name, e := range evs {
		ev, _ := e.(map[string]any)
		if ev["Type"] == typ {
			props, _ := ev["Properties"].(map[string]any)
			out[name] = props
		}
	}
	return out
}

func TestTemplateIsValidSAM(t *testing.T) {
	schema := mustLoadSchema(t)
	if err := schema.Validate(mustLoadRepoTemplate(t)); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}

	// The validation is real: a misspelt property fails, and the error
	// names it first.
	tests := []struct {
		name   string
		mutate func(t *testing.T, tpl *Template)
		want   string
	}{
		{"misspelt function property", func(t *testing.T, tpl *Template) {
			props := mustFunctions(t, tpl)[config.OrderWebhook].props
			props["CodeUrl"] = props["CodeUri"]
			delete(props, "CodeUri")
		}, "additional properties 'CodeUrl' not allowed"},
		{"misspelt HttpApi event property", func(t *testing.T, tpl *Template) {
			for _, ev := range events(mustFunctions(t, tpl)[config.TwilioWebhook], "HttpApi") {
				ev["Paht"] = ev["Path"]
				delete(ev, "Path")
				break
			}
		}, "additional properties 'Paht' not allowed"},
		{"misspelt Globals property", func(t *testing.T, tpl *Template) {
			g := globalFunction(tpl)
			g["Timout"] = g["Timeout"]
			delete(g, "Timeout")
		}, "additional properties 'Timout' not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustLoadRepoTemplate(t)
			tt.mutate(t, tpl)
			err := schema.Validate(tpl)
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("Validate = %v, want a *SchemaError", err)
			}
			if len(se.Problems) == 0 || !strings.Contains(se.Problems[0], tt.want) {
				t.Errorf("first problem is not %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestTemplateMatchesCode(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	fns := mustFunctions(t, tpl)
	for _, name := range functionNames {
		fn, ok := fns[name]
		if !ok {
			continue // reported by mustFunctions
		}
		t.Run(name, func(t *testing.T) {
			checkMainPackage(t, name)

			for prop, want := range map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"Tracing":       "Active", // X-Ray: every invocation traced
			} {
				if got := property(tpl, fn, prop); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %s = %v, want %v", fn.id, prop, got, want)
				}
			}

			// The code logs through lambdacontext.NewLogger, which takes its
			// format and level from LoggingConfig.
			logging, _ := property(tpl, fn, "LoggingConfig").(map[string]any)
			if got := logging["LogFormat"]; got != "JSON" {
				t.Errorf("%s: LoggingConfig.LogFormat = %v, want JSON", fn.id, got)
			}
			if logging["ApplicationLogLevel"] == nil {
				t.Errorf("%s: LoggingConfig.ApplicationLogLevel is not set", fn.id)
			}

			checkEnvironment(t, tpl, fn)
			checkRoutes(t, tpl, fn)

			if name == config.Dispatcher {
				scheduled := false
				for _, ev := range events(fn, "Schedule") {
					scheduled = scheduled || ev["Schedule"] != nil
				}
				if !scheduled {
					t.Errorf("%s: no Schedule event: nothing would ever send the due tasks", fn.id)
				}
			}
		})
	}
}

// checkMainPackage checks that functions/<name> holds a Go package main.
func checkMainPackage(t *testing.T, name string) {
	t.Helper()
	dir := filepath.Join(repoRoot(), "functions", name)
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var mains []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("functions/%s: %v", name, err)
			continue
		}
		if got := parsed.Name.Name; got != "main" {
			t.Errorf("functions/%s/%s: package %s, want package main", name, filepath.Base(f), got)
			continue
		}
		mains = append(mains, f)
	}
	if len(mains) == 0 {
		t.Errorf("functions/%s holds no Go package main: the template deploys CodeUri functions/%s, "+
			"but its code (functions/%s/main.go) is missing", name, name, name)
	}
}

// checkEnvironment checks that a function gets every variable config
// declares for it (a secret NAME as NAME or NAME_PARAM) and no other.
func checkEnvironment(t *testing.T, tpl *Template, fn function) {
	t.Helper()
	env := environment(tpl, fn)
	declared := map[string]config.Var{}
	for _, v := range config.VarsFor(fn.name) {
		declared[v.Name] = v
		_, plain := env[v.Name]
		_, param := env[v.Name+"_PARAM"]
		switch {
		case v.Secret && plain && param:
			t.Errorf("%s: both %s and %s_PARAM are set; the function refuses that", fn.id, v.Name, v.Name)
		case v.Secret && !plain && !param:
			t.Errorf("%s: secret %s is not set (as %s_PARAM, an SSM parameter name)", fn.id, v.Name, v.Name)
		case !v.Secret && !plain:
			t.Errorf("%s: %s is not set (config: %s)", fn.id, v.Name, v.Doc)
		}
	}
	for name := range env {
		if _, ok := declared[name]; ok {
			continue
		}
		if base, ok := strings.CutSuffix(name, "_PARAM"); ok && declared[base].Secret {
			continue
		}
		t.Errorf("%s: sets %s, which internal/config does not declare for %s", fn.id, name, fn.name)
	}
}

// checkRoutes checks that a function's HttpApi events on the HttpApi
// resource are exactly config.Routes for it.
func checkRoutes(t *testing.T, tpl *Template, fn function) {
	t.Helper()
	var got []string
	for name, ev := range events(fn, "HttpApi") {
		method, _ := ev["Method"].(string)
		path, _ := ev["Path"].(string)
		got = append(got, strings.ToUpper(method)+" "+path)
		if ref := ev["ApiId"]; !reflect.DeepEqual(ref, map[string]any{"Ref": "HttpApi"}) {
			t.Errorf("%s: event %s: ApiId = %v, want !Ref HttpApi", fn.id, name, ref)
		}
	}
	if typ, _, _ := tpl.Resource("HttpApi"); typ != "AWS::Serverless::HttpApi" {
		t.Errorf("resource HttpApi has Type %q, want AWS::Serverless::HttpApi", typ)
	}
	want := slices.Clone(config.Routes[fn.name])
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: HttpApi routes = %q, want %q (config.Routes)", fn.id, got, want)
	}
}

// access is one action on one resource, the resource written as in a
// Fn::Sub string.
type access struct{ action, resource string }

const (
	tableARN      = "${TasksTable.Arn}"
	dueIndexARN   = "${TasksTable.Arn}/index/due"
	callsIndexARN = "${TasksTable.Arn}/index/calls"
)

// dynamoAccess lists the DynamoDB calls each function's code makes.
var dynamoAccess = map[string][]access{
	config.OrderWebhook: {
		{"dynamodb:PutItem", tableARN},    // one task per order, conditional put; event records; erasure requests; the learnt shop id
		{"dynamodb:GetItem", tableARN},    // shop settings, customer history, events, the learnt shop id
		{"dynamodb:UpdateItem", tableARN}, // customer records, cancellations
	},
	config.Dispatcher: {
		{"dynamodb:Query", dueIndexARN},   // the due sweep
		{"dynamodb:Query", callsIndexARN}, // staff members' open calls (assignment, digest)
		{"dynamodb:Query", tableARN},      // the staff rosters (one partition)
		{"dynamodb:GetItem", tableARN},
		{"dynamodb:UpdateItem", tableARN},     // claim, record the send, digest once a day
		{"dynamodb:PutItem", tableARN},        // the round-robin position, where a reply goes
		{"dynamodb:Scan", tableARN},           // a shop's erasure request, page by page
		{"dynamodb:DeleteItem", tableARN},     // erasure requests (customer records, settings, staff), a sent reply's waiting forward
		{"dynamodb:BatchWriteItem", tableARN}, // a shop's erasure request: its items in batches
	},
	config.TwilioWebhook: {
		{"dynamodb:GetItem", tableARN},
		{"dynamodb:UpdateItem", tableARN}, // delivery status, staff replies, call outcomes
		{"dynamodb:PutItem", tableARN},    // opt-out records
		{"dynamodb:DeleteItem", tableARN}, // opt-in again
		{"dynamodb:Query", tableARN},      // is the sender a staff member (the rosters)
		{"dynamodb:Query", callsIndexARN}, // the sender's open calls
	},
}

// deadLetterQueueARN is the dispatcher's dead-letter queue, as a Fn::Sub string.
const deadLetterQueueARN = "${DispatcherDeadLetterQueue.Arn}"

// asyncFailureAccess lists what Lambda does with a function's role when an
// asynchronous invocation (the dispatcher's schedule) fails: it sends the
// invocation record to the failure destination.
var asyncFailureAccess = map[string][]access{
	config.Dispatcher: {{"sqs:SendMessage", deadLetterQueueARN}},
}

// samDestinationActions are the actions SAM grants a function's role for
// each type of DeadLetterQueue or EventInvokeConfig destination.
var samDestinationActions = map[string]string{
	"SQS":         "sqs:SendMessage",
	"SNS":         "sns:Publish",
	"Lambda":      "lambda:InvokeFunction",
	"EventBridge": "events:PutEvents",
}

// samImpliedStatements returns the statements SAM adds to a function's role
// for its DeadLetterQueue and its EventInvokeConfig destinations, which are
// not in its Policies but are granted all the same.
func samImpliedStatements(t *testing.T, fn function) []statement {
	t.Helper()
	var out []statement
	grant := func(where string, typ, target any) {
		action, ok := samDestinationActions[fmt.Sprint(typ)]
		switch {
		case !ok:
			t.Errorf("%s: %s has Type %v, want one of SQS, SNS, Lambda, EventBridge", fn.id, where, typ)
		case target == nil:
			t.Errorf("%s: %s names no destination: SAM would create one with its defaults (no retention, no encryption set)", fn.id, where)
		default:
			out = append(out, statement{effect: "Allow", actions: []string{action}, resources: []string{subString(target)}})
		}
	}
	if dlq, ok := fn.props["DeadLetterQueue"].(map[string]any); ok {
		grant("DeadLetterQueue", dlq["Type"], dlq["TargetArn"])
	}
	eic, _ := fn.props["EventInvokeConfig"].(map[string]any)
	dc, _ := eic["DestinationConfig"].(map[string]any)
	for _, on := range []string{"OnSuccess", "OnFailure"} {
		if d, ok := dc[on].(map[string]any); ok {
			grant("EventInvokeConfig.DestinationConfig."+on, d["Type"], d["Destination"])
		}
	}
	return out
}

func TestPoliciesCoverWhatEachFunctionTouches(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)

	// The index the dispatcher queries exists.
	in, err := tpl.CreateTableInput("t")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(in.GlobalSecondaryIndexes, func(g ddbtypes.GlobalSecondaryIndex) bool { return aws.ToString(g.IndexName) == "due" }) {
		t.Fatalf("TasksTable has no index named due")
	}

	fns := mustFunctions(t, tpl)
	for _, name := range functionNames {
		fn, ok := fns[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			need := append(slices.Clone(dynamoAccess[name]), asyncFailureAccess[name]...)
			env := environment(tpl, fn)
			for _, v := range config.VarsFor(name) {
				if !v.Secret {
					continue
				}
				ref, _ := env[v.Name+"_PARAM"].(map[string]any)
				param, _ := ref["Ref"].(string)
				if _, ok := parameters(tpl)[param]; !ok {
					t.Errorf("%s: %s_PARAM = %v, want !Ref of a template parameter naming an SSM parameter", fn.id, v.Name, env[v.Name+"_PARAM"])
					continue
				}
				need = append(need, access{"ssm:GetParameter",
					"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${" + param + "}"})
			}

			// The stored shops' secrets: the one path-scoped wildcard.
			shopSecrets := "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ShopSecretsPath}*"
			if name == config.OrderWebhook {
				need = append(need, access{"ssm:GetParameter", shopSecrets})
			}
			allowed := map[access]bool{}
			for _, st := range append(mustStatements(t, fn), samImpliedStatements(t, fn)...) {
				if st.effect != "Allow" {
					continue
				}
				for _, a := range st.actions {
					if strings.Contains(a, "*") {
						t.Errorf("%s: wildcard action %q", fn.id, a)
					}
					for _, r := range st.resources {
						if strings.Contains(r, "*") && r != shopSecrets {
							t.Errorf("%s: wildcard resource %q", fn.id, r)
						}
						allowed[access{a, r}] = true
					}
				}
			}
			for _, a := range need {
				if !allowed[a] {
					t.Errorf("%s: its code calls %s on %s, which its policy does not allow", fn.id, a.action, a.resource)
				}
			}
			// Least privilege: nothing beyond what the code uses.
			for a := range allowed {
				if !slices.Contains(need, a) {
					t.Errorf("%s: policy allows %s on %s, which its code does not use", fn.id, a.action, a.resource)
				}
			}
		})
	}
}

// statement is an IAM policy statement with its resources written as
// Fn::Sub strings (!GetAtt T.Arn as "${T.Arn}", !Ref P as "${P}").
type statement struct {
	effect    string
	actions   []string
	resources []string
}

// mustStatements returns a function's inline policy statements, failing on
// any other kind of policy (managed policies, SAM policy templates).
func mustStatements(t *testing.T, fn function) []statement {
	t.Helper()
	var out []statement
	for _, p := range list(fn.props["Policies"]) {
		doc, _ := p.(map[string]any)
		sts, ok := doc["Statement"]
		if !ok {
			t.Errorf("%s: policy %v is not an inline policy document with Statements", fn.id, p)
			continue
		}
		for _, s := range list(sts) {
			st, _ := s.(map[string]any)
			var x statement
			x.effect, _ = st["Effect"].(string)
			for _, a := range list(st["Action"]) {
				s, _ := a.(string)
				x.actions = append(x.actions, s)
			}
			for _, r := range list(st["Resource"]) {
				x.resources = append(x.resources, subString(r))
			}
			if _, ok := st["NotAction"]; ok {
				t.Errorf("%s: NotAction grants everything else", fn.id)
			}
			if _, ok := st["NotResource"]; ok {
				t.Errorf("%s: NotResource grants everything else", fn.id)
			}
			out = append(out, x)
		}
	}
	return out
}

// list returns v as a list: itself when it is one, else a list of v.
func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// subString writes a value as a Fn::Sub string.
func subString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if r, ok := v["Ref"].(string); ok && len(v) == 1 {
			return "${" + r + "}"
		}
		if a, ok := v["Fn::GetAtt"].([]any); ok && len(v) == 1 && len(a) == 2 {
			return "${" + a[0].(string) + "." + a[1].(string) + "}"
		}
		if s, ok := v["Fn::Sub"].(string); ok && len(v) == 1 {
			return s
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func parameters(tpl *Template) map[string]map[string]any {
	out := map[string]map[string]any{}
	ps, _ := tpl.Doc["Parameters"].(map[string]any)
	for name, p := range ps {
		out[name], _ = p.(map[string]any)
	}
	return out
}

// apiBase is the HTTP API's URL ($default stage: no stage in the path).
const apiBase = "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"

func TestOutputsAndCallbacksPointAtTheRoutes(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	routePath := func(route string) string {
		_, path, _ := strings.Cut(route, " ")
		return path
	}
	tests := []struct {
		output string
		want   string
	}{
		{"ApiUrl", apiBase},
		{"ShopifyWebhookUrl", apiBase + strings.Replace(routePath(config.RouteOrderWebhook), "{source}", string(thankyou.SourceShopify), 1)},
		{"WooCommerceWebhookUrl", apiBase + strings.Replace(routePath(config.RouteOrderWebhook), "{source}", string(thankyou.SourceWooCommerce), 1)},
		{"StripeWebhookUrl", apiBase + strings.Replace(routePath(config.RouteOrderWebhook), "{source}", string(thankyou.SourceStripe), 1)},
		{"GenericWebhookUrl", apiBase + strings.Replace(routePath(config.RouteOrderWebhook), "{source}", string(thankyou.SourceGeneric), 1)},
		{"TwilioStatusCallbackUrl", apiBase + routePath(config.RouteTwilioStatus)},
		{"TwilioInboundUrl", apiBase + routePath(config.RouteTwilioInbound)},
		{"TableName", "${TasksTable}"},
		{"DeadLetterQueueUrl", "${DispatcherDeadLetterQueue}"}, // Ref of a queue is its URL
		{"AlarmTopicArn", "${AlarmTopic}"},                     // Ref of a topic is its ARN
	}
	outputs, _ := tpl.Doc["Outputs"].(map[string]any)
	for _, tt := range tests {
		o, _ := outputs[tt.output].(map[string]any)
		if got := subString(o["Value"]); got != tt.want {
			t.Errorf("output %s = %q, want %q", tt.output, got, tt.want)
		}
		if d, _ := o["Description"].(string); d == "" {
			t.Errorf("output %s has no Description", tt.output)
		}
	}

	// The dispatcher builds the status callback URLs from PUBLIC_BASE_URL.
	fns := mustFunctions(t, tpl)
	if fn, ok := fns[config.Dispatcher]; ok {
		if got := subString(environment(tpl, fn)["PUBLIC_BASE_URL"]); got != apiBase {
			t.Errorf("dispatcher PUBLIC_BASE_URL = %q, want %q", got, apiBase)
		}
	}
	// The Twilio webhook is behind the API: referring to it would be a cycle.
	if fn, ok := fns[config.TwilioWebhook]; ok {
		if got := environment(tpl, fn)["PUBLIC_BASE_URL"]; got != "" {
			t.Errorf("twilio-webhook PUBLIC_BASE_URL = %v, want \"\" (derived from the request)", got)
		}
	}
}

func TestParametersAreDocumentedAndUsed(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	var rest []byte
	for _, section := range []string{"Globals", "Resources", "Outputs"} {
		b, err := json.Marshal(tpl.Doc[section])
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, b...)
	}
	params := parameters(tpl)
	if len(params) == 0 {
		t.Fatal("template has no Parameters")
	}
	for name, p := range params {
		if d, _ := p["Description"].(string); d == "" {
			t.Errorf("parameter %s has no Description", name)
		}
		ref, _ := json.Marshal(map[string]string{"Ref": name})
		if !strings.Contains(string(rest), string(ref)) && !strings.Contains(string(rest), "${"+name+"}") {
			t.Errorf("parameter %s is never used", name)
		}
		if strings.HasSuffix(name, "Parameter") && p["NoEcho"] != true {
			t.Errorf("parameter %s names a secret's parameter: want NoEcho: true", name)
		}
	}
	// Secrets are never values in the template: no function gets a
	// secret's value, only where to read it.
	for _, fn := range mustFunctions(t, tpl) {
		for _, v := range config.VarsFor(fn.name) {
			if _, ok := environment(tpl, fn)[v.Name]; v.Secret && ok {
				t.Errorf("%s: secret %s is set as a value; set %s_PARAM (a parameter name) instead", fn.id, v.Name, v.Name)
			}
		}
	}
}

// TestTheTableOutlivesTheStack: deleting the stack, or a change that
// replaces the table, keeps it (with its opt-outs); deleting it is a step
// of its own.
func TestTheTableOutlivesTheStack(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	for id, r := range tpl.Resources() {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::DynamoDB::Table" {
			continue
		}
		if res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain for both", id, res["DeletionPolicy"], res["UpdateReplacePolicy"])
		}
	}
}
