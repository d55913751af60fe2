package twilio

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// words are the protocol's words this adapter owns: its statuses, its
// verdicts and its error codes.
func words() (strs map[string]bool, codes map[int]bool) {
	strs, codes = map[string]bool{}, map[int]bool{}
	for _, m := range messageStatuses {
		strs[string(m.Status)] = true
	}
	for _, c := range callStatuses {
		strs[string(c.Status)] = true
	}
	for _, a := range answeredBy {
		if a.Value != "" {
			strs[string(a.Value)] = true
		}
	}
	for _, e := range errorCodes {
		codes[int(e.Code)] = true
	}
	return strs, codes
}

// TestTwiliosProtocolIsSpelledOnlyHere scans the product's Go code (not
// its tests, not the dev tooling) for Twilio's statuses, error codes,
// callback paths and TwiML spelled outside this package. Statuses that are
// plain words (sent, failed, accepted...) are other packages' words too (a
// task is sent, a WooCommerce order completed): they are looked for only
// in the Twilio webhook, which reads Twilio's callbacks; the rest (no-answer,
// machine_end_beep...) everywhere.
func TestTwiliosProtocolIsSpelledOnlyHere(t *testing.T) {
	strs, codes := words()
	plainWord := func(s string) bool { return !strings.ContainsAny(s, "-_") }
	hooks := map[string]bool{"twiliohook": true}
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "twilio" || rel == "dev" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := strings.Split(filepath.ToSlash(rel), "/")[0]
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if _, ok := n.(*ast.ImportSpec); ok {
				return false
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok {
				return true
			}
			switch lit.Kind {
			case token.STRING:
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if strs[s] && (hooks[pkg] || !plainWord(s)) || strings.Contains(s, "/twilio/") || strings.Contains(s, "<Response") {
					t.Errorf("%s: %s is Twilio's protocol: use package twilio's", rel, lit.Value)
				}
			case token.INT:
				if n, err := strconv.Atoi(lit.Value); err == nil && codes[n] {
					t.Errorf("%s: %s is a Twilio error code: use package twilio's", rel, lit.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
