package generic

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fences returns the contents of the README's fenced blocks of a language,
// in order.
func fences(doc, lang string) []string {
	var out []string
	rest := doc
	for {
		_, after, ok := strings.Cut(rest, "```"+lang+"\n")
		if !ok {
			return out
		}
		block, tail, _ := strings.Cut(after, "```")
		out = append(out, block)
		rest = tail
	}
}

// testVector is the README's test vector.
type testVector struct {
	secret, body, signed, header string
	timestamp                    int64
}

func readmeVector(t *testing.T) testVector {
	t.Helper()
	_, section, ok := strings.Cut(readme(t), "### Test vector")
	blocks := fences(section, "text")
	if !ok || len(blocks) == 0 {
		t.Fatal("README.md has no ```text block under ### Test vector")
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(blocks[0]), "\n") {
		k, v, _ := strings.Cut(line, ":")
		fields[k] = strings.TrimSpace(v)
	}
	ts, err := strconv.ParseInt(fields["timestamp"], 10, 64)
	if err != nil {
		t.Fatalf("test vector timestamp: %v", err)
	}
	return testVector{secret: fields["secret"], body: fields["body"], signed: fields["signed"], header: fields["header"], timestamp: ts}
}

func TestREADMETestVectorIsWhatSignGives(t *testing.T) {
	v := readmeVector(t)
	if got, want := v.signed, strconv.FormatInt(v.timestamp, 10)+"."+v.body; got != want {
		t.Errorf("README signed string = %q, want %q", got, want)
	}
	if got, want := v.header, Sign([]byte(v.secret), time.Unix(v.timestamp, 0), []byte(v.body)); got != want {
		t.Errorf("README header = %s, Sign gives %s", got, want)
	}
	// It is a real delivery: verified at its own time, and a valid order.
	s := mustNew(t)
	r := delivery([]byte(v.secret), time.Unix(v.timestamp, 0), v.body)
	r.Received = time.Unix(v.timestamp, 0)
	if r.Header.Get("X-Signature-256") != v.header {
		t.Fatal("the test delivery is not signed as the README says")
	}
	if err := s.Verify(r, [][]byte{[]byte(v.secret)}); err != nil {
		t.Errorf("Verify(README vector) = %v", err)
	}
	if d, err := s.Parse(r, "US"); err != nil || d.Order.Phone != "+12125550188" {
		t.Errorf("Parse(README vector) = phone %q, %v; want +12125550188", d.Order.Phone, err)
	}
}

func TestREADMEShellRecipeSignsLikeSign(t *testing.T) {
	v := readmeVector(t)
	blocks := fences(readme(t), "sh")
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d ```sh blocks, want 1", len(blocks))
	}
	script := blocks[0]
	// The recipe's order is placed when it is run: its created_at is $now.
	created := regexp.MustCompile(`"created_at":"([^"]*)"`)
	m := created.FindStringSubmatch(v.body)
	if m == nil {
		t.Fatal("the test vector's order has no created_at")
	}
	for _, want := range []string{
		"secret='" + v.secret + "'\n",
		"now=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n",
		"body='" + created.ReplaceAllString(v.body, `"created_at":"'"$$now"'"`) + "'\n",
		`-H "X-Timestamp: $ts"`,
		`-H "X-Signature-256: sha256=$sig"`,
		"--data-binary \"$body\"",
		"/webhooks/generic",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("README's shell recipe lacks %q", want)
		}
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: the recipe itself is not run")
	}
	// Run the recipe up to curl, at the vector's timestamp.
	signing, _, ok := strings.Cut(script, "curl ")
	if !ok {
		t.Fatal("README's shell recipe has no curl command")
	}
	re := regexp.MustCompile(`(?m)^ts=.*$`)
	if !re.MatchString(signing) {
		t.Fatal("README's shell recipe does not set ts")
	}
	signing = re.ReplaceAllString(signing, "ts="+strconv.FormatInt(v.timestamp, 10))
	signing = regexp.MustCompile(`(?m)^now=.*$`).ReplaceAllString(signing, "now="+m[1])
	out, err := exec.Command("sh", "-c", "set -e\n"+signing+`printf 'sha256=%s' "$sig"`).CombinedOutput()
	if err != nil {
		t.Fatalf("running the recipe: %v: %s", err, out)
	}
	if got := string(out); got != v.header {
		t.Errorf("the shell recipe signs %q, want %q", got, v.header)
	}
}

