#include "server/admission.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"

namespace portcullis::server {

// gRPC's name for a server's retry hint (gRFC A6): how long a client should
// wait before retrying, in milliseconds.
constexpr char kRetryPushbackKey[] = "grpc-retry-pushback-ms";

void Admission::Ticket::Leave() {
  if (admission_ == nullptr) return;
  admission_->in_flight_.fetch_sub(1, std::memory_order_relaxed);
  admission_ = nullptr;
}

Admission::Ticket Admission::TryEnter() {
  const int max = options_.max_in_flight;
  if (max <= 0) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    return Ticket(this);
  }
  int current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (current >= max) return Ticket();
  } while (!in_flight_.compare_exchange_weak(current, current + 1,
                                             std::memory_order_relaxed));
  return Ticket(this);
}

void Admission::Refuse(grpc::ServerContextBase& context,
                       grpc::ServerUnaryReactor& reactor,
                       std::chrono::steady_clock::time_point received) {
  const int64_t retry_ms = absl::ToInt64Milliseconds(options_.retry_after);
  context.AddTrailingMetadata(kRetryPushbackKey, std::to_string(retry_ms));
  reactor.Finish(grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("the gate is at capacity (", options_.max_in_flight,
                   " decisions in flight); nothing was decided or recorded; "
                   "retry after ",
                   retry_ms, " ms")));
  // A measurement interval, not domain time: the steady clock.
  if (on_refused_) {
    on_refused_(absl::FromChrono(std::chrono::steady_clock::now() - received));
  }
}

absl::Time CallerDeadline(const grpc::ServerContextBase& context,
                          const Clock& clock) {
  // gRPC's deadline is a wall-clock instant; only the time left is carried
  // over to the gate's clock (a fake one in tests).
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return clock.Now() +
         absl::FromChrono(deadline - std::chrono::system_clock::now());
}

}  // namespace portcullis::server
