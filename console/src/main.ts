// The approval console (docs/console.md): a hash-routed single page with
// four views — sign-in and key, the queue, one request, the security
// monitor — over the gate's JSON API. No inline script, no framework; all
// text goes in as text.
import { ActivityLog } from "./activity.js";
import { api, ApiFailure, session, signIn, signOut } from "./api.js";
import { approvalJson, approvalMessage, type Verdict } from "./approval.js";
import { fromBase64, toBase64, toHex } from "./bytes.js";
import { actionDigestHex } from "./digest.js";
import { fill, h } from "./dom.js";
import {
  activityOutcomeText,
  ageText,
  argumentRows,
  confidence,
  isBadOutcome,
  kindText,
  label,
  localTime,
  outcomeText,
  quorumText,
  relative,
  verdictText,
} from "./format.js";
import { type BrowserKey, createKey, deleteKey, loadKey, sign } from "./keys.js";
import { latestOnly } from "./latest.js";
import { connectorLine, reloadLine } from "./monitor.js";
import type {
  ActivityEvent,
  ApproveResponse,
  ConnectorHealth,
  LedgerHealth,
  ListPendingResponse,
  Me,
  PendingApproval,
  RecentDecisions,
  StatusResponse,
  TenantHealth,
} from "./types.js";

const kPollMs = 2000;
/** How long a signed statement stays valid (as the CLI's --valid_for). */
const kStatementValidMs = 15 * 60 * 1000;

const app = document.getElementById("app") as HTMLElement;
let timer: number | undefined;
/** Bumped on every navigation: a late answer for an old view is dropped. */
let generation = 0;

/** Event streams of the current view; aborted when it changes. */
let streams: AbortController[] = [];
/** How many of them are connected: polling slows down while one is. */
let liveStreams = 0;
const kPollWhileLiveMs = 10000;

function stopPolling(): void {
  if (timer !== undefined) window.clearTimeout(timer);
  timer = undefined;
  for (const c of streams) c.abort();
  streams = [];
  liveStreams = 0;
}

function poll(gen: number, f: () => Promise<void>): void {
  const tick = async () => {
    if (gen !== generation) return;
    await f();
    if (gen === generation) timer = window.setTimeout(tick, liveStreams > 0 ? kPollWhileLiveMs : kPollMs);
  };
  void tick();
}

/**
 * Reads a Server-Sent Events stream of the API (over fetch, so the token
 * goes in a header) and calls `onData` with each event's data, until the
 * gate ends it or the view changes. Returns the HTTP status (0 when the
 * connection failed or was aborted).
 */
async function readStream(gen: number, path: string, ctrl: AbortController, onData: (data: string) => void): Promise<number> {
  const s = session();
  if (!s) return 0;
  let live = false;
  try {
    const res = await fetch(`/api/v1${path}`, {
      headers: { Authorization: `Bearer ${s.token}` },
      signal: ctrl.signal,
      cache: "no-store",
      credentials: "omit",
    });
    if (!res.ok || !res.body) return res.status;
    live = true;
    liveStreams++;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let at: number;
      while ((at = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        for (const line of block.split("\n")) {
          if (line.startsWith("data:") && gen === generation) onData(line.slice(5).trim());
        }
      }
    }
    return res.status;
  } catch {
    return 0; // aborted (the view changed) or the connection failed
  } finally {
    if (live && gen === generation) liveStreams--;
  }
}

/**
 * Follows the tenant's queue events and calls `changed` on each.
 * Reconnects when the gate ends a stream; gives up when it refuses one
 * (429: too many open), and polling carries on alone.
 */
