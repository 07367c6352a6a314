// The JSON API's messages (docs/console.md): protobuf's JSON mapping of
// proto/portcullis/v1, as far as the console reads them. Every field may be
// absent (proto3 omits defaults).
export interface Money {
  amount?: string;
  currency?: string;
}
export interface Value {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  moneyValue?: Money;
  listValue?: { values?: Value[] };
}
export interface ActionContext {
  confidence?: number;
  runMode?: string;
  requestId?: string;
  correlationId?: string;
  sessionId?: string;
}
export interface Action {
  tenant?: string;
  agent?: string;
  tool?: string;
  arguments?: Record<string, Value>;
  context?: ActionContext;
  idempotencyKey?: string;
}
export interface RuleRef {
  id?: string;
  description?: string;
}
export interface PolicyRef {
  version?: string;
  contentHash?: string;
}
export interface ApprovalRequirement {
  ruleId?: string;
  roles?: string[];
  quorum?: number;
  expiresAt?: string;
  escalatesAt?: string;
  escalationRoles?: string[];
  expiresAfter?: string;
}
export interface Decision {
  decisionId?: string;
  outcome?: string;
  reasons?: string[];
  decidedBy?: RuleRef[];
  policy?: PolicyRef;
  actionDigest?: string;
  decidedAt?: string;
  expiresAt?: string;
  approvals?: ApprovalRequirement[];
  tenant?: string;
  ledgerSequence?: string;
}
export interface ApprovalVote {
  approverId?: string;
  verdict?: string;
  comment?: string;
  recordedAt?: string;
}
export interface PendingApproval {
  decision?: Decision;
  action?: Action;
  votes?: ApprovalVote[];
  escalated?: boolean;
  requestedBy?: string;
}
export interface ListPendingResponse {
  pending?: PendingApproval[];
}
export interface ApproveResponse {
  decision?: Decision;
  pending?: PendingApproval;
}
export interface TenantStatus {
  tenant?: string;
  halted?: boolean;
  haltReason?: string;
  pending?: number;
  ledgerSequence?: string;
}
/** The latest attempt to load the policy. */
export interface PolicyReloadAttempt {
  time?: string;
  ok?: boolean;
  /** Bounded, without directories. */
  error?: string;
  contentHash?: string;
}
export interface StatusResponse {
  policy?: PolicyRef;
  gateHalted?: boolean;
  tenants?: TenantStatus[];
  startedAt?: string;
  shadow?: { candidate?: PolicyRef; decided?: string; differed?: string };
  lastReload?: PolicyReloadAttempt;
}
export interface ApiError {
  code: string;
  message: string;
}
export interface Me {
  principal?: string;
  roles?: string[];
  /** "*" for every tenant. */
  tenants?: string[];
  /** For a principal of every tenant: the tenants the policy declares. */
  policyTenants?: string[];
}
/** What the activity stream shows of one ledger entry (no arguments). */
export interface ActivityEvent {
  tenant?: string;
  sequence?: string;
  time?: string;
  kind?: string;
  requestId?: string;
  correlationId?: string;
  decisionId?: string;
  tool?: string;
  agent?: string;
  outcome?: string;
  ruleIds?: string[];
  principal?: string;
  method?: string;
}
export interface RecentDecisions {
  decisions?: ActivityEvent[];
  scanned?: number;
  /** The read stopped at a limit: older decisions may exist. */
  more?: boolean;
}
export interface CheckpointHealth {
  sequence?: number;
  time?: string;
  ageSeconds?: number;
  entriesSince?: number;
}
export interface TenantHealth {
  tenant?: string;
  halted?: boolean;
  haltReason?: string;
  refused?: boolean;
  refusal?: string;
  ledgerSequence?: number;
  checkpoint?: CheckpointHealth;
}
export interface LedgerHealth {
  ready?: boolean;
  ledgerWritable?: boolean;
  gateHalted?: boolean;
  tenants?: TenantHealth[];
}
export interface ExecutionCount {
  /** The connector's configured name; "none": the gate called no connector (the agent runs the tool); "other": one not configured. */
  connector?: string;
  /** "ok", the error code in lower case, or "http_5xx"-style for a tool that answered so. */
  result?: string;
  count?: number;
}
/** One configured connector's calls since the gate started. */
export interface ConnectorRow {
  name?: string;
  /** "healthy": its latest call succeeded; "failing": it failed; "unused": no call yet. */
  state?: string;
  ok?: number;
  /** Failed calls by result. */
  failed?: Record<string, number>;
  lastCall?: string;
  lastFailure?: string;
}
export interface ConnectorHealth {
  connectors?: number;
  executions?: ExecutionCount[];
  byConnector?: ConnectorRow[];
}
