// Messages through the official twilio SDK against a live Switchboard.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { forceStatus, restError, startSwitchboard } from "./switchboard.mjs";

const SID_RE = /^SM[0-9a-f]{32}$/;
const MMS_SID_RE = /^MM[0-9a-f]{32}$/; // a message with media, as on Twilio
const FROM = "+14155550199";

let sb;
let client;

before(async () => {
  sb = await startSwitchboard();
  client = sb.client();
});
after(async () => {
  await sb?.stop();
});

/** Creates n messages to one number, one after another (so in a known order), oldest first. */
async function createMany(to, n) {
  const msgs = [];
  for (let i = 0; i < n; i++) {
    msgs.push(await client.messages.create({ to, from: FROM, body: `bulk ${i}` }));
  }
  return msgs;
}

describe("create and fetch", () => {
  test("create returns a queued message with the wire types the SDK expects", async () => {
    const before = Date.now();
    const m = await client.messages.create({ to: "+14155550100", from: FROM, body: "Hello from twilio-node" });
    assert.match(m.sid, SID_RE);
    assert.equal(m.accountSid, sb.accountSid);
    assert.equal(m.to, "+14155550100");
    assert.equal(m.from, FROM);
    assert.equal(m.body, "Hello from twilio-node");
    assert.equal(m.status, "queued");
    assert.equal(m.direction, "outbound-api");
    assert.equal(m.numSegments, "1");
    assert.equal(m.numMedia, "0");
    assert.equal(m.apiVersion, "2010-04-01");
    assert.equal(m.priceUnit, "USD");
    assert.equal(m.errorCode, null);
    assert.equal(m.uri, `/2010-04-01/Accounts/${sb.accountSid}/Messages/${m.sid}.json`);
    assert.equal(m.subresourceUris.media, `/2010-04-01/Accounts/${sb.accountSid}/Messages/${m.sid}/Media.json`);
    // The SDK turns RFC 2822 "+0000" dates into Dates; a string here means it could not.
    assert.ok(m.dateCreated instanceof Date, `dateCreated is ${typeof m.dateCreated}: ${m.dateCreated}`);
    assert.ok(m.dateUpdated instanceof Date);
    assert.equal(m.dateSent, null); // not sent yet
    // Whole seconds on the wire: allow for the truncation and a slow machine.
    assert.ok(m.dateCreated.getTime() >= before - 1000, `${m.dateCreated.toISOString()} too early`);
    assert.ok(m.dateCreated.getTime() <= Date.now() + 1000, `${m.dateCreated.toISOString()} too late`);
  });

  test("a spaced, non-ASCII body and segment counts survive the round trip", async () => {
    const body = "Grüße + Küsse & more = 100% 🎉";
    const m = await client.messages.create({ to: "+14155550100", from: FROM, body });
    assert.equal(m.body, body);
    assert.equal(m.numSegments, "1");
    const long = await client.messages.create({ to: "+14155550100", from: FROM, body: "x".repeat(161) });
    assert.equal(long.numSegments, "2");
  });

  test("repeated MediaUrl keys make an MMS without a body", async () => {
    const m = await client.messages.create({
      to: "+14155550100",
      from: FROM,
      mediaUrl: ["https://example.com/a.png", "https://example.com/b.jpg"],
    });
    assert.match(m.sid, MMS_SID_RE);
    assert.equal(m.numMedia, "2");
    assert.equal(m.body, "");
  });

  test("a scheduled message can be canceled with update({status: 'canceled'})", async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: "scheduled" });
    const m = await client.messages.create({
      to: "+14155550100",
      messagingServiceSid: service.sid,
      body: "later",
      scheduleType: "fixed",
      sendAt: new Date(Date.now() + 3600_000), // the SDK sends RFC 3339
    });
    assert.equal(m.status, "scheduled");
    assert.equal(m.messagingServiceSid, service.sid);
    assert.equal(m.from, null);
    const canceled = await client.messages(m.sid).update({ status: "canceled" });
    assert.equal(canceled.status, "canceled");
  });

  test("fetch returns the same message", async () => {
    const created = await client.messages.create({ to: "+14155550101", from: FROM, body: "fetch me" });
    const m = await client.messages(created.sid).fetch();
    assert.equal(m.sid, created.sid);
    assert.equal(m.body, "fetch me");
    assert.equal(m.to, "+14155550101");
    assert.equal(m.status, "queued");
    assert.equal(m.dateCreated.getTime(), created.dateCreated.getTime());
    // The fully qualified form reaches the same resource.
    const again = await client.api.v2010.accounts(sb.accountSid).messages(created.sid).fetch();
    assert.equal(again.sid, created.sid);
  });
});

