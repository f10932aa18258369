// The README's example, run as written by test/package.test.ts: in a new project (no
// "type": "module"), with this package installed from `npm pack`'s tarball and the file
// run by tsx.
// snippet:start quickstart
import { createSwitchboardClient, nextPage } from "@switchboard/sdk";

const baseUrl = process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8080";
const AccountSid = process.env.SWITCHBOARD_ACCOUNT_SID!;
const sb = createSwitchboardClient(baseUrl, AccountSid, process.env.SWITCHBOARD_AUTH_TOKEN!);

async function main(): Promise<void> {
  // A number to send from, from Switchboard's pool of fictional numbers (once per account).
  await sb.POST("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", {
    params: { path: { AccountSid } },
    body: { PhoneNumber: "+14155550199" },
  });

  // Send. Paths are the API's own; path parameters, body fields and the answer are typed.
  const { data: msg, error } = await sb.POST("/2010-04-01/Accounts/{AccountSid}/Messages.json", {
    params: { path: { AccountSid } },
    body: { To: "+14155550100", From: "+14155550199", Body: "Hello from TypeScript" },
  });
  if (error) throw new Error(`Twilio error ${error.code}: ${error.message} (${error.more_info})`);
  console.log("sent", msg.sid, msg.status); // SM…, "queued"

  // Fetch, redact (Body set to ""), delete (once it is no longer being sent).
  const item = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json" as const;
  const path = { AccountSid, Sid: msg.sid };
  const fetched = await sb.GET(item, { params: { path } });
  console.log("fetched", fetched.data?.sid, fetched.data?.status);
  await sb.POST(item, { params: { path }, body: { Body: "" } });

  // List every page: follow next_page_uri until it is null.
  const list = "/2010-04-01/Accounts/{AccountSid}/Messages.json" as const;
  let page = await sb.GET(list, { params: { path: { AccountSid }, query: { To: "+14155550100", PageSize: 50 } } });
  while (page.data) {
    for (const m of page.data.messages) console.log("listed", m.sid, m.date_created);
    if (page.data.next_page_uri === null) break;
    page = await sb.GET(list, { params: { path: { AccountSid } }, ...nextPage(page.data.next_page_uri) });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
// snippet:end