async function listen(gen: number, tenant: string, changed: () => void): Promise<void> {
  const ctrl = new AbortController();
  streams.push(ctrl);
  while (gen === generation && !ctrl.signal.aborted) {
    const status = await readStream(gen, `/tenants/${encodeURIComponent(tenant)}/events`, ctrl, () => changed());
    if (status !== 200) return;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function needSignIn(): boolean {
  if (session()) return false;
  location.hash = "#/settings";
  return true;
}

function setCurrent(page: string): void {
  for (const a of document.querySelectorAll("header nav a")) {
    if (a.id === `nav-${page}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

// ---- Sign-in and key ----------------------------------------------------

function registrationSnippet(key: BrowserKey, approverId: string, tenants: string[]): string {
  const id = approverId || "YOUR-APPROVER-ID";
  const t = tenants.length ? tenants.join(", ") : "YOUR-SHOP";
  return `approvers:\n  - {id: ${id}, publicKey: '${key.publicKeyBase64}', roles: [owner], tenants: [${t}]}`;
}

async function settingsPage(): Promise<void> {
  setCurrent("settings");
  const s = session();
  const token = h("input", { id: "token", type: "password", autocomplete: "off", required: true });
  const tenants = h("input", { id: "tenants", value: s?.tenants.join(", ") ?? "", placeholder: "al-noor" });
  const approver = h("input", { id: "approver", value: s?.approverId ?? "", placeholder: "alice" });
  const status = h("p", { id: "signin-status", role: "status" });
  const form = h(
    "form",
    { id: "signin", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, s ? `You are signed in as ${sessionStorage.getItem("portcullis.me") ?? "?"}` : "Sign in"),
    h("p", { class: "muted" }, "Your token stays in this tab only and is forgotten when you close it."),
    h("label", { for: "token" }, "Access token"),
    token,
    h("label", { for: "tenants" }, "Your shops (tenant ids, separated by commas; leave empty to watch every shop your token allows)"),
    tenants,
    h("label", { for: "approver" }, "Your approver id (as registered at the gate)"),
    approver,
    h("div", {}, h("button", { type: "submit" }, "Sign in"), s ? h("button", { type: "button", id: "signout" }, "Sign out") : null),
    status,
  );
  if (s) token.placeholder = "(signed in; enter a new token to change it)";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const t = token.value.trim() || s?.token || "";
    if (!t) {
      status.textContent = "Enter your access token.";
      return;
    }
    const typed = tenants.value.split(",").map((x) => x.trim()).filter((x) => x !== "");
    signIn({ token: t, tenants: typed, approverId: approver.value.trim() });
    // Ask the gate who this token is: a wrong token is caught here, and
    // the shops it names need not be typed.
    let me: Me;
    try {
      me = await api.get<Me>("/me");
    } catch (e) {
      signOut();
      status.textContent = errorText(e);
      return;
    }
    const named = (me.tenants ?? []).filter((x) => x !== "*");
    const every = (me.tenants ?? []).includes("*");
    // A token of every shop: the shops typed, or else every shop the
    // gate's policy declares.
    const shops = every ? (typed.length ? typed : (me.policyTenants ?? [])) : typed.length ? typed.filter((x) => named.includes(x)) : named;
    signIn({ token: t, tenants: shops, approverId: approver.value.trim() });
    sessionStorage.setItem("portcullis.me", `${me.principal ?? ""} (${(me.roles ?? []).join(", ")})`);
    location.hash = (me.roles ?? []).includes("approver") || !(me.roles ?? []).includes("operator") ? "#/queue" : "#/monitor";
  });
  form.querySelector("#signout")?.addEventListener("click", () => {
    signOut();
    void render();
  });

  const keyBox = h("section", { id: "key", "aria-labelledby": "key-title", class: "card" });
  const drawKey = async (): Promise<void> => {
    let key: BrowserKey | null = null;
    try {
      key = await loadKey();
    } catch (e) {
      fill(keyBox, h("p", { class: "error" }, `This browser cannot store a key: ${errorText(e)}`));
      return;
    }
    const make = h("button", { type: "button", id: "create-key" }, key ? "Replace this key" : "Create my signing key");
    make.addEventListener("click", async () => {
      if (key && !make.dataset["confirm"]) {
        make.dataset["confirm"] = "1";
        make.textContent = "Yes, replace it (the old key stops working once the gate has the new one)";
        return;
      }
      try {
        await createKey();
      } catch (e) {
        fill(keyBox, h("p", { class: "error" }, `Could not create a key: ${errorText(e)}`));
        return;
      }
      await drawKey();
    });
    const cur = session();
    fill(
      keyBox,
      h("h2", { id: "key-title" }, "Your signing key"),
      key
        ? h(
            "div",
            {},
            h("p", {}, "This browser holds your private key. It cannot be copied out, and it is never sent to the gate."),
            h("label", { for: "public-key" }, "Public key (give this to your gate operator)"),
            h("input", { id: "public-key", readonly: true, value: key.publicKeyBase64 }),
            h("p", { class: "muted" }, `Created ${localTime(key.createdAt)}. The operator adds it to the gate's configuration (docs/approvals.md):`),
            h("pre", { id: "registration", class: "mono" }, registrationSnippet(key, cur?.approverId ?? "", cur?.tenants ?? [])),
          )
        : h("p", {}, "You have no signing key in this browser yet. Create one, then ask your gate operator to register its public key."),
      make,
      key ? h("button", { type: "button", id: "delete-key" }, "Forget this key") : null,
    );
    keyBox.querySelector("#delete-key")?.addEventListener("click", async () => {
      await deleteKey();
      await drawKey();
    });
  };
  fill(app, form, keyBox);
  await drawKey();
}

// ---- Queue ----------------------------------------------------------------

function pendingCard(p: PendingApproval, now: number): HTMLElement {
  const d = p.decision ?? {};
  const a = p.action ?? {};
  const tenant = d.tenant ?? a.tenant ?? "";
  const href = `#/request/${encodeURIComponent(tenant)}/${encodeURIComponent(d.decisionId ?? "")}`;
  const args = argumentRows(a);
  return h(
    "article",
    { class: "card pending", "data-decision": d.decisionId ?? "" },
    h("h3", {}, h("a", { href }, `${label(a.tool ?? "")} requested by ${a.agent ?? "?"}`)),
    h(
      "ul",
      { class: "args" },
      ...args.map(([k, v, money]) => h("li", {}, `${label(k)}: `, h("span", { class: money ? "money" : "" }, v))),
    ),
    h(
      "p",
      {},
      "Why it needs you: ",
      (d.decidedBy ?? []).map((r) => r.description || r.id).join("; ") || "a rule asks for approval",
    ),
    h("p", { class: "muted" }, `Shop ${tenant} · confidence ${confidence(a)} · asked ${relative(d.decidedAt, now)}`),
    ...(d.approvals ?? []).map((r) => h("p", { class: "muted" }, quorumText(r, p))),
    (p.votes ?? []).length
      ? h("p", { class: "muted" }, "Votes: ", (p.votes ?? []).map((v) => `${v.approverId} ${verdictText(v.verdict)}`).join(", "))
      : null,
    h("p", { class: "deadline" }, `Decide ${relative(d.expiresAt, now)} — after that it is refused automatically.`),
    p.escalated ? h("p", { class: "halted" }, "Escalated: it waited too long, so more people may now approve it.") : null,
  );
}

async function queuePage(gen: number): Promise<void> {
  setCurrent("queue");
  if (needSignIn()) return;
  const s = session()!;
  const list = h("div", { id: "queue", "aria-live": "polite" });
  const updated = h("p", { class: "muted", id: "queue-updated" });
  fill(app, h("h2", {}, "Waiting for your decision"), updated, list);
  if (!s.tenants.length) {
    fill(list, h("p", {}, "Add your shops (tenant ids) on the sign-in page to see their requests."));
    return;
  }
  const draw = latestOnly(async (current) => {
    const now = Date.now();
    const parts: HTMLElement[] = [];
    for (const tenant of s.tenants) {
      try {
        const r = await api.get<ListPendingResponse>(`/tenants/${encodeURIComponent(tenant)}/pending`);
        const pending = r.pending ?? [];
        parts.push(
          h(
            "section",
            { class: "tenant", "data-tenant": tenant },
            h("h3", {}, `${tenant}: ${pending.length ? `${pending.length} waiting` : "nothing waiting"}`),
            ...pending.map((p) => pendingCard(p, now)),
          ),
        );
      } catch (e) {
        parts.push(h("section", { class: "tenant", "data-tenant": tenant }, h("h3", {}, tenant), h("p", { class: "error" }, errorText(e))));
      }
    }
    if (gen !== generation || !current()) return;
    fill(list, ...parts);
    updated.textContent = `Updated ${new Date(now).toLocaleTimeString()}; refreshes by itself.`;
  });
  poll(gen, draw);
  for (const tenant of s.tenants) void listen(gen, tenant, () => void draw());
}

// ---- One request ---------------------------------------------------------

function row(name: string, ...value: (Node | string)[]): HTMLElement {
  return h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, ...value));
}

