// Calls and recordings through the official twilio SDK against a live Switchboard, whose
// calls run 100 times faster than real time.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { OWN_NUMBER, restError, simulator, startSwitchboard } from "./switchboard.mjs";

const CALL_SID = /^CA[0-9a-f]{32}$/;
const RECORDING_SID = /^RE[0-9a-f]{32}$/;
const TO = "+14155550100";

let sb;
let client;

before(async () => {
  sb = await startSwitchboard();
  client = sb.client();
});
after(async () => {
  await sb?.stop();
});

/** Fetches a call until its status is one of statuses. */
async function waitForCall(sid, ...statuses) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const call = await client.calls(sid).fetch();
    if (statuses.includes(call.status)) return call;
    if (Date.now() > deadline) throw new Error(`call ${sid} is ${call.status}, want ${statuses}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("calls", () => {
  let recorded;

  test("create runs the TwiML; the ended call has the wire types the SDK expects", async () => {
    const call = await client.calls.create({
      to: TO,
      from: OWN_NUMBER,
      twiml: '<Response><Say>Hi</Say><Record maxLength="2"/><Say>Bye</Say></Response>',
    });
    assert.match(call.sid, CALL_SID);
    assert.equal(call.status, "queued");
    assert.equal(call.direction, "outbound-api");
    assert.equal(call.to, TO);
    assert.equal(call.from, OWN_NUMBER);
    assert.equal(call.apiVersion, "2010-04-01");
    assert.equal(call.duration, null);
    assert.equal(call.startTime, null);
    assert.ok(call.dateCreated instanceof Date);
    assert.equal(call.uri, `/2010-04-01/Accounts/${sb.accountSid}/Calls/${call.sid}.json`);
    assert.equal(call.subresourceUris.recordings, `/2010-04-01/Accounts/${sb.accountSid}/Calls/${call.sid}/Recordings.json`);

    const done = await waitForCall(call.sid, "completed", "failed", "busy", "no-answer");
    assert.equal(done.status, "completed");
    // "Hi" (0.4 s), 2 s recorded, "Bye" (0.4 s): 2.8 s connected, 3 started seconds.
    assert.equal(done.duration, "3");
    assert.equal(done.price, "-0.01400");
    assert.equal(done.priceUnit, "USD");
    assert.ok(done.startTime instanceof Date && done.endTime instanceof Date);
    assert.ok(done.endTime >= done.startTime);
    recorded = done;
  });

  test("list filters and pages through next_page_uri", async () => {
    const more = await client.calls.create({ to: "+14155550101", from: OWN_NUMBER, twiml: "<Response/>" });
    await waitForCall(more.sid, "completed");
    const all = await client.calls.list({ pageSize: 1, limit: 10 });
    assert.ok(all.length >= 2);
    assert.deepEqual(all.slice(0, 2).map((c) => c.sid), [more.sid, recorded.sid]);
    const toFirst = await client.calls.list({ to: TO, status: "completed", startTimeAfter: new Date(Date.now() - 86_400_000) });
    assert.deepEqual(toFirst.map((c) => c.sid), [recorded.sid]);
    assert.deepEqual(await client.calls.list({ status: "busy" }), []);
  });

  test("recordings: the account's list and fetch, and the call's", async () => {
    const recs = await client.recordings.list({ callSid: recorded.sid });
    assert.equal(recs.length, 1);
    const rec = recs[0];
    assert.match(rec.sid, RECORDING_SID);
    assert.equal(rec.callSid, recorded.sid);
    assert.equal(rec.status, "completed");
    assert.equal(rec.duration, "2");
    assert.equal(rec.channels, 1);
    assert.equal(rec.source, "RecordVerb");
    assert.equal(rec.price, "-0.00250");
    assert.ok(rec.startTime instanceof Date);
    assert.equal(rec.mediaUrl, `${sb.url}/2010-04-01/Accounts/${sb.accountSid}/Recordings/${rec.sid}`);

    const one = await client.recordings(rec.sid).fetch();
    assert.equal(one.sid, rec.sid);
    const ofCall = await client.calls(recorded.sid).recordings.list();
    assert.deepEqual(ofCall.map((r) => r.sid), [rec.sid]);
    const fetched = await client.calls(recorded.sid).recordings(rec.sid).fetch();
    assert.equal(fetched.duration, "2");
    assert.equal(fetched.price, -0.0025);

    const wav = await fetch(one.mediaUrl + ".wav", {
      headers: { Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64") },
    });
    assert.equal(wav.status, 200);
    assert.equal(wav.headers.get("content-type"), "audio/wav");
    const bytes = Buffer.from(await wav.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString(), "RIFF");
    assert.equal(bytes.length, 44 + 2 * 8000 * 2);
  });

  test("update: cancel a ringing call, redirect a live one, hang it up; delete", async () => {
    // +15554000002 never answers: it rings until Timeout.
    const ringing = await client.calls.create({ to: "+15554000002", from: OWN_NUMBER, timeout: 600, twiml: "<Response/>" });
    await waitForCall(ringing.sid, "ringing");
    const canceled = await client.calls(ringing.sid).update({ status: "canceled" });
    assert.equal(canceled.status, "canceled");
    assert.equal(canceled.duration, "0");

    const live = await client.calls.create({ to: TO, from: OWN_NUMBER, twiml: '<Response><Pause length="600"/></Response>' });
    await waitForCall(live.sid, "in-progress");
    const err = await restError(client.calls(live.sid).remove());
    assert.equal(err.status, 400);
    assert.equal(err.code, 20009);
    const redirected = await client.calls(live.sid).update({ twiml: '<Response><Pause length="300"/></Response>' });
    assert.equal(redirected.status, "in-progress");
    await simulator(sb, `Calls/${live.sid}/Digits`, { Digits: "1" }); // nothing listens: type-ahead
    const hungUp = await client.calls(live.sid).update({ status: "completed" });
    assert.equal(hungUp.status, "completed");
    assert.match(hungUp.duration, /^[0-9]+$/);

    const ended = await restError(client.calls(live.sid).update({ url: "https://example.com/voice" }));
    assert.equal(ended.code, 21220);
    assert.equal(await client.calls(live.sid).remove(), true);
    const gone = await restError(client.calls(live.sid).fetch());
    assert.equal(gone.status, 404);
    assert.equal(gone.code, 20404);
  });

  test("Twilio's magic numbers and a From the account does not own", async () => {
    const invalid = await restError(client.calls.create({ to: "+15005550001", from: OWN_NUMBER, url: "https://example.com/voice" }));
    assert.equal(invalid.code, 21217);
    const notOwned = await restError(client.calls.create({ to: TO, from: "+14155550123", url: "https://example.com/voice" }));
    assert.equal(notOwned.code, 21210);
    const inbound = await simulator(sb, "InboundCalls", { From: TO, To: OWN_NUMBER }).catch((e) => e);
    assert.match(String(inbound), /HTTP 400/); // the number has no VoiceUrl
  });
});
