package contact_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// adapterMethods are the Twilio adapter's methods that reach a person.
var adapterMethods = map[string]bool{"SendSMS": true, "StartCall": true}

// TestOnlyTheGateCallsTwilio lists every use of the adapter's SendSMS and
// StartCall in the module's product code (tests aside): any outside
// package contact is a contact that goes around the gate.
func TestOnlyTheGateCallsTwilio(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	gate := filepath.Join(root, "internal", "contact")
	fset := token.NewFileSet()
	uses, files := 0, 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !adapterMethods[sel.Sel.Name] {
				return true
			}
			if filepath.Dir(path) == gate {
				uses++
				return true
			}
			t.Errorf("%s: %s called outside the contact gate: send through contact.Gate", fset.Position(sel.Pos()), sel.Sel.Name)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 || uses < 2 {
		t.Fatalf("scanned %d files and found %d uses in the gate: the scan is not looking at the module", files, uses)
	}
}
