// An ActivityEvent is what the activity stream shows of one ledger entry:
// the entry's indexed fields and the public facts its record names (tool,
// agent, outcome, deciding rules, principal) — never arguments, secret
// values, tool responses, comments, reasons or the payload itself, sealed
// or not. Plain values; thread-safe for concurrent const use.
#ifndef PORTCULLIS_GATE_ACTIVITY_EVENT_H_
#define PORTCULLIS_GATE_ACTIVITY_EVENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gate/records.h"
#include "ledger/entry.h"

namespace portcullis::gate {

struct ActivityEvent {
  std::string tenant;
  uint64_t sequence = 0;
  absl::Time time;
  std::string kind;  // the entry's kind, e.g. "action.evaluated"
  std::string request_id;
  std::string correlation_id;
  std::string decision_id;
  std::string tool;   // the action's tool, where the record names one
  std::string agent;  // the action's agent, where the record names one
  // What the entry says happened, upper case: a decision's outcome
  // ("ALLOW", "DENY", "PENDING_APPROVAL"), an execution outcome
  // ("SUCCEEDED", "FAILED") or a refusal's status code name
  // ("PERMISSION_DENIED"); empty for entries that have none.
  std::string outcome;
  std::vector<std::string> rule_ids;  // the rules that decided
  // Who acted: the calling principal, the approver, or the principal a
  // request came from; empty when the record names none.
  std::string principal;
  std::string method;  // access.denied: the RPC refused
};

// The event for `entry`. Its payload, when present, is decoded with
// `codec` for the public facts; an entry without one (pruned), of a kind
// the gate does not write (the ledger's own records), or whose payload does
// not decode, gives the entry's fields alone.
ActivityEvent ActivityEventFrom(const ledger::Entry& entry,
                                const RecordCodec& codec);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_ACTIVITY_EVENT_H_
