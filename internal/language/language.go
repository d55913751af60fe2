// Package language reads the customer's language from an order's locale
// (a BCP 47 tag as platforms send it: "ja-JP", "pt_BR", "es") and matches
// it to the languages the thank-you is written in, with
// golang.org/x/text/language. It also knows which languages write the
// family name first, for greeting a customer by the right name.
package language

import (
	"strings"
	"sync"

	xlang "golang.org/x/text/language"
)

// Languages the built-in texts are written in, by base language code.
const (
	English    = "en"
	Spanish    = "es"
	French     = "fr"
	German     = "de"
	Portuguese = "pt"
	Japanese   = "ja"
)

// Supported lists the built-in languages; the first is the default.
var Supported = []string{English, Spanish, French, German, Portuguese, Japanese}

// MaxTagLength bounds a locale tag read from outside input.
const MaxTagLength = 64

// Parse normalises a locale tag from outside input ("ja_JP", " pt-br ")
// to its canonical BCP 47 form ("ja-JP", "pt-BR"). ok is false for an
// empty, overlong or unreadable tag, and for "und".
func Parse(raw string) (tag string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxTagLength {
		return "", false
	}
	t, err := xlang.Parse(strings.ReplaceAll(raw, "_", "-"))
	if err != nil || t == xlang.Und {
		return "", false
	}
	if b, conf := t.Base(); conf == xlang.No || b.String() == "und" {
		return "", false
	}
	return t.String(), true
}

// matcher matches a tag to a built-in language; built on first use, so
// that nothing is allocated at a cold start that the first event does not
// need.
var matcher = sync.OnceValue(func() xlang.Matcher {
	tags := make([]xlang.Tag, len(Supported))
	for i, s := range Supported {
		tags[i] = xlang.MustParse(s)
	}
	return xlang.NewMatcher(tags)
})

// Match returns the built-in language of a locale tag ("pt-BR" is
// Portuguese, "de-AT" German), or "" when none is a close match ("zh",
// "ko", "it": the caller falls back to the shop's language).
func Match(tag string) string {
	norm, ok := Parse(tag)
	if !ok {
		return ""
	}
	t, err := xlang.Parse(norm)
	if err != nil {
		return ""
	}
	_, i, conf := matcher().Match(t)
	if conf < xlang.High {
		return ""
	}
	return Supported[i]
}

// Choose returns the language of a message to a customer whose order says
// locale: its built-in language, else the first of fallbacks (the shop's,
// the deployment's) that is one, else English.
func Choose(locale string, fallbacks ...string) string {
	if l := Match(locale); l != "" {
		return l
	}
	for _, f := range fallbacks {
		if l := Match(f); l != "" {
			return l
		}
	}
	return English
}

// Base returns the base language code of a tag ("ko" for "ko-KR"), "" when
// it does not parse.
func Base(tag string) string {
	norm, ok := Parse(tag)
	if !ok {
		return ""
	}
	b, _ := xlang.MustParse(norm).Base()
	return b.String()
}

// FamilyNameFirst reports whether names in the tag's language are written
// family name first (Japanese, Chinese, Korean, Hungarian): then the first
// word of a full name is not the given name.
func FamilyNameFirst(tag string) bool {
	switch Base(tag) {
	case "ja", "zh", "ko", "hu":
		return true
	}
	return false
}

// SayLanguage is Twilio <Say>'s language for a built-in language
// ("ja-JP"), "" for one it does not know.
func SayLanguage(lang string) string {
	switch lang {
	case English:
		return "en-US"
	case Spanish:
		return "es-ES"
	case French:
		return "fr-FR"
	case German:
		return "de-DE"
	case Portuguese:
		return "pt-BR"
	case Japanese:
		return "ja-JP"
	}
	return ""
}
