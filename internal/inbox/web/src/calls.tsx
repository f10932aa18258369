// Calls: the account's calls, newest first, with their live status; a call's timeline
// (every verb run, what was said or played, keys, the app's webhooks and their answers,
// status changes) growing as the call runs; a keypad and the far end's Answer and Hang
// up; and a phone calling one of your numbers. The stream's `call` event says that a call
// changed, its timeline and recordings included: the open call reads them again then.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { SwitchboardClient } from "@switchboard/sdk";
import {
  describe, mediaURL,
  type Call, type CallEvent, type ChangeEvent, type Credentials, type Delivery, type PhoneNumber, type Recording, type Subscribe,
} from "./api";
import { DeliveryView, Fields, time } from "./shared";

export const liveCall = (c: Call) => c.status === "queued" || c.status === "ringing" || c.status === "in-progress";

const created = (c: Call) => Date.parse(c.date_created);

/** The list of calls after one live event, newest first. */
export function applyCallChange(calls: Call[], ev: ChangeEvent): Call[] {
  const c = ev.call;
  if (ev.op === "deleted" || !c) return calls.filter((x) => x.sid !== ev.sid);
  if (calls.some((x) => x.sid === c.sid)) return calls.map((x) => (x.sid === c.sid ? c : x));
  // New, or missed by a list read just before it was made: in its place.
  const i = calls.findIndex((x) => created(x) <= created(c));
  return i < 0 ? [...calls, c] : [...calls.slice(0, i), c, ...calls.slice(i)];
}

/** A list just read, with the calls that live events brought meanwhile and it lacks. */
export function mergeCalls(read: Call[], shown: Call[]): Call[] {
  const newest = read.length ? created(read[0]!) : 0;
  const extra = shown.filter((c) => created(c) >= newest && !read.some((x) => x.sid === c.sid));
  return extra.reduce((list, c) => applyCallChange(list, { op: "updated", sid: c.sid, account_sid: c.account_sid, call: c }), read);
}

/** The other party of a call: the caller of an inbound call, the callee otherwise. */
const party = (c: Call) => (c.direction === "inbound" ? c.from : c.to);

const statusClass = (s: string) =>
  s === "in-progress" ? "good live" : s === "ringing" || s === "queued" ? "live" : s === "completed" ? "" : "bad";

