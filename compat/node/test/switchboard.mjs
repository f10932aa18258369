// Starts a live Switchboard for a test file and points the official twilio SDK at it.
//
// `npm test` builds bin/switchboard first (the "pretest" script runs `make -C ../.. build`);
// this module only starts the binary, so a stale or missing build is reported, not rebuilt
// behind the test runner's back (node --test runs each file in its own process).
//
// Each server gets a database of its own: a SQLite file in a temporary directory or, with
// SWITCHBOARD_TEST_STORE=postgres, a new PostgreSQL database on the cluster whose URL is
// SWITCHBOARD_TEST_POSTGRES, made with createdb and dropped with dropdb (from PG_BIN when
// set). `make test-compat-node-postgres` runs the suite so, under internal/pgtest/withpg,
// which starts the cluster and sets both.

import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import twilio from "twilio";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..", "..");
export const binary = process.env.SWITCHBOARD_BIN || join(repoRoot, "bin", "switchboard");

// Fixed credentials: AC + 32 lowercase hex, and an alphanumeric token (the only kinds the
// official SDKs accept).
export const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
export const AUTH_TOKEN = "compatNodeToken0123456789";

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

// The PostgreSQL cluster the servers' databases are made on, when the suite runs on
// PostgreSQL: the URL of a superuser's connection to its postgres database.
const postgres = process.env.SWITCHBOARD_TEST_STORE === "postgres" ? process.env.SWITCHBOARD_TEST_POSTGRES : undefined;
if (process.env.SWITCHBOARD_TEST_STORE === "postgres" && !postgres) {
  throw new Error("SWITCHBOARD_TEST_STORE=postgres needs SWITCHBOARD_TEST_POSTGRES, a cluster's URL: run under `go run ./internal/pgtest/withpg --` (make test-compat-node-postgres)");
}
const pgProgram = (name) => (process.env.PG_BIN ? join(process.env.PG_BIN, name) : name);
let databases = 0;

