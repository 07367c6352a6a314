// The approval console in a real browser: Debian's Chromium (headless,
// driven by playwright-core) against a real portcullisd on port 0 with
// console.enabled, an agent calling it with the TypeScript client. Needs
// PORTCULLISD (default ../build/ci/daemon/portcullisd), /usr/bin/chromium
// (or CHROMIUM) and clients/typescript built (tests/console/run.sh sees to
// all three). Screenshots go to CONSOLE_SCREENSHOTS (default build/screenshots).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url)); // console/build/test
const consoleDir = resolve(here, "..", "..");
const root = resolve(consoleDir, "..");
const daemon = process.env.PORTCULLISD ?? join(root, "build", "ci", "daemon", "portcullisd");
const shots = process.env.CONSOLE_SCREENSHOTS ?? join(consoleDir, "build", "screenshots");

// The TypeScript client, built in clients/typescript/dist (loaded at run
// time so that its own node_modules serve it).
interface Decision {
  decisionId: string;
  outcome: string;
  ruleIds: string[];
}
interface Client {
  evaluate(a: unknown): Promise<Decision>;
  awaitDecision(tenant: string, id: string, o?: { maxWaitMs?: number }): Promise<Decision>;
  execute(id: string, a: unknown): Promise<{ receipt: { decisionId: string } }>;
  listPending(tenant: string): Promise<{ decision: { decisionId: string } }[]>;
  close(): void;
}
interface AdminClient {
  reload(): Promise<void>;
  close(): void;
}
interface ClientModule {
  Gate: new (target: string, o: { token: string }) => Client;
  Admin: new (target: string, o: { token: string }) => AdminClient;
}
interface TestingModule {
  newToken(): { token: string; hash: string };
}
const clientDist = join(root, "clients", "typescript", "dist", "src");

const POLICY = `
policy "console" version "console-1"
tenant "al-noor" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the shop owner's approval"
      approve by owner expires 1h
    rule big-refunds "refunds of 500 SAR or more need two owners"
      approve by owner quorum 2 expires 1h when args.amount >= 500 SAR
  }
  tool cancel_order {
    class write
    arg order_id: string
    rule quick-cancel "cancellations must be approved within seconds"
      approve by owner expires 4s
  }
  tool notify_customer { class write  rule notify "customers may be notified" allow }
  tool sync_crm { class write  rule sync "the CRM may be updated" allow }
}
tenant "bayt" {
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the shop owner's approval"
      approve by owner expires 1h
  }
}
`;

interface Tokens {
  agent: string;
  alice: string;
  bob: string;
  baytApprover: string;
  operator: string;
  auditor: string;
  allShops: string;
}

let dir = "";
let gateProcess: ChildProcess;
let grpcTarget = "";
let base = "";
let tokens: Tokens;
let hashes: Record<keyof Tokens, string>;
let agent: Client;
let approverClient: Client;
let admin: AdminClient;
let browser: Browser;
const keys: Record<string, string> = {};
// The tools the gate calls itself (connectors): the SMS gateway is down
// (503), the CRM answers.
let toolServer: Server;
let toolHost = "";

