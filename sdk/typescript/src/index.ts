/**
 * Switchboard TypeScript client: openapi-fetch over the types that openapi-typescript
 * generates from ../../openapi.yaml into ./schema.d.ts (run `npm run generate`).
 *
 *     import { createSwitchboardClient } from "@switchboard/sdk";
 *
 *     const sb = createSwitchboardClient("http://127.0.0.1:8080", accountSid, authToken);
 *     const { data, error } = await sb.POST("/2010-04-01/Accounts/{AccountSid}/Messages.json", {
 *       params: { path: { AccountSid: accountSid } },
 *       body: { To: "+14155550100", From: "+14155550199", Body: "Hi", MediaUrl: ["https://example.com/a.png"] },
 *     });
 *     if (error) throw new Error(`${error.code}: ${error.message}`); // Twilio error code and text
 *
 * Request bodies: the API takes `application/x-www-form-urlencoded` (never JSON), with
 * Twilio's PascalCase names and one repeated key per array item (`MediaUrl=a&MediaUrl=b`).
 * openapi-fetch would send JSON by default, and its built-in form support joins arrays with
 * commas, so this client sets `bodySerializer: formBody` (a URLSearchParams with repeated
 * keys) and sends the form Content-Type on every request that has a body. With a plain
 * openapi-fetch client of your own, pass the same thing per request:
 *
 *     client.POST(path, { params, body, bodySerializer: formBody,
 *       headers: { "Content-Type": "application/x-www-form-urlencoded" } });
 *
 * Lists are paged: follow `next_page_uri` until it is null, with `nextPage(uri)` (below).
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
export type Message = components["schemas"]["Message"];
export type MessageList = components["schemas"]["MessageList"];
export type Account = components["schemas"]["Account"];
export type IncomingPhoneNumber = components["schemas"]["IncomingPhoneNumber"];
export type AvailablePhoneNumber = components["schemas"]["AvailablePhoneNumber"];
export type ApiError = components["schemas"]["Error"];
export type PhoneNumberLookup = components["schemas"]["PhoneNumberLookup"];
export type Call = components["schemas"]["Call"];
export type CallEvent = components["schemas"]["CallEvent"];
export type Recording = components["schemas"]["Recording"];
export type SwitchboardClient = Client<paths>;

const FORM = "application/x-www-form-urlencoded";

/**
 * Encodes a request body the way Twilio's API reads it: one key per field, arrays as
 * repeated keys, booleans and numbers as their text. `undefined` and `null` fields are left
 * out; an empty string is kept (`Body=""` redacts a message).
 */
export function formBody(body: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (body === null || body === undefined) return form;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      form.append(key, String(item));
    }
  }
  return form;
}

/**
 * Options that make a list call fetch the page that `next_page_uri` (or `first_page_uri`,
 * `previous_page_uri`) points at, filters and page token included, verbatim:
 *
 *     let page = await sb.GET(listPath, { params: { path: { AccountSid } } });
 *     while (page.data?.next_page_uri) {
 *       page = await sb.GET(listPath, { params: { path: { AccountSid } }, ...nextPage(page.data.next_page_uri) });
 *     }
 */
export function nextPage(pageUri: string): { querySerializer: () => string } {
  const i = pageUri.indexOf("?");
  const query = i < 0 ? "" : pageUri.slice(i + 1);
  return { querySerializer: () => query };
}

/** Options of `createSwitchboardClient` beyond the server and the credentials. */
export interface SwitchboardClientOptions {
  /** The fetch to use (default: the global one); e.g. to log or to time requests. */
  fetch?: ClientOptions["fetch"];
  /**
   * Whether a browser adds its own credentials (cookies, Basic credentials it remembers)
   * to requests; the client sends its own Authorization header either way. A page that
   * holds the credentials itself passes "omit".
   */
  credentials?: RequestCredentials;
}

/**
 * A typed client for the Switchboard server at `baseUrl` (e.g. `http://127.0.0.1:8080`),
 * authenticated with HTTP Basic as `accountSid` / `authToken`, sending form-encoded bodies.
 */
export function createSwitchboardClient(
  baseUrl: string,
  accountSid: string,
  authToken: string,
  options: SwitchboardClientOptions = {},
): SwitchboardClient {
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}` },
    bodySerializer: (body) => formBody(body).toString(),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  client.use({
    onRequest({ request }) {
      // openapi-fetch labels every body application/json; ours are forms.
      if (request.body !== null) request.headers.set("Content-Type", FORM);
      return request;
    },
  });
  return client;
}
