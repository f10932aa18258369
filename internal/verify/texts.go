package verify

import (
	"encoding/xml"
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// The words of a verification: the text message and what the call says. English is
// Twilio's own wording: the Verify Default template ("Your {friendly name} verification
// code is: {code}", twilio.com/docs/verify/verification-templates), the do-not-share
// addendum and the Android app hash as the spec describes them (DoNotShareWarningEnabled
// and AppHash in Twilio's OpenAPI description of Verify v2). Twilio publishes neither its
// other languages nor what its calls say: those here are Switchboard's own, which
// docs/simulator.md says. Keep the two in step.

// DefaultLocale is the language of a verification whose number's country has no
// language of its own here and which asked for none.
const DefaultLocale = "en"

// wording is a language's sentences; {name} and {code} are filled in.
type wording struct {
	code     string // the message: "Your {name} verification code is: {code}"
	warning  string // the do-not-share addendum
	pressKey string // the call's prompt when a key must be pressed first
	voice    string // the <Say> language
}

var wordings = map[string]wording{
	"en": {
		code:     "Your {name} verification code is: {code}",
		warning:  "Don't share this code with anyone; our employees will never ask for the code.",
		pressKey: "Press any key to hear your {name} verification code.",
		voice:    "en-US",
	},
	"es": {
		code:     "Tu código de verificación de {name} es: {code}",
		warning:  "No compartas este código con nadie; nuestros empleados nunca te lo pedirán.",
		pressKey: "Pulsa cualquier tecla para escuchar tu código de verificación de {name}.",
		voice:    "es-ES",
	},
	"fr": {
		code:     "Votre code de vérification {name} est : {code}",
		warning:  "Ne partagez ce code avec personne ; nos employés ne vous le demanderont jamais.",
		pressKey: "Appuyez sur une touche pour entendre votre code de vérification {name}.",
		voice:    "fr-FR",
	},
	"de": {
		code:     "Ihr {name} Bestätigungscode lautet: {code}",
		warning:  "Geben Sie diesen Code nicht weiter; unsere Mitarbeiter werden Sie nie danach fragen.",
		pressKey: "Drücken Sie eine beliebige Taste, um Ihren {name} Bestätigungscode zu hören.",
		voice:    "de-DE",
	},
	"it": {
		code:     "Il tuo codice di verifica {name} è: {code}",
		warning:  "Non condividere questo codice con nessuno; i nostri dipendenti non te lo chiederanno mai.",
		pressKey: "Premi un tasto qualsiasi per ascoltare il tuo codice di verifica {name}.",
		voice:    "it-IT",
	},
	"nl": {
		code:     "Je {name} verificatiecode is: {code}",
		warning:  "Deel deze code met niemand; onze medewerkers zullen nooit om de code vragen.",
		pressKey: "Druk op een toets om je {name} verificatiecode te horen.",
		voice:    "nl-NL",
	},
	"pt": {
		code:     "O seu código de verificação {name} é: {code}",
		warning:  "Não partilhe este código com ninguém; os nossos funcionários nunca lhe pedirão o código.",
		pressKey: "Prima qualquer tecla para ouvir o seu código de verificação {name}.",
		voice:    "pt-PT",
	},
	"pt-BR": {
		code:     "Seu código de verificação {name} é: {code}",
		warning:  "Não compartilhe este código com ninguém; nossos funcionários nunca pedirão o código.",
		pressKey: "Pressione qualquer tecla para ouvir seu código de verificação {name}.",
		voice:    "pt-BR",
	},
}

// countryLocales is the language of a number's country, where it has one of wordings':
// Twilio picks the language from the number's country code.
var countryLocales = map[string]string{
	"ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "VE": "es", "EC": "es", "GT": "es",
	"CU": "es", "BO": "es", "DO": "es", "HN": "es", "PY": "es", "SV": "es", "NI": "es", "CR": "es", "PA": "es", "UY": "es",
	"FR": "fr", "DE": "de", "AT": "de", "IT": "it", "NL": "nl", "PT": "pt", "BR": "pt-BR",
}

// Locale is the language a verification to number is worded in: the one asked for
// (requested, a BCP 47 tag such as "es", "pt-BR" or "pt_BR"; a region Switchboard has no
// wording for falls back to its language), else the language of the number's country,
// else English. A language Switchboard has no wording for is English too.
func Locale(requested, number string) string {
	if requested == "" {
		if l, ok := countryLocales[phone.Country(number)]; ok {
			return l
		}
		return DefaultLocale
	}
	tag := strings.ReplaceAll(requested, "_", "-")
	lang, region, _ := strings.Cut(tag, "-")
	lang = strings.ToLower(lang)
	if _, ok := wordings[lang+"-"+strings.ToUpper(region)]; ok {
		return lang + "-" + strings.ToUpper(region)
	}
	if _, ok := wordings[lang]; ok {
		return lang
	}
	return DefaultLocale
}

// words is locale's wording; English for one Locale did not give.
func words(locale string) wording {
	if w, ok := wordings[locale]; ok {
		return w
	}
	return wordings[DefaultLocale]
}

func fill(s, name, code string) string {
	return strings.NewReplacer("{name}", name, "{code}", code).Replace(s)
}

// Message is the text message of a verification: the code sentence in locale's words,
// with the do-not-share addendum when warn, and, for an Android app's SMS Retriever
// (appHash), the "<#> " it looks for before and the app's hash after.
func Message(locale, name, code string, warn bool, appHash string) string {
	w := words(locale)
	body := fill(w.code, name, code)
	if warn {
		body += ". " + w.warning
	}
	if appHash != "" {
		body = "<#> " + body + " " + appHash
	}
	return body
}

// CallTwiML is the TwiML of a verification call: the code sentence, its characters one
// by one, said twice in voice (the service's TtsName; "" for the default); with
// pressKey, a <Gather> of one key asks for a key first.
func CallTwiML(locale, name, code, voice string, pressKey bool) string {
	w := words(locale)
	say := func(text string) string {
		var b strings.Builder
		b.WriteString(`<Say language="` + w.voice + `"`)
		if voice != "" {
			b.WriteString(` voice="`)
			_ = xml.EscapeText(&b, []byte(voice))
			b.WriteString(`"`)
		}
		b.WriteString(">")
		_ = xml.EscapeText(&b, []byte(text)) // a strings.Builder takes every write
		b.WriteString("</Say>")
		return b.String()
	}
	sentence := fill(w.code, name, spell(code)) + "."
	var b strings.Builder
	b.WriteString("<Response>")
	if pressKey {
		b.WriteString(`<Gather input="dtmf" numDigits="1" timeout="10">` + say(fill(w.pressKey, name, code)) + "</Gather>")
	}
	b.WriteString(say(sentence) + `<Pause length="1"/>` + say(sentence))
	b.WriteString("</Response>")
	return b.String()
}

// spell writes a code one character at a time, "1, 2, 3", as a voice reads a code.
func spell(code string) string {
	chars := make([]string, 0, len(code))
	for _, r := range code {
		chars = append(chars, string(r))
	}
	return strings.Join(chars, ", ")
}
