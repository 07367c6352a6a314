// LedgerObserverTee hands each ledger notification to several observers in
// turn (the metrics and the activity feed, say): a ledger has one observer
// slot. Holds no state of its own; thread-safe when its observers are.
#ifndef PORTCULLIS_LEDGER_LEDGER_OBSERVER_TEE_H_
#define PORTCULLIS_LEDGER_LEDGER_OBSERVER_TEE_H_

#include <utility>
#include <vector>

#include "ledger/ledger.h"

namespace portcullis::ledger {

class LedgerObserverTee final : public LedgerObserver {
 public:
  // Null entries are skipped. Each observer must outlive the tee.
  explicit LedgerObserverTee(std::vector<LedgerObserver*> observers) {
    for (LedgerObserver* o : observers) {
      if (o != nullptr) observers_.push_back(o);
    }
  }

  void OnAppended(absl::Duration elapsed) override {
    for (LedgerObserver* o : observers_) o->OnAppended(elapsed);
  }
  void OnGroupWritten(absl::Duration elapsed, size_t entries) override {
    for (LedgerObserver* o : observers_) o->OnGroupWritten(elapsed, entries);
  }
  void OnAdvanced(absl::string_view tenant, uint64_t sequence) override {
    for (LedgerObserver* o : observers_) o->OnAdvanced(tenant, sequence);
  }
  void OnRecordedPastDeadline(size_t writes) override {
    for (LedgerObserver* o : observers_) o->OnRecordedPastDeadline(writes);
  }

 private:
  std::vector<LedgerObserver*> observers_;
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_LEDGER_OBSERVER_TEE_H_
