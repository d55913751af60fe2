package operator

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// languageTemplates are the --sms-template-<lang> and
// --staff-template-<lang> flags of shops put, one pair per built-in
// language.
type languageTemplates struct {
	sms, staff map[string]*string
}

func languageTemplateFlags(fs *flag.FlagSet) languageTemplates {
	lt := languageTemplates{sms: map[string]*string{}, staff: map[string]*string{}}
	for _, l := range language.Supported {
		lt.sms[l] = fs.String("sms-template-"+l, "", "")
		lt.staff[l] = fs.String("staff-template-"+l, "", "")
	}
	return lt
}

// templateText is a template flag's text: the flag's value, or the
// contents of the file it names after "@" ("@templates/sms-ja.txt").
func templateText(flagName, v string) (string, error) {
	path, isFile := strings.CutPrefix(v, "@")
	if !isFile {
		return v, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flagName, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// read sets the shop's templates by language from the flags given (files
// read); a language's template given empty is removed, the others kept.
func (lt languageTemplates) read(sh *thankyou.Shop, given map[string]bool) error {
	for _, l := range language.Supported {
		for _, f := range []struct {
			kind string
			v    *string
			into *map[string]string
		}{{"sms", lt.sms[l], &sh.SMSTemplates}, {"staff", lt.staff[l], &sh.StaffTemplates}} {
			name := f.kind + "-template-" + l
			if !given[name] {
				continue
			}
			text, err := templateText(name, *f.v)
			if err != nil {
				return err
			}
			if strings.TrimSpace(text) == "" {
				delete(*f.into, l)
				continue
			}
			if *f.into == nil {
				*f.into = map[string]string{}
			}
			(*f.into)[l] = text
		}
	}
	return nil
}

// checkLanguages validates a shop's trigger settings, language and
// templates by language.
func checkLanguages(sh *thankyou.Shop) []string {
	var problems []string
	if sh.Language != "" {
		l := language.Match(sh.Language)
		if l == "" {
			problems = append(problems, fmt.Sprintf("--language %q is not one of %s", sh.Language, strings.Join(language.Supported, ", ")))
		}
		sh.Language = l
	}
	if sh.Trigger.Waits() && sh.MaxWait <= 0 {
		problems = append(problems, "--max-wait must be a positive duration like 720h")
	}
	for _, l := range language.Supported {
		if _, err := message.NewRendererIn(l, sh.SMSTemplates[l], sh.StaffTemplates[l]); err != nil {
			problems = append(problems, fmt.Sprintf("--sms-template-%s/--staff-template-%s: %s", l, l, thankyou.ErrorMessage(err)))
		}
	}
	return problems
}

// templateLanguages lists the languages a shop has its own templates for.
func templateLanguages(sh thankyou.Shop) []string {
	var out []string
	for _, l := range language.Supported {
		if sh.SMSTemplates[l] != "" || sh.StaffTemplates[l] != "" {
			out = append(out, l)
		}
	}
	return slices.Clip(out)
}
