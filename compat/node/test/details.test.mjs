// The details apps built like Twilio's quickstarts trip on, through the official twilio
// SDK: an MMS's MM… SID, the incoming-message webhook's parameters as Twilio documents
// them, and media files and recordings (WAV and MP3) fetched without credentials, as
// Twilio serves them unless the account asks for HTTP auth.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { OWN_NUMBER, fileServer, simulator, startSwitchboard, waitForMessage, webhookApp } from "./switchboard.mjs";

// The parameters of Twilio's request to an app when a message comes in ("Twilio's request
// to your application"), with SmsStatus and ApiVersion, which it sends too.
const INCOMING_PARAMS = [
  "MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments",
  "FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry",
  "SmsStatus", "ApiVersion",
];
const PNG = Buffer.from("\x89PNG\r\n\x1a\n", "latin1");

let sb;
let client;
let app;
let files;

before(async () => {
  // Calls at 100 times real time, texts delivered in 100 ms steps; OWN_NUMBER is bought below
  // with the app's SmsUrl.
  sb = await startSwitchboard({ deliveryDelay: "100ms", ownNumber: null });
  client = sb.client();
  app = await webhookApp(sb.authToken);
  files = await fileServer("image/png", PNG);
  await client.incomingPhoneNumbers.create({ phoneNumber: OWN_NUMBER, smsUrl: app.url + "/sms" });
});
after(async () => {
  await app?.close();
  await files?.close();
  await sb?.stop();
});

/** GETs url without credentials, as a browser following a link does. */
async function withoutCredentials(url) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
}

test("an MMS has an MM… SID and its file is served without credentials", async () => {
  const sms = await client.messages.create({ to: "+14155550100", from: OWN_NUMBER, body: "no picture" });
  assert.match(sms.sid, /^SM[0-9a-f]{32}$/);
  const mms = await client.messages.create({ to: "+14155550100", from: OWN_NUMBER, body: "a picture", mediaUrl: [files.url] });
  assert.match(mms.sid, /^MM[0-9a-f]{32}$/);
  assert.equal(mms.numMedia, "1");
  await waitForMessage(client, mms.sid, "delivered");
  const [media] = await client.messages(mms.sid).media.list();
  assert.equal(media.contentType, "image/png");
  // The file is at the resource's URI without .json.
  const file = await withoutCredentials(sb.url + media.uri.replace(/\.json$/, ""));
  assert.equal(file.status, 200);
  assert.equal(file.type, "image/png");
  assert.deepEqual(file.body, PNG);
});

test("an incoming text's webhook has every parameter Twilio documents", async () => {
  const boston = "+16175550123";
  const inbound = await simulator(sb, "InboundMessages", { From: boston, To: OWN_NUMBER, Body: "Here it is", MediaUrl: files.url });
  assert.match(inbound.sid, /^MM[0-9a-f]{32}$/);
  const [hook] = await app.waitFor(1);
  assert.equal(hook.path, "/sms");
  assert.ok(hook.valid, "twilio.validateRequest refuses the signature");
  for (const name of INCOMING_PARAMS) assert.ok(name in hook.params, `${name} not sent`);
  // Where the parties are, from the number pool's data (our number is in San Francisco).
  assert.deepEqual(
    Object.fromEntries(INCOMING_PARAMS.map((n) => [n, hook.params[n]])),
    {
      MessageSid: inbound.sid, SmsSid: inbound.sid, SmsMessageSid: inbound.sid, AccountSid: sb.accountSid,
      From: boston, To: OWN_NUMBER, Body: "Here it is", NumMedia: "1", NumSegments: "1",
      FromCity: "BOSTON", FromState: "MA", FromZip: "02108", FromCountry: "US",
      ToCity: "SAN FRANCISCO", ToState: "CA", ToZip: "94103", ToCountry: "US",
      SmsStatus: "received", ApiVersion: "2010-04-01",
    },
  );
  assert.equal(hook.params.MediaContentType0, "image/png");
  // MediaUrl0 is what the app downloads, without credentials.
  const picture = await withoutCredentials(hook.params.MediaUrl0);
  assert.equal(picture.status, 200);
  assert.deepEqual(picture.body, PNG);
});

test("a recording's WAV and MP3 without credentials, and the account's setting that requires them", async () => {
  const call = await client.calls.create({ to: "+14155550101", from: OWN_NUMBER, twiml: '<Response><Record maxLength="2"/></Response>' });
  const deadline = Date.now() + 10_000;
  let recs = [];
  while (recs.length === 0 || recs[0].status !== "completed") {
    assert.ok(Date.now() < deadline, "no completed recording");
    await new Promise((r) => setTimeout(r, 50));
    recs = await client.recordings.list({ callSid: call.sid });
  }
  const rec = recs[0];
  // RecordingUrl (media_url) + ".wav" or ".mp3", as tutorials use them.
  const wav = await withoutCredentials(rec.mediaUrl + ".wav");
  assert.equal(wav.status, 200);
  assert.equal(wav.type, "audio/wav");
  assert.equal(wav.body.subarray(0, 4).toString(), "RIFF");
  const mp3 = await withoutCredentials(rec.mediaUrl + ".mp3");
  assert.equal(mp3.status, 200);
  assert.equal(mp3.type, "audio/mpeg");
  assert.ok(mp3.body.length > 0 && mp3.body[0] === 0xff && (mp3.body[1] & 0xe0) === 0xe0, "an MPEG audio frame's sync word first");

  // An account that turns on HTTP auth for recordings: credentials needed, as on Twilio.
  const settings = await simulator(sb, "Settings", { RecordingAuth: "true" });
  assert.equal(settings.recording_auth, true);
  assert.equal((await withoutCredentials(rec.mediaUrl + ".mp3")).status, 401);
  const withCredentials = await fetch(rec.mediaUrl + ".mp3", {
    headers: { Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64") },
  });
  assert.equal(withCredentials.status, 200);
  await simulator(sb, "Settings", { RecordingAuth: "false" });
});
