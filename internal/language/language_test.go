package language

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatchChoosesTheBuiltInLanguageOfALocale(t *testing.T) {
	for _, tc := range []struct{ in, norm, match string }{
		{"ja", "ja", Japanese},
		{"ja_JP", "ja-JP", Japanese},
		{" pt-br ", "pt-BR", Portuguese},
		{"es-419", "es-419", Spanish},
		{"de-AT", "de-AT", German},
		{"fr_CA", "fr-CA", French},
		{"EN-gb", "en-GB", English},
		{"zh-CN", "zh-CN", ""},
		{"ko", "ko", ""},
		{"hu-HU", "hu-HU", ""},
		{"it", "it", ""},
		{"", "", ""},
		{"und", "", ""},
		{"not a tag", "", ""},
		{strings.Repeat("a", MaxTagLength+1), "", ""},
	} {
		norm, _ := Parse(tc.in)
		if norm != tc.norm {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, norm, tc.norm)
		}
		if got := Match(tc.in); got != tc.match {
			t.Errorf("Match(%q) = %q, want %q", tc.in, got, tc.match)
		}
	}
}

func TestChooseFallsBackToTheShopThenEnglish(t *testing.T) {
	for _, tc := range []struct {
		locale    string
		fallbacks []string
		want      string
	}{
		{"de-DE", []string{"fr"}, German},
		{"ko-KR", []string{"fr"}, French},
		{"", []string{"", "es"}, Spanish},
		{"zh", []string{"it"}, English},
		{"", nil, English},
	} {
		if got := Choose(tc.locale, tc.fallbacks...); got != tc.want {
			t.Errorf("Choose(%q, %q) = %q, want %q", tc.locale, tc.fallbacks, got, tc.want)
		}
	}
}

func TestFamilyNameFirst(t *testing.T) {
	for tag, want := range map[string]bool{
		"ja-JP": true, "zh-Hant-TW": true, "ko": true, "hu": true,
		"en-US": false, "de": false, "vi": false, "": false, "garbage!": false,
	} {
		if got := FamilyNameFirst(tag); got != want {
			t.Errorf("FamilyNameFirst(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestEveryBuiltInLanguageHasASayLanguage(t *testing.T) {
	for _, l := range Supported {
		if SayLanguage(l) == "" {
			t.Errorf("SayLanguage(%q) is empty", l)
		}
		if Match(l) != l {
			t.Errorf("Match(%q) = %q", l, Match(l))
		}
	}
}

// FuzzParse: any outside input parses to a short canonical tag that
// parses to itself, or to nothing; Match only ever answers a built-in
// language.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"ja-JP", "pt_BR", "es-419", "zh-Hant-TW", "und", "", "x-private", "en-u-ca-buddhist", "i-klingon", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tag, ok := Parse(raw)
		if !ok {
			if tag != "" {
				t.Fatalf("Parse(%q) = %q, not ok", raw, tag)
			}
		} else {
			if !utf8.ValidString(tag) || len(tag) > 2*MaxTagLength || tag == "" {
				t.Fatalf("Parse(%q) = %q", raw, tag)
			}
			if again, ok := Parse(tag); !ok || again != tag {
				t.Fatalf("Parse(Parse(%q)) = %q, %v; want %q", raw, again, ok, tag)
			}
		}
		if m := Match(raw); m != "" && !slices.Contains(Supported, m) {
			t.Fatalf("Match(%q) = %q", raw, m)
		}
		_ = FamilyNameFirst(raw)
	})
}
