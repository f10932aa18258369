// The code docs/clients.md quotes: twilio-node pointed at Switchboard the way a user
// would write it. The other tests here cover the same calls in depth.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import twilio from "twilio";
import { startSwitchboard } from "./switchboard.mjs";

let sb;
before(async () => {
  sb = await startSwitchboard();
});
after(async () => {
  await sb?.stop();
});

test("docs snippet: send with twilio-node", async () => {
  const { url: switchboardUrl, accountSid, authToken } = sb;
  // snippet:start twilio-node
  const client = twilio(accountSid, authToken);
  client.api.baseUrl = switchboardUrl; // such as http://127.0.0.1:8080; next pages follow it too
  const message = await client.messages.create({
    to: "+14155550100",
    from: "+14155550199",
    body: "Hello from twilio-node",
  });
  // snippet:end
  assert.equal(message.status, "queued");
  assert.equal(message.body, "Hello from twilio-node");
  assert.match(message.sid, /^SM[0-9a-f]{32}$/);
});
