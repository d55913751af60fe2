package samtemplate

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestTableFromRepoTemplate(t *testing.T) {
	tpl, err := Load(RepoTemplatePath())
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.CreateTableInput("t1")
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(in.TableName); got != "t1" {
		t.Errorf("TableName = %q, want t1", got)
	}
	if len(in.KeySchema) != 2 || aws.ToString(in.KeySchema[0].AttributeName) != "pk" || in.KeySchema[0].KeyType != "HASH" {
		t.Errorf("KeySchema = %+v, want pk HASH, sk RANGE", in.KeySchema)
	}
	projections := map[string]string{}
	for _, g := range in.GlobalSecondaryIndexes {
		projections[aws.ToString(g.IndexName)] = string(g.Projection.ProjectionType)
	}
	// due: the sweep reads ids only; calls: a staff member's open calls
	// are listed from the index alone.
	if want := map[string]string{"due": "KEYS_ONLY", "calls": "ALL"}; !maps.Equal(projections, want) {
		t.Errorf("indexes and projections = %v, want %v", projections, want)
	}
	if got := in.BillingMode; got != "PAY_PER_REQUEST" {
		t.Errorf("BillingMode = %q", got)
	}
	if got := tpl.TTLAttribute(); got != "expiresAt" {
		t.Errorf("TTL attribute = %q, want expiresAt", got)
	}
}

func TestShortTagsBecomeLongForms(t *testing.T) {
	tpl, err := Parse([]byte("A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub 'x-${Y}'\nD: !If [c, 1, 2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tpl.JSON()
	want := `{"A":{"Ref":"X"},"B":{"Fn::GetAtt":["T","Arn"]},"C":{"Fn::Sub":"x-${Y}"},"D":{"Fn::If":["c",1,2]}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
