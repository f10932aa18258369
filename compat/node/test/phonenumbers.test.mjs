// Phone numbers through the official twilio SDK: search, buy, configure, release.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { restError, startSwitchboard } from "./switchboard.mjs";

const PN_RE = /^PN[0-9a-f]{32}$/;

let sb;
let client;

before(async () => {
  sb = await startSwitchboard({ ownNumber: null }); // an account that owns no number yet
  client = sb.client();
});
after(async () => {
  await sb?.stop();
});

describe("available phone numbers", () => {
  test("local search by area code returns full records", async () => {
    const found = await client.availablePhoneNumbers("US").local.list({ areaCode: 415, smsEnabled: true, limit: 3 });
    assert.deepEqual(
      found.map((n) => n.phoneNumber),
      ["+14155550100", "+14155550101", "+14155550102"],
    );
    const n = found[0];
    assert.equal(n.friendlyName, "(415) 555-0100");
    assert.equal(n.isoCountry, "US");
    assert.equal(n.locality, "San Francisco");
    assert.equal(n.region, "CA");
    assert.equal(n.postalCode, "94103");
    assert.equal(n.lata, "722");
    assert.equal(n.rateCenter, "SAN FRANCISCO");
    assert.equal(n.addressRequirements, "none");
    assert.equal(n.beta, false);
    assert.equal(Number(n.latitude).toFixed(4), "37.7749");
    assert.deepEqual(n.capabilities, { voice: true, sms: true, mms: true, fax: false });
  });

  test("Contains with a wildcard and letters", async () => {
    const found = await client.availablePhoneNumbers("US").local.list({ contains: "+1212*55*1JO", limit: 5 });
    assert.deepEqual(
      found.map((n) => n.phoneNumber),
      ["+12125550156"],
    );
  });

  test("mobile and toll-free searches", async () => {
    const mobile = await client.availablePhoneNumbers("GB").mobile.list({ limit: 2 });
    assert.deepEqual(
      mobile.map((n) => [n.phoneNumber, n.friendlyName, n.locality]),
      [
        ["+447700900000", "07700 900000", null],
        ["+447700900001", "07700 900001", null],
      ],
    );
    const tollFree = await client.availablePhoneNumbers("US").tollFree.list({ pageSize: 2 });
    assert.deepEqual(
      tollFree.map((n) => n.phoneNumber),
      ["+18005550100", "+18005550101"],
    );
    const landlines = await client.availablePhoneNumbers("GB").local.list({ smsEnabled: true });
    assert.deepEqual(landlines, []);
  });

  test("countries, and a country without mobiles", async () => {
    const countries = await client.availablePhoneNumbers.list();
    assert.deepEqual(
      countries.map((c) => c.countryCode),
      ["CA", "GB", "US"],
    );
    const us = await client.availablePhoneNumbers("US").fetch();
    assert.equal(us.country, "United States");
    assert.deepEqual(Object.keys(us.subresourceUris).sort(), ["local", "toll_free"]);
    const err = await restError(client.availablePhoneNumbers("US").mobile.list());
    assert.equal(err.status, 404);
    assert.equal(err.code, 20404);
  });
});

