package template

import (
	"errors"
	"strings"
	"testing"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/mail"
)

func TestShippedTemplatesCompileInEveryLanguage(t *testing.T) {
	for _, lang := range language.Supported {
		for _, mailType := range mail.Types {
			c, ok := Default(mailType, lang)
			if !ok {
				t.Errorf("no shipped %s template in %s", mailType, lang)
				continue
			}
			tpl, err := Compile(c)
			if err != nil {
				t.Errorf("shipped %s/%s: %v", lang, mailType, err)
				continue
			}
			if strings.Join(tpl.Text.Names(), ",") == "" {
				t.Errorf("shipped %s/%s uses no placeholder", lang, mailType)
			}
		}
	}
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	tpl, err := Compile(Content{Subject: "Hello {firstName}", HTML: "<p>{greeting},</p>", Text: "{greeting},"})
	if err != nil {
		t.Fatal(err)
	}
	name := `<img src=x onerror=alert(1)>`
	got := tpl.Render(map[string]string{"firstName": name, "greeting": Greeting("en", name)})
	if got.Subject != "Hello "+name {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.Text != "Dear "+name+"," {
		t.Errorf("text = %q", got.Text)
	}
	if strings.Contains(got.HTML, "<img") {
		t.Errorf("html not escaped: %q", got.HTML)
	}
	if got.HTML != "<p>Dear &lt;img src=x onerror=alert(1)&gt;,</p>" {
		t.Errorf("html = %q", got.HTML)
	}
}

func TestUnknownPlaceholderRejectedWithPosition(t *testing.T) {
	_, err := Compile(Content{Subject: "Hi", HTML: "<p>ok</p>", Text: "Line one\nDear {fristName},"})
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a *SyntaxError", err)
	}
	if se.Field != "text" || se.Line != 2 || se.Column != 6 {
		t.Errorf("position = %s line %d column %d, want text line 2 column 6", se.Field, se.Line, se.Column)
	}
	if !strings.Contains(se.Msg, "{fristName}") || !strings.Contains(se.Msg, "{firstName}") {
		t.Errorf("message %q should name the placeholder and suggest {firstName}", se.Msg)
	}
}

func TestMalformedBracesRejected(t *testing.T) {
	for _, src := range []string{"Dear {firstName", "Dear firstName}", "Dear {}", "Dear {first\nName}", "{{firstName}}"} {
		if _, err := Parse("text", src); err == nil {
			t.Errorf("Parse(%q) returned no error", src)
		}
	}
}

func TestMissingValueRendersEmptyNotPlaceholder(t *testing.T) {
	tpl, err := Compile(Content{Subject: "Stay {confirmationNumber}", HTML: "<p>{greeting}, {lastName}</p>", Text: "{greeting}"})
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Render(map[string]string{"greeting": Greeting("pt", "")})
	if strings.Contains(got.HTML+got.Text+got.Subject, "{") {
		t.Errorf("rendered text keeps a placeholder: %+v", got)
	}
	if got.Text != "Olá" {
		t.Errorf("greeting without a name = %q, want Olá", got.Text)
	}
}

func TestDocumentWrapsFragment(t *testing.T) {
	doc := Document("de", "Betreff <1>", "<p>Hallo</p>")
	if !strings.HasPrefix(doc, "<!doctype html>") || !strings.Contains(doc, `lang="de"`) || !strings.Contains(doc, "Betreff &lt;1&gt;") {
		t.Errorf("document = %s", doc)
	}
	if Document("en", "s", "<html><body>x</body></html>") != "<html><body>x</body></html>" {
		t.Error("a full document was wrapped again")
	}
}
