// Switchboard's web inbox: a phone on the screen. Conversations (one per number and
// other party), a thread of bubbles with each text's live status and encoding, replies
// typed as the customer, the detail of a message with its webhook deliveries, calls with
// their timelines and a keypad (calls.tsx), numbers and the WhatsApp Sandbox
// (whatsapp.tsx; a WhatsApp conversation is a thread with its label), and the codes
// Verify sent (verify.tsx). Everything goes through the public API (see api.ts); live changes come
// from its event stream.
import { render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { SwitchboardClient } from "@switchboard/sdk";
import {
  autoSignIn, client, describe, follow, mediaURL, saveCredentials, savedCredentials,
  type Account, type Available, type Call, type ChangeEvent, type ChangeHandler, type Credentials, type Delivery, type Encoding,
  type Message, type PhoneNumber, type Subscribe, type Thread,
} from "./api";
import { applyCallChange, Calls, liveCall, mergeCalls } from "./calls";
import { DeliveryView, Fields, time } from "./shared";
import { Verifications } from "./verify";
import { ClockBanner } from "./clock";
import { isWhatsApp, SandboxPanel, useSandbox, WhatsAppTag } from "./whatsapp";

interface Bubble {
  message: Message;
  encoding: Encoding;
}

interface Key {
  number: string;
  party: string;
}

const keyOf = (m: Message): Key =>
  m.direction === "inbound" ? { number: m.to, party: m.from ?? "" } : { number: m.from ?? "", party: m.to };
const sameKey = (a: Key, b: Key) => a.number === b.number && a.party === b.party;
const keyText = (k: Key) => `${k.number}|${k.party}`;
const outbound = (m: Message) => m.direction !== "inbound";

// Unread: per thread, the number of inbound messages seen, kept in this browser.
function seenCounts(account: string): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem("switchboard.inbox.seen." + account) ?? "{}");
  } catch {
    return {};
  }
}
function saveSeen(account: string, seen: Record<string, number>) {
  localStorage.setItem("switchboard.inbox.seen." + account, JSON.stringify(seen));
}

