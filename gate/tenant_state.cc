#include "gate/tenant_state.h"

#include <algorithm>
#include <iterator>

namespace portcullis::gate {

void TenantState::Publish(QueueEvent::Kind kind, const DecisionState& state) {
  events.push_back({kind, state});
  ++next_event;
  if (events.size() > kMaxEvents) events.pop_front();
  for (auto it = listeners.begin(); it != listeners.end();) {
    auto next = std::next(it);
    if (!(*it)->OnQueueEvent(events.back())) listeners.erase(it);
    it = next;
  }
  changed.SignalAll();
}

TenantState& TenantRegistry::Get(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<TenantState>& state = tenants_[tenant];
  if (state == nullptr) state = std::make_unique<TenantState>();
  return *state;
}

std::vector<std::string> TenantRegistry::Names() const {
  std::vector<std::string> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, state] : tenants_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void TenantRegistry::SetGateHalt(bool halted, std::string reason) {
  absl::MutexLock lock(&mu_);
  gate_halted_ = halted;
  gate_halt_reason_ = std::move(reason);
}

bool TenantRegistry::GateHalted(std::string* reason) const {
  absl::MutexLock lock(&mu_);
  if (reason != nullptr) *reason = gate_halt_reason_;
  return gate_halted_;
}

}  // namespace portcullis::gate
