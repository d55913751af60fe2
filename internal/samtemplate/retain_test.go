package samtemplate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A stack update that replaces the table, or a deleted stack, must not
// delete the customers' data with it: every table is retained, and the
// docs say how to delete one on purpose.
func TestTablesAreRetainedOnStackChanges(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	tables := resourcesOfType(tpl, "AWS::DynamoDB::Table")
	if len(tables) == 0 {
		t.Fatal("no table in the template")
	}
	for id := range tables {
		res, _ := tpl.Resources()[id].(map[string]any)
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if got := res[policy]; got != "Retain" {
				t.Errorf("%s: %s = %v, want Retain", id, policy, got)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	if doc := string(b); !strings.Contains(doc, "DeletionPolicy") || !strings.Contains(doc, "aws dynamodb delete-table") {
		t.Error("docs/security.md does not say that the table is retained and how to delete it on purpose")
	}
}
