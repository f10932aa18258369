// The two supported ways of aiming the SDK at Switchboard, checked for paging as well:
// the SDK follows next_page_uri by prefixing its domain's base URL.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import twilio from "twilio";
import { localClient, rewritingHttpClient, startSwitchboard } from "./switchboard.mjs";

const FROM = "+14155550199";
const TO = "+14155550180";

let sb;

before(async () => {
  sb = await startSwitchboard();
  const c = sb.client();
  for (let i = 0; i < 7; i++) await c.messages.create({ to: TO, from: FROM, body: `page ${i}` });
});
after(async () => {
  await sb?.stop();
});

test("baseUrl: every request, next pages included, goes to the local server", async () => {
  const seen = [];
  // Wrap the SDK's own request client only to observe the URIs it builds.
  const http = new (class extends twilio.RequestClient {
    request(opts) {
      seen.push(opts.uri);
      return super.request(opts);
    }
  })();
  const client = localClient(sb.url, sb.accountSid, sb.authToken, { httpClient: http });
  const got = await client.messages.list({ to: TO, pageSize: 3 });
  assert.equal(got.length, 7);
  assert.equal(new Set(got.map((m) => m.sid)).size, 7);
  assert.equal(seen.length, 3, seen.join("\n"));
  const list = `${sb.url}/2010-04-01/Accounts/${sb.accountSid}/Messages.json`;
  // The first request passes its query as params; the next ones are next_page_uri verbatim.
  assert.equal(seen[0], list);
  for (const uri of seen.slice(1)) {
    assert.ok(uri.startsWith(`${list}?`), uri);
    assert.match(uri, /PageToken=/);
  }
});

test("httpClient: a RequestClient rewriting the production host also pages", async () => {
  const http = rewritingHttpClient(sb.url);
  const client = twilio(sb.accountSid, sb.authToken, { httpClient: http });
  const got = await client.messages.list({ to: TO, pageSize: 3 });
  assert.equal(got.length, 7);
  assert.equal(new Set(got.map((m) => m.sid)).size, 7);
  assert.equal(http.seen.length, 3);
  for (const uri of http.seen) assert.ok(uri.startsWith("https://api.twilio.com/2010-04-01/"), uri);
  const m = await client.messages.create({ to: TO, from: FROM, body: "via httpClient" });
  assert.equal((await client.messages(m.sid).fetch()).body, "via httpClient");
});