describe("redact and delete", () => {
  test("update({body: ''}) redacts the body and keeps the rest", async () => {
    const created = await client.messages.create({ to: "+14155550102", from: FROM, body: "secret" });
    const redacted = await client.messages(created.sid).update({ body: "" });
    assert.equal(redacted.sid, created.sid);
    assert.equal(redacted.body, "");
    assert.equal(redacted.to, "+14155550102");
    const fetched = await client.messages(created.sid).fetch();
    assert.equal(fetched.body, "");
  });

  test("remove() deletes; a later fetch rejects with 404 / 20404", async () => {
    const created = await client.messages.create({ to: "+14155550103", from: FROM, body: "delete me" });
    // A message still on its way cannot be deleted yet.
    const busy = await restError(client.messages(created.sid).remove());
    assert.equal(busy.status, 400);
    assert.equal(busy.code, 20009);
    await forceStatus(sb, created.sid, "delivered");
    assert.equal(await client.messages(created.sid).remove(), true);
    const err = await restError(client.messages(created.sid).fetch());
    assert.equal(err.status, 404);
    assert.equal(err.code, 20404);
    assert.match(err.message, /not found/i);
    assert.equal(err.moreInfo, "https://www.twilio.com/docs/errors/20404");
    // Deleting again is a 404 too, surfaced by remove() as the same exception.
    const again = await restError(client.messages(created.sid).remove());
    assert.equal(again.status, 404);
    assert.equal(again.code, 20404);
  });
});