function App() {
  const [creds, setCreds] = useState<Credentials | null>(savedCredentials());
  const [checking, setChecking] = useState(creds === null);
  useEffect(() => {
    if (creds) return;
    autoSignIn()
      .then((c) => c && setCreds(c))
      .catch(() => {})
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p class="loading">Loading…</p>;
  if (!creds) {
    return (
      <SignIn
        onSignIn={(c) => {
          saveCredentials(c);
          setCreds(c);
        }}
      />
    );
  }
  return (
    <Inbox
      creds={creds}
      onSignOut={() => {
        saveCredentials(null);
        setCreds(null);
      }}
    />
  );
}

function SignIn({ onSignIn }: { onSignIn: (c: Credentials) => void }) {
  const [sid, setSid] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    setError("");
    const c = { sid: sid.trim(), token: token.trim() };
    const { error, response } = await client(c).GET("/2010-04-01/Accounts/{Sid}.json", { params: { path: { Sid: c.sid } } });
    if (error) {
      setError(response.status === 401 ? "Wrong Account SID or auth token." : describe(error, response.status));
      return;
    }
    onSignIn(c);
  }
  return (
    <form class="signin" onSubmit={submit}>
      <h1>Switchboard inbox</h1>
      <p>Sign in with an Account SID and its auth token (as printed when the server started). You see that account and its subaccounts.</p>
      <label>
        Account SID
        <input name="sid" autocomplete="username" value={sid} onInput={(e) => setSid(e.currentTarget.value)} placeholder="AC…" required />
      </label>
      <label>
        Auth token
        <input name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit">Sign in</button>
    </form>
  );
}

type Tab = "threads" | "numbers" | "calls" | "verify";

function Inbox({ creds, onSignOut }: { creds: Credentials; onSignOut: () => void }) {
  const sb = useMemo(() => client(creds), [creds]);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [account, setAccount] = useState(creds.sid);
  const [tab, setTab] = useState<Tab>("threads");
  const [live, setLive] = useState(false);
  const [error, setError] = useState("");
  const [threads, setThreads] = useState<Thread[]>([]);
  const [filters, setFilters] = useState({ search: "", status: "", direction: "" });
  const [open, setOpen] = useState<Key | null>(null);
  const [bubbles, setBubbles] = useState<Bubble[]>([]);
  const [detail, setDetail] = useState<string | null>(null);
  const [seen, setSeen] = useState<Record<string, number>>(() => seenCounts(creds.sid));
  const [version, setVersion] = useState(0); // bumped by a reset: reload everything
  const [calls, setCalls] = useState<Call[]>([]);
  const [openCall, setOpenCall] = useState<string | null>(null);
  const [numbersVersion, setNumbersVersion] = useState(0);
  const [verifyVersion, setVerifyVersion] = useState(0); // bumped when a code may have gone out
  const changeRef = useRef<ChangeHandler>(() => {});
  // The views of one message or call handle the events too. They subscribe once, while
  // they show: no event can slip by between two renders.
  const listeners = useRef(new Set<ChangeHandler>());
  const subscribe: Subscribe = useCallback((h) => {
    listeners.current.add(h);
    return () => void listeners.current.delete(h);
  }, []);

  useEffect(() => {
    sb.GET("/2010-04-01/Accounts.json", { params: { query: { PageSize: 1000 } } }).then(({ data }) => data && setAccounts(data.accounts));
  }, [sb]);

  // The calls, newest first, kept live by the stream (their count of live ones shows on the tab).
  useEffect(() => {
    sb.GET("/2010-04-01/Accounts/{AccountSid}/Calls.json", { params: { path: { AccountSid: account }, query: { PageSize: 100 } } }).then(({ data, error, response }) => {
      if (error) setError(describe(error, response.status));
      else setCalls((shown) => mergeCalls(data.calls, shown));
    });
  }, [sb, account, version]);

  // Message events handled so far. A list read that began before an event may come back
  // without its change (the read's snapshot is older), and replace what the event showed:
  // a thread the event added would then be gone, since later events of that thread only
  // update threads already listed. So a read during which events came is read again.
  const messageEvents = useRef(0);
  const refetchSoon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const loadThreadsLater = useRef(() => {});
  const loadThreads = useCallback(async () => {
    const eventsBefore = messageEvents.current;
    const query: Record<string, string | number> = { PageSize: 100 };
    if (filters.search) query.Search = filters.search;
    if (filters.status) query.Status = filters.status;
    if (filters.direction) query.Direction = filters.direction;
    const { data, error, response } = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/Threads", {
      params: { path: { AccountSid: account }, query: query as never },
    });
    if (error) setError(describe(error, response.status));
    else setThreads(data.threads);
    if (messageEvents.current !== eventsBefore) loadThreadsLater.current();
  }, [sb, account, filters]);
  loadThreadsLater.current = () => {
    clearTimeout(refetchSoon.current);
    refetchSoon.current = setTimeout(loadThreads, 150);
  };

  // The same for the open thread's messages: an inbound message that arrived while they
  // were read gets no later event that would show it again.
  const openRef = useRef(open);
  openRef.current = open;
  const loadThread = useCallback(async (k: Key): Promise<void> => {
    const eventsBefore = messageEvents.current;
    const { data, error, response } = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/Threads/Messages", {
      params: { path: { AccountSid: account }, query: { Number: k.number, Party: k.party, PageSize: 200 } },
    });
    if (error) setError(describe(error, response.status));
    else setBubbles(data.messages.slice().reverse());
    if (messageEvents.current !== eventsBefore) setTimeout(() => openRef.current && sameKey(openRef.current, k) && loadThread(k), 150);
  }, [sb, account]);

  useEffect(() => {
    setSeen(seenCounts(account));
  }, [account]);
  useEffect(() => {
    const t = setTimeout(loadThreads, filters.search ? 200 : 0);
    return () => clearTimeout(t);
  }, [loadThreads, version]);
  useEffect(() => {
    if (open) loadThread(open);
    else setBubbles([]);
  }, [open, loadThread, version]);

  // Reading a thread marks its inbound messages seen.
  useEffect(() => {
    if (!open) return;
    const t = threads.find((t) => sameKey(t, open));
    if (t && seen[keyText(open)] !== t.inbound_count) {
      const next = { ...seen, [keyText(open)]: t.inbound_count };
      setSeen(next);
      saveSeen(account, next);
    }
  }, [open, threads]);

  const filtered = filters.search !== "" || filters.status !== "" || filters.direction !== "";

  changeRef.current = (kind, ev) => {
    if ((kind === "message" || kind === "call") && ev.op === "created") setVerifyVersion((v) => v + 1);
    if (kind === "incoming-phone-number") {
      setNumbersVersion((v) => v + 1);
      return;
    }
    if (kind === "call") {
      setCalls((cs) => applyCallChange(cs, ev));
      return;
    }
    if (kind !== "message") return;
    messageEvents.current++;
    const m = ev.message;
    if (ev.op === "deleted" || !m || filtered) {
      setBubbles((bs) => bs.filter((b) => b.message.sid !== ev.sid));
      loadThreadsLater.current();
      return;
    }
    const k = keyOf(m);
    const bubble = { message: m, encoding: ev.encoding! };
    if (open && sameKey(k, open)) {
      setBubbles((bs) => (bs.some((b) => b.message.sid === m.sid) ? bs.map((b) => (b.message.sid === m.sid ? bubble : b)) : [...bs, bubble]));
    }
    setThreads((ts) => {
      const i = ts.findIndex((t) => sameKey(t, k));
      if (i < 0) {
        if (ev.op !== "created") return ts;
        const t: Thread = { account_sid: m.account_sid, ...k, message_count: 1, inbound_count: m.direction === "inbound" ? 1 : 0, last_message: m };
        return [t, ...ts];
      }
      const t = { ...ts[i]! };
      if (ev.op === "created") {
        t.message_count++;
        if (m.direction === "inbound") t.inbound_count++;
        t.last_message = m;
        return [t, ...ts.slice(0, i), ...ts.slice(i + 1)];
      }
      if (t.last_message.sid === m.sid) t.last_message = m;
      return ts.map((x, j) => (j === i ? t : x));
    });
  };

  useEffect(
    () =>
      follow(creds, account, {
        change: (kind, ev) => {
          changeRef.current(kind, ev);
          listeners.current.forEach((h) => h(kind, ev));
        },
        reset: () => setVersion((v) => v + 1),
        status: setLive,
      }),
    [account],
  );

  const unread = (t: Thread) => (open && sameKey(t, open) ? 0 : Math.max(0, t.inbound_count - (seen[keyText(t)] ?? 0)));
  const totalUnread = threads.reduce((n, t) => n + unread(t), 0);
  const liveCalls = calls.filter(liveCall).length;
  useEffect(() => {
    document.title = (totalUnread ? `(${totalUnread}) ` : "") + "Switchboard inbox";
  }, [totalUnread]);

  async function clearAll() {
    if (!confirm(`Delete every message of ${account}, with its webhook records? This cannot be undone.`)) return;
    const { error, response } = await sb.DELETE("/switchboard/v1/Accounts/{AccountSid}/Messages", { params: { path: { AccountSid: account } } });
    if (error) setError(describe(error, response.status));
    setOpen(null);
    setDetail(null);
    setVersion((v) => v + 1);
  }

  return (
    <div class="app">
      <header>
        <h1>Switchboard</h1>
        <nav>
          <button class={tab === "threads" ? "on" : ""} onClick={() => setTab("threads")} data-tab="threads">
            Conversations {totalUnread > 0 && <span class="badge" data-unread-total>{totalUnread}</span>}
          </button>
          <button class={tab === "numbers" ? "on" : ""} onClick={() => setTab("numbers")} data-tab="numbers">Numbers</button>
          <button class={tab === "calls" ? "on" : ""} onClick={() => setTab("calls")} data-tab="calls" title="Calls; the badge counts those not ended">
            Calls {liveCalls > 0 && <span class="badge live-calls" data-live-calls>{liveCalls}</span>}
          </button>
          <button class={tab === "verify" ? "on" : ""} onClick={() => setTab("verify")} data-tab="verify" title="The codes Verify sent">Verify</button>
        </nav>
        <span class={live ? "live on" : "live"} title={live ? "Live: changes show as they happen" : "Reconnecting…"}>{live ? "● live" : "○ offline"}</span>
        <select
          aria-label="Account"
          value={account}
          onChange={(e) => {
            setAccount(e.currentTarget.value);
            setOpen(null);
            setDetail(null);
            setOpenCall(null);
            setCalls([]);
          }}
        >
          {(accounts.length ? accounts : [{ sid: creds.sid, friendly_name: creds.sid } as Account]).map((a) => (
            <option value={a.sid}>{a.friendly_name} ({a.sid.slice(0, 8)}…)</option>
          ))}
        </select>
        <button class="danger" onClick={clearAll}>Clear messages</button>
        <button onClick={onSignOut}>Sign out</button>
      </header>
      <ClockBanner sb={sb} />
      {error && (
        <p class="error banner" role="alert" onClick={() => setError("")}>
          {error} <small>(click to dismiss)</small>
        </p>
      )}
      {tab === "threads" && (
        <main class="threads">
          <aside>
            <div class="filters">
              <input type="search" placeholder="Search numbers and text" aria-label="Search" value={filters.search} onInput={(e) => setFilters({ ...filters, search: e.currentTarget.value })} />
              <select aria-label="Status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.currentTarget.value })}>
                <option value="">Any status</option>
                {["queued", "sending", "sent", "delivered", "undelivered", "failed", "received", "scheduled", "canceled", "read"].map((s) => (
                  <option value={s}>{s}</option>
                ))}
              </select>
              <select aria-label="Direction" value={filters.direction} onChange={(e) => setFilters({ ...filters, direction: e.currentTarget.value })}>
                <option value="">Both ways</option>
                <option value="inbound">Inbound</option>
                <option value="outbound">Outbound</option>
              </select>
            </div>
            <ul class="thread-list">
              {threads.length === 0 && <li class="empty">No conversations yet. Send a text through the API and it shows here.</li>}
              {threads.map((t) => (
                <li
                  key={keyText(t)}
                  class={open && sameKey(t, open) ? "thread on" : "thread"}
                  data-thread={keyText(t)}
                  onClick={() => {
                    setOpen({ number: t.number, party: t.party });
                    setDetail(null);
                  }}
                >
                  <div class="who">
                    <strong>{t.party}</strong>
                    {isWhatsApp(t.party) && <WhatsAppTag />}
                    {unread(t) > 0 && <span class="badge" data-unread>{unread(t)}</span>}
                    <time>{time(t.last_message.date_created)}</time>
                  </div>
                  <div class="via">via {t.number || "a messaging service"} · {t.message_count} message{t.message_count === 1 ? "" : "s"}</div>
                  <div class="snippet">
                    {outbound(t.last_message) ? "You: " : ""}
                    {t.last_message.body || (Number(t.last_message.num_media) > 0 ? "(media)" : "(redacted)")}
                  </div>
                </li>
              ))}
            </ul>
          </aside>
          {open ? (
            <ThreadView sb={sb} creds={creds} account={account} k={open} bubbles={bubbles} onOpen={setDetail} selected={detail} setError={setError} />
          ) : (
            <section class="phone empty">
              <p>Pick a conversation.</p>
            </section>
          )}
          {detail && (
            <Detail sb={sb} account={account} sid={detail} subscribe={subscribe} onClose={() => setDetail(null)} setError={setError} version={version} />
          )}
        </main>
      )}
      {tab === "numbers" && <Numbers sb={sb} account={account} setError={setError} version={numbersVersion} />}
      {tab === "verify" && <Verifications sb={sb} account={account} setError={setError} version={verifyVersion + version} />}
      {tab === "calls" && (
        <Calls
          sb={sb}
          creds={creds}
          account={account}
          calls={calls}
          open={openCall}
          onOpen={setOpenCall}
          subscribe={subscribe}
          setError={setError}
          version={version}
          numbersVersion={numbersVersion}
        />
      )}
    </div>
  );
}

