#include "server/open_call_quota.h"

#include "absl/strings/str_cat.h"

namespace portcullis::server {
namespace {

std::string KeyOf(absl::string_view principal, OpenCallQuota::Kind kind) {
  return absl::StrCat(kind == OpenCallQuota::Kind::kWait ? "w:" : "s:",
                      principal);
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
  const bool wait = kind == Kind::kWait;
  const size_t most = wait ? max_waits_ : max_streams_;
  std::string key = KeyOf(principal, kind);
  {
    absl::MutexLock lock(&mu_);
    size_t& open = open_[key];
    if (open < most) {
      ++open;
      return Slot(this, std::move(key));
    }
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "this caller already holds ", most,
      wait ? " open AwaitDecision calls" : " open WatchPending streams",
      ", the most it may (limits.",
      wait ? "maxWaitsPerPrincipal" : "maxStreamsPerPrincipal",
      "); end one first"));
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
