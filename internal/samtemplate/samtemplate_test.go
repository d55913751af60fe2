package samtemplate

import (
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
	if len(in.GlobalSecondaryIndexes) != 1 || aws.ToString(in.GlobalSecondaryIndexes[0].IndexName) != "due" {
		t.Fatalf("GSIs = %+v, want one named due", in.GlobalSecondaryIndexes)
	}
	if got := in.GlobalSecondaryIndexes[0].Projection.ProjectionType; got != "KEYS_ONLY" {
		t.Errorf("due projection = %q, want KEYS_ONLY", got)
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
