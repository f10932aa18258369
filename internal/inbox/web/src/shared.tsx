// What the messages' and the calls' views share: dates for people, a resource's fields,
// and a webhook delivery with its request and answer.
import type { Delivery } from "./api";

export const time = (rfc2822: string) => new Date(rfc2822).toLocaleString();

/** Every field of a resource as the API represents it. */
export function Fields({ of }: { of: object }) {
  return (
    <table class="fields">
      <tbody>
        {Object.entries(of).map(([k, v]) => (
          <tr>
            <th>{k}</th>
            <td data-field={k}>{v === null ? <em>null</em> : typeof v === "object" ? JSON.stringify(v) : String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One webhook request and what the app answered; onReplay, when given, sends it again. */
export function DeliveryView({ d, onReplay }: { d: Delivery; onReplay?: (d: Delivery) => void }) {
  return (
    <div class={`delivery ${d.error_code ? "bad" : "good"}`} data-delivery={d.sid}>
      <div class="delivery-head">
        <strong>{d.event}</strong> · attempt {d.attempt} · {d.latency_ms} ms · {time(d.date_created)}
        {d.replay_of && <span class="replay"> · replay of {d.replay_of}</span>}
        {onReplay && <button onClick={() => onReplay(d)}>Replay</button>}
      </div>
      <div>
        {d.request_method} {d.request_url} → <span data-response-status>{d.response_status_code ?? "no answer"}</span>
        {d.error_code && <span class="bad"> · error {d.error_code}: {d.error_message}</span>}
      </div>
      <details>
        <summary>Request and response</summary>
        <table class="fields">
          <tbody>
            {Object.entries(d.request_params).sort().map(([k, v]) => (
              <tr><th>{k}</th><td>{v}</td></tr>
            ))}
            <tr><th>X-Twilio-Signature</th><td>{d.request_signature}</td></tr>
            <tr><th>Content-Type</th><td>{d.response_content_type ?? ""}</td></tr>
          </tbody>
        </table>
      </details>
      <pre data-response-body>{d.response_body ?? ""}</pre>
    </div>
  );
}
