package template

import (
	"embed"
	"fmt"
	"html"
	"io/fs"
	"path"
	"strings"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/mail"
)

// The shipped templates, one file per language and mail type:
// defaults/<lang>/<mail-type>.tmpl. A file starts with "Subject: ...", then
// a line "---text" before the plain-text body and "---html" before the HTML
// fragment.
//
//go:embed defaults
var defaultFiles embed.FS

var defaults = map[string]map[mail.Type]Content{}

func init() {
	err := fs.WalkDir(defaultFiles, "defaults", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".tmpl" {
			return err
		}
		lang := path.Base(path.Dir(p))
		mailType := mail.Type(strings.TrimSuffix(path.Base(p), ".tmpl"))
		raw, err := defaultFiles.ReadFile(p)
		if err != nil {
			return err
		}
		c, err := ParseFile(string(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if defaults[lang] == nil {
			defaults[lang] = map[mail.Type]Content{}
		}
		defaults[lang][mailType] = c
		return nil
	})
	if err != nil {
		panic("shipped templates are unreadable: " + err.Error())
	}
}

// ParseFile reads a template in the file format of the shipped templates:
// "Subject: ..." on the first line, a line "---text" before the plain-text
// body and a line "---html" before the HTML body. It checks the layout, not
// the placeholders; Compile does that.
func ParseFile(raw string) (Content, error) {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	first, rest, ok := strings.Cut(raw, "\n")
	subject, hasSubject := strings.CutPrefix(first, "Subject: ")
	if !ok || !hasSubject {
		return Content{}, fmt.Errorf("the first line must be \"Subject: ...\"")
	}
	rest, ok = strings.CutPrefix(rest, "---text\n")
	if !ok {
		return Content{}, fmt.Errorf("the second line must be \"---text\"")
	}
	text, htmlBody, ok := strings.Cut(rest, "\n---html\n")
	if !ok {
		return Content{}, fmt.Errorf("a line \"---html\" must follow the text body")
	}
	return Content{
		Subject: strings.TrimSpace(subject),
		Text:    strings.TrimSpace(text) + "\n",
		HTML:    strings.TrimSpace(htmlBody) + "\n",
	}, nil
}

// FormatFile writes c in the format ParseFile reads.
func FormatFile(c Content) string {
	return "Subject: " + c.Subject + "\n---text\n" + strings.TrimRight(c.Text, "\n") + "\n---html\n" + strings.TrimRight(c.HTML, "\n") + "\n"
}

// Default returns the shipped template for the mail type in lang.
func Default(mailType mail.Type, lang string) (Content, bool) {
	c, ok := defaults[lang][mailType]
	return c, ok
}

// DefaultLanguages returns the languages with shipped templates for the mail
// type.
func DefaultLanguages(mailType mail.Type) []string {
	var langs []string
	for _, lang := range language.Supported {
		if _, ok := defaults[lang][mailType]; ok {
			langs = append(langs, lang)
		}
	}
	return langs
}

var greetings = map[string][2]string{
	language.English:    {"Dear %s", "Dear guest"},
	language.Portuguese: {"Olá %s", "Olá"},
	language.Spanish:    {"Hola %s", "Hola"},
	language.French:     {"Bonjour %s", "Bonjour"},
	language.German:     {"Hallo %s", "Guten Tag"},
}

// Greeting returns the salutation for {greeting}: with the first name when
// it is known, without a name otherwise.
func Greeting(lang, firstName string) string {
	g, ok := greetings[lang]
	if !ok {
		g = greetings[language.English]
	}
	if strings.TrimSpace(firstName) == "" {
		return g[1]
	}
	return fmt.Sprintf(g[0], strings.TrimSpace(firstName))
}

// Document wraps an HTML fragment in a complete, mail-safe HTML document. A
// body that is already a document is returned unchanged.
func Document(lang, subject, body string) string {
	trimmed := strings.ToLower(strings.TrimSpace(body))
	if strings.HasPrefix(trimmed, "<!doctype") || strings.HasPrefix(trimmed, "<html") {
		return body
	}
	return `<!doctype html>
<html lang="` + html.EscapeString(lang) + `"><head><meta charset="utf-8"><title>` + html.EscapeString(subject) + `</title></head>
<body style="font-family:Georgia,serif;font-size:16px;line-height:1.5;color:#222;max-width:600px;margin:0 auto;padding:24px">
` + body + `</body></html>
`
}