function configText(): string {
  const approvers = [
    // bayt's approver registered a key elsewhere; it is never used here.
    "  - {id: carol, publicKey: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=', roles: [owner], tenants: [bayt]}",
    ...Object.entries(keys).map(([id, key]) => `  - {id: ${id}, publicKey: '${key}', roles: [owner], tenants: [al-noor]}`),
  ];
  return [
    "policy: test.policy",
    "observability:",
    "  httpAddress: 127.0.0.1:0",
    "console:",
    "  enabled: true",
    "principals:",
    `  - {name: agent, roles: [agent], agents: ['*'], tenants: [al-noor, bayt], tokenHashes: ['${hashes.agent}']}`,
    `  - {name: alice-web, roles: [approver], tenants: [al-noor], tokenHashes: ['${hashes.alice}']}`,
    `  - {name: bob-web, roles: [approver], tenants: [al-noor], tokenHashes: ['${hashes.bob}']}`,
    `  - {name: bayt-web, roles: [approver], tenants: [bayt], tokenHashes: ['${hashes.baytApprover}']}`,
    `  - {name: ops, roles: [operator], tenants: ['*'], tokenHashes: ['${hashes.operator}']}`,
    `  - {name: audit, roles: [auditor], tenants: ['*'], tokenHashes: ['${hashes.auditor}']}`,
    `  - {name: every-shop-web, roles: [approver], tenants: ['*'], tokenHashes: ['${hashes.allShops}']}`,
    "ledger:",
    "  checkpointEveryEntries: 5",
    `connectorHosts: ['${toolHost}']`,
    "connectors:",
    `  - {tenant: al-noor, tool: notify_customer, name: sms-gateway, url: 'http://${toolHost}/sms'}`,
    `  - {tenant: al-noor, tool: sync_crm, name: crm-sync, url: 'http://${toolHost}/crm'}`,
    "approvers:",
    ...approvers,
    "",
  ].join("\n");
}

async function startGate(): Promise<void> {
  const child = spawn(
    daemon,
    ["--config", join(dir, "gate.yaml"), "--data_dir", join(dir, "data"), "--listen", "127.0.0.1:0", "--shutdown_grace_seconds", "2"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  gateProcess = child;
  await new Promise<void>((ok, fail) => {
    let log = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      log += chunk;
      const grpc = /serving on 127\.0\.0\.1:(\d+)/.exec(log);
      const http = /HTTP listener on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (grpc && http) {
        grpcTarget = `127.0.0.1:${grpc[1]}`;
        base = `http://127.0.0.1:${http[1]}`;
        ok();
      }
    });
    child.on("exit", (code) => fail(new Error(`portcullisd exited ${code} before serving:\n${log}`)));
  });
}