describe("incoming phone numbers", () => {
  let bought;

  before(async () => {
    bought = await client.incomingPhoneNumbers.create({
      phoneNumber: "+13125550100",
      smsUrl: "https://example.com/sms",
      voiceMethod: "GET",
    });
  });

  test("create returns the number with the wire types the SDK expects", () => {
    assert.match(bought.sid, PN_RE);
    assert.equal(bought.accountSid, sb.accountSid);
    assert.equal(bought.phoneNumber, "+13125550100");
    assert.equal(bought.friendlyName, "(312) 555-0100");
    assert.equal(bought.smsUrl, "https://example.com/sms");
    assert.equal(bought.smsMethod, "POST");
    assert.equal(bought.voiceMethod, "GET");
    assert.equal(bought.voiceUrl, "");
    assert.equal(bought.status, "in-use");
    assert.equal(bought.origin, "twilio");
    assert.equal(bought.apiVersion, "2010-04-01");
    assert.equal(bought.trunkSid, null);
    assert.deepEqual(bought.capabilities, { voice: true, sms: true, mms: true, fax: false });
    assert.ok(bought.dateCreated instanceof Date, `dateCreated is ${typeof bought.dateCreated}`);
    assert.equal(bought.uri, `/2010-04-01/Accounts/${sb.accountSid}/IncomingPhoneNumbers/${bought.sid}.json`);
  });

  test("fetch, update and list", async () => {
    const fetched = await client.incomingPhoneNumbers(bought.sid).fetch();
    assert.equal(fetched.phoneNumber, bought.phoneNumber);
    const updated = await client.incomingPhoneNumbers(bought.sid).update({
      friendlyName: "Chicago office",
      statusCallback: "https://example.com/status",
    });
    assert.equal(updated.friendlyName, "Chicago office");
    assert.equal(updated.statusCallback, "https://example.com/status");
    assert.equal(updated.smsUrl, "https://example.com/sms");

    const byArea = await client.incomingPhoneNumbers.create({ areaCode: "312" });
    assert.equal(byArea.phoneNumber, "+13125550101");
    const all = await client.incomingPhoneNumbers.list({ pageSize: 1 });
    assert.deepEqual(
      all.map((p) => p.sid),
      [byArea.sid, bought.sid],
    );
    const named = await client.incomingPhoneNumbers.list({ friendlyName: "Chicago office" });
    assert.deepEqual(
      named.map((p) => p.sid),
      [bought.sid],
    );
    const partial = await client.incomingPhoneNumbers.list({ phoneNumber: "+13125550101" });
    assert.deepEqual(
      partial.map((p) => p.sid),
      [byArea.sid],
    );
  });

  test("errors: owned, magic numbers, invalid URL", async () => {
    const cases = [
      [{ phoneNumber: "+13125550100" }, 21422],
      [{ phoneNumber: "+15005550000" }, 21422],
      [{ phoneNumber: "+15005550001" }, 21421],
      [{ areaCode: "533" }, 21452],
      [{ phoneNumber: "+13125550102", smsUrl: "not a url" }, 21402],
    ];
    for (const [params, code] of cases) {
      const err = await restError(client.incomingPhoneNumbers.create(params));
      assert.equal(err.status, 400, JSON.stringify(params));
      assert.equal(err.code, code, JSON.stringify(params));
      assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    }
    const magic = await client.incomingPhoneNumbers.create({ areaCode: "500" });
    assert.equal(magic.phoneNumber, "+15005550006");
  });

  test("a subaccount cannot buy or see the parent's number", async () => {
    const sub = await client.api.v2010.accounts.create({ friendlyName: "numbers sub" });
    const subClient = sb.client(sub.sid, sub.authToken);
    const taken = await restError(subClient.incomingPhoneNumbers.create({ phoneNumber: bought.phoneNumber }));
    assert.equal(taken.code, 21422);
    const hidden = await restError(subClient.incomingPhoneNumbers(bought.sid).fetch());
    assert.equal(hidden.status, 404);
    assert.deepEqual(await subClient.incomingPhoneNumbers.list(), []);
  });

  test("release: 204, then 404, then on sale again", async () => {
    assert.equal(await client.incomingPhoneNumbers(bought.sid).remove(), true);
    const err = await restError(client.incomingPhoneNumbers(bought.sid).fetch());
    assert.equal(err.status, 404);
    assert.equal(err.code, 20404);
    const offered = await client.availablePhoneNumbers("US").local.list({ contains: "+13125550100", limit: 1 });
    assert.deepEqual(
      offered.map((n) => n.phoneNumber),
      ["+13125550100"],
    );
  });
});

describe("docs", () => {
  test("docs snippet: search for a number and buy it", async () => {
    // snippet:start twilio-node-buy
    const [offer] = await client.availablePhoneNumbers("US").local.list({ areaCode: 617, limit: 1 });
    const number = await client.incomingPhoneNumbers.create({
      phoneNumber: offer.phoneNumber,
      smsUrl: "https://example.com/sms",
    });
    // snippet:end
    assert.equal(number.phoneNumber, "+16175550100");
    assert.equal(number.friendlyName, "(617) 555-0100");
  });
});
