// API keys through the official twilio SDK: a client built with a key (and the Account
// SID) sends, fetches and lists; a Standard key is refused where Twilio refuses it; keys
// are created, read, renamed and deleted, and a deleted key stops working at once.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { OWN_NUMBER, restError, startSwitchboard } from "./switchboard.mjs";

const KEY_SID_RE = /^SK[0-9a-f]{32}$/;
const SECRET_RE = /^[A-Za-z0-9]{32}$/;

let sb;
let admin;

before(async () => {
  sb = await startSwitchboard();
  admin = sb.client();
});
after(async () => {
  await sb?.stop();
});

test("a client built with an API key creates, fetches and lists messages", async () => {
  const key = await admin.newKeys.create({ friendlyName: "production app" });
  assert.match(key.sid, KEY_SID_RE);
  assert.match(key.secret, SECRET_RE);
  assert.equal(key.friendlyName, "production app");
  assert.ok(key.dateCreated instanceof Date);

  const app = sb.keyClient(key.sid, key.secret);
  const m = await app.messages.create({ to: "+14155550100", from: OWN_NUMBER, body: "sent with an API key" });
  assert.equal(m.accountSid, sb.accountSid);
  assert.equal(m.status, "queued");
  const fetched = await app.messages(m.sid).fetch();
  assert.equal(fetched.body, "sent with an API key");
  const listed = await app.messages.list({ to: "+14155550100" });
  assert.ok(listed.some((x) => x.sid === m.sid));

  const wrong = sb.keyClient(key.sid, key.secret.toLowerCase());
  const err = await restError(wrong.messages.list({ limit: 1 }));
  assert.equal(err.status, 401);
  assert.equal(err.code, 20003);
});

test("a Standard key gets 401 20003 on Accounts and Keys, as from Twilio", async () => {
  const key = await admin.newKeys.create({ friendlyName: "standard" });
  const app = sb.keyClient(key.sid, key.secret);
  for (const [name, call] of [
    ["fetch account", () => app.api.v2010.accounts(sb.accountSid).fetch()],
    ["list accounts", () => app.api.v2010.accounts.list({ limit: 1 })],
    ["create subaccount", () => app.api.v2010.accounts.create({ friendlyName: "nope" })],
    ["create key", () => app.newKeys.create({ friendlyName: "nope" })],
    ["list keys", () => app.keys.list({ limit: 5 })],
    ["fetch key", () => app.keys(key.sid).fetch()],
    ["delete key", () => app.keys(key.sid).remove()],
  ]) {
    const err = await restError(call());
    assert.equal(err.status, 401, name);
    assert.equal(err.code, 20003, name);
  }
  // The key itself still works on messages, and still exists.
  await app.messages.list({ limit: 1 });
  assert.equal((await admin.keys(key.sid).fetch()).friendlyName, "standard");
});

test("keys: create, fetch, list, rename, delete; a deleted key stops at once", async () => {
  const first = await admin.newKeys.create({ friendlyName: "first" });
  const second = await admin.newKeys.create();
  assert.equal(second.friendlyName, null);

  const fetched = await admin.keys(first.sid).fetch();
  assert.equal(fetched.sid, first.sid);
  assert.equal(fetched.friendlyName, "first");
  assert.equal(fetched.secret, undefined, "fetch shows no secret");

  // One a page: the SDK follows next_page_uri.
  const all = await admin.keys.list({ pageSize: 1 });
  const sids = all.map((k) => k.sid);
  assert.ok(sids.indexOf(second.sid) < sids.indexOf(first.sid), "newest first");

  const renamed = await admin.keys(first.sid).update({ friendlyName: "renamed" });
  assert.equal(renamed.friendlyName, "renamed");

  const app = sb.keyClient(second.sid, second.secret);
  await app.messages.list({ limit: 1 });
  assert.equal(await admin.keys(second.sid).remove(), true);
  const err = await restError(app.messages.list({ limit: 1 }));
  assert.equal(err.status, 401);
  assert.equal(err.code, 20003);
  const gone = await restError(admin.keys(second.sid).fetch());
  assert.equal(gone.status, 404);
});
