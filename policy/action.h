// The action model: what an agent proposes to do, in Portcullis's own types.
// server/ translates the public protobuf Action into this; policy/, the
// ledger records and the action digest work on it. Plain values: copyable,
// and thread-safe for concurrent const use.
#ifndef PORTCULLIS_POLICY_ACTION_H_
#define PORTCULLIS_POLICY_ACTION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policy/decimal.h"

namespace portcullis::policy {

// An exact amount of one currency. `currency` is an ISO 4217 code ("SAR").
struct Money {
  Decimal amount;
  std::string currency;

  friend bool operator==(const Money&, const Money&) = default;
};

// One typed argument value. Enum arguments travel as strings; the tool's
// declaration in the policy says which strings are allowed.
struct Value {
  using List = std::vector<Value>;
  std::variant<std::string, int64_t, bool, Money, List> v;

  friend bool operator==(const Value&, const Value&) = default;
};

// Whether a person is at hand to approve. An unattended run (a scheduled
// job) never queues an approval: what would need one is denied at once.
enum class RunMode { kInteractive, kUnattended };

// Facts about the proposal that are not part of what is being done: they
// inform the decision but are not covered by the action digest.
struct ActionContext {
  // The agent's own confidence in the proposal, 0..1, when it reports one.
  std::optional<double> confidence;
  RunMode run_mode = RunMode::kInteractive;
  std::string request_id;
  std::string correlation_id;
  std::string session_id;
};

struct Action {
  std::string tenant;
  std::string agent;
  std::string tool;
  // Ordered by name, which is also the order of the canonical encoding.
  std::map<std::string, Value> arguments;
  ActionContext context;
  // Identifies a logical operation across retries; part of the digest.
  std::string idempotency_key;
};

}  // namespace portcullis::policy

#endif  // PORTCULLIS_POLICY_ACTION_H_