async function requestPage(gen: number, tenant: string, id: string): Promise<void> {
  setCurrent("queue");
  if (needSignIn()) return;
  fill(app, h("p", {}, "Loading…"));
  let p: PendingApproval;
  try {
    p = await api.get<PendingApproval>(`/tenants/${encodeURIComponent(tenant)}/pending/${encodeURIComponent(id)}`);
  } catch (e) {
    if (gen !== generation) return;
    fill(app, h("p", { class: "error", role: "alert" }, errorText(e)), h("a", { href: "#/queue" }, "Back to the queue"));
    return;
  }
  if (gen !== generation) return;
  const d = p.decision ?? {};
  const a = p.action ?? {};
  const now = Date.now();
  // What the person sees is what they sign: the digest of the action shown
  // here, recomputed in this browser, must be the gate's.
  let shownDigest = "";
  let gateDigest = "";
  let digestProblem = "";
  try {
    shownDigest = actionDigestHex(a);
    gateDigest = toHex(fromBase64(d.actionDigest ?? ""));
  } catch (e) {
    digestProblem = errorText(e);
  }
  // And the statement names the request this page is about.
  if (!digestProblem && (d.decisionId !== id || d.tenant !== tenant || a.tenant !== tenant)) {
    digestProblem = "the answer is about another request or shop";
  }
  const digestOk = !digestProblem && gateDigest.length === 64 && shownDigest === gateDigest;

  const result = h("div", { id: "result", role: "status", "aria-live": "polite" });
  const comment = h("textarea", { id: "comment", rows: "3", maxlength: "1000" });
  const history = h("section", { id: "agent-history", "aria-live": "polite" });
  const approve = h("button", { type: "button", class: "approve", id: "approve", disabled: !digestOk }, "Approve");
  const deny = h("button", { type: "button", class: "deny", id: "deny", disabled: !digestOk }, "Deny");

  const act = async (verdict: Verdict): Promise<void> => {
    result.textContent = "";
    const s = session();
    if (!s) return void (location.hash = "#/settings");
    // Checked again at the moment of signing, on the action displayed.
    if (!digestOk || actionDigestHex(a) !== gateDigest) {
      fill(result, h("p", { class: "error" }, "Not signed: the action shown does not match the gate's digest."));
      return;
    }
    if (verdict === "deny" && !comment.value.trim()) {
      fill(result, h("p", { class: "error" }, "Write a reason for refusing; the agent and the ledger keep it."));
      comment.focus();
      return;
    }
    if (!s.approverId) {
      fill(result, h("p", { class: "error" }, "Set your approver id on the sign-in page first."));
      return;
    }
    const key = await loadKey().catch(() => null);
    if (!key) {
      fill(result, h("p", { class: "error" }, "This browser has no signing key yet: create one on the sign-in page and have it registered."));
      return;
    }
    const statement = {
      tenant: d.tenant ?? tenant,
      decisionId: d.decisionId ?? id,
      actionDigest: fromBase64(d.actionDigest ?? ""),
      verdict,
      expiresAt: new Date(Date.now() + kStatementValidMs),
      approverId: s.approverId,
      comment: comment.value.trim(),
    };
    approve.disabled = deny.disabled = true;
    try {
      const signature = await sign(key, approvalMessage(statement));
      const r = await api.post<ApproveResponse>("/approve", {
        approval: approvalJson(statement, toBase64(statement.actionDigest)),
        signature: toBase64(signature),
      });
      const outcome = r.decision?.outcome;
      fill(
        result,
        h("p", { class: outcome === "OUTCOME_DENY" ? "error" : "ok" }, `Recorded. The request is now ${outcomeText(outcome)}.`),
        outcome === "OUTCOME_PENDING_APPROVAL" && r.pending
          ? h("p", {}, ...(r.pending.decision?.approvals ?? []).map((q) => quorumText(q, r.pending!)))
          : null,
        h("a", { href: "#/queue" }, "Back to the queue"),
      );
    } catch (e) {
      approve.disabled = deny.disabled = false;
      // The gate's own reason for refusing a signed statement (expired,
      // already decided, key not registered, not eligible) says most.
      const why = e instanceof ApiFailure && [403, 404, 409].includes(e.status) ? `The gate refused it: ${e.gateMessage}` : errorText(e);
      fill(result, h("p", { class: "error", role: "alert" }, `Not recorded. ${why}`));
      if (e instanceof ApiFailure && e.status === 401) location.hash = "#/settings";
    }
  };
  approve.addEventListener("click", () => void act("approve"));
  deny.addEventListener("click", () => void act("deny"));

  fill(
    app,
    h("p", {}, h("a", { href: "#/queue" }, "← Queue")),
    h("h2", {}, `${label(a.tool ?? "")} requested by ${a.agent ?? "?"}`),
    digestOk
      ? null
      : h(
          "p",
          { class: "error", id: "digest-mismatch", role: "alert" },
          "Do not approve: what this page shows is not what the gate would run (the action's fingerprint does not match). Nothing will be signed.",
          digestProblem ? ` (${digestProblem})` : "",
        ),
    h(
      "table",
      { id: "details" },
      h("tbody", {},
        ...argumentRows(a).map(([k, v, money]) => row(label(k), h("span", { class: money ? "money" : "" }, v))),
        row("Shop", d.tenant ?? tenant),
        row("Agent", a.agent ?? ""),
        row("Requested by", p.requestedBy ?? ""),
        row("Confidence", confidence(a)),
        row("Asked", `${localTime(d.decidedAt)} (${relative(d.decidedAt, now)})`),
        row("Decide before", `${localTime(d.expiresAt)} (${relative(d.expiresAt, now)})`),
        row("Policy", `version ${d.policy?.version ?? "?"}`, h("br"), h("code", {}, d.policy?.contentHash ?? "")),
        row("Fingerprint", h("code", { id: "digest" }, gateDigest), digestOk ? h("span", { class: "ok" }, " ✓ checked in this browser") : ""),
      ),
    ),
    h("h3", {}, "Why it needs approval"),
    h(
      "ul",
      {},
      ...(d.decidedBy ?? []).map((r) => h("li", {}, h("strong", {}, r.id ?? ""), `: ${r.description ?? ""}`)),
      ...(d.reasons ?? []).map((r) => h("li", { class: "muted" }, r)),
    ),
    h("h3", {}, "Approvals"),
    h(
      "ul",
      {},
      ...(d.approvals ?? []).map((q) =>
        h("li", {}, `${q.ruleId}: ${quorumText(q, p)}`, q.escalatesAt ? ` · escalates to ${(q.escalationRoles ?? []).join(", ")} ${relative(q.escalatesAt, now)}` : ""),
      ),
      ...(p.votes ?? []).map((v) => h("li", {}, `${v.approverId} ${verdictText(v.verdict)}${v.comment ? `: “${v.comment}”` : ""} (${localTime(v.recordedAt)})`)),
    ),
    p.escalated ? h("p", { class: "halted" }, "Escalated: more people may now approve it.") : null,
    h("label", { for: "comment" }, "Comment (required to deny: tell the agent why)"),
    comment,
    h("div", { class: "actions" }, approve, deny),
    result,
    history,
  );
  void drawHistory(gen, history, tenant, a.agent ?? "", id);
}

