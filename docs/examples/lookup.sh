#!/usr/bin/env bash
# The Lookup v2 curl examples of docs/lookup.md. TestLookupCurlExample (server package)
# runs this file against a live server, with BASE, SID and TOKEN set, and checks each
# line it prints; the docs quote it between the snippet markers.
set -euo pipefail

# snippet:start curl-lookup
curl -s -u "$SID:$TOKEN" "$BASE/v2/PhoneNumbers/+447400123456?Fields=line_type_intelligence,sms_pumping_risk"
# snippet:end

# snippet:start curl-lookup-national
curl -s -u "$SID:$TOKEN" -G "$BASE/v2/PhoneNumbers/020%207946%200018" --data-urlencode "CountryCode=GB"
# snippet:end