function ThreadView(props: {
  sb: SwitchboardClient;
  creds: Credentials;
  account: string;
  k: Key;
  bubbles: Bubble[];
  selected: string | null;
  onOpen: (sid: string) => void;
  setError: (e: string) => void;
}) {
  const { sb, k, bubbles } = props;
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: "end" }), [bubbles.length]);
  const [sandbox] = useSandbox(sb, props.account, 0);
  const inSandbox = sandbox !== null && k.number === sandbox.phone_number;
  async function reply(e: Event) {
    e.preventDefault();
    if (!text.trim()) return;
    setSending(true);
    const { error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/InboundMessages", {
      params: { path: { AccountSid: props.account } },
      body: { From: k.party, To: k.number, Body: text },
    });
    setSending(false);
    if (error) props.setError(describe(error, response.status));
    else setText("");
  }
  return (
    <section class="phone">
      <div class="phone-head">
        <strong>{k.party}</strong> <span>with {k.number || "a messaging service"}</span>
        {isWhatsApp(k.party) && <WhatsAppTag />}
        {inSandbox && (
          <div class="sandbox-hint" data-sandbox-hint>
            The WhatsApp Sandbox: the user joins by sending <code>{sandbox.join_message}</code>
          </div>
        )}
      </div>
      <div class="bubbles">
        {bubbles.map((b) => (
          <BubbleView key={b.message.sid} b={b} creds={props.creds} selected={props.selected === b.message.sid} onOpen={props.onOpen} />
        ))}
        <div ref={end} />
      </div>
      <form class="compose" onSubmit={reply}>
        <input
          name="reply"
          aria-label={`Reply as ${k.party}`}
          placeholder={`Reply as ${k.party} (STOP and START work too)`}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" disabled={sending}>Send</button>
      </form>
    </section>
  );
}