/** What the gate decided lately about the same agent's actions (no arguments). */
async function drawHistory(gen: number, box: HTMLElement, tenant: string, agentId: string, current: string): Promise<void> {
  if (!agentId) return;
  let r: RecentDecisions;
  try {
    r = await api.get<RecentDecisions>(`/tenants/${encodeURIComponent(tenant)}/agents/${encodeURIComponent(agentId)}/decisions`);
  } catch (e) {
    if (gen === generation) fill(box, h("h3", {}, `Recent decisions of ${agentId}`), h("p", { class: "muted" }, errorText(e)));
    return;
  }
  if (gen !== generation) return;
  const list = r.decisions ?? [];
  fill(
    box,
    h("h3", {}, `Recent decisions of ${agentId}`),
    list.length
      ? h(
          "ol",
          { class: "history" },
          ...list.map((e) =>
            h(
              "li",
              { "data-decision": e.decisionId ?? "" },
              `${localTime(e.time)} · ${kindText(e.kind)}: ${label(e.tool ?? "")} `,
              h("span", { class: isBadOutcome(e.outcome) ? "error" : "ok" }, activityOutcomeText(e.outcome)),
              e.decisionId === current ? h("span", { class: "muted" }, " (this request)") : "",
            ),
          ),
        )
      : h("p", { class: "muted" }, "None recorded lately."),
    r.more ? h("p", { class: "muted" }, `The latest ${list.length} shown; older ones are on the ledger.`) : null,
  );
}

