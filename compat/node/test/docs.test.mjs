// The code docs/clients.md quotes: twilio-node pointed at Switchboard the way a user
// would write it. The other tests here cover the same calls in depth.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import twilio from "twilio";
import { simulator, simulatorGet, startSwitchboard, verificationCode } from "./switchboard.mjs";

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

test("docs snippet: look a number up with twilio-node", async () => {
  const { url: switchboardUrl, accountSid, authToken } = sb;
  // snippet:start twilio-node-lookup
  const client = twilio(accountSid, authToken);
  client.lookups.baseUrl = switchboardUrl; // Lookup v2 is served on the same address
  const number = await client.lookups.v2
    .phoneNumbers("020 7946 0018")
    .fetch({ countryCode: "GB", fields: "line_type_intelligence" });
  // snippet:end
  assert.equal(number.valid, true);
  assert.equal(number.phoneNumber, "+442079460018");
  assert.equal(number.lineTypeIntelligence.type, "landline");
});

test("docs snippet: an API key and a Messaging Service with twilio-node", async () => {
  const { url: switchboardUrl, accountSid } = sb;
  const admin = sb.client();
  const { sid: apiKeySid, secret: apiKeySecret } = await admin.newKeys.create({ friendlyName: "docs" });
  const [{ sid: numberSid }] = await admin.incomingPhoneNumbers.list({ phoneNumber: "+14155550199" });

  // snippet:start twilio-node-api-key
  const client = twilio(apiKeySid, apiKeySecret, { accountSid }); // SK… and its secret
  client.api.baseUrl = switchboardUrl;
  client.messaging.baseUrl = switchboardUrl; // Messaging Services (v1) are on the same address
  // snippet:end

  // snippet:start twilio-node-messaging-service
  const service = await client.messaging.v1.services.create({
    friendlyName: "Reminders",
    statusCallback: "https://example.com/status",
  });
  await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: numberSid });
  const message = await client.messages.create({
    to: "+14155550100",
    messagingServiceSid: service.sid, // no from: the service picks it
    body: "Your appointment is tomorrow at 9:00",
  }); // message.status is "accepted" and message.from null, for now
  // snippet:end
  assert.equal(message.status, "accepted");
  assert.equal(message.from, null);
  assert.equal(message.messagingServiceSid, service.sid);
  assert.equal(message.accountSid, accountSid);
});

test("docs snippet: a sign-in with Verify and twilio-node", async () => {
  const { url: switchboardUrl, accountSid, authToken } = sb;
  // snippet:start twilio-node-verify
  const client = twilio(accountSid, authToken);
  client.verify.baseUrl = switchboardUrl; // Verify v2 is served on the same address
  const service = await client.verify.v2.services.create({ friendlyName: "Acme" });
  await client.verify.v2.services(service.sid).verifications.create({ to: "+14155550100", channel: "sms" });
  // A test reads the code the phone got: GET /switchboard/v1/Accounts/{AccountSid}/Verifications?To=...
  const { code } = await verificationCode(sb, "+14155550100");
  const check = await client.verify.v2.services(service.sid).verificationChecks.create({ to: "+14155550100", code });
  // check.status is "approved"
  // snippet:end
  assert.equal(check.status, "approved");
  assert.equal(check.valid, true);
});

test("docs snippet: a WhatsApp template with twilio-node", async () => {
  const { url: switchboardUrl, accountSid, authToken } = sb;
  // The user joins the Sandbox first, as a phone would (the keyword is the account's).
  const sandbox = await simulatorGet(sb, "WhatsApp/Sandbox");
  await simulator(sb, "InboundMessages", { From: "whatsapp:+14155550100", To: "whatsapp:+14155238886", Body: sandbox.join_message });
  // snippet:start twilio-node-whatsapp
  const client = twilio(accountSid, authToken);
  client.api.baseUrl = switchboardUrl;
  client.content.baseUrl = switchboardUrl; // Content templates (v1) are on the same address
  const template = await client.content.v1.contents.create({
    friendly_name: "order_update",
    language: "en",
    variables: { 1: "customer" },
    types: { "twilio/text": { body: "Hi {{1}}, your order {{2}} has shipped." } },
  });
  const message = await client.messages.create({
    to: "whatsapp:+14155550100",
    from: "whatsapp:+14155238886", // the Sandbox
    contentSid: template.sid,
    contentVariables: JSON.stringify({ 1: "Ana", 2: "#1042" }),
  }); // message.body is "Hi Ana, your order #1042 has shipped."
  // snippet:end
  assert.equal(message.body, "Hi Ana, your order #1042 has shipped.");
  assert.equal(message.to, "whatsapp:+14155550100");
});
