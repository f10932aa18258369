package verify

import (
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/twiml"
)

func TestLocale(t *testing.T) {
	for _, tt := range []struct {
		requested, number, want string
	}{
		{"", "+14155550100", "en"},          // US
		{"", "+447700900123", "en"},         // GB
		{"", "+34600000000", "es"},          // Spain
		{"", "+525512345678", "es"},         // Mexico
		{"", "+33612345678", "fr"},          // France
		{"", "+4915123456789", "de"},        // Germany
		{"", "+393123456789", "it"},         // Italy
		{"", "+31612345678", "nl"},          // Netherlands
		{"", "+351912345678", "pt"},         // Portugal
		{"", "+5511912345678", "pt-BR"},     // Brazil
		{"", "+81312345678", "en"},          // Japan: no wording here
		{"es", "+14155550100", "es"},        // asked for
		{"ES", "+14155550100", "es"},        // case
		{"fr-CA", "+14155550100", "fr"},     // a region without its own wording
		{"pt-BR", "+351912345678", "pt-BR"}, // a region with one
		{"pt_br", "+14155550100", "pt-BR"},  // underscore, lower case
		{"pt", "+5511912345678", "pt"},
		{"en-GB", "+34600000000", "en"},
		{"ja", "+34600000000", "en"}, // no wording for the language
		{"xx-YY", "+14155550100", "en"},
	} {
		if got := Locale(tt.requested, tt.number); got != tt.want {
			t.Errorf("Locale(%q, %s) = %q, want %q", tt.requested, tt.number, got, tt.want)
		}
	}
}

func TestMessage(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		locale, service, code string
		warn                  bool
		appHash               string
		want                  string
	}{
		{"Twilio's default", "en", "Acme", "123456", false, "", "Your Acme verification code is: 123456"},
		{"do not share", "en", "Acme", "123456", true, "",
			"Your Acme verification code is: 123456. Don't share this code with anyone; our employees will never ask for the code."},
		{"an app hash", "en", "Acme", "1234", false, "He42w354ol9", "<#> Your Acme verification code is: 1234 He42w354ol9"},
		{"both", "en", "Acme", "1234", true, "He42w354ol9",
			"<#> Your Acme verification code is: 1234. Don't share this code with anyone; our employees will never ask for the code. He42w354ol9"},
		{"Spanish", "es", "Acme", "123456", false, "", "Tu código de verificación de Acme es: 123456"},
		{"Spanish, do not share", "es", "Acme", "123456", true, "",
			"Tu código de verificación de Acme es: 123456. No compartas este código con nadie; nuestros empleados nunca te lo pedirán."},
		{"French", "fr", "Acme", "123456", false, "", "Votre code de vérification Acme est : 123456"},
		{"German", "de", "Acme", "123456", false, "", "Ihr Acme Bestätigungscode lautet: 123456"},
		{"Italian", "it", "Acme", "123456", false, "", "Il tuo codice di verifica Acme è: 123456"},
		{"Dutch", "nl", "Acme", "123456", false, "", "Je Acme verificatiecode is: 123456"},
		{"Portuguese", "pt", "Acme", "123456", false, "", "O seu código de verificação Acme é: 123456"},
		{"Brazilian Portuguese", "pt-BR", "Acme", "123456", false, "", "Seu código de verificação Acme é: 123456"},
		{"a locale without wording", "ja", "Acme", "123456", false, "", "Your Acme verification code is: 123456"},
		{"placeholders in the name stay", "en", "{code} Co", "42424242", false, "", "Your {code} Co verification code is: 42424242"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.locale, tt.service, tt.code, tt.warn, tt.appHash); got != tt.want {
				t.Errorf("Message\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCallTwiML(t *testing.T) {
	for _, tt := range []struct {
		name           string
		locale, voice  string
		pressKey       bool
		wantLanguage   string
		wantGather     string
		wantSaysAtTop  int
		wantVoiceAttr  string
		wantSayContent string
	}{
		{name: "English", locale: "en", wantLanguage: "en-US", wantSaysAtTop: 2,
			wantSayContent: "Your A & B verification code is: 1, 2, 3, 4."},
		{name: "a voice", locale: "en", voice: `Polly.Joanna"`, wantLanguage: "en-US", wantSaysAtTop: 2, wantVoiceAttr: `Polly.Joanna"`,
			wantSayContent: "Your A & B verification code is: 1, 2, 3, 4."},
		{name: "a key first", locale: "en", pressKey: true, wantLanguage: "en-US", wantSaysAtTop: 2,
			wantGather: "Press any key to hear your A & B verification code.", wantSayContent: "Your A & B verification code is: 1, 2, 3, 4."},
		{name: "Spanish", locale: "es", pressKey: true, wantLanguage: "es-ES", wantSaysAtTop: 2,
			wantGather:     "Pulsa cualquier tecla para escuchar tu código de verificación de A & B.",
			wantSayContent: "Tu código de verificación de A & B es: 1, 2, 3, 4."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := CallTwiML(tt.locale, "A & B", "1234", tt.voice, tt.pressKey)
			parsed, err := twiml.ParseVoice([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", doc, err)
			}
			var says []*twiml.Say
			var gathers []*twiml.Gather
			pauses := 0
			for _, v := range parsed.Verbs {
				switch {
				case v.Say != nil:
					says = append(says, v.Say)
				case v.Gather != nil:
					gathers = append(gathers, v.Gather)
				case v.Pause != nil:
					pauses++
				}
			}
			if len(says) != tt.wantSaysAtTop || pauses != 1 {
				t.Fatalf("%d says and %d pauses in %s", len(says), pauses, doc)
			}
			for _, s := range says {
				if s.Text != tt.wantSayContent || s.Language != tt.wantLanguage || s.Voice != tt.wantVoiceAttr {
					t.Errorf("say %+v in %s", s, doc)
				}
			}
			if (len(gathers) == 1) != tt.pressKey {
				t.Fatalf("%d gathers in %s", len(gathers), doc)
			}
			if tt.pressKey {
				g := gathers[0]
				if g.NumDigits != 1 || g.Timeout != 10 || !strings.Contains(g.Input, "dtmf") || len(g.Prompts) != 1 ||
					g.Prompts[0].Say == nil || g.Prompts[0].Say.Text != tt.wantGather || g.Prompts[0].Say.Language != tt.wantLanguage {
					t.Errorf("gather %+v in %s", g, doc)
				}
				if !strings.HasPrefix(doc, "<Response><Gather") {
					t.Errorf("the key is not asked for first: %s", doc)
				}
			}
		})
	}
	if got := spell("12a4"); got != "1, 2, a, 4" {
		t.Errorf("spell = %q", got)
	}
}
