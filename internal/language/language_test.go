package language

import (
	"reflect"
	"testing"
	"time"
)

func TestChainPrefersGuestThenNationality(t *testing.T) {
	cases := []struct {
		preferred, nationality, propertyDefault string
		want                                    []string
	}{
		{"", "PRT", "en", []string{"pt", "en"}},
		{"", "BR", "es", []string{"pt", "es", "en"}},
		{"de-AT", "FRA", "pt", []string{"de", "fr", "pt", "en"}},
		{"", "JPN", "pt", []string{"pt", "en"}},
		{"", "", "", []string{"en"}},
		{"ja", "", "fr", []string{"ja", "fr", "en"}},
	}
	for _, c := range cases {
		if got := Chain(c.preferred, c.nationality, c.propertyDefault); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Chain(%q, %q, %q) = %v, want %v", c.preferred, c.nationality, c.propertyDefault, got, c.want)
		}
	}
}

func TestFormatDatePerLanguage(t *testing.T) {
	want := map[string]string{
		"en": "12 June 2027", "pt": "12 de junho de 2027", "es": "12 de junio de 2027",
		"fr": "12 juin 2027", "de": "12. Juni 2027",
	}
	for lang, w := range want {
		if got := FormatDate(lang, 2027, time.June, 12); got != w {
			t.Errorf("%s: %q, want %q", lang, got, w)
		}
	}
}

func TestFormatAmountPerLanguage(t *testing.T) {
	want := map[string]string{
		"en": "€1,234.50", "pt": "1234,50\u00a0€", "es": "1.234,50\u00a0€",
		"fr": "1\u202f234,50\u00a0€", "de": "1.234,50\u00a0€",
	}
	for lang, w := range want {
		if got := FormatAmount(lang, 123450, "eur"); got != w {
			t.Errorf("%s: %q, want %q", lang, got, w)
		}
	}
	if got := FormatAmount("en", -5, "JPY"); got != "JPY -0.05" {
		t.Errorf("unknown currency: %q", got)
	}
}