const failing = new Set(["failed", "undelivered", "canceled"]);

function BubbleView({ b, creds, selected, onOpen }: { b: Bubble; creds: Credentials; selected: boolean; onOpen: (sid: string) => void }) {
  const m = b.message;
  const odd = new Set(b.encoding.non_gsm_characters);
  return (
    <div
      class={`bubble ${outbound(m) ? "out" : "in"}${selected ? " selected" : ""}`}
      data-sid={m.sid}
      data-status={m.status}
      onClick={() => onOpen(m.sid)}
      title="Show every field and the webhooks"
    >
      {m.body && (
        <div class="body">
          {Array.from(m.body).map((ch) => (odd.has(ch) ? <mark title="Not in GSM-7: the whole text goes as UCS-2">{ch}</mark> : ch))}
        </div>
      )}
      {Number(m.num_media) > 0 && <Media creds={creds} m={m} />}
      <div class="meta">
        {outbound(m) && (
          <span class={`status ${failing.has(m.status) ? "bad" : m.status === "delivered" || m.status === "read" ? "good" : ""}`} data-status-label>
            {m.status}
            {m.error_code ? ` · error ${m.error_code}: ${m.error_message ?? ""}` : ""}
          </span>
        )}
        <span data-encoding>
          {m.num_segments} segment{m.num_segments === "1" ? "" : "s"} · {b.encoding.name}
          {b.encoding.non_gsm_characters.length > 0 && ` (because of ${b.encoding.non_gsm_characters.join(" ")})`}
        </span>
        <time>{time(m.date_created)}</time>
      </div>
    </div>
  );
}

