// The package as a user gets it: `npm pack` makes the tarball, a new project (plain
// CommonJS, no "type": "module", as `npm init` makes it) installs it, and the README's
// example (examples/quickstart.ts, which docs_test.go keeps identical to the README) runs
// there as written, with tsx, against a live bin/switchboard.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

const sdkDir = resolve(import.meta.dirname, "..");
const repoRoot = resolve(sdkDir, "../..");
const bin = process.env.SWITCHBOARD_BIN ?? join(repoRoot, "bin", "switchboard");
const accountSid = "AC" + "fedcba9876543210".repeat(2);
const authToken = "packageTestToken1";

let server: ChildProcess | undefined;
let workDir = "";
let baseUrl = "";

before(async () => {
  if (!existsSync(bin)) execFileSync("make", ["-C", repoRoot, "build"], { stdio: "inherit" });
  workDir = mkdtempSync(join(tmpdir(), "switchboard-sdk-package-"));
  server = spawn(bin, ["--addr", "127.0.0.1:0", "--db", join(workDir, "sb.db"), "--account-sid", accountSid,
    "--auth-token", authToken, "--check-responses"], { stdio: ["ignore", "pipe", "ignore"] });
  baseUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("switchboard did not start in 20s")), 20_000);
    server!.on("exit", (code) => fail(new Error(`switchboard exited (${code})`)));
    createInterface({ input: server!.stdout! }).on("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
});

after(() => {
  if (server && server.exitCode === null) server.kill("SIGKILL");
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("npm pack: the tarball holds the built JavaScript and its type declarations", () => {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", workDir], { cwd: sdkDir, encoding: "utf8" }));
  const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
  for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/schema.d.ts"]) {
    assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(", ")}`);
  }
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), files.join(", "));
});

test("the README example runs as written in a new project that installed the tarball", () => {
  const tarball = join(workDir, readdirTarball());
  const project = join(workDir, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  // openapi-fetch comes from npm's cache: `npm ci` in this directory fetched it already.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: project, stdio: "inherit" });
  copyFileSync(join(sdkDir, "examples", "quickstart.ts"), join(project, "quickstart.ts"));
  const out = execFileSync(join(sdkDir, "node_modules", ".bin", "tsx"), ["quickstart.ts"], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, SWITCHBOARD_URL: baseUrl, SWITCHBOARD_ACCOUNT_SID: accountSid, SWITCHBOARD_AUTH_TOKEN: authToken },
  });
  assert.match(out, /^sent SM[0-9a-f]{32} queued$/m);
  assert.match(out, /^fetched SM[0-9a-f]{32} /m);
  assert.match(out, /^listed SM[0-9a-f]{32} /m);
});

function readdirTarball(): string {
  const pkg = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8"));
  return `${pkg.name.replace("@", "").replace("/", "-")}-${pkg.version}.tgz`;
}
