// Verify: the codes Switchboard's Verify sent, newest first, as the phones got them: the
// number, the code, the channel, sends and checks, the status and when the code expires.
// Verifications are not in the event stream: the list is read when the tab opens, when a
// message or call is created (a code goes out as one), and on Refresh.
import { useCallback, useEffect, useState } from "preact/hooks";
import type { SwitchboardClient } from "@switchboard/sdk";
import { describe, type Verification } from "./api";
import { time } from "./shared";

export function Verifications({ sb, account, setError, version }: { sb: SwitchboardClient; account: string; setError: (e: string) => void; version: number }) {
  const [list, setList] = useState<Verification[]>([]);
  const load = useCallback(async () => {
    const { data, error, response } = await sb.GET("/switchboard/v1/Accounts/{AccountSid}/Verifications", {
      params: { path: { AccountSid: account }, query: { PageSize: 50 } },
    });
    if (error) setError(describe(error, response.status));
    else setList(data.verifications);
  }, [sb, account]);
  useEffect(() => {
    load();
  }, [load, version]);
  return (
    <main class="numbers verifications">
      <h2>
        Verify codes <button onClick={load}>Refresh</button>
      </h2>
      <table>
        <thead>
          <tr><th>To</th><th>Code</th><th>Channel</th><th>Status</th><th>Sends</th><th>Checks</th><th>Expires</th></tr>
        </thead>
        <tbody>
          {list.length === 0 && <tr><td colSpan={7} class="empty">No codes sent yet: start a verification through Verify v2 (/v2/Services/…/Verifications).</td></tr>}
          {list.map((v) => (
            <tr key={v.sid} data-verification={v.sid} data-status={v.status}>
              <td>{v.to}</td>
              <td><code data-code>{v.code}</code></td>
              <td>{v.channel}</td>
              <td data-status-label>{v.status}</td>
              <td>{v.sends}</td>
              <td>{v.checks}</td>
              <td>{time(v.date_expires)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
