// A HaltStore in memory, for fault injection at the seam
// (gate/halt_store.h): several gates in one test share it, and the test
// makes it unreachable. The real store (shared_state/, on a real
// redis-server) is tested on its own.
#ifndef PORTCULLIS_TESTS_TESTING_SCRIPTED_HALT_STORE_H_
#define PORTCULLIS_TESTS_TESTING_SCRIPTED_HALT_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gate/halt_store.h"

namespace portcullis::testing {

class ScriptedHaltStore final : public gate::HaltStore {
 public:
  // While set, every call fails with Unavailable.
  void SetUnavailable(bool unavailable) {
    absl::MutexLock lock(&mu_);
    unavailable_ = unavailable;
  }

  absl::StatusOr<bool> Publish(const gate::SharedHalt& halt) override {
    absl::MutexLock lock(&mu_);
    if (unavailable_) return Down();
    auto it = halts_.find(halt.tenant);
    const bool halted = it != halts_.end() && it->second.halted;
    if (halted == halt.halted) return false;
    halts_[halt.tenant] = halt;
    ++published_;
    return true;
  }

  absl::StatusOr<std::vector<gate::SharedHalt>> Read() override {
    absl::MutexLock lock(&mu_);
    if (unavailable_) return Down();
    std::vector<gate::SharedHalt> out;
    for (const auto& [target, halt] : halts_) out.push_back(halt);
    return out;
  }

  // The state held for `tenant` ("" for the gate), if any.
  std::optional<gate::SharedHalt> Held(const std::string& tenant) const {
    absl::MutexLock lock(&mu_);
    auto it = halts_.find(tenant);
    if (it == halts_.end()) return std::nullopt;
    return it->second;
  }
  // How many changes were published.
  int published() const {
    absl::MutexLock lock(&mu_);
    return published_;
  }

 private:
  static absl::Status Down() {
    return absl::UnavailableError("the halt store is down (scripted)");
  }

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, gate::SharedHalt> halts_ ABSL_GUARDED_BY(mu_);
  int published_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_SCRIPTED_HALT_STORE_H_