// newDatabase makes a database for one server and returns its --db and how to remove it
// (synchronously, so that the exit handler can).
async function newDatabase() {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-compat-node-"));
  if (!postgres) {
    return { db: join(dir, "test.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `node_${process.pid}_${++databases}`;
  await promisify(execFile)(pgProgram("createdb"), ["--maintenance-db", postgres, name]);
  const url = new URL(postgres);
  url.pathname = "/" + name;
  return {
    db: url.toString(),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      spawnSync(pgProgram("dropdb"), ["--if-exists", "--force", "--maintenance-db", postgres, name], { stdio: "ignore" });
    },
  };
}

// Every server this process started (child -> how to remove its database), so that an
// exit for any reason still kills them and removes their databases.
const running = new Map();
const killAll = () => {
  for (const [child, remove] of running) {
    child.kill("SIGKILL");
    remove();
  }
  running.clear();
};
process.on("exit", killAll);
// A signal (Ctrl-C, the test runner cancelling a file) skips "exit": kill, then die of the
// same signal as if no handler were installed.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/**
 * Starts bin/switchboard on a random loopback port with a fresh database (see newDatabase).
 * Resolves to { url, accountSid, authToken, client(sid?, token?), keyClient(keySid, secret),
 * stop() } once the server has printed its listening line. stop() is idempotent; call it from an `after` hook.
 *
 * deliveryDelay is the simulated carrier's step (--delivery-delay): by default an hour, so
 * that messages stay as created and each test decides what happens to them; pass "100ms"
 * to watch them delivered. callSpeed is --call-speed: by default calls run 100 times
 * faster than real time (a simulated second in 10 ms). ownNumber is bought for the main account, so that tests can
 * send from it (null: none).
 */
export async function startSwitchboard({ deliveryDelay = "1h", ownNumber = OWN_NUMBER, callSpeed = "100" } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`npm test\` (it builds first) or \`make -C ${repoRoot} build\``);
  }
  const { db, remove } = await newDatabase();
  const child = spawn(
    binary,
    // --check-responses: the server checks each of its answers against openapi.yaml and
    // logs any mismatch; stop() fails the suite on one.
    ["--addr", "127.0.0.1:0", "--db", db, "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN,
      "--check-responses", "--delivery-delay", deliveryDelay, "--call-speed", callSpeed],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running.set(child, remove);

  // Both pipes are drained for the server's whole life (its request log goes to stderr:
  // a full pipe would stall it); the tail of stderr explains a failed start.
  let stderrTail = "";
  let partial = "";
  const mismatches = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop();
    mismatches.push(...lines.filter((l) => l.includes("response does not match openapi.yaml")));
    if (process.env.SWITCHBOARD_LOG) process.stderr.write(chunk);
  });
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
  exited.then(() => running.delete(child));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    remove();
    if (mismatches.length > 0) {
      throw new Error(`the server answered off the spec ${mismatches.length} time(s):\n${mismatches.join("\n")}`);
    }
  };

  let url;
  try {
    url = await new Promise((res, rej) => {
      let stdout = "";
      const timer = setTimeout(
        () => rej(new Error(`no listening line within ${STARTUP_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderrTail}`)),
        STARTUP_TIMEOUT_MS,
      );
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        const m = /Switchboard is listening on (http:\/\/[^\s]+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        rej(err);
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        rej(new Error(`switchboard exited (code ${code}, signal ${signal}) before listening\nstderr: ${stderrTail}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const sb = {
    url,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    client: (sid = ACCOUNT_SID, token = AUTH_TOKEN) => localClient(url, sid, token),
    // A client authenticated with an API key for the main account, as Twilio recommends
    // for production: the key's SID and secret, and the Account SID beside them.
    keyClient: (keySid, secret) => localClient(url, keySid, secret, { accountSid: ACCOUNT_SID }),
    stop,
  };
  // The main account owns the number the tests send from, as an app's account would.
  try {
    if (ownNumber) await sb.client().incomingPhoneNumbers.create({ phoneNumber: ownNumber });
  } catch (err) {
    await stop();
    throw err;
  }
  return sb;
}

/** The number startSwitchboard buys for the main account; tests send from it. */
export const OWN_NUMBER = "+14155550199";

/**
 * An official SDK client aimed at a local server through the SDK's own configuration:
 * each domain's `baseUrl` (Domain.absoluteUrl prefixes it to every request path and to
 * the next_page_uri it follows when paging).
 */
export function localClient(url, sid, token, opts = {}) {
  const client = twilio(sid, token, opts);
  client.api.baseUrl = url;
  client.lookups.baseUrl = url;
  client.messaging.baseUrl = url;
  client.verify.baseUrl = url;
  client.content.baseUrl = url;
  return client;
}

/**
 * The other supported hook: a RequestClient subclass that rewrites the production host of
 * every request (paging included) to the local server. `seen` records the URIs the SDK
 * asked for, before the rewrite.
 */
export function rewritingHttpClient(url) {
  class LocalRequestClient extends twilio.RequestClient {
    constructor() {
      super();
      this.seen = [];
    }
    request(opts) {
      this.seen.push(opts.uri);
      const u = new URL(opts.uri);
      if (["api.twilio.com", "content.twilio.com", "lookups.twilio.com", "messaging.twilio.com", "verify.twilio.com"].includes(u.hostname)) {
        opts = { ...opts, uri: url + u.pathname + u.search };
      }
      return super.request(opts);
    }
  }
  return new LocalRequestClient();
}

/** Resolves to the RestException a promise rejects with; fails if it resolves. */
export async function restError(promise) {
  try {
    const value = await promise;
    throw new Error(`expected a RestException, got ${JSON.stringify(value?.toJSON?.() ?? value)}`);
  } catch (err) {
    if (!(err instanceof twilio.RestException)) throw err;
    return err;
  }
}

/**
 * Forces a message's status through Switchboard's simulator endpoint (the official SDK
 * has no such call), as a test's shortcut through the simulated carrier.
 */
export async function forceStatus(sb, messageSid, status) {
  const res = await fetch(`${sb.url}/switchboard/v1/Accounts/${sb.accountSid}/Messages/${messageSid}/Status`, {
    method: "POST",
    headers: {
      Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64"),
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ Status: status }),
  });
  if (res.status !== 200) throw new Error(`force ${messageSid} to ${status}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Posts to one of Switchboard's simulator endpoints (the official SDK has no such calls),
 * e.g. simulator(sb, `Calls/${sid}/Digits`, { Digits: "1" }), and resolves to its JSON.
 */
export async function simulator(sb, path, params = {}) {
  const res = await fetch(`${sb.url}/switchboard/v1/Accounts/${sb.accountSid}/${path}`, {
    method: "POST",
    headers: {
      Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64"),
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(params),
  });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Reads one of Switchboard's simulator resources (e.g. simulatorGet(sb, "WhatsApp/Sandbox"))
 * and resolves to its JSON.
 */
export async function simulatorGet(sb, path) {
  const res = await fetch(`${sb.url}/switchboard/v1/Accounts/${sb.accountSid}/${path}`, {
    headers: { Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64") },
  });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * An app's webhook endpoint on loopback: it answers every request with `answer` (TwiML,
 * empty by default) and keeps each one's form parameters and whether twilio-node's
 * validateRequest accepts its X-Twilio-Signature. Resolves to { url, requests,
 * waitFor(n), close() }.
 */
export async function webhookApp(authToken, answer = "<Response/>") {
  const requests = [];
  let wake = () => {};
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `http://${req.headers.host}${req.url}`;
      requests.push({ path: req.url, params, valid: twilio.validateRequest(authToken, req.headers["x-twilio-signature"] ?? "", url, params) });
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(answer);
      wake();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const waitFor = async (n, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (requests.length < n) {
      if (Date.now() > deadline) throw new Error(`${requests.length} webhook requests, want ${n}`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return requests.slice(0, n);
  };
  return { url, requests, waitFor, close: () => new Promise((r) => server.close(r)) };
}

/** A file server on loopback that answers every request with content as contentType. */
export async function fileServer(contentType, content) {
  const server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": contentType });
    res.end(content);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/file`, close: () => new Promise((r) => server.close(r)) };
}

/** Fetches a message through the SDK until its status is one of statuses. */
export async function waitForMessage(client, sid, ...statuses) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await client.messages(sid).fetch();
    if (statuses.includes(m.status)) return m;
    if (Date.now() > deadline) throw new Error(`message ${sid} is ${m.status}, want ${statuses}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The latest Verify code sent to a number, read through Switchboard's simulator (the
 * official SDK cannot read a phone): resolves to { sid, code, status, ... }.
 */
export async function verificationCode(sb, to) {
  const query = new URLSearchParams({ To: to, PageSize: "1" });
  const res = await fetch(`${sb.url}/switchboard/v1/Accounts/${sb.accountSid}/Verifications?${query}`, {
    headers: { Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64") },
  });
  if (res.status !== 200) throw new Error(`verification code for ${to}: HTTP ${res.status} ${await res.text()}`);
  const [latest] = (await res.json()).verifications;
  if (!latest) throw new Error(`no verification code was sent to ${to}`);
  return latest;
}

/**
 * Moves the simulator's clock forward through Switchboard's Clock endpoint (e.g.
 * advance(sb, "PT11M")), as a test does instead of waiting, and resolves to the clock.
 */
export async function advance(sb, by) {
  const res = await fetch(`${sb.url}/switchboard/v1/Clock`, {
    method: "POST",
    headers: {
      Authorization: "Basic " + Buffer.from(`${sb.accountSid}:${sb.authToken}`).toString("base64"),
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ Advance: by }),
  });
  if (res.status !== 200) throw new Error(`advance the clock by ${by}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}
