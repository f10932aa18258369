package messaging

import (
	"fmt"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// The simulated carrier network: which destinations fail and how, what a message costs,
// and the magic numbers of Twilio's test credentials. docs/simulator.md documents these
// tables for users; keep the two in step.

// failure is how a delivery to a destination ends.
type failure struct {
	Status  string // failed (never left the carrier) or undelivered (the handset never got it)
	Code    int
	Message string
}

// destinationFailures: deliveries to these numbers fail, so that apps can exercise their
// failure paths. Every other possible number is delivered.
var destinationFailures = map[string]failure{
	"+15553000003": {statusUndelivered, 30003, "Unreachable destination handset"},
	"+15553000005": {statusUndelivered, 30005, "Unknown destination handset"},
	"+15553000006": {statusFailed, 30006, "Landline or unreachable carrier"},
	"+15553000007": {statusUndelivered, 30007, "Message filtered"},
	"+15553000008": {statusFailed, 30008, "Unknown error"},
}

// Twilio's magic numbers for texts (its test credentials' sandbox), honoured for every
// account; phone.MagicFrom may send without being owned.

// magicTo: sending to these numbers is refused at create time with Twilio's code.
var magicTo = map[string]phone.RuleError{
	"+15005550001": {Code: 21211, Message: "The 'To' number +15005550001 is not a valid phone number."},
	"+15005550002": {Code: 21612, Message: "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."},
	"+15005550003": {Code: 21408, Message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."},
	"+15005550004": {Code: 21610, Message: "Attempt to send to unsubscribed recipient"},
	"+15005550009": {Code: 21614, Message: "'To' number +15005550009 is not a valid mobile number"},
}

// magicFrom: sending from these numbers is refused at create time with Twilio's code.
var magicFrom = map[string]phone.RuleError{
	"+15005550001": {Code: 21212, Message: "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."},
	"+15005550007": {Code: 21606, Message: "The 'From' phone number provided (+15005550007) is not a valid message-capable Twilio phone number for this destination/account."},
	"+15005550008": {Code: 21611, Message: "This 'From' number has exceeded the maximum number of queued messages."},
}

// Prices, in units of 0.00001 USD: a segment of SMS (either way), a media message.
const (
	priceSegment = 790
	priceMMS     = 2000
)

// price is what a message costs, as Twilio writes it: negative, five decimals, "-0.00790".
func price(segments, media int) string {
	units := priceSegment * segments
	if media > 0 {
		units = priceMMS
	}
	return fmt.Sprintf("-%d.%05d", units/100000, units%100000)
}
