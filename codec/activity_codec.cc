#include "codec/activity_codec.h"

#include "codec/time_codec.h"

namespace portcullis::codec {

void ActivityEventToProto(const gate::ActivityEvent& event,
                          v1::ActivityEvent* proto) {
  proto->Clear();
  proto->set_tenant(event.tenant);
  proto->set_sequence(event.sequence);
  TimeToProto(event.time, proto->mutable_time());
  proto->set_kind(event.kind);
  proto->set_request_id(event.request_id);
  proto->set_correlation_id(event.correlation_id);
  proto->set_decision_id(event.decision_id);
  proto->set_tool(event.tool);
  proto->set_agent(event.agent);
  proto->set_outcome(event.outcome);
  for (const std::string& rule : event.rule_ids) proto->add_rule_ids(rule);
  proto->set_principal(event.principal);
  proto->set_method(event.method);
}

}  // namespace portcullis::codec
