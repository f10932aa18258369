package voice

import "github.com/switchboard-dev/switchboard/internal/phone"

// Twilio's magic numbers for calls (its test credentials' sandbox), honoured for every
// account; phone.MagicFrom may call without being owned. docs/simulator.md documents
// them for users, with the destinations and prices of internal/callflow; keep them in step.

// magicTo: calls to these numbers are refused at create time with Twilio's code.
var magicTo = map[string]phone.RuleError{
	"+15005550001": {Code: 21217, Message: "Phone number +15005550001 does not appear to be valid."},
	"+15005550002": {Code: 21214, Message: "'To' phone number +15005550002 cannot be reached."},
	"+15005550003": {Code: 21215, Message: "Account not authorized to call +15005550003: no permission for that international destination."},
	"+15005550004": {Code: 21216, Message: "Account not allowed to call +15005550004: the number is blocked."},
}

// magicFrom: calls from these numbers are refused at create time with Twilio's code.
var magicFrom = map[string]phone.RuleError{
	"+15005550001": {Code: 21212, Message: "The 'From' number +15005550001 is not a valid phone number."},
}
