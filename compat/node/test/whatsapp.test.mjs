// WhatsApp and Content templates through the official twilio SDK: the same
// messages.create with whatsapp: addresses, the Sandbox's join, the 24-hour window on the
// simulator's clock (moved with advance()), and Content templates (client.content, whose
// baseUrl is the local server) rendered on SMS and on WhatsApp.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  OWN_NUMBER, advance, restError, simulator, simulatorGet, startSwitchboard, waitForMessage, webhookApp,
} from "./switchboard.mjs";

const SANDBOX = "whatsapp:+14155238886";
const CONTENT_SID = /^HX[0-9a-f]{32}$/;

let sb;
let client;
let app;

before(async () => {
  // Carrier steps of 100 ms: WhatsApp's refusals (63015, 63016) come at the first step, as
  // on Twilio, and a message that goes is read soon after.
  sb = await startSwitchboard({ deliveryDelay: "100ms" });
  client = sb.client();
  app = await webhookApp(sb.authToken);
});
after(async () => {
  await app?.close();
  await sb?.stop();
});

/** A WhatsApp user's message to the Sandbox, through Switchboard's simulator. */
const userWrites = (user, body, extra = {}) => simulator(sb, "InboundMessages", { From: user, To: SANDBOX, Body: body, ...extra });

/** The latest of the Sandbox's own replies to user. */
async function lastReply(user) {
  const replies = (await client.messages.list({ to: user, from: SANDBOX })).filter((m) => m.direction === "outbound-reply");
  assert.ok(replies.length > 0, `no reply to ${user}`);
  return replies[0];
}

test("a Sandbox conversation: join, a reply in the window, 63016 after it, a template", async () => {
  const user = "whatsapp:+14155550100";
  const sandbox = await simulator(sb, "WhatsApp/Sandbox", { InboundUrl: app.url + "/whatsapp" });
  assert.equal(sandbox.phone_number, SANDBOX);
  assert.match(sandbox.keyword, /^[a-z]+-[a-z]+$/);
  assert.equal(sandbox.join_message, `join ${sandbox.keyword}`);
  assert.deepEqual(sandbox.members, []);

  // Before the user joins: the message is created, then fails with 63015.
  const early = await client.messages.create({ to: user, from: SANDBOX, body: "Your order shipped" });
  assert.equal(early.status, "queued");
  assert.equal(early.to, user);
  assert.equal(early.from, SANDBOX);
  const refused = await waitForMessage(client, early.sid, "failed", "read");
  assert.equal(refused.status, "failed");
  assert.equal(refused.errorCode, 63015);
  // A stranger who writes is told the keyword, and the app hears nothing of it.
  await userWrites(user, "hello");
  assert.match((await lastReply(user)).body, new RegExp(`join ${sandbox.keyword}`));

  // The join, then a question that reaches the app with WhatsApp's parameters.
  await userWrites(user, sandbox.join_message);
  const members = (await simulatorGet(sb, "WhatsApp/Sandbox")).members;
  assert.deepEqual(members.map((m) => m.user), [user]);
  assert.ok(members[0].window_closes_at, "the join opens the window");
  const question = await userWrites(user, "Is my order on its way?", { ProfileName: "Ana" });
  const [hook] = await app.waitFor(1);
  assert.equal(hook.path, "/whatsapp");
  assert.ok(hook.valid, "twilio.validateRequest refuses the signature");
  assert.equal(hook.params.MessageSid, question.sid);
  assert.equal(hook.params.From, user);
  assert.equal(hook.params.To, SANDBOX);
  assert.equal(hook.params.Body, "Is my order on its way?");
  assert.equal(hook.params.WaId, "14155550100");
  assert.equal(hook.params.ProfileName, "Ana");

  // Freeform inside the 24-hour window: delivered, then read.
  const inside = await client.messages.create({ to: user, from: SANDBOX, body: "It ships today." });
  const read = await waitForMessage(client, inside.sid, "read", "failed");
  assert.equal(read.status, "read");
  assert.equal(read.errorCode, null);

  // A day and a minute pass on the simulator's clock: the window is closed.
  const clock = await advance(sb, "PT24H1M");
  assert.ok(clock.offset_seconds >= 24 * 3600 + 60, `offset ${clock.offset_seconds}`);
  const outside = await client.messages.create({ to: user, from: SANDBOX, body: "Anything else?" });
  assert.equal(outside.status, "queued"); // refused on its way, not at create, as on Twilio
  const late = await waitForMessage(client, outside.sid, "failed", "read");
  assert.equal(late.status, "failed");
  assert.equal(late.errorCode, 63016);
  assert.ok(late.errorMessage, "63016 has a message");

  // A template WhatsApp approved goes outside the window.
  const tpl = await client.content.v1.contents.create({
    friendly_name: "shipping",
    language: "en",
    variables: { 1: "customer" },
    types: { "twilio/text": { body: "Hi {{1}}, your order {{2}} has shipped." } },
  });
  assert.match(tpl.sid, CONTENT_SID);
  const approval = await client.content.v1.contents(tpl.sid).approvalCreate.create({ name: "shipping_update", category: "UTILITY" });
  assert.equal(approval.name, "shipping_update");
  assert.equal(approval.status, "approved");
  const fetched = await client.content.v1.contents(tpl.sid).approvalFetch().fetch();
  assert.equal(fetched.whatsapp.status, "approved");
  const sent = await client.messages.create({ to: user, from: SANDBOX, contentSid: tpl.sid, contentVariables: JSON.stringify({ 2: "#1042" }) });
  assert.equal(sent.body, "Hi customer, your order #1042 has shipped.");
  assert.equal((await waitForMessage(client, sent.sid, "read", "failed")).status, "read");
});

