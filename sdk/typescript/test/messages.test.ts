// End-to-end test of the generated client against a live bin/switchboard: a temp SQLite
// file, fixed credentials, a random port. The server is killed when the tests end, pass
// or fail. Run with `npm test` (type-checks first).
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { createSwitchboardClient, nextPage, type Call, type Message, type SwitchboardClient } from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const bin = process.env.SWITCHBOARD_BIN ?? join(repoRoot, "bin", "switchboard");
const accountSid = "AC" + "0123456789abcdef".repeat(2);
const authToken = "sdkTestToken0123456789";
const listPath = "/2010-04-01/Accounts/{AccountSid}/Messages.json";
const itemPath = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json";
const account = { AccountSid: accountSid };

let server: ChildProcess | undefined;
const mismatches: string[] = [];
let dataDir = "";
let baseUrl = "";
let sb: SwitchboardClient;

function stopServer(): void {
  if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
}
process.on("exit", stopServer); // also when the runner exits early

async function startServer(): Promise<string> {
  if (!existsSync(bin)) {
    if (process.env.SWITCHBOARD_BIN) throw new Error(`SWITCHBOARD_BIN=${bin} does not exist`);
    execFileSync("make", ["-C", repoRoot, "build"], { stdio: "inherit" });
  }
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-sdk-ts-"));
  const child = spawn(
    bin,
    // --check-responses: the server checks each of its answers against openapi.yaml and
    // logs any mismatch; the suite fails on one (see after()).
    ["--addr", "127.0.0.1:0", "--db", join(dataDir, "test.db"), "--account-sid", accountSid, "--auth-token", authToken,
      // The simulated carrier is held (a step takes an hour): messages stay as created.
      // Calls run a hundred times faster than real time.
      "--check-responses", "--delivery-delay", "1h", "--call-speed", "100"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  server = child;
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString();
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    if (line.includes("response does not match openapi.yaml")) mismatches.push(line);
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`switchboard did not start in 20s:\n${stderr}`)), 20_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`switchboard exited (${code ?? signal}) before listening:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
}

async function send(to: string, body: string): Promise<Message> {
  const { data, error, response } = await sb.POST(listPath, {
    params: { path: account },
    body: { To: to, From: "+14155550199", Body: body },
  });
  assert.equal(response.status, 201, JSON.stringify(error));
  assert.ok(data);
  return data;
}

before(async () => {
  baseUrl = await startServer();
  sb = createSwitchboardClient(baseUrl, accountSid, authToken);
  // The account sends from a number it owns, as an app's account would.
  const bought = await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", {
    params: { path: account },
    body: { PhoneNumber: "+14155550199" },
  });
  assert.equal(bought.response.status, 201, JSON.stringify(bought.error));
});

after(() => {
  stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  assert.deepEqual(mismatches, [], "the server answered off the spec");
});

describe("messages through the generated client", () => {
  let created: Message;

  test("docs snippet: send with the TypeScript SDK", async () => {
    const switchboardUrl = baseUrl;
    // snippet:start typescript
    const client = createSwitchboardClient(switchboardUrl, accountSid, authToken);
    const { data, error, response } = await client.POST("/2010-04-01/Accounts/{AccountSid}/Messages.json", {
      params: { path: { AccountSid: accountSid } },
      body: { To: "+14155550100", From: "+14155550199", Body: "Hello from TypeScript" },
    });
    if (error) throw new Error(`${response.status} ${error.code}: ${error.message}`);
    // snippet:end
    assert.equal(response.status, 201);
    assert.equal(data?.status, "queued");
    assert.equal(data?.body, "Hello from TypeScript");
  });

  test("create: queued, SM sid, one segment", async () => {
    created = await send("+14155550100", "Hello from the TypeScript SDK");
    assert.match(created.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(created.status, "queued");
    assert.equal(created.num_segments, "1");
    assert.equal(created.num_media, "0");
    assert.equal(created.account_sid, accountSid);
    assert.equal(created.to, "+14155550100");
    assert.equal(created.from, "+14155550199");
    assert.equal(created.body, "Hello from the TypeScript SDK");
    assert.equal(created.date_sent, null);
  });

  test("create with MediaUrl sends repeated keys", async () => {
    const { data, error } = await sb.POST(listPath, {
      params: { path: account },
      body: { To: "+14155550101", From: "+14155550199", MediaUrl: ["https://example.com/a.png", "https://example.com/b.png"] },
    });
    assert.equal(error, undefined);
    assert.equal(data?.num_media, "2");
  });

  test("fetch returns the created message", async () => {
    const { data, error, response } = await sb.GET(itemPath, { params: { path: { ...account, Sid: created.sid } } });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.deepEqual(data, created);
  });

  test("list: 120 messages in pages of 50 by following next_page_uri", async () => {
    const to = "+14155550142"; // only these messages match the filter
    const sent: string[] = [];
    for (let i = 0; i < 120; i++) sent.push((await send(to, `page test ${i}`)).sid);

    const pageSizes: number[] = [];
    const seen: string[] = [];
    let page = await sb.GET(listPath, { params: { path: account, query: { To: to, PageSize: 50 } } });
    for (;;) {
      assert.equal(page.response.status, 200, JSON.stringify(page.error));
      assert.ok(page.data);
      assert.equal(page.data.page_size, 50);
      assert.equal(page.data.page, pageSizes.length);
      pageSizes.push(page.data.messages.length);
      seen.push(...page.data.messages.map((m) => m.sid));
      const next = page.data.next_page_uri;
      if (next === null) break;
      assert.ok(pageSizes.length < 10, "next_page_uri never became null");
      page = await sb.GET(listPath, { params: { path: account }, ...nextPage(next) });
    }
    assert.deepEqual(pageSizes, [50, 50, 20]);
    assert.deepEqual(seen, [...sent].reverse(), "newest first, each message once");

    // The `DateSent<` / `DateSent>` names go through percent-encoded; unsent messages
    // match on their creation date.
    const since = await sb.GET(listPath, { params: { path: account, query: { To: to, "DateSent>": "2000-01-01", PageSize: 1000 } } });
    assert.equal(since.data?.messages.length, 120, JSON.stringify(since.error));
    const before2000 = await sb.GET(listPath, { params: { path: account, query: { To: to, "DateSent<": "2000-01-01" } } });
    assert.equal(before2000.data?.messages.length, 0, JSON.stringify(before2000.error));
  });

  test("redact: Body set to the empty string", async () => {
    const { data, error } = await sb.POST(itemPath, {
      params: { path: { ...account, Sid: created.sid } },
      body: { Body: "" },
    });
    assert.equal(error, undefined);
    assert.equal(data?.body, "");
    assert.equal(data?.sid, created.sid);
    const again = await sb.GET(itemPath, { params: { path: { ...account, Sid: created.sid } } });
    assert.equal(again.data?.body, "");
  });

  test("a queued message cannot be deleted (20009); once delivered it can", async () => {
    const busy = await sb.DELETE(itemPath, { params: { path: { ...account, Sid: created.sid } } });
    assert.equal(busy.response.status, 400);
    assert.equal(busy.error?.code, 20009);
    const forced = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/Messages/{Sid}/Status", {
      params: { path: { ...account, Sid: created.sid } },
      body: { Status: "delivered" },
    });
    assert.equal(forced.response.status, 200, JSON.stringify(forced.error));
    assert.equal(forced.data?.status, "delivered");
  });

  test("delete, then fetch is 404 with code 20404", async () => {
    const del = await sb.DELETE(itemPath, { params: { path: { ...account, Sid: created.sid } } });
    assert.equal(del.response.status, 204);
    const { data, error, response } = await sb.GET(itemPath, { params: { path: { ...account, Sid: created.sid } } });
    assert.equal(response.status, 404);
    assert.equal(data, undefined);
    assert.equal(error?.code, 20404);
    assert.equal(error?.status, 404);
    assert.equal(error?.more_info, "https://www.twilio.com/docs/errors/20404");
  });

  test("bad To is 400 with code 21211", async () => {
    const { data, error, response } = await sb.POST(listPath, {
      params: { path: account },
      body: { To: "not-a-number", From: "+14155550199", Body: "hi" },
    });
    assert.equal(response.status, 400);
    assert.equal(data, undefined);
    assert.equal(error?.code, 21211);
    assert.equal(error?.status, 400);
  });

  test("wrong auth token is 401 with code 20003", async () => {
    const intruder = createSwitchboardClient(baseUrl, accountSid, "wrongToken");
    const { error, response } = await intruder.GET(listPath, { params: { path: account } });
    assert.equal(response.status, 401);
    assert.equal(error?.code, 20003);
  });
});

describe("phone numbers through the generated client", () => {
  test("search, buy, release", async () => {
    const search = await sb.GET("/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json", {
      params: { path: { ...account, CountryCode: "US" }, query: { AreaCode: 206, PageSize: 1 } },
    });
    const offered = search.data?.available_phone_numbers[0];
    assert.equal(offered?.phone_number, "+12065550100", JSON.stringify(search.error));
    assert.equal(offered?.locality, "Seattle");

    const bought = await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", {
      params: { path: account },
      body: { PhoneNumber: offered.phone_number, SmsUrl: "https://example.com/sms" },
    });
    assert.equal(bought.response.status, 201, JSON.stringify(bought.error));
    assert.match(bought.data?.sid ?? "", /^PN[0-9a-f]{32}$/);
    assert.equal(bought.data?.friendly_name, "(206) 555-0100");

    const again = await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", {
      params: { path: account },
      body: { PhoneNumber: offered.phone_number },
    });
    assert.equal(again.error?.code, 21422);

    const itemPath = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json";
    const del = await sb.DELETE(itemPath, { params: { path: { ...account, Sid: bought.data!.sid } } });
    assert.equal(del.response.status, 204);
  });
});

describe("Lookup v2 through the generated client", () => {
  test("a number with Fields, national input, an unknown package", async () => {
    const lookupPath = "/v2/PhoneNumbers/{PhoneNumber}";
    // openapi-fetch sends the '+' as %2B; the server reads it back as '+'.
    const { data, error, response } = await sb.GET(lookupPath, {
      params: { path: { PhoneNumber: "+447400123456" }, query: { Fields: "line_type_intelligence" } },
    });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.equal(data?.phone_number, "+447400123456");
    assert.equal(data?.line_type_intelligence?.type, "mobile");
    assert.equal(data?.line_type_intelligence?.carrier_name, "Three");
    assert.equal(data?.caller_name, null);

    const national = await sb.GET(lookupPath, {
      params: { path: { PhoneNumber: "020 7946 0018" }, query: { CountryCode: "GB" } },
    });
    assert.equal(national.data?.phone_number, "+442079460018");
    assert.equal(national.data?.valid, true);

    const bad = await sb.GET(lookupPath, { params: { path: { PhoneNumber: "+447400123456" }, query: { Fields: "carrier" } } });
    assert.equal(bad.response.status, 400);
    assert.equal(bad.error?.code, 60200);
  });
});

describe("calls through the generated client", () => {
  const callsPath = "/2010-04-01/Accounts/{AccountSid}/Calls.json";

  test("a call runs its TwiML; its timeline and recordings are reachable", async () => {
    const { data, error, response } = await sb.POST(callsPath, {
      params: { path: account },
      body: {
        To: "+14155550100",
        From: "+14155550199",
        Twiml: "<Response><Say>Hello from TypeScript</Say><Record maxLength=\"2\"/></Response>",
        StatusCallback: "http://127.0.0.1:1/status",
        StatusCallbackEvent: ["initiated", "completed"],
      },
    });
    assert.equal(response.status, 201, JSON.stringify(error));
    assert.match(data!.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(data!.status, "queued");

    let call: Call | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const got = await sb.GET("/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json", {
        params: { path: { ...account, Sid: data!.sid } },
      });
      call = got.data;
      if (call?.status === "completed") break;
    }
    assert.equal(call?.status, "completed");
    assert.equal(call?.duration, "4"); // three words (1.2 s) and two seconds recorded (maxLength is at least 2): 3.2 s, 4 started seconds

    const events = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/Calls/{Sid}/Events", {
      params: { path: { ...account, Sid: data!.sid } },
    });
    assert.equal(events.error, undefined);
    const said = events.data!.events.find((e) => e.type === "verb" && e.data.verb === "Say");
    assert.equal(said?.data.text, "Hello from TypeScript");
    assert.equal(events.data!.meta.key, "events");

    const recordings = await sb.GET("/2010-04-01/Accounts/{AccountSid}/Recordings.json", {
      params: { path: account, query: { CallSid: data!.sid } },
    });
    assert.equal(recordings.data?.recordings.length, 1);
    assert.equal(recordings.data?.recordings[0]?.duration, "2");
  });
});
