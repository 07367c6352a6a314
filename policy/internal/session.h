// Session rules: count(tool X, W, session), sum(args.A, W, session) and a
// rule's `after tool X`. They read counters the gate keeps like limit
// counters (policy/usage.h), keyed per tenant, agent and session, and
// charged by every counted action (ALLOW, or PENDING_APPROVAL once
// approved) of a tool that some session rule of the tenant reads:
//
//   <tenant>/session:events/agent=<agent>/session=<id>        every counted
//   action <tenant>/session:count/tool=<tool>/agent=<agent>/session=<id>
//   <tenant>/session:sum/tool=<tool>/args.<arg>/agent=<agent>/session=<id>
//
// Values are percent-encoded as limit keys are. Plain values; immutable
// after compilation, thread-safe for concurrent reads.
#ifndef PORTCULLIS_POLICY_INTERNAL_SESSION_H_
#define PORTCULLIS_POLICY_INTERNAL_SESSION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policy/action.h"
#include "policy/internal/position.h"

namespace portcullis::policy::policy_internal {

// One read of a session counter, compiled into a condition or an `after`.
struct SessionQuery {
  std::string prefix;  // the key up to the session part
  absl::Duration window;
  bool sum = false;
  bool integer = false;  // sum over an int argument (else money)
  std::string currency;  // sum over money
  std::string label;     // "count(tool refund_order, 1h, session)"
};

// A session counter some rule of the tenant reads, noted while compiling
// so that ProgramBuilder can check the tool and charge it.
struct SessionUse {
  std::string tool;
  Position pos;  // where the tool (or the argument) is named
  bool sum = false;
  int32_t slot = 0;  // sum: the argument's slot in `tool`
  bool integer = false;
  std::string prefix;
  absl::Duration window;
};

// What one counted action of a tool charges, besides the session's events.
struct SessionCharge {
  std::string prefix;
  absl::Duration window;
  bool sum = false;
  int32_t slot = 0;
  bool integer = false;
};

// A tenant's session bounds, and the longest window any session rule of
// the tenant reads (how long a session's events are kept).
struct SessionSettings {
  bool enabled = false;
  int64_t max_sessions = 0;
  int64_t max_events = 0;
  absl::Duration window;
  std::string events_prefix;  // "<tenant>/session:events"
};

// "/agent=<agent>/session=<session id>", encoded.
std::string SessionTail(const Action& action);

// The key prefix of count(tool X) and of sum(args.A) over tool X.
std::string SessionCountPrefix(absl::string_view tenant,
                               absl::string_view tool);
std::string SessionSumPrefix(absl::string_view tenant, absl::string_view tool,
                             absl::string_view arg);

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_SESSION_H_
