// Verify v2 through the official twilio SDK, which reaches it through
// client.verify.baseUrl: a sign-in with a code sent by text, read through Switchboard's
// simulator, and Verify's limits.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { advance, restError, startSwitchboard, verificationCode } from "./switchboard.mjs";

let sb;
let client;
let service;

before(async () => {
  sb = await startSwitchboard({ ownNumber: null });
  client = sb.client();
  service = (await client.verify.v2.services.create({ friendlyName: "Acme" })).sid;
});
after(async () => {
  await sb?.stop();
});

// wrong is a code of code's length that is not code.
const wrong = (code) => (code.startsWith("1") ? "2" : "1") + code.slice(1);

test("services: create, fetch, list, update, delete", async () => {
  const svc = await client.verify.v2.services.create({ friendlyName: "Shop", codeLength: 8 });
  assert.match(svc.sid, /^VA[0-9a-f]{32}$/);
  assert.equal(svc.accountSid, sb.accountSid);
  assert.equal(svc.codeLength, 8);
  assert.equal(svc.url, `${sb.url}/v2/Services/${svc.sid}`);
  // v2 dates are ISO 8601; the SDK makes Dates of them.
  assert.ok(svc.dateCreated instanceof Date && !isNaN(svc.dateCreated), `dateCreated ${svc.dateCreated}`);
  const updated = await client.verify.v2.services(svc.sid).update({ doNotShareWarningEnabled: true });
  assert.equal(updated.doNotShareWarningEnabled, true);
  assert.equal((await client.verify.v2.services(svc.sid).fetch()).codeLength, 8);
  // One a page: the SDK follows meta.next_page_url.
  const all = await client.verify.v2.services.list({ pageSize: 1 });
  assert.deepEqual(all.map((s) => s.sid).slice(0, 2), [svc.sid, service]);
  assert.equal(await client.verify.v2.services(svc.sid).remove(), true);
  const err = await restError(client.verify.v2.services(svc.sid).fetch());
  assert.equal(err.status, 404);
  assert.equal(err.code, 20404);
});

test("a sign-in: the code sent by text, a wrong code, the right one", async () => {
  const to = "+14155550100";
  const v = await client.verify.v2.services(service).verifications.create({ to, channel: "sms" });
  assert.equal(v.status, "pending");
  assert.equal(v.valid, false);
  assert.equal(v.sendCodeAttempts.length, 1);
  const { code, sid } = await verificationCode(sb, to);
  assert.equal(sid, v.sid);

  const messages = await client.messages.list({ to });
  assert.equal(messages.length, 1);
  assert.equal(messages[0].body, `Your Acme verification code is: ${code}`);

  const no = await client.verify.v2.services(service).verificationChecks.create({ to, code: wrong(code) });
  assert.equal(no.status, "pending");
  assert.equal(no.valid, false);
  const yes = await client.verify.v2.services(service).verificationChecks.create({ to, code });
  assert.equal(yes.status, "approved");
  assert.equal(yes.valid, true);
  assert.equal(yes.sid, v.sid);
  assert.equal((await client.verify.v2.services(service).verifications(v.sid).fetch()).status, "approved");

  const again = await restError(client.verify.v2.services(service).verificationChecks.create({ to, code }));
  assert.equal(again.status, 404);
  assert.equal(again.code, 20404);
  assert.equal(again.message, `The requested resource /Services/${service}/VerificationCheck was not found`);
});

test("five wrong codes, then 60202", async () => {
  const to = "+14155550101";
  await client.verify.v2.services(service).verifications.create({ to, channel: "sms" });
  const { code } = await verificationCode(sb, to);
  for (let i = 0; i < 5; i++) {
    const check = await client.verify.v2.services(service).verificationChecks.create({ to, code: wrong(code) });
    assert.equal(check.valid, false);
  }
  const err = await restError(client.verify.v2.services(service).verificationChecks.create({ to, code }));
  assert.equal(err.status, 429);
  assert.equal(err.code, 60202);
});

test("six sends to one number, then 60203", async () => {
  const to = "+14155550102";
  for (let i = 1; i <= 5; i++) {
    const v = await client.verify.v2.services(service).verifications.create({ to, channel: "sms" });
    assert.equal(v.sendCodeAttempts.length, i);
  }
  const err = await restError(client.verify.v2.services(service).verifications.create({ to, channel: "sms" }));
  assert.equal(err.status, 429);
  assert.equal(err.code, 60203);
});

test("a canceled verification, then a check: 20404", async () => {
  const to = "+14155550103";
  const v = await client.verify.v2.services(service).verifications.create({ to, channel: "sms" });
  const { code } = await verificationCode(sb, to);
  const canceled = await client.verify.v2.services(service).verifications(v.sid).update({ status: "canceled" });
  assert.equal(canceled.status, "canceled");
  const err = await restError(client.verify.v2.services(service).verificationChecks.create({ verificationSid: v.sid, code }));
  assert.equal(err.status, 404);
  assert.equal(err.code, 20404);
});

// Eleven minutes pass in a moment, past the code's ten: Twilio has deleted the expired
// verification, so its check is a 404; sends are counted per verification, so the
// number that reached 60203 may be sent a new code.
test("a code after Advance=PT11M: expired, 20404", async () => {
  const to = "+14155550106";
  await client.verify.v2.services(service).verifications.create({ to, channel: "sms" });
  const { code } = await verificationCode(sb, to);
  const clock = await advance(sb, "PT11M");
  assert.ok(clock.offset_seconds >= 660, `offset ${clock.offset_seconds}`);
  const err = await restError(client.verify.v2.services(service).verificationChecks.create({ to, code }));
  assert.equal(err.status, 404);
  assert.equal(err.code, 20404);
  const again = await client.verify.v2.services(service).verifications.create({ to: "+14155550102", channel: "sms" });
  assert.equal(again.sendCodeAttempts.length, 1);
});

test("a code by call", async () => {
  const to = "+14155550104";
  const v = await client.verify.v2.services(service).verifications.create({ to, channel: "call" });
  assert.equal(v.channel, "call");
  const { code } = await verificationCode(sb, to);
  const calls = await client.calls.list({ to });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].from, "+16505550100");
  const check = await client.verify.v2.services(service).verificationChecks.create({ to, code });
  assert.equal(check.status, "approved");
});

test("channels Switchboard has not: email (60217), whatsapp (60223)", async () => {
  const email = await restError(client.verify.v2.services(service).verifications.create({ to: "a@example.com", channel: "email" }));
  assert.equal(email.status, 400);
  assert.equal(email.code, 60217);
  const whatsapp = await restError(client.verify.v2.services(service).verifications.create({ to: "+14155550105", channel: "whatsapp" }));
  assert.equal(whatsapp.status, 400);
  assert.equal(whatsapp.code, 60223);
});