// ---- Security monitor ----------------------------------------------------

function confirmPanel(question: string, action: string, run: (reason: string) => Promise<void>): HTMLElement {
  const reason = h("input", { id: "halt-reason", placeholder: "why (recorded on the ledger)" });
  const yes = h("button", { type: "button", class: "danger", id: "confirm-yes" }, action);
  const no = h("button", { type: "button", id: "confirm-no" }, "Cancel");
  const panel = h(
    "div",
    { class: "card confirm", role: "alertdialog", "aria-labelledby": "confirm-q" },
    h("p", { id: "confirm-q" }, question),
    h("label", { for: "halt-reason" }, "Reason"),
    reason,
    yes,
    no,
  );
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    await run(reason.value.trim() || "from the console");
    panel.remove();
  });
  no.addEventListener("click", () => panel.remove());
  window.setTimeout(() => reason.focus(), 0);
  return panel;
}

async function monitorPage(gen: number): Promise<void> {
  setCurrent("monitor");
  if (needSignIn()) return;
  const body = h("div", { id: "monitor", "aria-live": "polite" });
  const confirmSlot = h("div", { id: "confirm" });
  const message = h("p", { id: "monitor-message", role: "status" });
  const activityState = h("p", { class: "muted", id: "activity-state" }, "Connecting…");
  const activityList = h("ol", { id: "activity-list", class: "activity" });
  const activity = h(
    "section",
    { class: "card", id: "activity", "aria-labelledby": "activity-title" },
    h("h3", { id: "activity-title" }, "Activity (live, newest first)"),
    activityState,
    activityList,
  );
  fill(app, h("h2", {}, "Security monitor"), message, confirmSlot, body, activity);
  void followActivity(gen, activityList, activityState);

  const haltOrResume = (tenant: string, halt: boolean): void => {
    const who = tenant ? `shop ${tenant}` : "the whole gate (every shop)";
    const q = halt
      ? `Stop ${who}? Agents get every action refused until someone resumes it.`
      : `Resume ${who}? Agents may act again under the policy.`;
    fill(
      confirmSlot,
      confirmPanel(q, halt ? `Yes, stop ${tenant || "everything"}` : `Yes, resume ${tenant || "everything"}`, async (reason) => {
        try {
          await api.post(halt ? "/halt" : "/resume", { tenant, reason });
          message.textContent = `${halt ? "Stopped" : "Resumed"} ${who}.`;
        } catch (e) {
          message.textContent = errorText(e);
        }
        await draw();
      }),
    );
  };

  const draw = latestOnly(async (current) => {
    let st: StatusResponse;
    let health: LedgerHealth | null = null;
    let healthError = "";
    try {
      st = await api.get<StatusResponse>("/status");
    } catch (e) {
      if (gen === generation && current()) fill(body, h("p", { class: "error" }, errorText(e)));
      return;
    }
    try {
      health = await api.get<LedgerHealth>("/ledger");
    } catch (e) {
      healthError = errorText(e);
    }
    const connectors = await api.get<ConnectorHealth>("/connectors").catch(() => null);
    if (gen !== generation || !current()) return;
    const byTenant = new Map<string, TenantHealth>((health?.tenants ?? []).map((t) => [t.tenant ?? "", t]));
    const stopAll = h("button", { type: "button", class: st.gateHalted ? "" : "danger", id: "halt-all" }, st.gateHalted ? "Resume everything" : "Stop everything (kill switch)");
    stopAll.addEventListener("click", () => haltOrResume("", !st.gateHalted));
    fill(
      body,
      h(
        "section",
        { class: "card" },
        h("h3", {}, "Gate"),
        h("p", { id: "gate-state", class: st.gateHalted ? "halted" : "ok" }, st.gateHalted ? "STOPPED: every action is refused" : "Running"),
        h("p", {}, `Policy in force: version ${st.policy?.version ?? "?"}`),
        h("p", { class: "muted" }, "Policy fingerprint: ", h("code", { id: "policy-hash" }, st.policy?.contentHash ?? "")),
        reloadParagraph(st),
        st.shadow?.candidate
          ? h("p", { class: "muted" }, `Shadow policy ${st.shadow.candidate.version}: ${st.shadow.differed ?? 0} of ${st.shadow.decided ?? 0} decisions differed`)
          : null,
        h("p", { class: "muted" }, `Running since ${localTime(st.startedAt)}`),
        health
          ? h(
              "p",
              { id: "gate-health", class: health.ready === false || health.ledgerWritable === false ? "halted" : "ok" },
              health.ledgerWritable === false
                ? "The ledger cannot be written (disk full or failing): actions are refused until it can."
                : health.ready === false
                  ? "Not ready: a shop's ledger is refused, or the gate is starting or stopping."
                  : "Ready; the ledger is being written.",
            )
          : h("p", { class: "error" }, `Ledger health unavailable: ${healthError}`),
        stopAll,
      ),
      h(
        "section",
        { class: "card" },
        h("h3", {}, "Shops"),
        h(
          "table",
          { id: "tenants" },
          h(
            "thead",
            {},
            h("tr", {}, h("th", {}, "Shop"), h("th", {}, "State"), h("th", {}, "Waiting"), h("th", {}, "Ledger entries"), h("th", {}, "Ledger"), h("th", {}, "Latest signed checkpoint"), h("th", {}, "")),
          ),
          h(
            "tbody",
            {},
            ...(st.tenants ?? []).map((t) => {
              const b = h("button", { type: "button", class: t.halted ? "" : "danger", "data-tenant": t.tenant ?? "" }, t.halted ? `Resume ${t.tenant}` : `Stop ${t.tenant}`);
              b.addEventListener("click", () => haltOrResume(t.tenant ?? "", !t.halted));
              return h(
                "tr",
                { "data-tenant": t.tenant ?? "" },
                h("td", {}, t.tenant ?? ""),
                h("td", { class: t.halted ? "halted" : "ok" }, t.halted ? `Stopped${t.haltReason ? `: ${t.haltReason}` : ""}` : "Running"),
                h("td", {}, String(t.pending ?? 0)),
                h("td", {}, t.ledgerSequence ?? "0"),
                ledgerCell(byTenant.get(t.tenant ?? "")),
                checkpointCell(byTenant.get(t.tenant ?? "")),
                h("td", {}, b),
              );
            }),
          ),
        ),
      ),
      connectorCard(connectors),
    );
  });
  poll(gen, draw);
}