test("a Content template rendered on SMS and on WhatsApp; a missing variable, a deleted template", async () => {
  const user = "whatsapp:+14155550101";
  const tpl = await client.content.v1.contents.create({
    friendly_name: "rsvp",
    language: "en",
    variables: { 1: "guest" },
    types: {
      "twilio/text": { body: "Hi {{1}}, are you coming on {{2}}? Reply YES or NO." },
      "twilio/quick-reply": { body: "Hi {{1}}, coming on {{2}}?", actions: [{ title: "Yes", id: "yes" }, { title: "No", id: "no" }] },
    },
  });
  assert.match(tpl.sid, CONTENT_SID);
  assert.equal(tpl.accountSid, sb.accountSid);
  assert.equal(tpl.friendlyName, "rsvp");
  assert.deepEqual(Object.keys(tpl.types).sort(), ["twilio/quick-reply", "twilio/text"]);
  assert.ok(tpl.dateCreated instanceof Date && !isNaN(tpl.dateCreated), `dateCreated ${tpl.dateCreated}`);
  assert.equal(tpl.links.approval_create, `${tpl.url}/ApprovalRequests/whatsapp`);
  assert.deepEqual((await client.content.v1.contents(tpl.sid).fetch()).variables, { 1: "guest" });
  assert.ok((await client.content.v1.contents.list()).some((c) => c.sid === tpl.sid));
  const both = await client.content.v1.contentAndApprovals.list();
  assert.equal(both.find((c) => c.sid === tpl.sid)?.approvalRequests.status, "unsubmitted");

  // SMS renders twilio/text; the message's body is the rendered text.
  const sms = await client.messages.create({ to: "+14155550102", from: OWN_NUMBER, contentSid: tpl.sid, contentVariables: '{"1":"Ana","2":"Friday"}' });
  assert.equal(sms.body, "Hi Ana, are you coming on Friday? Reply YES or NO.");
  assert.equal(sms.numSegments, "1");

  // WhatsApp renders the quick reply, {{1}} from its default.
  const { join_message: join } = await simulatorGet(sb, "WhatsApp/Sandbox");
  await userWrites(user, join);
  const wa = await client.messages.create({ to: user, from: SANDBOX, contentSid: tpl.sid, contentVariables: '{"2":"Friday"}' });
  assert.equal(wa.body, "Hi guest, coming on Friday?");
  assert.equal((await waitForMessage(client, wa.sid, "read", "failed")).status, "read");

  // {{2}} has no default: refused at create (21656).
  const missing = await restError(client.messages.create({ to: "+14155550102", from: OWN_NUMBER, contentSid: tpl.sid }));
  assert.equal(missing.status, 400);
  assert.equal(missing.code, 21656);

  assert.equal(await client.content.v1.contents(tpl.sid).remove(), true);
  const gone = await restError(client.messages.create({ to: "+14155550102", from: OWN_NUMBER, contentSid: tpl.sid, contentVariables: '{"2":"Friday"}' }));
  assert.equal(gone.status, 400);
  assert.equal(gone.code, 21655);
  const notFound = await restError(client.content.v1.contents(tpl.sid).fetch());
  assert.equal(notFound.status, 404);
});

test("whatsapp: to an SMS sender, and from a number that is not a WhatsApp sender", async () => {
  const mixed = await restError(client.messages.create({ to: "whatsapp:+14155550103", from: OWN_NUMBER, body: "hi" }));
  assert.equal(mixed.status, 400);
  assert.equal(mixed.code, 21910);
  const notSender = await client.messages.create({ to: "whatsapp:+14155550103", from: `whatsapp:${OWN_NUMBER}`, body: "hi" });
  const failed = await waitForMessage(client, notSender.sid, "failed", "read");
  assert.equal(failed.status, "failed");
  assert.equal(failed.errorCode, 63007);
});
