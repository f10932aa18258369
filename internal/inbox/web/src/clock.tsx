// The simulator's clock, when a test has moved it ahead of real time: every date the
// inbox shows (a message's, a code's expiry) is on that clock, so the inbox says so.
// Moves of the clock are not in the account's event stream (the clock is the server's),
// so the banner reads it every few seconds.
import { useEffect, useState } from "preact/hooks";
import type { SwitchboardClient } from "@switchboard/sdk";

const readEvery = 5000; // ms

/** "2 d 3 h 4 min", to the minute; seconds only under a minute. */
export function ahead(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "min"]];
  let rest = Math.floor(seconds / 60) * 60;
  const parts: string[] = [];
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}`);
    rest -= n * size;
  }
  return parts.join(" ");
}

export function ClockBanner({ sb }: { sb: SwitchboardClient }) {
  const [clock, setClock] = useState<{ now: string; offset_seconds: number } | null>(null);
  useEffect(() => {
    let stopped = false;
    const read = async () => {
      const { data } = await sb.GET("/switchboard/v1/Clock");
      if (!stopped && data) setClock(data);
    };
    read();
    const timer = setInterval(read, readEvery);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [sb]);
  if (!clock || clock.offset_seconds < 1) return null;
  return (
    <p class="clock banner" role="status" data-clock-ahead={clock.offset_seconds}>
      The simulator's clock is {ahead(clock.offset_seconds)} ahead of real time: it reads {new Date(clock.now).toLocaleString()}, and the dates here are on it.
    </p>
  );
}
