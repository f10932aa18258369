// Lookup v2 through the official twilio SDK (client.lookups.v2) against a live Switchboard.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import twilio from "twilio";
import { rewritingHttpClient, restError, startSwitchboard } from "./switchboard.mjs";

const ALL_FIELDS = [
  "line_type_intelligence", "caller_name", "sim_swap", "call_forwarding", "line_status",
  "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill",
].join(",");

let sb;
let client;

before(async () => {
  sb = await startSwitchboard();
  client = sb.client(); // client.lookups.baseUrl set to the server
});
after(async () => {
  await sb?.stop();
});

test("a valid number without Fields: formats, no packages", async () => {
  const n = await client.lookups.v2.phoneNumbers("+14159929960").fetch();
  assert.equal(n.valid, true);
  assert.equal(n.phoneNumber, "+14159929960");
  assert.equal(n.countryCode, "US");
  assert.equal(n.callingCountryCode, "1");
  assert.equal(n.nationalFormat, "(415) 992-9960");
  assert.deepEqual(n.validationErrors, []);
  for (const pkg of ["callerName", "simSwap", "callForwarding", "lineTypeIntelligence", "lineStatus",
    "identityMatch", "reassignedNumber", "smsPumpingRisk", "phoneNumberQualityScore", "preFill"]) {
    assert.equal(n[pkg], null, pkg);
  }
  assert.equal(n.url, `${sb.url}/v2/PhoneNumbers/+14159929960`);
});

test("Fields: each requested package, from the deterministic simulation", async () => {
  // A GB mobile: libphonenumber names its carrier; US-only packages carry 60607. The SDK
  // wraps most packages in camelCase classes; sim_swap's inner last_sim_swap, and the
  // quality score and pre_fill, stay as sent.
  const gb = await client.lookups.v2.phoneNumbers("+447400123456").fetch({ fields: ALL_FIELDS });
  assert.equal(gb.lineTypeIntelligence.type, "mobile");
  assert.equal(gb.lineTypeIntelligence.carrierName, "Three");
  assert.equal(gb.lineTypeIntelligence.mobileCountryCode, "234");
  assert.equal(gb.callerName.errorCode, 60607);
  assert.equal(gb.smsPumpingRisk.smsPumpingRiskScore, 56);
  assert.equal(gb.preFill.error_code, 60607);

  // The same number always gets the same answer.
  const again = await client.lookups.v2.phoneNumbers("+447400123456").fetch({ fields: ALL_FIELDS });
  assert.deepEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(gb)));

  // Ending in 90-99: the risky numbers.
  const risky = await client.lookups.v2.phoneNumbers("+14155550193").fetch({
    fields: "sim_swap,call_forwarding,line_status,reassigned_number,caller_name",
    lastVerifiedDate: "20240115",
  });
  assert.equal(risky.simSwap.lastSimSwap.swapped_in_period, true);
  assert.equal(risky.callForwarding.callForwardingEnabled, true);
  assert.equal(risky.lineStatus.status, "unreachable");
  assert.equal(risky.reassignedNumber.isNumberReassigned, "yes");
  assert.equal(risky.callerName.callerType, "CONSUMER");
  assert.equal(risky.lineTypeIntelligence, null);
});

test("national format with countryCode", async () => {
  const gb = await client.lookups.v2.phoneNumbers("020 7946 0018").fetch({ countryCode: "GB" });
  assert.equal(gb.valid, true);
  assert.equal(gb.phoneNumber, "+442079460018");
  assert.equal(gb.nationalFormat, "020 7946 0018");
  const us = await client.lookups.v2.phoneNumbers("(415) 992-9960").fetch(); // US by default
  assert.equal(us.phoneNumber, "+14159929960");
});

test("an invalid number is an answer; an unknown package is a 400", async () => {
  const n = await client.lookups.v2.phoneNumbers("+141599299600").fetch({ fields: "line_type_intelligence" });
  assert.equal(n.valid, false);
  assert.deepEqual(n.validationErrors, ["TOO_LONG"]);
  assert.equal(n.countryCode, null);
  assert.equal(n.lineTypeIntelligence, null);

  const err = await restError(client.lookups.v2.phoneNumbers("+14159929960").fetch({ fields: "carrier" }));
  assert.equal(err.status, 400);
  assert.equal(err.code, 60200);
  assert.equal(err.message, 'Invalid parameter: Fields: unknown data package "carrier"');
  assert.equal(err.moreInfo, "https://www.twilio.com/docs/errors/60200");

  const bad = twilio(sb.accountSid, "wrongToken");
  bad.lookups.baseUrl = sb.url;
  const auth = await restError(bad.lookups.v2.phoneNumbers("+14159929960").fetch());
  assert.equal(auth.status, 401);
  assert.equal(auth.code, 20003);
});

test("httpClient: the rewriting RequestClient serves lookups.twilio.com too", async () => {
  const http = rewritingHttpClient(sb.url);
  const c = twilio(sb.accountSid, sb.authToken, { httpClient: http });
  const n = await c.lookups.v2.phoneNumbers("+447400123456").fetch();
  assert.equal(n.phoneNumber, "+447400123456");
  assert.deepEqual(http.seen, ["https://lookups.twilio.com/v2/PhoneNumbers/+447400123456"]);
});
