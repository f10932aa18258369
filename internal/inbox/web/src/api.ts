// The inbox talks to Switchboard through the public API only, with the project's own
// TypeScript SDK (typed by openapi.yaml), and follows the API's live event stream.
// Credentials stay in this tab (sessionStorage) and travel as an Authorization header:
// no cookie, nothing in a URL.
import { createSwitchboardClient, type SwitchboardClient, type components } from "@switchboard/sdk";
import { EventSource } from "eventsource";

export type Message = components["schemas"]["Message"];
export type Encoding = components["schemas"]["MessageEncoding"];
export type Thread = components["schemas"]["Thread"];
export type Delivery = components["schemas"]["WebhookDelivery"];
export type PhoneNumber = components["schemas"]["IncomingPhoneNumber"];
export type Available = components["schemas"]["AvailablePhoneNumber"];
export type Account = components["schemas"]["Account"];
export type Call = components["schemas"]["Call"];
export type CallEvent = components["schemas"]["CallEvent"];
export type Recording = components["schemas"]["CallRecording"]; // as a call lists them
export type ApiError = components["schemas"]["Error"];
export type Verification = components["schemas"]["SimulatorVerification"]; // with its code
export type Sandbox = components["schemas"]["WhatsAppSandbox"];

export interface Credentials {
  sid: string;
  token: string;
}

const storageKey = "switchboard.inbox.credentials";

export function savedCredentials(): Credentials | null {
  try {
    const c = JSON.parse(sessionStorage.getItem(storageKey) ?? "null");
    return c && typeof c.sid === "string" && typeof c.token === "string" ? c : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: Credentials | null): void {
  if (c) sessionStorage.setItem(storageKey, JSON.stringify(c));
  else sessionStorage.removeItem(storageKey);
}

/** The main account's credentials when the server was started with --inbox-auto-signin. */
export async function autoSignIn(): Promise<Credentials | null> {
  const res = await fetch("session", { headers: { Accept: "application/json" } });
  if (!res.ok) return null;
  const s = await res.json();
  return s.auto_sign_in ? { sid: s.account_sid, token: s.auth_token } : null;
}

export function client(c: Credentials): SwitchboardClient {
  // "omit": the browser adds nothing of its own (no Basic credentials it may remember).
  return createSwitchboardClient(location.origin, c.sid, c.token, { credentials: "omit" });
}

function authorization(c: Credentials): string {
  return "Basic " + btoa(`${c.sid}:${c.token}`);
}

/** A failed call's error object, worded for a person. */
export function describe(error: ApiError | undefined, status: number): string {
  return error ? `${error.message} (error ${error.code})` : `HTTP ${status}`;
}

/** The data of one live event (see StreamEvents in openapi.yaml). */
export interface ChangeEvent {
  op: "created" | "updated" | "deleted";
  sid: string;
  account_sid: string;
  message?: Message;
  encoding?: Encoding;
  webhook_delivery?: Delivery;
  incoming_phone_number?: PhoneNumber;
  /** A call, its timeline or its recordings changed: the call as it is now. */
  call?: Call;
}

/** Handles one live event. */
export type ChangeHandler = (kind: string, ev: ChangeEvent) => void;

/** Adds a handler of the live events until the function it returns is called. */
export type Subscribe = (h: ChangeHandler) => () => void;

export interface Handlers {
  change(kind: string, ev: ChangeEvent): void;
  reset(): void;
  status(live: boolean): void;
}

/** Follows an account's changes; returns a function that stops. */
export function follow(c: Credentials, account: string, h: Handlers): () => void {
  const auth = authorization(c);
  const es = new EventSource(`/switchboard/v1/Accounts/${account}/Events`, {
    fetch: (input, init) => fetch(input, { ...init, credentials: "omit", headers: { ...init.headers, Authorization: auth } }),
  });
  const on = (kind: string) =>
    es.addEventListener(kind, (e) => h.change(kind, JSON.parse((e as MessageEvent).data) as ChangeEvent));
  on("message");
  on("webhook-delivery");
  on("incoming-phone-number");
  on("call");
  es.addEventListener("reset", () => h.reset());
  es.addEventListener("ready", () => h.status(true));
  es.addEventListener("error", () => h.status(false));
  return () => es.close();
}

/** Fetches a media file or a recording with the credentials (an <img> or <audio> cannot
 * send them) as a blob: URL. */
export async function mediaURL(c: Credentials, path: string): Promise<string> {
  const res = await fetch(path, { credentials: "omit", headers: { Authorization: authorization(c) } });
  if (!res.ok) throw new Error(`media: HTTP ${res.status}`);
  return URL.createObjectURL(await res.blob());
}