/** The latest policy reload: when it worked, or why it failed and what is still enforced. */
function reloadParagraph(st: StatusResponse): HTMLElement | null {
  const line = reloadLine(st, Date.now());
  if (!line) return null;
  return h("p", { id: "policy-reload", class: line.failed ? "halted" : "muted", role: line.failed ? "alert" : undefined }, line.text);
}

/** "12 ok, 1 unavailable" for one connector label; null when it ran nothing. */
function executionText(c: ConnectorHealth, kind: string): string | null {
  const rows = (c.executions ?? []).filter((e) => e.connector === kind);
  if (!rows.length) return null;
  rows.sort((a, b) => (a.result === "ok" ? -1 : b.result === "ok" ? 1 : 0));
  return rows.map((e) => `${e.count ?? 0} ${e.result === "ok" ? "ok" : (e.result ?? "").replace(/_/g, " ")}`).join(", ");
}

function connectorCard(c: ConnectorHealth | null): HTMLElement | null {
  if (!c) return null;
  const now = Date.now();
  const lines = (c.byConnector ?? []).map((row) => connectorLine(row, now));
  const none = executionText(c, "none");
  return h(
    "section",
    { class: "card", id: "connectors" },
    h("h3", {}, "Connectors (since the gate started)"),
    lines.length
      ? h(
          "table",
          { id: "connector-rows" },
          h("thead", {}, h("tr", {}, h("th", {}, "Connector"), h("th", {}, "State"), h("th", {}, "Calls"))),
          h(
            "tbody",
            {},
            ...lines.map((l) =>
              h(
                "tr",
                { "data-connector": l.name },
                h("td", {}, l.name),
                h("td", { class: `connector-state ${l.state === "failing" ? "halted" : l.state === "healthy" ? "ok" : "muted"}` }, l.stateText),
                h("td", {}, l.calls, l.lastFailure ? h("span", { class: "muted" }, ` (${l.lastFailure})`) : ""),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No connectors are configured: agents run their tools themselves."),
    h("p", {}, "Run by the agent itself: ", none ?? "none yet"),
  );
}

function ledgerCell(t: TenantHealth | undefined): HTMLElement {
  if (!t) return h("td", { class: "muted ledger" }, "?");
  return t.refused
    ? h("td", { class: "halted ledger" }, `REFUSED: ${t.refusal ?? "its chain does not match its checkpoint"}`)
    : h("td", { class: "ok ledger" }, "Intact");
}

function checkpointCell(t: TenantHealth | undefined): HTMLElement {
  const cp = t?.checkpoint;
  if (!cp) return h("td", { class: "muted checkpoint" }, "none yet");
  return h(
    "td",
    { class: "checkpoint" },
    `#${cp.sequence ?? 0}, ${ageText(cp.ageSeconds)}`,
    cp.entriesSince ? h("span", { class: "muted" }, ` (${cp.entriesSince} entries since)`) : "",
  );
}

function activityRow(e: ActivityEvent): HTMLElement {
  const bad = isBadOutcome(e.outcome);
  return h(
    "li",
    { "data-tenant": e.tenant ?? "", "data-sequence": e.sequence ?? "", "data-kind": e.kind ?? "" },
    h("time", { datetime: e.time ?? "" }, new Date(e.time ?? 0).toLocaleTimeString()),
    " ",
    h("strong", {}, kindText(e.kind)),
    e.tool ? ` · ${label(e.tool)}` : "",
    e.agent ? ` · agent ${e.agent}` : "",
    e.outcome ? " · " : "",
    e.outcome ? h("span", { class: bad ? "error" : "ok" }, activityOutcomeText(e.outcome)) : "",
    e.method ? ` · ${e.method}` : "",
    e.principal ? h("span", { class: "muted" }, ` · by ${e.principal}`) : "",
    h("span", { class: "muted" }, ` · shop ${e.tenant ?? ""}`),
  );
}

/** The monitor's live activity: the gate's stream, at most 50 rows. */
async function followActivity(gen: number, list: HTMLElement, state: HTMLElement): Promise<void> {
  const log = new ActivityLog(50);
  const ctrl = new AbortController();
  streams.push(ctrl);
  let pending = false;
  let live = false;
  const redraw = (): void => {
    // One redraw per burst of events.
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      if (gen !== generation) return;
      fill(list, ...log.list().map(activityRow));
      if (live) state.textContent = log.list().length ? `Live: the latest ${log.list().length} events.` : "Live; nothing yet.";
    });
  };
  while (gen === generation && !ctrl.signal.aborted) {
    live = true;
    redraw();
    const status = await readStream(gen, "/activity", ctrl, (data) => {
      try {
        if (log.add(JSON.parse(data) as ActivityEvent)) redraw();
      } catch {
        /* not an event: ignored */
      }
    });
    live = false;
    if (gen !== generation || ctrl.signal.aborted) return;
    if (status === 401 || status === 403 || status === 501) {
      state.textContent = status === 501 ? "This gate does not serve the activity stream." : "Your token may not watch the activity (it needs the operator or auditor role).";
      return;
    }
    if (status !== 200) {
      // Busy (429) or gone: try again shortly.
      state.textContent = "The activity stream is busy; retrying…";
      await new Promise((r) => window.setTimeout(r, 3000));
    }
  }
}

// ---- Router ---------------------------------------------------------------

async function render(): Promise<void> {
  stopPolling();
  const gen = ++generation;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    switch (parts[0]) {
      case "request":
        await requestPage(gen, parts[1] ?? "", parts[2] ?? "");
        break;
      case "monitor":
        await monitorPage(gen);
        break;
      case "settings":
        await settingsPage();
        break;
      default:
        await queuePage(gen);
    }
  } catch (e) {
    fill(app, h("p", { class: "error" }, errorText(e)));
  }
}

window.addEventListener("hashchange", () => {
  void render();
  app.focus();
});
void render();
