// Accounts, subaccounts and authentication through the official twilio SDK.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { restError, startSwitchboard } from "./switchboard.mjs";

const ACCOUNT_RE = /^AC[0-9a-f]{32}$/;
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

describe("own account", () => {
  test("fetch the main account", async () => {
    const a = await client.api.v2010.accounts(sb.accountSid).fetch();
    assert.equal(a.sid, sb.accountSid);
    assert.equal(a.ownerAccountSid, sb.accountSid);
    assert.equal(a.status, "active");
    assert.equal(a.type, "Full");
    assert.equal(a.authToken, sb.authToken);
    assert.equal(typeof a.friendlyName, "string");
    assert.ok(a.friendlyName.length > 0);
    assert.ok(a.dateCreated instanceof Date, `dateCreated is ${typeof a.dateCreated}: ${a.dateCreated}`);
    assert.equal(a.uri, `/2010-04-01/Accounts/${sb.accountSid}.json`);
    assert.equal(a.subresourceUris.messages, `/2010-04-01/Accounts/${sb.accountSid}/Messages.json`);
  });

  test("client.api.v2010.account is the client's own account", async () => {
    const a = await client.api.v2010.account.fetch();
    assert.equal(a.sid, sb.accountSid);
  });
});

describe("subaccounts", () => {
  let sub;

  before(async () => {
    sub = await client.api.v2010.accounts.create({ friendlyName: "compat node sub" });
  });

  test("create returns an active subaccount with its own alphanumeric credentials", () => {
    assert.match(sub.sid, ACCOUNT_RE);
    assert.notEqual(sub.sid, sb.accountSid);
    assert.equal(sub.ownerAccountSid, sb.accountSid);
    assert.equal(sub.friendlyName, "compat node sub");
    assert.equal(sub.status, "active");
    assert.match(sub.authToken, /^[A-Za-z0-9]+$/);
    assert.ok(sub.dateCreated instanceof Date);
  });

  test("the subaccount sends a message with its own credentials", async () => {
    const subClient = sb.client(sub.sid, sub.authToken);
    // Not from its parent's number; from one it bought, yes.
    const notYours = await restError(subClient.messages.create({ to: "+14155550170", from: FROM, body: "x" }));
    assert.equal(notYours.code, 21606);
    await subClient.incomingPhoneNumbers.create({ phoneNumber: "+14155550198" });
    const m = await subClient.messages.create({ to: "+14155550170", from: "+14155550198", body: "from the sub" });
    assert.match(m.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(m.accountSid, sub.sid);
    assert.equal(m.uri, `/2010-04-01/Accounts/${sub.sid}/Messages/${m.sid}.json`);
    const fetched = await subClient.messages(m.sid).fetch();
    assert.equal(fetched.body, "from the sub");

    // The parent reaches it under the subaccount's path, not under its own.
    const viaParent = await client.api.v2010.accounts(sub.sid).messages(m.sid).fetch();
    assert.equal(viaParent.sid, m.sid);
    const underParent = await restError(client.messages(m.sid).fetch());
    assert.equal(underParent.status, 404);
    assert.equal(underParent.code, 20404);
    const parentList = await client.messages.list({ to: "+14155550170" });
    assert.deepEqual(parentList, []);
    const subList = await client.api.v2010.accounts(sub.sid).messages.list({ to: "+14155550170" });
    assert.deepEqual(
      subList.map((x) => x.sid),
      [m.sid],
    );
  });

  test("the subaccount sees itself and cannot reach its parent", async () => {
    const subClient = sb.client(sub.sid, sub.authToken);
    const me = await subClient.api.v2010.account.fetch();
    assert.equal(me.sid, sub.sid);
    const err = await restError(subClient.api.v2010.accounts(sb.accountSid).fetch());
    assert.equal(err.status, 401);
    assert.equal(err.code, 20003);
  });

  test("the parent lists itself and its subaccounts", async () => {
    const all = await client.api.v2010.accounts.list();
    const sids = all.map((a) => a.sid);
    assert.ok(sids.includes(sb.accountSid));
    assert.ok(sids.includes(sub.sid));
    const byName = await client.api.v2010.accounts.list({ friendlyName: "compat node sub" });
    assert.deepEqual(
      byName.map((a) => a.sid),
      [sub.sid],
    );
  });

  test("a suspended subaccount's credentials get 401 / 20005", async () => {
    const other = await client.api.v2010.accounts.create({ friendlyName: "to suspend" });
    const suspended = await client.api.v2010.accounts(other.sid).update({ status: "suspended" });
    assert.equal(suspended.status, "suspended");
    const err = await restError(sb.client(other.sid, other.authToken).messages.list());
    assert.equal(err.status, 401);
    assert.equal(err.code, 20005);
    const listed = await client.api.v2010.accounts.list({ status: "suspended" });
    assert.deepEqual(
      listed.map((a) => a.sid),
      [other.sid],
    );
  });

  test("the parent renames the subaccount", async () => {
    const renamed = await client.api.v2010.accounts(sub.sid).update({ friendlyName: "renamed sub" });
    assert.equal(renamed.friendlyName, "renamed sub");
    assert.equal((await client.api.v2010.accounts(sub.sid).fetch()).friendlyName, "renamed sub");
  });
});

describe("authentication", () => {
  test("a wrong auth token is a RestException with 401 / 20003", async () => {
    const bad = sb.client(sb.accountSid, "wrongToken123");
    const err = await restError(bad.messages.create({ to: "+14155550100", from: FROM, body: "x" }));
    assert.equal(err.status, 401);
    assert.equal(err.code, 20003);
    assert.equal(err.moreInfo, "https://www.twilio.com/docs/errors/20003");
    const listErr = await restError(bad.messages.list());
    assert.equal(listErr.status, 401);
    assert.equal(listErr.code, 20003);
  });

  test("an unknown account SID is 401 / 20003 too", async () => {
    const bad = sb.client("AC" + "f".repeat(32), sb.authToken);
    const err = await restError(bad.api.v2010.account.fetch());
    assert.equal(err.status, 401);
    assert.equal(err.code, 20003);
  });
});
