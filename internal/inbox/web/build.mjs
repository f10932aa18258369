// Builds the inbox into ../dist, which the Go package embeds: one JavaScript bundle (the
// app, Preact, the TypeScript SDK and its openapi-fetch, the EventSource client), the
// stylesheet and the page. The output depends only on the sources and the pinned
// versions, so CI can rebuild it and fail when the committed copy differs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const out = new URL("../dist/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: out + "app.js",
  legalComments: "eof",
  logLevel: "warning",
});
await build({ entryPoints: ["src/app.css"], bundle: true, minify: true, outfile: out + "app.css", logLevel: "warning" });
copyFileSync("src/index.html", out + "index.html");