function Media({ creds, m }: { creds: Credentials; m: Message }) {
  const [items, setItems] = useState<{ url: string; type: string }[]>([]);
  useEffect(() => {
    let gone = false;
    const urls: string[] = [];
    (async () => {
      const res = await fetch(`/2010-04-01/Accounts/${m.account_sid}/Messages/${m.sid}/Media.json`, {
        credentials: "omit",
        headers: { Authorization: "Basic " + btoa(`${creds.sid}:${creds.token}`) },
      });
      if (!res.ok) return;
      const list: { uri: string; content_type: string | null }[] = (await res.json()).media_list;
      const out = [];
      for (const item of list) {
        if (!item.content_type) continue; // not fetched yet: an update will come
        const url = await mediaURL(creds, item.uri.replace(/\.json$/, "")).catch(() => "");
        if (url) urls.push(url);
        out.push({ url, type: item.content_type });
      }
      if (!gone) setItems(out);
    })();
    return () => {
      gone = true;
      urls.forEach(URL.revokeObjectURL);
    };
  }, [m.sid, m.date_updated]);
  return (
    <div class="media">
      {items.map((it) =>
        it.type.startsWith("image/") ? <img src={it.url} alt="media" /> : <a href={it.url} download>file ({it.type})</a>,
      )}
    </div>
  );
}

