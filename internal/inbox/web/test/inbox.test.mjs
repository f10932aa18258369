// The web inbox in headless Chromium (Debian's chromium; playwright-core only drives it)
// against a real bin/switchboard, as a developer would use it: sign in, watch texts
// arrive and their status change live, answer as the customer through a real webhook
// receiver (its signatures checked by the official twilio package), look at and replay
// webhooks; call a number whose app answers with an IVR menu, watch the call's timeline
// grow and press keys on it; read the code Verify sent; see the WhatsApp Sandbox's keyword
// and a WhatsApp conversation; see that the simulator's clock was moved ahead. Also: a subaccount sees only its own, and a page of another
// site cannot write with the user's credentials. Screenshots go to test-results/.
//
// Measured (printed, never asserted): the time from an API create to the bubble on
// screen, median over 50 messages; from an inbound call's start to its row on screen,
// median over 20 calls; and, with MEASURE=1, the server's memory with the inbox open on
// 10,000 messages.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import twilio from "twilio";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..", "..", "..", "..");
const binary = process.env.SWITCHBOARD_BIN || join(repoRoot, "bin", "switchboard");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const results = join(here, "..", "test-results");
const sid = "AC" + "7".repeat(32);
const token = "inboxTestToken7";
const ourNumber = "+14155550199";
const customer = "+14155550100";
const voiceNumber = "+14155550166"; // its VoiceUrl answers an IVR menu
const quickNumber = "+14155550155"; // its VoiceUrl says one word and hangs up
const tokens = { [sid]: token }; // by account: the voice app checks signatures with them

const servers = [];
let dataDir, base, browser, page, receiver, voiceApp;
const mismatches = [];

/** Starts bin/switchboard; resolves with its URL and process. */
function startSwitchboard(name, extra = []) {
  assert.ok(existsSync(binary), `${binary} is missing: run 'make build' first`);
  const proc = spawn(binary, ["--addr", "127.0.0.1:0", "--db", join(dataDir, name + ".db"),
    "--account-sid", sid, "--auth-token", token, "--check-responses", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(proc);
  createInterface({ input: proc.stderr }).on("line", (line) => {
    if (line.includes("response does not match openapi.yaml")) mismatches.push(line);
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("switchboard did not start in 20s")), 20_000);
    proc.on("exit", (code) => fail(new Error(`switchboard exited with ${code}`)));
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok({ url: m[1], proc });
      }
    });
  });
}

