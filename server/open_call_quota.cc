#include "server/open_call_quota.h"

#include "absl/strings/str_cat.h"

namespace portcullis::server {
namespace {

std::string KeyOf(absl::string_view principal, OpenCallQuota::Kind kind) {
  switch (kind) {
    case OpenCallQuota::Kind::kWait:
      return absl::StrCat("w:", principal);
    case OpenCallQuota::Kind::kStream:
      return absl::StrCat("s:", principal);
    case OpenCallQuota::Kind::kAdminCall:
      break;
  }
  return absl::StrCat("a:", principal);
}

// What a refusal of `kind` names: the calls and the setting that raises
// the limit.
struct Limit {
  const char* calls;
  const char* setting;
  const char* advice;
};

Limit LimitOf(OpenCallQuota::Kind kind) {
  switch (kind) {
    case OpenCallQuota::Kind::kWait:
      return {" open AwaitDecision calls", "maxWaitsPerPrincipal",
              "end one first"};
    case OpenCallQuota::Kind::kStream:
      return {" open WatchPending streams", "maxStreamsPerPrincipal",
              "end one first"};
    case OpenCallQuota::Kind::kAdminCall:
      break;
  }
  return {" Admin calls in flight", "maxAdminCallsPerPrincipal",
          "retry when one is answered"};
}

}  // namespace

OpenCallQuota::Slot& OpenCallQuota::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    quota_ = std::exchange(other.quota_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

void OpenCallQuota::Slot::Release() {
  if (quota_ != nullptr) std::exchange(quota_, nullptr)->Release(key_);
}

absl::StatusOr<OpenCallQuota::Slot> OpenCallQuota::Acquire(
    absl::string_view principal, Kind kind) {
  const size_t most = kind == Kind::kWait     ? max_waits_
                      : kind == Kind::kStream ? max_streams_
                                              : max_admin_calls_;
  std::string key = KeyOf(principal, kind);
  {
    absl::MutexLock lock(&mu_);
    size_t& open = open_[key];
    if (open < most) {
      ++open;
      return Slot(this, std::move(key));
    }
  }
  const Limit limit = LimitOf(kind);
  return absl::ResourceExhaustedError(absl::StrCat(
      "this caller already holds ", most, limit.calls,
      ", the most it may (limits.", limit.setting, "); ", limit.advice));
}

size_t OpenCallQuota::open(absl::string_view principal, Kind kind) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(KeyOf(principal, kind));
  return it == open_.end() ? 0 : it->second;
}

void OpenCallQuota::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

}  // namespace portcullis::server
