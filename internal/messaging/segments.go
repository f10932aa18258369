package messaging

import "unicode/utf16"

// gsm7Basic and gsm7Extended are the GSM 03.38 default alphabet and its extension table.
// A body made only of these is sent as GSM-7, where an extension character costs two
// septets; any other character forces UCS-2 for the whole body.
const (
	gsm7Basic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extended = "\f^{}\\[~]|€"
)

var gsm7Cost = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extended {
		m[r] = 2
	}
	return m
}()

// Encoding is how a body travels as SMS.
type Encoding struct {
	Name     string // "GSM-7" or "UCS-2"
	Segments int
	// NonGSM lists the characters that forced UCS-2, each once, in order of appearance.
	NonGSM []rune
}

// Encode says how body is sent: GSM-7 fits 160 septets in one segment and 153 per
// segment when split; UCS-2 fits 70 UTF-16 units, or 67. An empty body (a media-only
// message) still takes one segment.
func Encode(body string) Encoding {
	septets := 0
	var nonGSM []rune
	for _, r := range body {
		cost, ok := gsm7Cost[r]
		if !ok {
			if !containsRune(nonGSM, r) {
				nonGSM = append(nonGSM, r)
			}
			continue
		}
		septets += cost
	}
	if nonGSM == nil {
		return Encoding{Name: "GSM-7", Segments: segmentsOf(septets, 160, 153)}
	}
	return Encoding{Name: "UCS-2", Segments: segmentsOf(len(utf16.Encode([]rune(body))), 70, 67), NonGSM: nonGSM}
}

// NumSegments is Encode(body).Segments.
func NumSegments(body string) int { return Encode(body).Segments }

func segmentsOf(units, single, perPart int) int {
	if units <= single {
		return 1
	}
	return (units + perPart - 1) / perPart
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
