// Package template parses and renders mail templates. Placeholders follow
// the PMS convention of single braces, such as {firstName}; every name is
// checked against a fixed list when a template is parsed, so a typo is
// caught when a template is saved, not when a guest's mail is rendered.
package template

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

// Placeholders lists every placeholder with what it renders to.
var Placeholders = map[string]string{
	"greeting":            "a salutation in the mail's language, with the guest's first name when known (\"Dear Ana\", \"Dear guest\")",
	"titlePrefix":         "the guest's title, such as Mr or Dr",
	"firstName":           "the guest's first name",
	"lastName":            "the guest's last name",
	"name":                "the guest's full name",
	"bookerName":          "the full name of the person who booked for the guest",
	"enterpriseName":      "the property's name",
	"enterpriseEmail":     "the property's contact e-mail address",
	"enterpriseTelephone": "the property's telephone number",
	"city":                "the property's city",
	"confirmationNumber":  "the reservation's confirmation number",
	"arrivalDate":         "the arrival date, formatted for the language",
	"departureDate":       "the departure date, formatted for the language",
	"nights":              "the number of nights",
	"totalAmount":         "the reservation's total, formatted for the language",
	"releaseDate":         "the moment an optional reservation is released, in the property's zone",
	"confirmLink":         "the link that confirms an optional reservation",
	"onlineCheckInLink":   "the online check-in link",
	"reviewLink":          "the link to review the stay",
	"bill":                "the bill's number",
	"billAmount":          "the bill's total, formatted for the language",
	"billLink":            "the link to download the bill",
	"paymentAmount":       "the amount of a card payment, formatted for the language",
	"cardLastFour":        "the last four digits of the card",
	"addCardLink":         "the link to add another card",
	"resetLink":           "the password reset link",
	"magicLink":           "the sign-in link",
	"deletionDate":        "the date on which a deletion request takes effect",
}

// PlaceholderNames returns the placeholder names in alphabetical order.
func PlaceholderNames() []string {
	names := make([]string, 0, len(Placeholders))
	for name := range Placeholders {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// SyntaxError is a malformed brace or an unknown placeholder, with its
// position in the text.
type SyntaxError struct {
	Field  string // subject, html or text
	Line   int
	Column int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s, line %d, column %d: %s", e.Field, e.Line, e.Column, e.Msg)
}

// segment is literal text, or a placeholder when name is set.
type segment struct {
	literal string
	name    string
}

// Text is a parsed template text.
type Text struct {
	segments []segment
}

// Parse checks a template text and returns it parsed. field names the text
// in errors.
func Parse(field, src string) (Text, error) {
	var t Text
	line, col := 1, 1
	var literal strings.Builder
	runes := []rune(src)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch r {
		case '{':
			end := -1
			for j := i + 1; j < len(runes); j++ {
				if runes[j] == '{' || runes[j] == '\n' {
					break
				}
				if runes[j] == '}' {
					end = j
					break
				}
			}
			if end < 0 {
				return Text{}, &SyntaxError{field, line, col, "'{' is not closed by '}' on the same line; placeholders look like {firstName}"}
			}
			name := string(runes[i+1 : end])
			if _, ok := Placeholders[name]; !ok {
				msg := fmt.Sprintf("unknown placeholder {%s}", name)
				if guess := closest(name); guess != "" {
					msg += fmt.Sprintf("; did you mean {%s}?", guess)
				}
				return Text{}, &SyntaxError{field, line, col, msg + " (see the list of placeholders)"}
			}
			if literal.Len() > 0 {
				t.segments = append(t.segments, segment{literal: literal.String()})
				literal.Reset()
			}
			t.segments = append(t.segments, segment{name: name})
			col += end - i + 1
			i = end
			continue
		case '}':
			return Text{}, &SyntaxError{field, line, col, "'}' without a matching '{'"}
		case '\n':
			line++
			col = 0
		}
		literal.WriteRune(r)
		col++
	}
	if literal.Len() > 0 {
		t.segments = append(t.segments, segment{literal: literal.String()})
	}
	return t, nil
}

// Names returns the placeholders the text uses.
func (t Text) Names() []string {
	var names []string
	for _, s := range t.segments {
		if s.name != "" {
			names = append(names, s.name)
		}
	}
	return names
}

// Render fills the placeholders from values; a missing value renders as an
// empty string. With escape set, values are HTML-escaped.
func (t Text) Render(values map[string]string, escape bool) string {
	var b strings.Builder
	for _, s := range t.segments {
		if s.name == "" {
			b.WriteString(s.literal)
			continue
		}
		v := values[s.name]
		if escape {
			v = html.EscapeString(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// closest returns the placeholder nearest to name by edit distance, if any
// is near enough to be a likely typo.
func closest(name string) string {
	best, bestDistance := "", 3
	for _, candidate := range PlaceholderNames() {
		if d := editDistance(strings.ToLower(name), strings.ToLower(candidate)); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Content is a template's three texts as stored.
type Content struct {
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

// Template is a parsed, valid Content.
type Template struct {
	Subject, HTML, Text Text
}

// Compile parses all three texts of c. The subject must fit on one line.
func Compile(c Content) (Template, error) {
	if strings.ContainsAny(c.Subject, "\r\n") {
		return Template{}, &SyntaxError{"subject", 1, 1, "the subject must be one line"}
	}
	if strings.TrimSpace(c.Subject) == "" {
		return Template{}, &SyntaxError{"subject", 1, 1, "the subject is empty"}
	}
	var tpl Template
	var err error
	if tpl.Subject, err = Parse("subject", c.Subject); err != nil {
		return Template{}, err
	}
	if tpl.HTML, err = Parse("html", c.HTML); err != nil {
		return Template{}, err
	}
	if tpl.Text, err = Parse("text", c.Text); err != nil {
		return Template{}, err
	}
	return tpl, nil
}

// Rendered is a mail's subject and bodies with values filled in.
type Rendered struct {
	Subject, HTML, Text string
}

// Render fills the template. Values are escaped in the HTML body only.
func (t Template) Render(values map[string]string) Rendered {
	return Rendered{
		Subject: t.Subject.Render(values, false),
		HTML:    t.HTML.Render(values, true),
		Text:    t.Text.Render(values, false),
	}
}
