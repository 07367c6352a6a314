// Admission bounds the decisions a gate works on at once (issue 15, item 5).
// Every Evaluate takes a place before any other work — before the caller is
// authenticated, before anything is queued behind the ledger's commit
// thread — and gives it back once answered. When every place is taken the
// call is refused at once with RESOURCE_EXHAUSTED and a retry hint
// (trailing metadata "grpc-retry-pushback-ms", which gRPC's own retry
// policies honour): nothing is decided or recorded for it. A gate past its
// capacity thus keeps serving what it admitted in time, instead of queueing
// without bound until every caller has given up.
//
// Thread-safe.
#ifndef PORTCULLIS_SERVER_ADMISSION_H_
#define PORTCULLIS_SERVER_ADMISSION_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <utility>

#include "absl/time/time.h"
#include "base/clock.h"

namespace portcullis::server {

struct AdmissionOptions {
  // The most decisions admitted and not yet answered; 0 for no bound.
  int max_in_flight = 512;
  // What a refused caller is told to wait before retrying.
  absl::Duration retry_after = absl::Milliseconds(100);
};

class Admission {
 public:
  // A place among the decisions in flight, or none (a refusal). Move-only;
  // gives the place back when destroyed or on Leave().
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept
        : admission_(std::exchange(other.admission_, nullptr)) {}
    Ticket& operator=(Ticket&& other) noexcept {
      if (this != &other) {
        Leave();
        admission_ = std::exchange(other.admission_, nullptr);
      }
      return *this;
    }
    ~Ticket() { Leave(); }

    explicit operator bool() const { return admission_ != nullptr; }
    void Leave();

   private:
    friend class Admission;
    explicit Ticket(Admission* admission) : admission_(admission) {}
    Admission* admission_ = nullptr;
  };

  // `on_refused` (may be empty) is called for each refusal with the time
  // from the call's arrival (the handler starting) to its refusal being
  // handed to gRPC, e.g. for metrics; it must be quick.
  using OnRefused = std::function<void(absl::Duration answered_in)>;
  explicit Admission(AdmissionOptions options = {},
                     OnRefused on_refused = nullptr)
      : options_(options), on_refused_(std::move(on_refused)) {}

  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // A place, or an empty ticket when every place is taken.
  Ticket TryEnter();

  // Answers a call that got no place: finishes `reactor` with
  // RESOURCE_EXHAUSTED, the retry hint added to `context`'s trailing
  // metadata, then reports the refusal and how long it took since
  // `received` (issue 15, item 5: refusals answered within 10 ms).
  void Refuse(grpc::ServerContextBase& context,
              grpc::ServerUnaryReactor& reactor,
              std::chrono::steady_clock::time_point received);

  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  const AdmissionOptions& options() const { return options_; }

 private:
  const AdmissionOptions options_;
  const OnRefused on_refused_;
  std::atomic<int> in_flight_{0};
};

// The caller's deadline on `clock` (the gate's), for gate::CallContext:
// the time the caller has left, from gRPC's deadline, after clock.Now();
// absl::InfiniteFuture() when the caller set none.
absl::Time CallerDeadline(const grpc::ServerContextBase& context,
                          const Clock& clock);

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_ADMISSION_H_