func TestREADMEPythonSignsLikeSign(t *testing.T) {
	v := readmeVector(t)
	blocks := fences(readme(t), "python")
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d ```python blocks, want 1", len(blocks))
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	call, err := json.Marshal([]string{v.secret, v.body})
	if err != nil {
		t.Fatal(err)
	}
	prog := blocks[0] + "\nimport json, sys\nsecret, body = json.loads(sys.argv[1])\n" +
		"sys.stdout.write(sign(secret.encode(), " + strconv.FormatInt(v.timestamp, 10) + ", body.encode()))\n"
	out, err := exec.Command("python3", "-c", prog, string(call)).CombinedOutput()
	if err != nil {
		t.Fatalf("running the Python sign: %v: %s", err, out)
	}
	if got := string(out); got != v.header {
		t.Errorf("the Python sign gives %q, want %q", got, v.header)
	}
}

func TestREADMEJSONExamplesAreValidEvents(t *testing.T) {
	s := mustNew(t)
	blocks := fences(readme(t), "json")
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d ```json blocks, want an order.created and an order.cancelled", len(blocks))
	}
	kinds := map[thankyou.DeliveryKind]bool{}
	for i, b := range blocks {
		d, err := s.Parse(delivery(secret, now, b), "US")
		if err != nil {
			t.Errorf("README json block %d: %v", i+1, err)
			continue
		}
		kinds[d.Kind] = true
	}
	if !kinds[thankyou.DeliveryOrderCreated] || !kinds[thankyou.DeliveryOrderCancelled] {
		t.Errorf("README examples give kinds %v, want both order_created and order_cancelled", kinds)
	}
}

// schemaProperties lists every property path of order.schema.json
// ("order.customer.phone", "order.items[].name" for the elements of an
// array) and whether its parent requires it.
func schemaProperties(t *testing.T) map[string]bool {
	t.Helper()
	var doc map[string]any
	if err := json.NewDecoder(bytes.NewReader(Schema())).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	defs, _ := doc["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		if ref, ok := s["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, "#/$defs/")
			def, _ := defs[name].(map[string]any)
			if !found || def == nil {
				t.Fatalf("unresolved $ref %q", ref)
			}
			return def
		}
		return s
	}
	out := map[string]bool{}
	var walk func(prefix string, s map[string]any)
	walk = func(prefix string, s map[string]any) {
		s = resolve(s)
		var required []string
		if r, ok := s["required"].([]any); ok {
			for _, v := range r {
				required = append(required, v.(string))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for name, sub := range props {
			p := prefix + name
			out[p] = slices.Contains(required, name)
			walk(p+".", sub.(map[string]any))
			// An array of objects: its elements' properties are "p[].name".
			if elem, ok := resolve(sub.(map[string]any))["items"].(map[string]any); ok {
				walk(p+"[].", elem)
			}
		}
	}
	walk("", doc)
	return out
}

func TestREADMEDocumentsEverySchemaProperty(t *testing.T) {
	props := schemaProperties(t)
	if len(props) < 15 {
		t.Fatalf("found only %d properties in the schema: %v", len(props), props)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_.\\[\\]]+)` \\| [^|]* \\| ([^|]*) \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(readme(t), -1) {
		documented[m[1]] = strings.TrimSpace(m[2]) == "yes"
	}
	for p, req := range props {
		doc, ok := documented[p]
		switch {
		case !ok:
			t.Errorf("README.md's body table lacks %s", p)
		case doc != req:
			t.Errorf("README.md says %s required %v, the schema %v", p, doc, req)
		}
	}
	for p := range documented {
		if _, ok := props[p]; !ok {
			t.Errorf("README.md documents %s, which order.schema.json does not have", p)
		}
	}
}
