package samtemplate

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// billionLaughs returns a small YAML document whose aliases expand to
// 10^levels scalars.
func billionLaughs(levels int) string {
	var sb strings.Builder
	sb.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&sb, "l%d: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "*l%d", i-1)
		}
		sb.WriteString("]\n")
	}
	return sb.String()
}

func TestParseRefusesRunawayAliases(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"alias inside its own anchor", "a: &x [1, *x]\n", "refers to itself"},
		{"alias inside its own mapping", "a: &x {b: *x}\n", "refers to itself"},
		{"exponential expansion", billionLaughs(9), "nodes once aliases are expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded (%d top-level keys), want an error containing %q", len(tpl.Doc), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseExpandsAliases(t *testing.T) {
	tpl, err := Parse([]byte("a: &x {k: !Ref P}\nb: *x\nc: [*x, *x]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"k":{"Ref":"P"}},"b":{"k":{"Ref":"P"}},"c":[{"k":{"Ref":"P"}},{"k":{"Ref":"P"}}]}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// FuzzParse checks that any input either fails to parse or gives a
// template whose JSON form is valid JSON, and never crashes the process.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(RepoTemplatePath()); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub 'x-${Y}'\nD: !If [c, 1, 2]\n",
		"a: &x [1, *x]\n",
		"a: &x {k: v}\nb: *x\n",
		billionLaughs(3),
		"x: !Unknown 1\n",
		"- !GetAtt [A, B]\n",
		"a: .nan\nb: 2001-12-14t21:59:43.10-05:00\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := Parse(b)
		if err != nil {
			return
		}
		j, err := tpl.JSON()
		if err != nil {
			return // e.g. NaN has no JSON form
		}
		if !json.Valid(j) {
			t.Fatalf("JSON() gave invalid JSON: %s", j)
		}
	})
}