/** A call's simulated time, m:ss.s. */
function elapsed(ms: number): string {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, "0")}`;
}

interface Props {
  sb: SwitchboardClient;
  creds: Credentials;
  account: string;
  calls: Call[];
  open: string | null;
  onOpen: (sid: string | null) => void;
  subscribe: Subscribe;
  setError: (e: string) => void;
  version: number;
  numbersVersion: number;
}

export function Calls(props: Props) {
  const { calls, open, onOpen } = props;
  return (
    <main class="calls">
      <aside>
        <NewCall {...props} />
        <ul class="call-list">
          {calls.length === 0 && <li class="empty">No calls yet. Place one through the API, or make a phone call one of your numbers (above).</li>}
          {calls.map((c) => (
            <li key={c.sid} class={open === c.sid ? "call on" : "call"} data-call={c.sid} data-status={c.status} onClick={() => onOpen(c.sid)}>
              <div class="who">
                <strong>{party(c)}</strong>
                <span class={`chip ${statusClass(c.status)}`} data-status-label>{c.status}</span>
                <time>{time(c.date_created)}</time>
              </div>
              <div class="via">
                {c.direction === "inbound" ? `called ${c.to}` : `called from ${c.from} (${c.direction})`}
                {c.duration !== null && ` · ${c.duration} s`}
              </div>
            </li>
          ))}
        </ul>
      </aside>
      {open ? <CallView key={open} {...props} sid={open} /> : <section class="phone empty"><p>Pick a call.</p></section>}
    </main>
  );
}

/** "A phone calls your number": an inbound call to one of the account's numbers that have a VoiceUrl. */
function NewCall({ sb, account, setError, numbersVersion, onOpen }: Props) {
  const [numbers, setNumbers] = useState<PhoneNumber[]>([]);
  const [from, setFrom] = useState("+14155550100");
  const [to, setTo] = useState("");
  useEffect(() => {
    sb.GET("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", { params: { path: { AccountSid: account }, query: { PageSize: 1000 } } })
      .then(({ data }) => setNumbers((data?.incoming_phone_numbers ?? []).filter((n) => n.voice_url && n.capabilities.voice)));
  }, [sb, account, numbersVersion]);
  const target = numbers.some((n) => n.phone_number === to) ? to : numbers[0]?.phone_number ?? "";
  async function call(e: Event) {
    e.preventDefault();
    const { data, error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/InboundCalls", {
      params: { path: { AccountSid: account } },
      body: { From: from.trim(), To: target },
    });
    if (error) setError(describe(error, response.status));
    else onOpen(data.sid);
  }
  if (numbers.length === 0) return <p class="hint">To call your app from here, give one of your numbers a VoiceUrl (Numbers).</p>;
  return (
    <form class="new-call" onSubmit={call}>
      <label>
        A phone <input name="caller" aria-label="Caller" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
      </label>
      <label>
        calls{" "}
        <select aria-label="Number to call" value={target} onChange={(e) => setTo(e.currentTarget.value)}>
          {numbers.map((n) => <option value={n.phone_number}>{n.phone_number}</option>)}
        </select>
      </label>
      <button type="submit">Call</button>
    </form>
  );
}

/** A call's whole timeline, following its pages. */
async function allEvents(sb: SwitchboardClient, account: string, sid: string): Promise<CallEvent[] | null> {
  const out: CallEvent[] = [];
  let query: { PageSize: number; Page?: number; PageToken?: string } = { PageSize: 1000 };
  for (;;) {
    const { data } = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/Calls/{Sid}/Events", {
      params: { path: { AccountSid: account, Sid: sid }, query },
    });
    if (!data) return null;
    out.push(...data.events);
    if (!data.meta.next_page_url) return out;
    const next = new URL(data.meta.next_page_url).searchParams;
    query = { PageSize: 1000, Page: Number(next.get("Page")), PageToken: next.get("PageToken") ?? "" };
  }
}

const keypad = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

function CallView(props: Props & { sid: string }) {
  const { sb, creds, account, sid, setError } = props;
  const [call, setCall] = useState<Call | null | undefined>(undefined); // undefined: not read yet; null: gone
  const [events, setEvents] = useState<CallEvent[]>([]);
  const [recordings, setRecordings] = useState<Recording[]>([]);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [typed, setTyped] = useState("");
  const keys = useRef(Promise.resolve());
  const end = useRef<HTMLLIElement>(null);

  // The timeline and the recordings, read again whenever the call changes: one read at a
  // time, and one more when it changed during the read.
  const reading = useRef({ busy: false, again: false });
  const readTimeline = useCallback(async () => {
    const r = reading.current;
    if (r.busy) {
      r.again = true;
      return;
    }
    r.busy = true;
    try {
      do {
        r.again = false;
        const [evs, recs] = await Promise.all([
          allEvents(sb, account, sid),
          sb.GET("/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json", { params: { path: { AccountSid: account, CallSid: sid }, query: { PageSize: 100 } } }),
        ]);
        if (evs) setEvents(evs);
        setRecordings(recs.data?.recordings ?? []);
      } while (r.again);
    } finally {
      r.busy = false;
    }
  }, [sb, account, sid]);

  // What is read here may be older than a live event that came meanwhile: the first read
  // keeps what the events brought. A reset (the stream missed events) reads afresh.
  const firstRead = useRef(props.version);
  useEffect(() => {
    const fresh = firstRead.current !== props.version;
    sb.GET("/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json", { params: { path: { AccountSid: account, Sid: sid } } })
      .then(({ data }) => setCall((c) => (c === undefined || fresh ? data ?? null : c)));
    sb.GET("/switchboard/v1/Accounts/{AccountSid}/WebhookDeliveries", { params: { path: { AccountSid: account }, query: { ResourceSid: sid, PageSize: 100 } } })
      .then(({ data }) => {
        const read = data?.webhook_deliveries ?? [];
        setDeliveries((ds) => (fresh ? read : [...ds.filter((d) => !read.some((x) => x.sid === d.sid)), ...read]));
      });
    readTimeline();
  }, [readTimeline, props.version]);

  // Live: this call's changes (its timeline and recordings with it) and webhooks.
  useEffect(
    () =>
      props.subscribe((kind, ev) => {
        if (kind === "call" && ev.sid === sid) {
          setCall(ev.call ?? null);
          if (ev.call) readTimeline();
        }
        const d = ev.webhook_delivery;
        if (kind === "webhook-delivery" && d && d.resource_sid === sid) setDeliveries((ds) => [d, ...ds.filter((x) => x.sid !== d.sid)]);
      }),
    [sid, readTimeline],
  );

  useEffect(() => end.current?.scrollIntoView({ block: "nearest" }), [events.length]);

  const inProgress = call?.status === "in-progress";
  // Keys go in the order pressed, one request after the other.
  const press = (k: string) => {
    setTyped((t) => t + k);
    keys.current = keys.current.then(async () => {
      const { error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/Calls/{Sid}/Digits", {
        params: { path: { AccountSid: account, Sid: sid } },
        body: { Digits: k },
      });
      if (error) setError(describe(error, response.status));
    });
  };
  // The computer's keys press the keypad's while the call is in progress (not while typing elsewhere).
  useEffect(() => {
    if (!inProgress) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (keypad.includes(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey && !["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) press(e.key);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [inProgress]);

  async function answer() {
    const { data, error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/Calls/{Sid}/Answer", { params: { path: { AccountSid: account, Sid: sid } } });
    if (error) setError(describe(error, response.status));
    else setCall(data);
  }
  async function hangUp() {
    const { data, error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/Calls/{Sid}/Hangup", { params: { path: { AccountSid: account, Sid: sid } } });
    if (error) setError(describe(error, response.status));
    else setCall(data);
  }

  if (call === undefined) return <section class="phone empty"><p>Loading…</p></section>;
  if (call === null) return <section class="phone empty"><p>Call {sid} is gone.</p></section>;
  const deliveryOf = new Map(deliveries.map((d) => [d.sid, d]));
  const ringing = call.status === "ringing";
  return (
    <>
      <section class="phone call-view" data-call-view={sid}>
        <div class="phone-head">
          <strong>{party(call)}</strong>{" "}
          <span>{call.direction === "inbound" ? `calling ${call.to}` : `called from ${call.from}`}</span>{" "}
          <span class={`chip ${statusClass(call.status)}`} data-call-status>{call.status}</span>
          {call.duration !== null && <span> · {call.duration} s</span>}
        </div>
        <ol class="timeline" data-timeline>
          {events.length === 0 && <li class="empty">Nothing has happened on this call yet.</li>}
          {events.map((e) => {
            const d = e.data.delivery_sid ? deliveryOf.get(e.data.delivery_sid) : undefined;
            return (
              <li class={`ev ${e.type}`} data-event-type={e.type}>
                <details>
                  <summary>
                    <span class="at" title={time(e.date_created)}>{elapsed(e.elapsed_ms)}</span>
                    <span class="type">{e.type}</span>
                    <span class="what">{e.description}</span>
                  </summary>
                  {d ? (
                    <DeliveryView d={d} />
                  ) : (
                    <table class="fields">
                      <tbody>
                        {Object.entries(e.data).sort().map(([k, v]) => <tr><th>{k}</th><td>{v}</td></tr>)}
                      </tbody>
                    </table>
                  )}
                </details>
              </li>
            );
          })}
          <li ref={end} class="end" />
        </ol>
        <div class="far-end">
          <div class="keypad" role="group" aria-label="Keypad">
            {keypad.map((k) => (
              <button data-key={k} disabled={!inProgress} onClick={() => press(k)} title={inProgress ? `Press ${k}` : "Keys can be pressed while the call is in progress"}>{k}</button>
            ))}
          </div>
          <div class="far-end-actions">
            <output data-typed title="Keys pressed from here">{typed || "\u00a0"}</output>
            {ringing && call.direction !== "inbound" && <button class="answer" onClick={answer}>Answer</button>}
            {(ringing || inProgress) && <button class="danger" onClick={hangUp}>Hang up</button>}
            <small>as {party(call)}</small>
          </div>
        </div>
      </section>
      <aside class="detail" data-call-detail={sid}>
        <h2>Call</h2>
        <Fields of={call} />
        <h2>Recordings ({recordings.length})</h2>
        {recordings.length === 0 && <p class="empty">No recording (a &lt;Record&gt;, or Record=true when placing the call).</p>}
        {recordings.map((r) => <RecordingView key={r.sid} creds={creds} account={account} r={r} />)}
        <h2>Webhooks ({deliveries.length})</h2>
        {deliveries.length === 0 && <p class="empty">No webhook yet (the VoiceUrl, Gather actions, status callbacks).</p>}
        {deliveries.map((d) => <DeliveryView d={d} />)}
      </aside>
    </>
  );
}

function RecordingView({ creds, account, r }: { creds: Credentials; account: string; r: Recording }) {
  const [url, setUrl] = useState("");
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  async function listen() {
    setUrl(await mediaURL(creds, `/2010-04-01/Accounts/${account}/Recordings/${r.sid}.wav`).catch(() => ""));
  }
  return (
    <div class="recording" data-recording={r.sid}>
      {r.sid} · {r.status} · {r.duration ?? "?"} s · {r.source}{" "}
      {r.status === "completed" && (url ? <audio controls autoplay src={url} /> : <button onClick={listen}>Listen</button>)}
    </div>
  );
}
