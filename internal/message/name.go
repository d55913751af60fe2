package message

import (
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// GreetName is the name a message in lang greets the customer by:
//
//   - in Japanese, the family name with 様 ("山田様"), else the full name
//     with 様 ("山田 太郎様");
//   - for a name in a family-name-first language (the order's locale is
//     Japanese, Chinese, Korean or Hungarian) that the platform gave only
//     in full, where its first word is the family name: the full name with
//     the language's honorific ("김민수 님", "山田 太郎様"; Chinese has no
//     neutral one: "王伟"), and for Hungarian the given name, its last word;
//   - else the given name, as the platform gave it.
//
// Names are cleaned (Clean). It is "" when the order names nobody.
func GreetName(o thankyou.Order, lang string) string {
	first := Clean(o.FirstName)
	family := Clean(o.FamilyName)
	full := strings.Join(strings.Fields(DisplayName(o)), " ")
	if lang == language.Japanese {
		for _, n := range []string{family, full, first} {
			if n != "" {
				return n + "様"
			}
		}
		return ""
	}
	if family == "" && full != "" && language.FamilyNameFirst(o.Locale) {
		switch language.Base(o.Locale) {
		case "ja":
			return full + "様"
		case "ko":
			return full + " 님"
		case "hu":
			words := strings.Fields(full)
			return words[len(words)-1]
		default:
			return full
		}
	}
	return first
}

// DisplayName is the customer's full name as their language writes it:
// for a family-name-first locale whose platform gave both name fields,
// family name then given name ("山田 太郎"); else the full name as given.
// Every part is cleaned (Clean), and so is the whole.
func DisplayName(o thankyou.Order) string {
	first := Clean(o.FirstName)
	family := Clean(o.FamilyName)
	if first != "" && family != "" && language.FamilyNameFirst(o.Locale) {
		return Clean(family + " " + first)
	}
	return Clean(o.CustomerName)
}