describe("errors", () => {
  test("an invalid To is a RestException with 400 / 21211 and Twilio's message", async () => {
    const err = await restError(client.messages.create({ to: "+1555", from: FROM, body: "nope" }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 21211);
    assert.equal(err.message, "The 'To' number +1555 is not a valid phone number.");
    assert.equal(err.moreInfo, "https://www.twilio.com/docs/errors/21211");
  });

  test("a 1601-character body is 400 / 21617 with exactly Twilio's message", async () => {
    const err = await restError(client.messages.create({ to: "+14155550100", from: FROM, body: "a".repeat(1601) }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 21617);
    assert.equal(err.message, "The concatenated message body exceeds the 1600 character limit.");
  });

  test("no Body and no MediaUrl is 400 / 21602", async () => {
    const err = await restError(client.messages.create({ to: "+14155550100", from: FROM }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 21602);
  });
});

describe("list", () => {
  const TO = "+14155550150";
  let created; // SIDs, oldest first

  before(async () => {
    created = (await createMany(TO, 120)).map((m) => m.sid);
  });

  test("list({pageSize: 50, limit: 120}) follows next_page_uri across three pages", async () => {
    const got = await client.messages.list({ to: TO, pageSize: 50, limit: 120 });
    assert.equal(got.length, 120);
    const sids = got.map((m) => m.sid);
    assert.equal(new Set(sids).size, 120, "duplicates across pages");
    assert.deepEqual(new Set(sids), new Set(created));
    assert.ok(got.every((m) => m.to === TO));
    // Newest first.
    assert.deepEqual(sids, [...created].reverse());
  });

  test("list without a limit stops at the last page (next_page_uri null)", async () => {
    const got = await client.messages.list({ to: TO, pageSize: 50 });
    assert.equal(got.length, 120);
    assert.equal(new Set(got.map((m) => m.sid)).size, 120);
  });

  test("a limit below the total stops early", async () => {
    const got = await client.messages.list({ to: TO, pageSize: 50, limit: 75 });
    assert.deepEqual(
      got.map((m) => m.sid),
      [...created].reverse().slice(0, 75),
    );
  });

  test("page() and nextPage() walk pages of an exact multiple of the page size", async () => {
    const seen = [];
    let page = await client.messages.page({ to: TO, pageSize: 40 });
    const sizes = [];
    for (;;) {
      sizes.push(page.instances.length);
      seen.push(...page.instances.map((m) => m.sid));
      const next = page.nextPage();
      if (next === undefined) break;
      page = await next;
    }
    // 120 rows = 3 pages of 40; an empty 4th page would also be legal on the wire but
    // would show up here.
    assert.deepEqual(sizes, [40, 40, 40]);
    assert.equal(new Set(seen).size, 120);
  });

  test("previousPage() goes back to the same rows", async () => {
    const first = await client.messages.page({ to: TO, pageSize: 50 });
    assert.equal(first.previousPage(), undefined);
    const second = await first.nextPage();
    const back = await second.previousPage();
    assert.deepEqual(
      back.instances.map((m) => m.sid),
      first.instances.map((m) => m.sid),
    );
  });

  test("each() visits every message once, across pages", async () => {
    const seen = [];
    await client.messages.each({ to: TO, pageSize: 50 }, (m) => {
      seen.push(m.sid);
    });
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
  });

  test("each() stops when the callback calls done", async () => {
    const seen = [];
    await client.messages.each({ to: TO, pageSize: 50 }, (m, done) => {
      seen.push(m.sid);
      if (seen.length === 60) done();
    });
    assert.equal(seen.length, 60);
  });

  test("the To filter excludes other numbers", async () => {
    const got = await client.messages.list({ to: "+14155550999", pageSize: 50 });
    assert.deepEqual(got, []);
  });
});

describe("date filters", () => {
  const TO = "+14155550160";
  const DAY = 24 * 60 * 60 * 1000;
  let msgs, sids;

  before(async () => {
    msgs = await createMany(TO, 3);
    sids = msgs.map((m) => m.sid);
  });

  test("a window around now returns today's messages", async () => {
    const got = await client.messages.list({
      to: TO,
      dateSentAfter: new Date(Date.now() - DAY),
      dateSentBefore: new Date(Date.now() + DAY),
    });
    assert.deepEqual(new Set(got.map((m) => m.sid)), new Set(sids));
  });

  test("dateSentAfter alone, from a minute ago", async () => {
    const got = await client.messages.list({ to: TO, dateSentAfter: new Date(Date.now() - 60_000) });
    assert.equal(got.length, 3);
  });

  test("dateSent (that whole day) returns the day's messages", async () => {
    // The SDK sends a date-time; Switchboard takes its whole UTC day.
    const got = await client.messages.list({ to: TO, dateSent: msgs[0].dateCreated });
    assert.equal(got.length, 3);
  });

  test("a window in the past returns none", async () => {
    const got = await client.messages.list({
      to: TO,
      dateSentAfter: new Date(Date.now() - 30 * DAY),
      dateSentBefore: new Date(Date.now() - 2 * DAY),
    });
    assert.deepEqual(got, []);
  });

  test("dateSentBefore in the past returns none; dateSentAfter in the future returns none", async () => {
    assert.deepEqual(await client.messages.list({ to: TO, dateSentBefore: new Date(Date.now() - DAY) }), []);
    assert.deepEqual(await client.messages.list({ to: TO, dateSentAfter: new Date(Date.now() + DAY) }), []);
  });

  test("filters are carried through next_page_uri", async () => {
    const got = await client.messages.list({
      to: TO,
      pageSize: 1,
      dateSentAfter: new Date(Date.now() - DAY),
      dateSentBefore: new Date(Date.now() + DAY),
    });
    assert.equal(got.length, 3);
    assert.equal(new Set(got.map((m) => m.sid)).size, 3);
  });
});

describe("delivery", () => {
  let live;
  before(async () => {
    live = await startSwitchboard({ deliveryDelay: "100ms" });
  });
  after(async () => {
    await live?.stop();
  });

  test("a message observed through fetch() walks queued -> sending -> sent -> delivered", async () => {
    const c = live.client();
    let m = await c.messages.create({ to: "+14155550104", from: FROM, body: "watch me go" });
    const seen = [m.status];
    const deadline = Date.now() + 10_000;
    while (m.status !== "delivered") {
      assert.ok(Date.now() < deadline, `not delivered in time; seen ${seen}`);
      await new Promise((r) => setTimeout(r, 10));
      m = await c.messages(m.sid).fetch();
      if (m.status !== seen.at(-1)) seen.push(m.status);
    }
    const order = ["queued", "sending", "sent", "delivered"];
    for (let i = 1; i < seen.length; i++) assert.ok(order.indexOf(seen[i]) > order.indexOf(seen[i - 1]), `order ${seen}`);
    assert.equal(m.price, "-0.00790");
    assert.equal(m.priceUnit, "USD");
    assert.ok(m.dateSent instanceof Date);
    assert.equal(m.errorCode, null);
  });

  test("media: list, fetch and remove through messages(sid).media", async () => {
    const gif = Buffer.from("GIF89a\x01\x00\x01\x00\x80\x00\x00", "latin1");
    const files = createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "image/gif" });
      res.end(gif);
    });
    await new Promise((r) => files.listen(0, "127.0.0.1", r));
    try {
      const c = live.client();
      const fileUrl = `http://127.0.0.1:${files.address().port}/a.gif`;
      let m = await c.messages.create({ to: "+14155550105", from: FROM, body: "pics", mediaUrl: [fileUrl, fileUrl] });
      assert.equal(m.numMedia, "2");
      const deadline = Date.now() + 10_000;
      while (m.status !== "delivered") {
        assert.ok(Date.now() < deadline, `status ${m.status}`);
        await new Promise((r) => setTimeout(r, 20));
        m = await c.messages(m.sid).fetch();
      }
      const media = await c.messages(m.sid).media.list({ pageSize: 1 });
      assert.equal(media.length, 2);
      assert.equal(media[0].contentType, "image/gif");
      assert.equal(media[0].parentSid, m.sid);
      assert.ok(media[0].dateCreated instanceof Date);
      const one = await c.messages(m.sid).media(media[0].sid).fetch();
      assert.equal(one.sid, media[0].sid);
      assert.equal(await c.messages(m.sid).media(one.sid).remove(), true);
      const gone = await restError(c.messages(m.sid).media(one.sid).fetch());
      assert.equal(gone.code, 20404);
      assert.equal((await c.messages(m.sid).fetch()).numMedia, "1");
    } finally {
      files.close();
    }
  });
});
