// WhatsApp in the inbox: the account's Sandbox (its number, the keyword a user sends to
// join, the members and when each one's 24-hour window closes), a way to join it as a
// user (which starts a WhatsApp conversation), and the label a WhatsApp thread wears.
// The Sandbox is read when the Numbers tab opens, on Refresh and after a join.
import { useCallback, useEffect, useState } from "preact/hooks";
import type { SwitchboardClient } from "@switchboard/sdk";
import { describe, type Sandbox } from "./api";
import { time } from "./shared";

/** Whether an address is WhatsApp's (whatsapp:+E164). */
export const isWhatsApp = (address: string) => address.startsWith("whatsapp:");

/** The label of a WhatsApp conversation. */
export function WhatsAppTag() {
  return <span class="channel whatsapp" data-channel="whatsapp" title="A WhatsApp conversation: freeform only within 24 hours of the user's last message, templates always">WhatsApp</span>;
}

/** Reads the account's Sandbox (null until read, or when it cannot be). */
export function useSandbox(sb: SwitchboardClient, account: string, version: number): [Sandbox | null, () => Promise<void>] {
  const [sandbox, setSandbox] = useState<Sandbox | null>(null);
  const load = useCallback(async () => {
    const { data } = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/WhatsApp/Sandbox", { params: { path: { AccountSid: account } } });
    setSandbox(data ?? null);
  }, [sb, account]);
  useEffect(() => {
    load();
  }, [load, version]);
  return [sandbox, load];
}

export function SandboxPanel({ sb, account, setError, version }: { sb: SwitchboardClient; account: string; setError: (e: string) => void; version: number }) {
  const [sandbox, load] = useSandbox(sb, account, version);
  const [user, setUser] = useState("+14155550100");
  async function join(e: Event) {
    e.preventDefault();
    if (!sandbox) return;
    const { error, response } = await sb.POST("/switchboard/v1/Accounts/{AccountSid}/InboundMessages", {
      params: { path: { AccountSid: account } },
      body: { From: "whatsapp:" + user.trim().replace(/^whatsapp:/, ""), To: sandbox.phone_number, Body: sandbox.join_message },
    });
    if (error) setError(describe(error, response.status));
    load();
  }
  if (!sandbox) return null;
  return (
    <section class="sandbox" data-sandbox>
      <h2>
        WhatsApp Sandbox <button onClick={load}>Refresh</button>
      </h2>
      <p>
        Users text <code data-join-message>{sandbox.join_message}</code> to <strong>{sandbox.phone_number}</strong> to join (the keyword is{" "}
        <code data-keyword>{sandbox.keyword}</code>); a membership lasts 3 days. Messages from the Sandbox go to members only, freeform within 24 hours of
        the member's last message, templates always.
      </p>
      <form class="buy" onSubmit={join}>
        <input aria-label="WhatsApp user" value={user} onInput={(e) => setUser(e.currentTarget.value)} placeholder="+14155550100" />
        <button type="submit">Join as this user</button>
      </form>
      <table>
        <thead>
          <tr><th>Member</th><th>Joined</th><th>Window closes</th><th>Membership ends</th></tr>
        </thead>
        <tbody>
          {sandbox.members.length === 0 && <tr><td colSpan={4} class="empty">No members: join as a user above, or send the join message through InboundMessages.</td></tr>}
          {sandbox.members.map((m) => (
            <tr key={m.user} data-member={m.user}>
              <td>{m.user}</td>
              <td>{time(m.joined_at)}</td>
              <td>{m.window_closes_at ? time(m.window_closes_at) : "not opened"}</td>
              <td>{time(m.membership_ends_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
