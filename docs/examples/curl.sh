#!/usr/bin/env bash
# The curl examples of README.md and docs/clients.md. TestCurlExamples (server package)
# runs this file against a live server, with BASE, SID and TOKEN set, and checks each
# line it prints; the docs quote it between the snippet markers.
set -euo pipefail

# snippet:start curl-buy
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/IncomingPhoneNumbers.json" \
  --data-urlencode "PhoneNumber=+14155550199"
# snippet:end

# snippet:start curl-send
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages.json" \
  --data-urlencode "To=+14155550100" \
  --data-urlencode "From=+14155550199" \
  --data-urlencode "Body=Hello from Switchboard"
# snippet:end

# snippet:start curl-list
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages.json?PageSize=20&To=%2B14155550100"
# snippet:end

MSG=$(curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages.json?PageSize=1" | grep -o 'SM[0-9a-f]\{32\}' | head -n 1)
# A message still on its way (queued, sending) cannot be deleted: wait for the simulated
# carrier to deliver it (a fraction of a second).
until curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG.json" | grep -q '"status":"delivered"'; do sleep 0.1; done

# snippet:start curl-one
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG.json"                        # fetch
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG.json" --data-urlencode "Body=" # redact
curl -s -u "$SID:$TOKEN" -X DELETE "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG.json"               # delete: 204, no body
# snippet:end
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG.json" # now 404

# snippet:start curl-call
curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Calls.json" \
  --data-urlencode "To=+14155550100" \
  --data-urlencode "From=+14155550199" \
  --data-urlencode "Twiml=<Response><Say>Hello from Switchboard</Say></Response>"
# snippet:end

CALL=$(curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Calls.json?PageSize=1" | grep -o 'CA[0-9a-f]\{32\}' | head -n 1)
# The call rings, is answered and says its line on the simulated clock (--call-speed).
until curl -s -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Calls/$CALL.json" | grep -q '"status":"completed"'; do sleep 0.1; done

# snippet:start curl-call-events
curl -s -u "$SID:$TOKEN" "$BASE/switchboard/v1/Accounts/$SID/Calls/$CALL/Events"
# snippet:end