before(async () => {
  assert.ok(existsSync(daemon), `no portcullisd at ${daemon}`);
  const client = (await import(pathToFileURL(join(clientDist, "index.js")).href)) as ClientModule;
  const testing = (await import(pathToFileURL(join(clientDist, "testing.js")).href)) as TestingModule;
  const made = {
    agent: testing.newToken(),
    alice: testing.newToken(),
    bob: testing.newToken(),
    baytApprover: testing.newToken(),
    operator: testing.newToken(),
    auditor: testing.newToken(),
    allShops: testing.newToken(),
  };
  tokens = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.token])) as unknown as Tokens;
  hashes = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.hash])) as Record<keyof Tokens, string>;
  dir = mkdtempSync(join(tmpdir(), "portcullis-console-"));
  toolServer = createServer((req, res) => {
    req.resume();
    res.writeHead(req.url === "/sms" ? 503 : 200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((ok) => toolServer.listen(0, "127.0.0.1", ok));
  const address = toolServer.address();
  assert.ok(address && typeof address === "object");
  toolHost = `127.0.0.1:${address.port}`;
  writeFileSync(join(dir, "test.policy"), POLICY);
  writeFileSync(join(dir, "gate.yaml"), configText());
  mkdirSync(shots, { recursive: true });
  await startGate();
  agent = new client.Gate(grpcTarget, { token: tokens.agent });
  admin = new client.Admin(grpcTarget, { token: tokens.operator });
  approverClient = new client.Gate(grpcTarget, { token: tokens.alice });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
});

after(async () => {
  await browser?.close();
  agent?.close();
  admin?.close();
  approverClient?.close();
  if (gateProcess && gateProcess.exitCode === null) {
    const exited = new Promise((r) => gateProcess.once("exit", r));
    gateProcess.kill("SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await new Promise((r) => toolServer?.close(r));
});

function refund(orderId: string, amount: string, tenant = "al-noor") {
  return {
    tenant,
    agent: "support-bot",
    tool: "refund_order",
    arguments: { order_id: orderId, amount: { amount, currency: "SAR" } },
    idempotencyKey: `refund-${orderId}`,
    context: { confidence: 0.72 },
  };
}

/** A browser profile of its own (its own sessionStorage and IndexedDB), signed in. */
async function signedIn(token: string, tenants: string, approverId = "", width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(`${base}/#/settings`);
  await page.fill("#token", token);
  await page.fill("#tenants", tenants);
  await page.fill("#approver", approverId);
  await page.click("#signin button[type=submit]");
  await page.waitForURL(/#\/(queue|monitor)$/);
  return { context, page };
}

/** Creates the browser's key and registers its public key at the gate, as an operator would. */
async function registerBrowserKey(page: Page, approverId: string): Promise<void> {
  await page.goto(`${base}/#/settings`);
  if (await page.locator("#public-key").count() === 0) {
    await page.click("#create-key");
    await page.locator("#public-key").waitFor();
  }
  const publicKey = await page.inputValue("#public-key");
  assert.match(publicKey, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(await page.textContent("#registration") ?? "", new RegExp(`id: ${approverId}, publicKey: '${publicKey.replace(/[+/]/g, "\\$&")}'`));
  keys[approverId] = publicKey;
  writeFileSync(join(dir, "gate.yaml"), configText());
  await admin.reload();
}

let alice: { context: BrowserContext; page: Page };

test("a refund waits, appears in the queue without a reload, and the browser-signed approval lets the agent execute", async () => {
  alice = await signedIn(tokens.alice, "", "alice"); // the shops come from the gate (/me)
  const { page } = alice;
  await page.locator("section[data-tenant=al-noor] h3", { hasText: "nothing waiting" }).waitFor();
  await registerBrowserKey(page, "alice");
  assert.match((await page.textContent("#signin-title")) ?? "", /signed in as alice-web \(approver\)/);
  // The key is not extractable: WebCrypto refuses to export the private key.
  const extractable = await page.evaluate(
    () =>
      new Promise<boolean>((ok) => {
        const req = indexedDB.open("portcullis-console", 1);
        req.onsuccess = () => {
          const get = req.result.transaction("keys").objectStore("keys").get("approver");
          get.onsuccess = () => ok((get.result as { privateKey: CryptoKey }).privateKey.extractable);
        };
      }),
  );
  assert.equal(extractable, false);

  const stream = page.waitForRequest((r) => r.url().endsWith("/api/v1/tenants/al-noor/events"));
  await page.goto(`${base}/#/queue`);
  await page.locator("#queue-updated").waitFor();
  await stream; // the queue follows the gate's event stream (and polls besides)
  const action = refund("AN-1001", "120.00");
  const decision = await agent.evaluate(action);
  assert.equal(decision.outcome, "PENDING_APPROVAL");
  const card = page.locator(`article[data-decision="${decision.decisionId}"]`);
  await card.waitFor(); // polled in, no reload
  const text = (await card.textContent()) ?? "";
  assert.match(text, /Amount: 120 SAR/); // the gate keeps amounts canonical
  assert.match(text, /refunds need the shop owner's approval/);
  assert.match(text, /0 of 1 approval from owner/);
  assert.match(text, /confidence 72%/);
  await page.screenshot({ path: join(shots, "queue.png"), fullPage: true });

  await card.locator("h3 a").click();
  await page.locator("#approve").waitFor();
  assert.match((await page.textContent("#details")) ?? "", /checked in this browser/);
  await page.fill("#comment", "photos of the damaged parcel checked");
  await page.screenshot({ path: join(shots, "request.png"), fullPage: true });
  await page.click("#approve");
  await page.locator("#result", { hasText: "allowed" }).waitFor();

  const resolved = await agent.awaitDecision("al-noor", decision.decisionId, { maxWaitMs: 5000 });
  assert.equal(resolved.outcome, "ALLOW");
  const { receipt } = await agent.execute(decision.decisionId, action);
  assert.equal(receipt.decisionId, decision.decisionId);
});

test("the request page is usable at 390 px and by keyboard alone", async () => {
  const phone = await signedIn(tokens.alice, "al-noor", "alice", 390);
  const { page } = phone;
  const decision = await agent.evaluate(refund("AN-1002", "75.50"));
  await page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await page.locator("#approve").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at 390 px`);
  await page.screenshot({ path: join(shots, "request-390.png"), fullPage: true });
  // This profile has no key: keyboard to Deny, with a reason, and it says so.
  await page.focus("#comment");
  await page.keyboard.type("customer asked to cancel the refund");
  await page.keyboard.press("Tab"); // Approve
  await page.keyboard.press("Tab"); // Deny
  assert.equal(await page.evaluate(() => document.activeElement?.id), "deny");
  await page.keyboard.press("Enter");
  await page.locator("#result", { hasText: "no signing key" }).waitFor();
  await phone.context.close();
  // Alice's own profile denies it.
  await alice.page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await alice.page.locator("#deny").waitFor();
  await alice.page.click("#deny");
  await alice.page.locator("#result", { hasText: "Write a reason" }).waitFor();
  await alice.page.fill("#comment", "duplicate of AN-1001");
  await alice.page.click("#deny");
  await alice.page.locator("#result", { hasText: "refused" }).waitFor();
  const resolved = await agent.awaitDecision("al-noor", decision.decisionId, { maxWaitMs: 5000 });
  assert.equal(resolved.outcome, "DENY");
});

test("a tampered API answer (amount changed, digest kept) is caught in the browser and nothing is signed", async () => {
  const { page } = alice;
  const decision = await agent.evaluate(refund("AN-1003", "120.00"));
  let approvePosts = 0;
  await page.route("**/api/v1/approve", (route) => {
    approvePosts++;
    return route.continue();
  });
  await page.route(`**/api/v1/tenants/al-noor/pending/${decision.decisionId}`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.action.arguments.amount.moneyValue.amount = "12.00"; // the person would approve 12 SAR
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await page.locator("#digest-mismatch").waitFor();
  assert.match((await page.textContent("#details")) ?? "", /12\.00 SAR/);
  assert.equal(await page.isDisabled("#approve"), true);
  assert.equal(await page.isDisabled("#deny"), true);
  await page.screenshot({ path: join(shots, "request-tampered.png"), fullPage: true });
  // Enabled by force, the button still refuses to sign.
  await page.evaluate(() => (document.getElementById("approve") as HTMLButtonElement).removeAttribute("disabled"));
  await page.click("#approve");
  await page.locator("#result", { hasText: "Not signed" }).waitFor();
  assert.equal(approvePosts, 0);
  await page.unrouteAll();
  // An answer about another request (its id swapped) is refused the same way.
  await page.route(`**/api/v1/tenants/al-noor/pending/${decision.decisionId}`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.decision.decisionId = "0".repeat(32);
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${base}/#/queue`);
  await page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await page.locator("#digest-mismatch", { hasText: "another request" }).waitFor();
  assert.equal(await page.isDisabled("#approve"), true);
  await page.unrouteAll();
  assert.equal(approvePosts, 0);
  const still = await approverClient.listPending("al-noor");
  assert.ok(still.some((p) => p.decision.decisionId === decision.decisionId));
});

test("a quorum of two browser approvers: the first leaves it waiting, the second allows it", async () => {
  const bob = await signedIn(tokens.bob, "al-noor", "bob");
  const action = refund("AN-1004", "600.00");
  const decision = await agent.evaluate(action);
  assert.equal(decision.outcome, "PENDING_APPROVAL");
  // A key the gate does not know yet: the gate refuses its signature, and says so.
  await bob.page.goto(`${base}/#/settings`);
  await bob.page.click("#create-key");
  await bob.page.locator("#public-key").waitFor();
  await bob.page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await bob.page.click("#approve");
  await bob.page.locator("#result", { hasText: "The gate refused it" }).waitFor();
  await registerBrowserKey(bob.page, "bob");
  await alice.page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await alice.page.locator("#approve").waitFor();
  await alice.page.click("#approve");
  await alice.page.locator("#result", { hasText: "still waiting" }).waitFor();
  assert.match((await alice.page.textContent("#result")) ?? "", /1 of 2 approvals/);
  await bob.page.goto(`${base}/#/queue`);
  const card = bob.page.locator(`article[data-decision="${decision.decisionId}"]`);
  await card.waitFor();
  assert.match((await card.textContent()) ?? "", /alice approved/);
  await card.locator("h3 a").click();
  await bob.page.locator("#approve").waitFor();
  await bob.page.click("#approve");
  await bob.page.locator("#result", { hasText: "allowed" }).waitFor();
  assert.equal((await agent.awaitDecision("al-noor", decision.decisionId, { maxWaitMs: 5000 })).outcome, "ALLOW");
  await agent.execute(decision.decisionId, action);
  // Alice again: already decided.
  await alice.page.goto(`${base}/#/queue`);
  await alice.page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await alice.page.locator("p.error", { hasText: "already decided" }).waitFor();
  await bob.context.close();
});

test("expiry is shown and enforced", async () => {
  const { page } = alice;
  const decision = await agent.evaluate({
    tenant: "al-noor",
    agent: "support-bot",
    tool: "cancel_order",
    arguments: { order_id: "AN-1005" },
  });
  assert.equal(decision.outcome, "PENDING_APPROVAL");
  await page.goto(`${base}/#/queue`);
  const card = page.locator(`article[data-decision="${decision.decisionId}"]`);
  await card.waitFor();
  assert.match((await card.locator(".deadline").textContent()) ?? "", /Decide in \d+ seconds?/);
  // The gate denies it at its deadline; the queue drops it by itself.
  const resolved = await agent.awaitDecision("al-noor", decision.decisionId, { maxWaitMs: 15000 });
  assert.equal(resolved.outcome, "DENY");
  assert.ok(resolved.ruleIds.includes("builtin:approval-expired"));
  await card.waitFor({ state: "detached" });
  await page.goto(`${base}/#/request/al-noor/${decision.decisionId}`);
  await page.locator("p.error", { hasText: "expired" }).waitFor();
});

test("an approver of one shop sees nothing of another; no token is 401, the wrong role 403", async () => {
  await agent.evaluate(refund("BY-2001", "50.00", "bayt"));
  // Asking for al-noor too gets only bayt: the gate says which shops the token serves.
  const other = await signedIn(tokens.baytApprover, "bayt, al-noor", "carol");
  const { page } = other;
  await page.locator("section[data-tenant=bayt] article.pending").first().waitFor();
  assert.equal(await page.locator("section[data-tenant=al-noor]").count(), 0);
  assert.doesNotMatch((await page.textContent("#queue")) ?? "", /AN-/);
  // And the page's own token cannot read al-noor's queue.
  const status = await page.evaluate(async () => {
    const r = await fetch("/api/v1/tenants/al-noor/pending", {
      headers: { Authorization: `Bearer ${sessionStorage.getItem("portcullis.token")}` },
    });
    return r.status;
  });
  assert.equal(status, 403);
  await other.context.close();

  const get = (path: string, token?: string) =>
    fetch(`${base}/api/v1${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  const none = await get("/tenants/al-noor/pending");
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), "Bearer");
  assert.equal((await get("/tenants/al-noor/pending", tokens.baytApprover)).status, 403);
  assert.equal((await get("/tenants/al-noor/pending", tokens.auditor)).status, 403);
  assert.equal((await get("/status", tokens.alice)).status, 403);
  assert.equal((await get("/status", tokens.operator)).status, 200);
  // The page itself is served with a strict CSP and no framing.
  const index = await fetch(`${base}/`);
  assert.match(index.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  assert.equal(index.headers.get("x-frame-options"), "DENY");
  assert.equal(index.headers.get("set-cookie"), null);
});

test("the kill switch halts a shop from the monitor and the agent's next Evaluate is denied", async () => {
  const ops = await signedIn(tokens.operator, "al-noor, bayt");
  const { page } = ops;
  await page.goto(`${base}/#/monitor`);
  await page.locator("#policy-hash").waitFor();
  assert.match((await page.textContent("#monitor")) ?? "", /version console-1/);
  await page.click("tr[data-tenant=al-noor] button");
  await page.locator("#confirm-q", { hasText: "Stop shop al-noor?" }).waitFor();
  await page.fill("#halt-reason", "suspicious refunds");
  await page.click("#confirm-yes");
  await page.locator("tr[data-tenant=al-noor] td.halted", { hasText: "suspicious refunds" }).waitFor();
  await page.screenshot({ path: join(shots, "monitor.png"), fullPage: true });
  const denied = await agent.evaluate(refund("AN-1006", "10.00"));
  assert.equal(denied.outcome, "DENY");
  assert.deepEqual(denied.ruleIds, ["builtin:halted"]);
  // bayt is untouched; resuming al-noor lets it ask again.
  assert.equal((await agent.evaluate(refund("BY-2002", "10.00", "bayt"))).outcome, "PENDING_APPROVAL");
  await page.click("tr[data-tenant=al-noor] button");
  await page.click("#confirm-yes");
  await page.locator("tr[data-tenant=al-noor] td.ok").waitFor();
  const after = await agent.evaluate(refund("AN-1007", "10.00"));
  assert.equal(after.outcome, "PENDING_APPROVAL", `${after.outcome}: ${after.ruleIds.join(", ")}`);
  await ops.context.close();
});

test("a token of every shop is shown the policy's shops without typing them", async () => {
  const every = await signedIn(tokens.allShops, "", "dana");
  const { page } = every;
  await page.locator("section[data-tenant=al-noor] > h3").waitFor();
  await page.locator("section[data-tenant=bayt] > h3").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("portcullis.tenants")), "al-noor,bayt");
  await every.context.close();
});

test("the monitor shows each shop's ledger health and the live activity, newest first, without arguments; a request shows the agent's recent decisions", async () => {
  const ops = await signedIn(tokens.operator, ""); // every shop: from the policy
  const { page } = ops;
  await page.goto(`${base}/#/monitor`);
  // Ledger health per shop: intact, with a recent signed checkpoint.
  await page.locator("tr[data-tenant=al-noor] td.ledger", { hasText: "Intact" }).waitFor();
  await page.locator("tr[data-tenant=al-noor] td.checkpoint", { hasText: /#\d+, \d+ s ago/ }).waitFor();
  await page.locator("#gate-health", { hasText: "Ready" }).waitFor();
  // Connector health: the refunds executed earlier were run by the agent.
  await page.locator("#connectors", { hasText: /Run by the agent itself: \d+ ok/ }).waitFor();
  // Each configured connector has its row, by name; none was called yet.
  await page.locator("tr[data-connector=sms-gateway] td.connector-state", { hasText: "Not called yet" }).waitFor();
  assert.match((await page.textContent("tr[data-connector=crm-sync]")) ?? "", /crm-syncNot called yetno calls yet/);
  // The activity: the latest entries at once (earlier tests' decisions)...
  await page.locator("#activity-list li[data-kind='action.evaluated']").first().waitFor();
  // ...and a new one live, on top, without a reload.
  const decision = await agent.evaluate({ ...refund("AN-1010", "333.33"), agent: "night-bot" });
  assert.equal(decision.outcome, "PENDING_APPROVAL");
  const row = page.locator("#activity-list li[data-kind='action.evaluated']", { hasText: "agent night-bot" });
  await row.waitFor();
  assert.match((await row.textContent()) ?? "", /Decision · Refund order · agent night-bot · waiting for approval/);
  // On top: only the entries of the same write (its approval request) may be above it.
  const position = await page.evaluate(() =>
    [...document.querySelectorAll("#activity-list li")].findIndex((li) => /night-bot/.test(li.textContent ?? "")),
  );
  assert.ok(position >= 0 && position <= 1, `the new decision is row ${position}`);
  const shown = (await page.textContent("#activity")) ?? "";
  assert.doesNotMatch(shown, /333|AN-1010/); // no arguments, no amounts
  await page.screenshot({ path: join(shots, "monitor-activity.png"), fullPage: true });
  // Bounded in the page: many more events, at most 50 rows.
  for (let i = 0; i < 30; i++) {
    await agent.evaluate({ ...refund(`BY-3${i}`, "1.00", "bayt"), agent: "burst-bot" });
  }
  await page.waitForFunction(() => document.querySelectorAll("#activity-list li[data-tenant=bayt]").length >= 40);
  assert.ok((await page.locator("#activity-list li").count()) <= 50);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the monitor scrolls sideways by ${overflow} px`);
  await ops.context.close();

  // The request page lists the same agent's recent decisions.
  const again = await agent.evaluate({ ...refund("AN-1011", "20.00"), agent: "night-bot" });
  await alice.page.goto(`${base}/#/request/al-noor/${again.decisionId}`);
  const history = alice.page.locator("#agent-history");
  await history.locator(`li[data-decision="${again.decisionId}"]`, { hasText: "this request" }).waitFor();
  await history.locator(`li[data-decision="${decision.decisionId}"]`).waitFor();
  assert.match((await history.textContent()) ?? "", /Recent decisions of night-bot/);
  assert.doesNotMatch((await history.textContent()) ?? "", /support-bot|burst-bot|AN-1010/);
  await alice.page.screenshot({ path: join(shots, "request-history.png"), fullPage: true });
});

test("the monitor shows each connector by its name, working or failing", async () => {
  for (const tool of ["notify_customer", "sync_crm"]) {
    const action = { tenant: "al-noor", agent: "notify-bot", tool, arguments: {} };
    const d = await agent.evaluate(action);
    assert.equal(d.outcome, "ALLOW");
    await agent.execute(d.decisionId, action); // the gate calls the tool
  }
  const ops = await signedIn(tokens.operator, "");
  const { page } = ops;
  await page.goto(`${base}/#/monitor`);
  const sms = page.locator("tr[data-connector=sms-gateway]");
  await sms.locator("td.connector-state.halted", { hasText: "Failing" }).waitFor();
  assert.match((await sms.textContent()) ?? "", /0 ok, 1 server error \(HTTP 5xx\) \(last failed \d+ seconds? ago\)/);
  const crm = page.locator("tr[data-connector=crm-sync]");
  await crm.locator("td.connector-state.ok", { hasText: "Working" }).waitFor();
  assert.match((await crm.textContent()) ?? "", /1 ok$/);
  assert.doesNotMatch((await page.textContent("#connectors")) ?? "", /http:|127\.0\.0\.1/); // no URL shown
  await ops.context.close();
});

test("a failed policy reload is shown with the version still enforced, and a good one after it", async () => {
  const ops = await signedIn(tokens.operator, "");
  const { page } = ops;
  await page.goto(`${base}/#/monitor`);
  await page.locator("#policy-reload", { hasText: /^Policy reloaded/ }).waitFor();
  writeFileSync(join(dir, "test.policy"), 'policy "console" version "console-2"\ntenant "al-noor" { tool {\n');
  await assert.rejects(admin.reload());
  const failed = page.locator("#policy-reload.halted", { hasText: "Last reload failed" });
  await failed.waitFor();
  const text = (await failed.textContent()) ?? "";
  assert.match(text, /test\.policy/);
  assert.match(text, /— still enforcing version console-1$/);
  assert.ok(!text.includes(dir), "the page shows no server directory");
  await page.screenshot({ path: join(shots, "monitor-reload-failed.png"), fullPage: true });
  writeFileSync(join(dir, "test.policy"), POLICY);
  await admin.reload();
  await page.locator("#policy-reload:not(.halted)", { hasText: /^Policy reloaded/ }).waitFor();
  await ops.context.close();
});
