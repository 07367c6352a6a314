// A CounterStore whose answers a test chooses, for fault injection at the
// seam (gate/counter_store.h): it refuses a charge, or is unreachable, and
// remembers every batch it was asked to charge or refund. A real shared
// store (shared_state/, on a real redis-server) is tested on its own.
#ifndef PORTCULLIS_TESTS_TESTING_SCRIPTED_COUNTER_STORE_H_
#define PORTCULLIS_TESTS_TESTING_SCRIPTED_COUNTER_STORE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gate/counter_store.h"

namespace portcullis::testing {

class ScriptedCounterStore final : public gate::CounterStore {
 public:
  enum class Answer { kCharge, kRefuse, kUnavailable };

  // How the next charges are answered; a refusal names `refused`.
  void AnswerWith(Answer answer, size_t refused = 0,
                  std::string usage_text = "20 of 20 per 1h used") {
    absl::MutexLock lock(&mu_);
    answer_ = answer;
    refused_ = refused;
    usage_text_ = std::move(usage_text);
  }

  absl::StatusOr<gate::ChargeOutcome> Charge(
      const gate::ChargeBatch& batch) override {
    absl::MutexLock lock(&mu_);
    asked_.push_back(batch);
    switch (answer_) {
      case Answer::kCharge:
        charged_.push_back(batch);
        return gate::ChargeOutcome{.charged = true};
      case Answer::kRefuse:
        return gate::ChargeOutcome{
            .charged = false, .refused = refused_, .usage_text = usage_text_};
      case Answer::kUnavailable:
        break;
    }
    return absl::UnavailableError("the shared store is down (scripted)");
  }

  absl::Status Refund(const gate::ChargeBatch& batch) override {
    absl::MutexLock lock(&mu_);
    refunded_.push_back(batch);
    return answer_ == Answer::kUnavailable
               ? absl::UnavailableError("the shared store is down (scripted)")
               : absl::OkStatus();
  }

  // Every batch asked for, charged, refunded: in order.
  std::vector<gate::ChargeBatch> asked() const {
    absl::MutexLock lock(&mu_);
    return asked_;
  }
  std::vector<gate::ChargeBatch> charged() const {
    absl::MutexLock lock(&mu_);
    return charged_;
  }
  std::vector<gate::ChargeBatch> refunded() const {
    absl::MutexLock lock(&mu_);
    return refunded_;
  }

 private:
  mutable absl::Mutex mu_;
  Answer answer_ ABSL_GUARDED_BY(mu_) = Answer::kCharge;
  size_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  std::string usage_text_ ABSL_GUARDED_BY(mu_);
  std::vector<gate::ChargeBatch> asked_ ABSL_GUARDED_BY(mu_);
  std::vector<gate::ChargeBatch> charged_ ABSL_GUARDED_BY(mu_);
  std::vector<gate::ChargeBatch> refunded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_SCRIPTED_COUNTER_STORE_H_
