// Messaging Services (Messaging v1) through the official twilio SDK, which reaches them
// through client.messaging.baseUrl; and sending with MessagingServiceSid.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { restError, startSwitchboard } from "./switchboard.mjs";

let sb;
let client;

before(async () => {
  sb = await startSwitchboard({ deliveryDelay: "20ms", ownNumber: null });
  client = sb.client();
});
after(async () => {
  await sb?.stop();
});

test("services: create, fetch, list, update, delete", async () => {
  const svc = await client.messaging.v1.services.create({
    friendlyName: "Reminders",
    statusCallback: "https://example.com/status",
  });
  assert.match(svc.sid, /^MG[0-9a-f]{32}$/);
  assert.equal(svc.accountSid, sb.accountSid);
  assert.equal(svc.friendlyName, "Reminders");
  assert.equal(svc.statusCallback, "https://example.com/status");
  assert.equal(svc.stickySender, true);
  assert.equal(svc.inboundRequestUrl, null);
  assert.equal(svc.url, `${sb.url}/v1/Services/${svc.sid}`);
  // v1 dates are ISO 8601; the SDK makes Dates of them.
  assert.ok(svc.dateCreated instanceof Date && !isNaN(svc.dateCreated), `dateCreated ${svc.dateCreated}`);

  const updated = await client.messaging.v1.services(svc.sid).update({
    stickySender: false,
    inboundRequestUrl: "https://example.com/sms",
  });
  assert.equal(updated.stickySender, false);
  assert.equal(updated.inboundRequestUrl, "https://example.com/sms");
  assert.equal((await client.messaging.v1.services(svc.sid).fetch()).stickySender, false);

  const second = await client.messaging.v1.services.create({ friendlyName: "Second" });
  // One a page: the SDK follows meta.next_page_url, an absolute URL on this server.
  const all = await client.messaging.v1.services.list({ pageSize: 1 });
  assert.deepEqual(all.map((s) => s.sid).slice(0, 2), [second.sid, svc.sid]);

  assert.equal(await client.messaging.v1.services(second.sid).remove(), true);
  const err = await restError(client.messaging.v1.services(second.sid).fetch());
  assert.equal(err.status, 404);
  assert.equal(err.code, 20404);
});

test("the sender pool: phone numbers and an alpha sender", async () => {
  const svc = await client.messaging.v1.services.create({ friendlyName: "pool" });
  const other = await client.messaging.v1.services.create({ friendlyName: "other" });
  const number = await client.incomingPhoneNumbers.create({ phoneNumber: "+14155550101" });
  const pooled = await client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: number.sid });
  assert.equal(pooled.sid, number.sid);
  assert.equal(pooled.phoneNumber, "+14155550101");
  assert.equal(pooled.countryCode, "US");
  assert.deepEqual(pooled.capabilities, ["Voice", "SMS", "MMS"]);

  const taken = await restError(client.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: number.sid }));
  assert.equal(taken.code, 21712);

  const list = await client.messaging.v1.services(svc.sid).phoneNumbers.list();
  assert.deepEqual(list.map((n) => n.sid), [number.sid]);
  assert.equal((await client.messaging.v1.services(svc.sid).phoneNumbers(number.sid).fetch()).phoneNumber, "+14155550101");

  const alpha = await client.messaging.v1.services(svc.sid).alphaSenders.create({ alphaSender: "Acme" });
  assert.match(alpha.sid, /^AI[0-9a-f]{32}$/);
  assert.equal(alpha.alphaSender, "Acme");
  const alphas = await client.messaging.v1.services(svc.sid).alphaSenders.list();
  assert.deepEqual(alphas.map((a) => a.sid), [alpha.sid]);
  assert.equal((await client.messaging.v1.services(svc.sid).alphaSenders(alpha.sid).fetch()).alphaSender, "Acme");
  assert.equal(await client.messaging.v1.services(svc.sid).alphaSenders(alpha.sid).remove(), true);

  assert.equal(await client.messaging.v1.services(svc.sid).phoneNumbers(number.sid).remove(), true);
  assert.deepEqual(await client.messaging.v1.services(svc.sid).phoneNumbers.list(), []);
});

test("send with messagingServiceSid: accepted with from null, then the pool's number", async () => {
  const svc = await client.messaging.v1.services.create({ friendlyName: "send" });
  const number = await client.incomingPhoneNumbers.create({ phoneNumber: "+14155550102" });
  await client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: number.sid });

  const m = await client.messages.create({ to: "+14155550100", messagingServiceSid: svc.sid, body: "hi" });
  assert.equal(m.status, "accepted");
  assert.equal(m.from, null);
  assert.equal(m.messagingServiceSid, svc.sid);
  let got;
  for (let i = 0; i < 500; i++) {
    got = await client.messages(m.sid).fetch();
    if (got.status === "delivered") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(got.status, "delivered");
  assert.equal(got.from, "+14155550102");

  const err = await restError(
    client.messages.create({ to: "+14155550100", messagingServiceSid: "MG00000000000000000000000000000000", body: "x" }),
  );
  assert.equal(err.code, 21701);
  assert.equal(err.status, 400);
});
