package server

import "unicode/utf16"

// gsm7Basic and gsm7Extended are the GSM 03.38 default alphabet and its extension table.
// A body made only of these is sent as GSM-7, where an extension character costs two
// septets; any other character forces UCS-2 for the whole body.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
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

// numSegments is how many SMS segments body needs: GSM-7 fits 160 septets in one
// segment and 153 per segment when split; UCS-2 fits 70 UTF-16 units, or 67.
// An empty body (a media-only message) still takes one.
func numSegments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		cost, ok := gsm7Cost[r]
		if !ok {
			gsm = false
			break
		}
		septets += cost
	}
	if gsm {
		return segmentsOf(septets, 160, 153)
	}
	return segmentsOf(len(utf16.Encode([]rune(body))), 70, 67)
}

func segmentsOf(units, single, perPart int) int {
	if units <= single {
		return 1
	}
	return (units + perPart - 1) / perPart
}