function Detail(props: {
  sb: SwitchboardClient;
  account: string;
  sid: string;
  subscribe: Subscribe;
  onClose: () => void;
  setError: (e: string) => void;
  version: number;
}) {
  const { sb, account, sid, setError } = props;
  const [m, setM] = useState<Message | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [force, setForce] = useState({ status: "delivered", code: "" });

  const load = useCallback(async () => {
    const [msg, ds] = await Promise.all([
      sb.GET("/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json", { params: { path: { AccountSid: account, Sid: sid } } }),
      sb.GET("/switchboard/v1/Accounts/{AccountSid}/WebhookDeliveries", { params: { path: { AccountSid: account }, query: { ResourceSid: sid, PageSize: 100 } } }),
    ]);
    setM(msg.data ?? null);
    setDeliveries(ds.data?.webhook_deliveries ?? []);
  }, [sb, account, sid]);
  useEffect(() => {
    load();
  }, [load, props.version]);

  // Live: this message's changes and webhooks.
  useEffect(
    () =>
      props.subscribe((kind, ev) => {
        if (kind === "message" && ev.sid === sid) setM(ev.message ?? null);
        const d = ev.webhook_delivery;
        if (kind === "webhook-delivery" && d && d.resource_sid === sid) setDeliveries((ds) => [d, ...ds.filter((x) => x.sid !== d.sid)]);
      }),
    [sid],
  );

  async function forceStatus(e: Event) {
    e.preventDefault();
    const body: { Status: "delivered"; ErrorCode?: number } = { Status: force.status as "delivered" };
    if (force.code) body.ErrorCode = Number(force.code);
    const { error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/Messages/{Sid}/Status", {
      params: { path: { AccountSid: account, Sid: sid } },
      body,
    });
    if (error) setError(describe(error, response.status));
  }
  async function remove() {
    if (!confirm(`Delete message ${sid}?`)) return;
    const { error, response } = await sb.DELETE("/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json", { params: { path: { AccountSid: account, Sid: sid } } });
    if (error) setError(describe(error, response.status));
    else props.onClose();
  }
  async function replay(d: Delivery) {
    const { error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/WebhookDeliveries/{Sid}/Replay", {
      params: { path: { AccountSid: account, Sid: d.sid } },
    });
    if (error) setError(describe(error, response.status));
  }

  if (!m) return <aside class="detail"><button class="close" onClick={props.onClose}>×</button><p>Message {sid} is gone.</p></aside>;
  const failingStatus = force.status === "undelivered" || force.status === "failed";
  return (
    <aside class="detail" data-detail={sid}>
      <button class="close" onClick={props.onClose} aria-label="Close">×</button>
      <h2>Message</h2>
      <Fields of={m} />
      <div class="actions">
        {outbound(m) && (
          <form onSubmit={forceStatus} class="force">
            <label>
              Force status{" "}
              <select aria-label="Force status" value={force.status} onChange={(e) => setForce({ ...force, status: e.currentTarget.value })}>
                {["sent", "delivered", "undelivered", "failed", "read", "canceled"].map((s) => <option value={s}>{s}</option>)}
              </select>
            </label>
            {failingStatus && (
              <input aria-label="Error code" placeholder="error code, e.g. 30003" value={force.code} onInput={(e) => setForce({ ...force, code: e.currentTarget.value })} />
            )}
            <button type="submit">Force</button>
          </form>
        )}
        <button class="danger" onClick={remove}>Delete message</button>
      </div>
      <h2>Webhooks ({deliveries.length})</h2>
      {deliveries.length === 0 && <p class="empty">No webhook for this message yet (a StatusCallback, or the number's SmsUrl for an incoming text).</p>}
      {deliveries.map((d) => <DeliveryView d={d} onReplay={replay} />)}
    </aside>
  );
}

function Numbers({ sb, account, setError, version }: { sb: SwitchboardClient; account: string; setError: (e: string) => void; version: number }) {
  const [numbers, setNumbers] = useState<PhoneNumber[]>([]);
  const [search, setSearch] = useState({ country: "US", areaCode: "" });
  const [available, setAvailable] = useState<Available[]>([]);
  const load = useCallback(async () => {
    const { data } = await sb.GET("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", { params: { path: { AccountSid: account }, query: { PageSize: 1000 } } });
    setNumbers(data?.incoming_phone_numbers ?? []);
  }, [sb, account]);
  useEffect(() => {
    load();
  }, [load, version]);
  async function find(e: Event) {
    e.preventDefault();
    const query: Record<string, string | number> = { PageSize: 10 };
    if (search.areaCode) query.AreaCode = Number(search.areaCode);
    const { data, error, response } = await sb.GET("/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json", {
      params: { path: { AccountSid: account, CountryCode: search.country }, query: query as never },
    });
    if (error) setError(describe(error, response.status));
    setAvailable(data?.available_phone_numbers ?? []);
  }
  async function buy(n: string) {
    const { error, response } = await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", {
      params: { path: { AccountSid: account } },
      body: { PhoneNumber: n },
    });
    if (error) setError(describe(error, response.status));
    setAvailable((a) => a.filter((x) => x.phone_number !== n));
    load();
  }
  return (
    <main class="numbers">
      <h2>Your numbers</h2>
      <table>
        <thead>
          <tr><th>Number</th><th>SmsUrl (incoming texts)</th><th>VoiceUrl (incoming calls)</th><th /></tr>
        </thead>
        <tbody>
          {numbers.length === 0 && <tr><td colSpan={4} class="empty">None yet: buy one below.</td></tr>}
          {numbers.map((n) => <NumberRow sb={sb} account={account} n={n} setError={setError} />)}
        </tbody>
      </table>
      <h2>Buy a number</h2>
      <form onSubmit={find} class="buy">
        <select aria-label="Country" value={search.country} onChange={(e) => setSearch({ ...search, country: e.currentTarget.value })}>
          <option value="US">United States</option>
          <option value="CA">Canada</option>
          <option value="GB">United Kingdom</option>
        </select>
        <input aria-label="Area code" placeholder="area code (optional)" value={search.areaCode} onInput={(e) => setSearch({ ...search, areaCode: e.currentTarget.value })} />
        <button type="submit">Search</button>
      </form>
      <ul class="available">
        {available.map((a) => (
          <li>
            {a.phone_number} <small>{a.locality ?? ""} {a.region ?? ""}</small> <button onClick={() => buy(a.phone_number)}>Buy</button>
          </li>
        ))}
      </ul>
      <SandboxPanel sb={sb} account={account} setError={setError} version={version} />
    </main>
  );
}

function NumberRow({ sb, account, n, setError }: { sb: SwitchboardClient; account: string; n: PhoneNumber; setError: (e: string) => void }) {
  const [sms, setSms] = useState(n.sms_url ?? "");
  const [voice, setVoice] = useState(n.voice_url ?? "");
  const [saved, setSaved] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    const { error, response } = await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", {
      params: { path: { AccountSid: account, Sid: n.sid } },
      body: { SmsUrl: sms, VoiceUrl: voice },
    });
    if (error) setError(describe(error, response.status));
    else setSaved(true);
  }
  return (
    <tr data-number={n.phone_number}>
      <td>{n.phone_number}<br /><small>{n.friendly_name}</small></td>
      <td><input aria-label="SmsUrl" value={sms} onInput={(e) => { setSms(e.currentTarget.value); setSaved(false); }} placeholder="https://your-app/sms" /></td>
      <td><input aria-label="VoiceUrl" value={voice} onInput={(e) => { setVoice(e.currentTarget.value); setSaved(false); }} placeholder="https://your-app/voice" /></td>
      <td><button onClick={save}>{saved ? "Saved" : "Save"}</button></td>
    </tr>
  );
}

render(<App />, document.getElementById("app")!);