/** Calls the API as `as` (default: the main account) with a form body. */
async function api(method, path, form, as = { sid, token }, url = base) {
  const res = await fetch(url + path, {
    method,
    headers: {
      Authorization: "Basic " + Buffer.from(`${as.sid}:${as.token}`).toString("base64"),
      ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
    },
    body: form ? new URLSearchParams(form) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const send = async (to, body, as = { sid, token }, from = ourNumber) => {
  const r = await api("POST", `/2010-04-01/Accounts/${as.sid}/Messages.json`, { To: to, From: from, Body: body }, as);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};

/** An app's webhook endpoint: checks Twilio's signature, answers with TwiML. */
function startReceiver() {
  const got = [];
  const srv = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(raw));
      const url = `http://${req.headers.host}${req.url}`;
      const valid = twilio.validateRequest(token, req.headers["x-twilio-signature"] ?? "", url, params);
      got.push({ params, valid });
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(`<Response><Message>Got it: ${params.Body}</Message></Response>`);
    });
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${srv.address().port}`, got, srv })));
}

/**
 * An app's voice webhooks, signatures checked: /ivr answers a menu (<Gather>) that waits
 * a minute of real time for a key, /menu answers the key, /quick says a word and hangs up.
 */
function startVoiceApp() {
  const got = [];
  const srv = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(raw));
      const url = `http://${req.headers.host}${req.url}`;
      const valid = twilio.validateRequest(tokens[params.AccountSid] ?? "", req.headers["x-twilio-signature"] ?? "", url, params);
      got.push({ path: req.url, params, valid });
      res.writeHead(200, { "Content-Type": "text/xml" });
      switch (req.url) {
        case "/ivr":
          // At --call-speed 10, the prompts take 0.2 s, 0.1 s and 0.4 s: the timeline grows in steps.
          res.end(`<Response><Gather numDigits="1" action="/menu" timeout="600"><Say>Welcome to Switchboard Pizza.</Say><Pause length="1"/>
            <Say>For opening hours press 1. To order a pizza press 2.</Say></Gather><Say>Goodbye.</Say></Response>`);
          break;
        case "/menu":
          res.end(`<Response><Say>You chose ${params.Digits}. Thank you for calling.</Say><Hangup/></Response>`);
          break;
        case "/quick":
          res.end("<Response><Say>Hi.</Say><Hangup/></Response>");
          break;
        default: // status callbacks
          res.end();
      }
    });
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${srv.address().port}`, got, srv })));
}

async function waitFor(fn, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signIn(p, as, url = base) {
  await p.goto(url + "/");
  await p.fill("input[name=sid]", as.sid);
  await p.fill("input[name=token]", as.token);
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector("header nav");
}

function launchBrowser() {
  return chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

before(async () => {
  assert.ok(existsSync(browserPath), `${browserPath} is missing: install Debian's chromium package, or set CHROMIUM`);
  mkdirSync(results, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-inbox-"));
  // Calls run ten times faster than real time: a <Say> of ten words takes 0.4 s.
  ({ url: base } = await startSwitchboard("inbox", ["--delivery-delay", "50ms", "--call-speed", "10"]));
  receiver = await startReceiver();
  voiceApp = await startVoiceApp();
  const bought = await api("POST", `/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`, { PhoneNumber: ourNumber, SmsUrl: receiver.url + "/sms" });
  assert.equal(bought.status, 201, JSON.stringify(bought.body));
  for (const [number, path] of [[voiceNumber, "/ivr"], [quickNumber, "/quick"]]) {
    const r = await api("POST", `/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`,
      { PhoneNumber: number, VoiceUrl: voiceApp.url + path, StatusCallback: voiceApp.url + "/status" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
  page.on("pageerror", (e) => mismatches.push("page error: " + e.message));
  // Every bubble's and call's statuses, and when it first showed, as the page saw them;
  // and the lengths the open call's timeline went through.
  await page.addInitScript(() => {
    window.__seen = {};
    window.__statuses = {};
    window.__timeline = {};
    const look = () => {
      for (const el of document.querySelectorAll("[data-sid], [data-call]")) {
        const s = el.getAttribute("data-sid") ?? el.getAttribute("data-call");
        if (!(s in window.__seen)) window.__seen[s] = Date.now();
        const list = (window.__statuses[s] ??= []);
        const st = el.getAttribute("data-status");
        if (list[list.length - 1] !== st) list.push(st);
      }
      const view = document.querySelector("[data-call-view]");
      if (view) {
        const lengths = (window.__timeline[view.getAttribute("data-call-view")] ??= []);
        const n = view.querySelectorAll("[data-timeline] [data-event-type]").length;
        if (lengths[lengths.length - 1] !== n) lengths.push(n);
      }
    };
    new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  });
});

after(async () => {
  await browser?.close();
  receiver?.srv.close();
  voiceApp?.srv.close();
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  assert.deepEqual(mismatches, [], "the server answered off the spec, or the page failed");
});

test("/ leads to the inbox; signing in with a wrong token is refused", async () => {
  await page.goto(base + "/");
  assert.match(page.url(), /\/inbox\/$/);
  await page.fill("input[name=sid]", sid);
  await page.fill("input[name=token]", "wrongToken1");
  await page.click("form.signin button[type=submit]");
  await page.waitForSelector("form.signin .error");
  await signIn(page, { sid, token });
});

test("a message created through the API appears without reload, and its status walks to delivered", async () => {
  const first = await send(customer, "First one, to open the thread");
  await page.click(`[data-thread="${ourNumber}|${customer}"]`);
  await page.waitForSelector(`[data-sid="${first.sid}"]`);
  const m = await send(customer, "Hello from the API 👋");
  await page.waitForSelector(`[data-sid="${m.sid}"][data-status="delivered"]`, { timeout: 10_000 });
  const statuses = await page.evaluate((s) => window.__statuses[s], m.sid);
  assert.ok(statuses.length >= 2 && statuses.at(-1) === "delivered", `statuses seen: ${statuses}`);
  const bubble = page.locator(`[data-sid="${m.sid}"]`);
  assert.match(await bubble.locator("[data-encoding]").innerText(), /UCS-2 \(because of 👋\)/);
  assert.equal(await bubble.locator("mark").innerText(), "👋");
});

test("a failing number shows its error code", async () => {
  const m = await send("+15553000003", "This one cannot arrive");
  await page.click(`[data-thread="${ourNumber}|+15553000003"]`);
  await page.waitForSelector(`[data-sid="${m.sid}"][data-status="undelivered"]`, { timeout: 10_000 });
  assert.match(await page.locator(`[data-sid="${m.sid}"] [data-status-label]`).innerText(), /error 30003: Unreachable destination handset/);
  await page.screenshot({ path: join(results, "inbox.png") });
});

test("replying from the inbox reaches the app's webhook, signed, and its TwiML reply shows in the thread", async () => {
  await page.click(`[data-thread="${ourNumber}|${customer}"]`);
  await page.fill("input[name=reply]", "Hi, it's the customer");
  await page.press("input[name=reply]", "Enter");
  await waitFor(() => receiver.got.length === 1, "the webhook");
  assert.equal(receiver.got[0].valid, true, "the signature checks out with the twilio package");
  assert.equal(receiver.got[0].params.Body, "Hi, it's the customer");
  await page.locator(".bubble.out", { hasText: "Got it: Hi, it's the customer" }).waitFor();
  await page.locator(".bubble.in", { hasText: "Hi, it's the customer" }).waitFor();
  await page.screenshot({ path: join(results, "thread.png") });
});

test("the webhook detail shows the app's status and body, and replay delivers again", async () => {
  await page.locator(".bubble.in", { hasText: "Hi, it's the customer" }).click();
  const delivery = page.locator("[data-delivery]").first();
  await delivery.waitFor();
  assert.equal(await delivery.locator("[data-response-status]").innerText(), "200");
  assert.match(await delivery.locator("[data-response-body]").innerText(), /<Message>Got it: Hi, it's the customer<\/Message>/);
  await page.screenshot({ path: join(results, "detail.png") });
  await delivery.locator("button", { hasText: "Replay" }).click();
  await waitFor(() => receiver.got.length === 2, "the replayed webhook");
  assert.equal(receiver.got[1].valid, true);
  assert.deepEqual(receiver.got[1].params, receiver.got[0].params);
  await page.locator("[data-delivery] .replay").waitFor(); // the new delivery, live
  assert.equal(await page.locator("[data-delivery]").count(), 2);
});

test("force a status from the detail view", async () => {
  const m = await send("+14155550123", "Force me");
  // Held in the thread list until forced: open it and force undelivered 30005.
  await page.click(`[data-thread="${ourNumber}|+14155550123"]`);
  await page.click(`[data-sid="${m.sid}"]`);
  await page.selectOption("select[aria-label='Force status']", "undelivered");
  await page.fill("input[aria-label='Error code']", "30005");
  await page.click("form.force button");
  await page.waitForSelector(`[data-sid="${m.sid}"][data-status="undelivered"]`);
  assert.match(await page.locator("[data-detail] [data-field=error_code]").innerText(), /30005/);
});

test("a message sent while the thread list is being read stays listed", async () => {
  // The first list read is answered from before the message, and held until the message's
  // event has shown its thread: that older answer must not make the thread vanish for good.
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  const p = await ctx.newPage();
  let release;
  const held = new Promise((r) => (release = r));
  let reads = 0;
  await p.route((url) => url.pathname.endsWith("/Threads"), async (route) => {
    const response = await route.fetch(); // read now
    if (reads === 0) await held;
    reads++;
    await route.fulfill({ response });
  });
  await signIn(p, { sid, token });
  await p.waitForSelector(".live.on"); // the event stream is open
  const party = "+14155550131";
  await send(party, "Sent while the list was read");
  const thread = `[data-thread="${ourNumber}|${party}"]`;
  await p.waitForSelector(thread); // from the message's event
  assert.equal(reads, 0, "the first read is still held");
  release();
  await waitFor(() => reads >= 2, "the list read again after the older answer");
  await p.waitForSelector(thread, { timeout: 5_000 });
  await ctx.close();
});

test("a subaccount signed in sees none of its parent's or siblings' messages", async () => {
  const subs = [];
  for (const name of ["Shop A", "Shop B"]) {
    const r = await api("POST", "/2010-04-01/Accounts.json", { FriendlyName: name });
    assert.equal(r.status, 201);
    subs.push({ sid: r.body.sid, token: r.body.auth_token });
  }
  const numbers = ["+14155550177", "+14155550178"];
  for (const [i, s] of subs.entries()) {
    const bought = await api("POST", `/2010-04-01/Accounts/${s.sid}/IncomingPhoneNumbers.json`, { PhoneNumber: numbers[i] }, s);
    assert.equal(bought.status, 201, JSON.stringify(bought.body));
    await send("+14155550160", `secret of shop ${i}`, s, numbers[i]);
  }
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  const p = await ctx.newPage();
  await signIn(p, subs[0]);
  await p.waitForSelector(`[data-thread="${numbers[0]}|+14155550160"]`);
  // Live events too: a message of the parent and one of the sibling, sent now.
  await send(customer, "secret of the parent, sent live");
  await send("+14155550160", "secret of shop 1, sent live", subs[1], numbers[1]);
  await send("+14155550160", "shop 0, live", subs[0], numbers[0]);
  await p.locator(".thread", { hasText: "shop 0, live" }).waitFor();
  const text = await p.locator("body").innerText();
  for (const secret of ["secret of the parent", "secret of shop 1", customer, "Hi, it's the customer"]) {
    assert.ok(!text.includes(secret), `the subaccount sees ${secret}`);
  }
  assert.equal(await p.locator("[data-thread]").count(), 1);
  assert.deepEqual(await p.locator("select[aria-label=Account] option").allInnerTexts(), [`Shop A (${subs[0].sid.slice(0, 8)}…)`]);
  await ctx.close();
});

test("a phone calls your number from the inbox: the call shows live, its timeline grows, keys pressed reach the app's Gather", async () => {
  await page.click("[data-tab=calls]");
  await page.fill("input[aria-label=Caller]", "+14155550111");
  await page.selectOption("select[aria-label='Number to call']", voiceNumber);
  await page.click("form.new-call button[type=submit]");
  // The call started opens; its row comes through the event stream.
  const view = page.locator("[data-call-view]");
  await view.waitFor();
  const callSid = await view.getAttribute("data-call-view");
  await page.waitForSelector(`[data-call="${callSid}"]`);
  // The menu: the Gather runs its prompts, then waits (a minute of real time) for a key.
  await page.locator("[data-timeline] .ev.verb", { hasText: "For opening hours press 1" }).waitFor();
  await page.waitForSelector(`[data-call="${callSid}"][data-status="in-progress"]`);
  const grew = await page.evaluate((s) => window.__timeline[s], callSid);
  assert.ok(grew.length >= 3 && grew.every((n, i) => i === 0 || n > grew[i - 1]), `the timeline's lengths, as shown: ${grew}`);
  const first = voiceApp.got.find((r) => r.path === "/ivr" && r.params.CallSid === callSid);
  assert.ok(first?.valid, "the VoiceUrl was requested, signed");
  assert.equal(first.params.From, "+14155550111");
  assert.equal(first.params.To, voiceNumber);

  assert.equal(await page.locator("[data-live-calls]").innerText(), "1", "the tab counts the call not ended");
  await page.screenshot({ path: join(results, "call-live.png") });

  await page.click("[data-key='2']");
  const menu = await waitFor(() => voiceApp.got.find((r) => r.path === "/menu" && r.params.CallSid === callSid), "the Gather's action");
  assert.equal(menu.valid, true);
  assert.equal(menu.params.Digits, "2");
  await page.waitForSelector(`[data-call="${callSid}"][data-status="completed"]`);
  await page.locator("[data-timeline] .ev.verb", { hasText: "You chose 2. Thank you for calling." }).waitFor();
  await page.locator("[data-call-status]", { hasText: "completed" }).waitFor();
  const statuses = await page.evaluate((s) => window.__statuses[s], callSid);
  assert.deepEqual(statuses.slice(-2), ["in-progress", "completed"], `statuses seen: ${statuses}`);
  assert.equal(await page.locator("[data-typed]").innerText(), "2");
  // The timeline names the keys and the webhook that took them, with the app's answer.
  await page.locator("[data-timeline] .ev.digits", { hasText: "Pressed 2" }).waitFor();
  const webhook = page.locator("[data-timeline] .ev.webhook").filter({ has: page.locator(".what", { hasText: "/menu" }) });
  await webhook.locator(".what").click();
  assert.match(await webhook.locator("[data-response-body]").innerText(), /<Say>You chose 2\. Thank you for calling\.<\/Say>/);
  // The number's status callback, among the call's webhooks.
  await page.locator("[data-call-detail] [data-delivery]", { hasText: "call-status" }).waitFor();
  await page.screenshot({ path: join(results, "call.png") });
});

test("answer and hang up as the far end; keys pressed show in the timeline", async () => {
  // An outbound call to a phone that would ring for ten minutes.
  const r = await api("POST", `/2010-04-01/Accounts/${sid}/Calls.json`, {
    To: "+15554000002", From: voiceNumber, Timeout: "600",
    Twiml: "<Response><Say>Hello, this is your app calling.</Say><Pause length=\"600\"/></Response>",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const row = page.locator(`[data-call="${r.body.sid}"]`);
  await page.waitForSelector(`[data-call="${r.body.sid}"][data-status="ringing"]`);
  await row.click();
  assert.equal(await page.locator("[data-key='5']").isDisabled(), true, "keys wait for the call to be answered");
  await page.click("button.answer");
  await page.waitForSelector(`[data-call="${r.body.sid}"][data-status="in-progress"]`);
  await page.locator("[data-timeline] .ev.verb", { hasText: "Hello, this is your app calling." }).waitFor();
  await page.click("[data-key='5']");
  await page.locator("[data-timeline] .ev.digits", { hasText: "Pressed 5" }).waitFor();
  await page.click(".far-end-actions button.danger");
  await page.waitForSelector(`[data-call="${r.body.sid}"][data-status="completed"]`);
  await page.locator("[data-timeline] .ev.api", { hasText: "The far end hung up" }).waitFor();
  assert.equal(await page.locator(".far-end-actions button.danger").count(), 0, "an ended call cannot be hung up");
});

test("a subaccount signed in sees none of its parent's calls", async () => {
  const r = await api("POST", "/2010-04-01/Accounts.json", { FriendlyName: "Call shop" });
  assert.equal(r.status, 201);
  const sub = { sid: r.body.sid, token: r.body.auth_token };
  tokens[sub.sid] = sub.token;
  const subNumber = "+14155550144";
  const bought = await api("POST", `/2010-04-01/Accounts/${sub.sid}/IncomingPhoneNumbers.json`, { PhoneNumber: subNumber, VoiceUrl: voiceApp.url + "/quick" }, sub);
  assert.equal(bought.status, 201, JSON.stringify(bought.body));
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  const p = await ctx.newPage();
  await signIn(p, sub);
  await p.click("[data-tab=calls]");
  await p.locator(".call-list .empty").waitFor();
  // Live too: a call of the parent's and one of the subaccount's own, made now.
  const parents = await api("POST", `/switchboard/v1/Accounts/${sid}/InboundCalls`, { From: "+14155550133", To: quickNumber });
  assert.equal(parents.status, 201, JSON.stringify(parents.body));
  const own = await api("POST", `/switchboard/v1/Accounts/${sub.sid}/InboundCalls`, { From: "+14155550122", To: subNumber }, sub);
  assert.equal(own.status, 201, JSON.stringify(own.body));
  await p.waitForSelector(`[data-call="${own.body.sid}"][data-status="completed"]`);
  assert.equal(await p.locator("[data-call]").count(), 1);
  const text = await p.locator("body").innerText();
  for (const secret of ["+14155550133", "+14155550111", quickNumber, voiceNumber]) {
    assert.ok(!text.includes(secret), `the subaccount sees ${secret}`);
  }
  // Its list, read afresh, holds its own call only too.
  await p.reload();
  await p.click("[data-tab=calls]");
  await p.waitForSelector(`[data-call="${own.body.sid}"]`);
  assert.equal(await p.locator("[data-call]").count(), 1);
  await ctx.close();
});

test("the Verify tab shows the code sent, as the simulator reads it, and its status after a check", async () => {
  const svc = await api("POST", "/v2/Services", { FriendlyName: "Acme" });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  await page.click("[data-tab=verify]");
  const to = "+14155550177";
  const v = await api("POST", `/v2/Services/${svc.body.sid}/Verifications`, { To: to, Channel: "sms" });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  const listed = await api("GET", `/switchboard/v1/Accounts/${sid}/Verifications?To=${encodeURIComponent(to)}`);
  const code = listed.body.verifications[0].code;
  // Shown without a reload: its text's creation brings the list again.
  const row = page.locator(`[data-verification="${v.body.sid}"]`);
  await row.waitFor();
  assert.equal(await row.locator("[data-code]").innerText(), code);
  assert.equal(await row.getAttribute("data-status"), "pending");
  const check = await api("POST", `/v2/Services/${svc.body.sid}/VerificationCheck`, { To: to, Code: code });
  assert.equal(check.body.status, "approved", JSON.stringify(check.body));
  await page.click("main.verifications h2 button");
  await page.waitForSelector(`[data-verification="${v.body.sid}"][data-status="approved"]`);
  await page.screenshot({ path: join(results, "verify.png") });
});

test("the Numbers tab shows the WhatsApp Sandbox's keyword; joining as a user starts a WhatsApp conversation", async () => {
  const sandbox = await api("GET", `/switchboard/v1/Accounts/${sid}/WhatsApp/Sandbox`);
  assert.equal(sandbox.status, 200, JSON.stringify(sandbox.body));
  await page.click("[data-tab=numbers]");
  const panel = page.locator("[data-sandbox]");
  await panel.waitFor();
  assert.equal(await panel.locator("[data-keyword]").innerText(), sandbox.body.keyword);
  assert.equal(await panel.locator("[data-join-message]").innerText(), `join ${sandbox.body.keyword}`);
  const user = "+14155550188";
  await panel.locator("input[aria-label='WhatsApp user']").fill(user);
  await panel.locator("button[type=submit]").click();
  await page.waitForSelector(`[data-member="whatsapp:${user}"]`);
  await page.screenshot({ path: join(results, "whatsapp-sandbox.png") });

  // The join and the Sandbox's answer make a thread that looks like one, with its label.
  await page.click("[data-tab=threads]");
  const thread = page.locator(`[data-thread="${sandbox.body.phone_number}|whatsapp:${user}"]`);
  await thread.waitFor();
  assert.equal(await thread.locator("[data-channel=whatsapp]").count(), 1);
  await thread.click();
  await page.waitForSelector("[data-sandbox-hint]");
  assert.match(await page.locator("[data-sandbox-hint]").innerText(), new RegExp(`join ${sandbox.body.keyword}`));
  await page.locator(".bubble.out").first().waitFor();
  await page.screenshot({ path: join(results, "whatsapp-thread.png") });
});

test("when a test moves the simulator's clock ahead, the inbox says so", async () => {
  // A server of its own: the clock is one per server, and the other tests' dates are on
  // real time.
  const { url } = await startSwitchboard("clock");
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  const p = await ctx.newPage();
  await signIn(p, { sid, token }, url);
  await p.waitForTimeout(300); // the banner's first read of the clock
  assert.equal(await p.locator("[data-clock-ahead]").count(), 0, "a banner on a clock that was never moved");
  const moved = await api("POST", "/switchboard/v1/Clock", { Advance: "P2DT3H" }, { sid, token }, url);
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const banner = p.locator("[data-clock-ahead]");
  await banner.waitFor();
  assert.match(await banner.innerText(), /2 d 3 h ahead of real time/);
  await p.screenshot({ path: join(results, "clock.png") });
  await ctx.close();
});

test("a cross-origin POST with the user's credentials is refused", async () => {
  // A page of another site (localhost is another site than 127.0.0.1) with a form that
  // posts to the API. The browser holds the user's Basic credentials for Switchboard, as
  // after typing them into its own login dialog.
  const evil = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<form id=f method=POST action="${base}/2010-04-01/Accounts/${sid}/Messages.json">
      <input name=To value="${customer}"><input name=From value="${ourNumber}"><input name=Body value="forged by another site">
      </form><script>
      fetch(${JSON.stringify(`${base}/2010-04-01/Accounts/${sid}/Messages.json`)}, { method: "POST", mode: "no-cors", credentials: "include",
        body: new URLSearchParams({ To: "${customer}", From: "${ourNumber}", Body: "forged by fetch" }) }).finally(() => f.submit());
      </script>`);
  });
  await new Promise((ok) => evil.listen(0, "127.0.0.1", ok));
  const ctx = await browser.newContext({ httpCredentials: { username: sid, password: token, origin: base, send: "always" } });
  const p = await ctx.newPage();
  // The browser does send the credentials: the list is served to it.
  const list = await p.goto(`${base}/2010-04-01/Accounts/${sid}/Messages.json?PageSize=1`);
  assert.equal(list.status(), 200);
  const answer = p.waitForResponse((r) => r.request().method() === "POST" && r.request().resourceType() === "document");
  await p.goto(`http://localhost:${evil.address().port}/`);
  const refused = await answer;
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).code, 20403);
  await new Promise((r) => setTimeout(r, 300));
  const all = await api("GET", `/2010-04-01/Accounts/${sid}/Messages.json?PageSize=1000`);
  assert.ok(!all.body.messages.some((m) => m.body.startsWith("forged")), "a forged message was created");
  await ctx.close();
  evil.close();
});

test("measure: inbound call start to its row on screen, median over 20 calls", async () => {
  await page.click("[data-tab=calls]");
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t0 = Date.now();
    const r = await api("POST", `/switchboard/v1/Accounts/${sid}/InboundCalls`, { From: `+141555502${String(i).padStart(2, "0")}`, To: quickNumber });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const shown = await waitFor(() => page.evaluate((s) => window.__seen[s], r.body.sid), `call ${i}`);
    times.push(shown - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`inbox: inbound call start to its row on screen, 20 calls: median ${(times[9] + times[10]) / 2} ms, p90 ${times[17]} ms, max ${times[19]} ms`);
});

test("measure: API create to bubble on screen, median over 50 messages", async () => {
  await page.click("[data-tab=threads]");
  await page.click(`[data-thread="${ourNumber}|${customer}"]`);
  const times = [];
  for (let i = 0; i < 50; i++) {
    const t0 = Date.now();
    const m = await send(customer, `timing ${i}`);
    const shown = await waitFor(() => page.evaluate((s) => window.__seen[s], m.sid), `bubble ${i}`);
    times.push(shown - t0);
  }
  times.sort((a, b) => a - b);
  const median = (times[24] + times[25]) / 2;
  console.log(`inbox: API create to bubble on screen, 50 messages: median ${median} ms, p90 ${times[44]} ms, max ${times[49]} ms`);
  const assets = ["app.js", "app.css", "index.html"].map((f) => readFileSync(join(repoRoot, "internal/inbox/dist", f)).length);
  console.log(`inbox: embedded assets ${assets.reduce((a, b) => a + b)} bytes (app.js ${assets[0]}, app.css ${assets[1]}, index.html ${assets[2]})`);
});

test("measure: server memory with the inbox open on 10,000 messages", { skip: !process.env.MEASURE && "set MEASURE=1" }, async () => {
  const { url, proc } = await startSwitchboard("big", ["--delivery-delay", "1h"]);
  const as = { sid, token };
  const bought = await api("POST", `/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`, { PhoneNumber: ourNumber }, as, url);
  assert.equal(bought.status, 201);
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))[1]) / 1024;
  const before = rss();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < 10_000) {
      const i = next++;
      const r = await api("POST", `/2010-04-01/Accounts/${sid}/Messages.json`, { To: `+1415555${String(1000 + (i % 500)).padStart(4, "0")}`, From: ourNumber, Body: `message ${i}` }, as, url);
      assert.equal(r.status, 201);
    }
  }));
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  const p = await ctx.newPage();
  await p.goto(url + "/");
  await p.fill("input[name=sid]", sid);
  await p.fill("input[name=token]", token);
  await p.click("form.signin button[type=submit]");
  await p.locator("[data-thread]").first().click();
  await p.waitForSelector("[data-sid]");
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`inbox: server RSS ${before.toFixed(1)} MiB at start, ${rss().toFixed(1)} MiB with 10,000 messages (500 threads) and the inbox open`);
  await ctx.close();
  proc.kill("SIGKILL");
});
