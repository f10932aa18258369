// Swagger UI at /docs, driven as a person would in headless Chromium (Debian's chromium
// package; playwright-core only drives it): the page loads from the binary alone, and
// "Try it out" with Basic auth creates, redacts and fetches a message.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const binary = process.env.SWITCHBOARD_BIN || join(repoRoot, "bin", "switchboard");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const accountSid = "AC" + "5".repeat(32);
const authToken = "swaggerUiToken42";

let server, dataDir, baseUrl, browser, page;
const offSiteRequests = [];
const mismatches = [];

async function startServer() {
  assert.ok(existsSync(binary), `${binary} is missing: run 'make build' first`);
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-ui-"));
  server = spawn(binary, ["--addr", "127.0.0.1:0", "--db", join(dataDir, "ui.db"),
    "--account-sid", accountSid, "--auth-token", authToken, "--check-responses"], { stdio: ["ignore", "pipe", "pipe"] });
  // The server checks each of its answers against openapi.yaml; after() fails on a mismatch.
  createInterface({ input: server.stderr }).on("line", (line) => {
    if (line.includes("response does not match openapi.yaml")) mismatches.push(line);
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("switchboard did not start in 20s")), 20_000);
    server.on("exit", (code) => fail(new Error(`switchboard exited with ${code}`)));
    createInterface({ input: server.stdout }).on("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
}

function stopServer() {
  if (server && server.exitCode === null) server.kill("SIGKILL");
}
process.on("exit", stopServer);

before(async () => {
  assert.ok(existsSync(browserPath), `${browserPath} is missing: install Debian's chromium package (apt-get install chromium), or set CHROMIUM`);
  baseUrl = await startServer();
  // The account sends from a number it owns, as an app's account would.
  const bought = await fetch(`${baseUrl}/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`, {
    method: "POST",
    headers: {
      Authorization: "Basic " + Buffer.from(`${accountSid}:${authToken}`).toString("base64"),
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ PhoneNumber: "+14155550199" }),
  });
  assert.equal(bought.status, 201, await bought.text());
  browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  page.on("request", (req) => {
    if (!req.url().startsWith(baseUrl) && !req.url().startsWith("data:")) offSiteRequests.push(req.url());
  });
  await page.goto(baseUrl + "/docs/");
  await page.waitForSelector("#operations-Messages-CreateMessage", { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  assert.deepEqual(mismatches, [], "the server answered off the spec");
});

/** Opens an operation, clicks "Try it out", fills path parameters and form fields. */
async function tryOut(operationId, { path = {}, form = {}, sendEmpty = [] }) {
  const op = page.locator(`#operations-${operationId}`);
  await op.locator(".opblock-summary").click();
  const tryButton = op.locator("button.try-out__btn");
  if ((await tryButton.innerText()).trim() === "Try it out") await tryButton.click(); // else already on
  for (const [name, value] of Object.entries(path)) {
    await op.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  for (const [name, value] of Object.entries(form)) {
    await op.locator(`tr[data-property-name="${name}"] input[type=text]`).fill(value);
  }
  for (const name of sendEmpty) {
    await op.locator(`tr[data-property-name="${name}"] input[type=checkbox]`).check();
  }
  await op.locator("button.execute").click();
  const row = op.locator(".live-responses-table .response").first();
  await row.waitFor({ timeout: 10_000 });
  const status = Number(await row.locator(".response-col_status").innerText());
  const body = JSON.parse(await row.locator(".response-col_description pre").first().innerText());
  const curl = await op.locator(".curl-command").innerText();
  await op.locator(".opblock-summary").click(); // fold it again
  return { status, body, curl };
}

test("the page loads from the server alone, with no CDN", () => {
  assert.deepEqual(offSiteRequests, []);
});

test("Authorize, then Try it out: create, redact, fetch", async () => {
  await page.click(".auth-wrapper button.authorize");
  await page.fill(".auth-container input[type=text]", accountSid);
  await page.fill(".auth-container input[type=password]", authToken);
  await page.click(".auth-btn-wrapper button.authorize");
  await page.click("button.btn-done");

  const created = await tryOut("Messages-CreateMessage", {
    path: { AccountSid: accountSid },
    form: { To: "+14155550100", From: "+14155550199", Body: "Hello from Swagger UI" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.status, "queued");
  assert.equal(created.body.body, "Hello from Swagger UI");
  assert.match(created.body.sid, /^SM[0-9a-f]{32}$/);
  // Only what the user filled in is sent: no generated samples for the other fields.
  assert.doesNotMatch(created.curl, /MaxPrice|ScheduleType|SendAt|MediaUrl|StatusCallback/);

  const redacted = await tryOut("Messages-UpdateMessage", {
    path: { AccountSid: accountSid, Sid: created.body.sid },
    sendEmpty: ["Body"],
  });
  assert.equal(redacted.status, 200, JSON.stringify(redacted.body));
  assert.equal(redacted.body.body, "");

  const fetched = await tryOut("Messages-FetchMessage", { path: { AccountSid: accountSid, Sid: created.body.sid } });
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.sid, created.body.sid);
  assert.equal(fetched.body.body, "");
});

test("a wrong Sid shows the Twilio error object", async () => {
  const missing = await tryOut("Messages-FetchMessage", { path: { AccountSid: accountSid, Sid: "SM" + "0".repeat(32) } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 20404);
});

test("Lookup: Try it out with a '+' in the path", async () => {
  // Swagger UI sends the path parameter as %2B447400123456; the server reads a '+'.
  const got = await tryOut("Lookup-FetchPhoneNumber", {
    path: { PhoneNumber: "+447400123456", Fields: "line_type_intelligence" },
  });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.equal(got.body.phone_number, "+447400123456");
  assert.equal(got.body.valid, true);
  assert.equal(got.body.line_type_intelligence.type, "mobile");
});

test("Calls: Try it out places a call, and its timeline reads back", async () => {
  const placed = await tryOut("Calls-CreateCall", {
    path: { AccountSid: accountSid },
    form: { To: "+14155550100", From: "+14155550199", Twiml: "<Response><Say>Hello from Swagger UI</Say></Response>" },
  });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.match(placed.body.sid, /^CA[0-9a-f]{32}$/);
  assert.equal(placed.body.status, "queued");
  // Only what the user filled in is sent: no generated samples for the other fields.
  assert.doesNotMatch(placed.curl, /StatusCallbackEvent|Timeout|MachineDetection|Record/);

  // Swagger UI fills query parameters with the spec's examples: PageToken has none, since
  // any token but one sealed for this very list is refused, so the defaults just work.
  const events = await tryOut("Simulator-ListCallEvents", {
    path: { AccountSid: accountSid, Sid: placed.body.sid },
  });
  assert.equal(events.status, 200, JSON.stringify(events.body));
  assert.equal(events.body.meta.key, "events");
  assert.equal(events.body.events[0].data.status, "queued");
});

test("Messaging Services: Try it out on a v1 path, answered with absolute URLs", async () => {
  // Authorized by the earlier test, which this file runs first.
  const got = await tryOut("MessagingServices-CreateMessagingService", { form: { FriendlyName: "From Swagger UI" } });
  assert.equal(got.status, 201, JSON.stringify(got.body));
  assert.equal(got.body.friendly_name, "From Swagger UI");
  assert.match(got.body.sid, /^MG[0-9a-f]{32}$/);
  assert.equal(got.body.url, `${baseUrl}/v1/Services/${got.body.sid}`);
});
