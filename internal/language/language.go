// Package language chooses the language of a guest's mail and formats dates
// and amounts for it.
package language

import (
	"fmt"
	"strings"
	"time"
)

// The languages Bellhop ships templates for, as ISO 639-1 codes.
const (
	English    = "en"
	Portuguese = "pt"
	Spanish    = "es"
	French     = "fr"
	German     = "de"
)

// Supported lists the shipped languages; English is the last resort.
var Supported = []string{English, Portuguese, Spanish, French, German}

// IsSupported reports whether templates ship in lang.
func IsSupported(lang string) bool {
	for _, l := range Supported {
		if l == lang {
			return true
		}
	}
	return false
}

// Normalize lowercases a language tag and keeps its primary subtag, so
// "pt-BR" and "PT" both become "pt".
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// byCountry maps ISO 3166-1 alpha-2 and alpha-3 codes to the shipped
// language most guests from that country read. Countries whose language
// Bellhop does not ship are absent, so the chain moves on to the property's
// default.
var byCountry = map[string]string{}

func init() {
	for lang, countries := range map[string][]string{
		Portuguese: {"PT PRT", "BR BRA", "AO AGO", "MZ MOZ", "CV CPV", "GW GNB", "ST STP", "TL TLS"},
		Spanish: {"ES ESP", "MX MEX", "AR ARG", "CO COL", "CL CHL", "PE PER", "VE VEN", "EC ECU", "GT GTM",
			"CU CUB", "BO BOL", "DO DOM", "HN HND", "PY PRY", "SV SLV", "NI NIC", "CR CRI", "PA PAN", "UY URY", "PR PRI"},
		French:  {"FR FRA", "MC MCO", "SN SEN", "CI CIV"},
		German:  {"DE DEU", "AT AUT", "CH CHE", "LI LIE"},
		English: {"GB GBR", "IE IRL", "US USA", "CA CAN", "AU AUS", "NZ NZL", "ZA ZAF"},
	} {
		for _, pair := range countries {
			alpha2, alpha3, _ := strings.Cut(pair, " ")
			byCountry[alpha2] = lang
			byCountry[alpha3] = lang
		}
	}
}

// OfCountry returns the language for an ISO 3166-1 alpha-2 or alpha-3
// country code, or "" when Bellhop ships none for it.
func OfCountry(code string) string {
	return byCountry[strings.ToUpper(strings.TrimSpace(code))]
}

// Chain returns the languages to try, best first: the guest's preferred
// language, the language of the guest's nationality, the property's default,
// then English. Unsupported and repeated entries are left out.
func Chain(preferred, nationality, propertyDefault string) []string {
	var chain []string
	for _, lang := range []string{Normalize(preferred), OfCountry(nationality), Normalize(propertyDefault), English} {
		if lang == "" {
			continue
		}
		seen := false
		for _, l := range chain {
			seen = seen || l == lang
		}
		if !seen {
			chain = append(chain, lang)
		}
	}
	return chain
}

var monthNames = map[string][12]string{
	English:    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	Portuguese: {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	Spanish:    {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	French:     {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	German:     {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// FormatDate writes a calendar date as a reader of lang expects it, such as
// "12 June 2027" or "12. Juni 2027". Unknown languages get English.
func FormatDate(lang string, year int, month time.Month, day int) string {
	names, ok := monthNames[lang]
	if !ok {
		names = monthNames[English]
	}
	name := names[month-1]
	switch lang {
	case Portuguese, Spanish:
		return fmt.Sprintf("%d de %s de %d", day, name, year)
	case German:
		return fmt.Sprintf("%d. %s %d", day, name, year)
	default:
		return fmt.Sprintf("%d %s %d", day, name, year)
	}
}

// FormatDateTime writes an instant as a local date and 24-hour time in loc.
func FormatDateTime(lang string, t time.Time, loc *time.Location) string {
	local := t.In(loc)
	date := FormatDate(lang, local.Year(), local.Month(), local.Day())
	switch lang {
	case Portuguese, Spanish:
		return fmt.Sprintf("%s, %s", date, local.Format("15:04"))
	case French:
		return fmt.Sprintf("%s à %s", date, local.Format("15:04"))
	case German:
		return fmt.Sprintf("%s, %s Uhr", date, local.Format("15:04"))
	default:
		return fmt.Sprintf("%s at %s", date, local.Format("15:04"))
	}
}

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "BRL": "R$", "CHF": "CHF"}

// FormatAmount writes an amount given in minor units (cents) with its ISO
// 4217 currency code, with the separators of lang: "€1,234.50" in English,
// "1234,50 €" in Portuguese, "1.234,50 €" in Spanish and German, "1 234,50 €"
// in French.
//
// NOTE: every currency is taken to have two decimal places; a currency with
// none (JPY) or three (BHD) would print wrongly.
func FormatAmount(lang string, minor int64, currency string) string {
	currency = strings.ToUpper(currency)
	symbol, ok := currencySymbols[currency]
	if !ok {
		symbol = currency
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	whole, cents := minor/100, minor%100

	thousands, decimal := ",", "."
	switch lang {
	case Portuguese:
		thousands, decimal = "", ","
	case Spanish, German:
		thousands, decimal = ".", ","
	case French:
		thousands, decimal = "\u202f", ","
	}
	digits := groupThousands(whole, thousands)
	number := fmt.Sprintf("%s%s%s%02d", sign, digits, decimal, cents)
	if lang == English || !IsSupported(lang) {
		if isLetters(symbol) {
			return symbol + " " + number
		}
		return symbol + number
	}
	return number + "\u00a0" + symbol
}

func groupThousands(n int64, sep string) string {
	s := fmt.Sprintf("%d", n)
	if sep == "" || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
