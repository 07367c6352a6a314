#include "bench/load_options.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace portcullis::bench {
namespace {

// Beyond these the generator itself, not the server, is what is measured.
constexpr int kMaxConcurrency = 10000;
constexpr double kMaxRate = 1e6;
constexpr int kMaxTenants = 10000;
constexpr int kMaxChannels = 64;

}  // namespace

int ChannelsFor(unsigned hardware_threads) {
  return std::clamp(static_cast<int>(hardware_threads / 2), 1, 16);
}

absl::StatusOr<CallKind> ParseCallKind(absl::string_view name) {
  if (name == "noop") return CallKind::kNoop;
  if (name == "evaluate-allow") return CallKind::kEvaluateAllow;
  if (name == "evaluate-deny") return CallKind::kEvaluateDeny;
  if (name == "cycle") return CallKind::kCycle;
  return absl::InvalidArgumentError(
      absl::StrCat("--call: unknown call \"", name,
                   "\"; use noop, evaluate-allow, evaluate-deny or cycle"));
}

absl::Status ValidateTarget(absl::string_view target) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--target: \"", target,
                     "\" is neither HOST:PORT (e.g. 127.0.0.1:7575) nor "
                     "unix:/path"));
  };
  if (absl::StartsWith(target, "unix:")) {
    return target.size() > 5 ? absl::OkStatus() : invalid();
  }
  const size_t colon = target.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return invalid();
  uint32_t port = 0;
  if (!absl::SimpleAtoi(target.substr(colon + 1), &port) || port == 0 ||
      port > 65535) {
    return invalid();
  }
  return absl::OkStatus();
}

std::string BenchTenant(int index) { return absl::StrCat("bench-", index); }

absl::Status ValidateLoadOptions(const LoadOptions& options) {
  if (absl::Status s = ValidateTarget(options.target); !s.ok()) return s;
  if (options.tenants < 0 || options.tenants > kMaxTenants) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tenants must be from 0 to ", kMaxTenants));
  }
  if (options.tenants > 0 && options.call != CallKind::kEvaluateAllow) {
    return absl::InvalidArgumentError(
        "--tenants spreads evaluate-allow calls; it does not apply to other "
        "calls");
  }
  const bool closed = options.concurrency != 0;
  const bool open = options.rate != 0;
  if (closed == open) {
    return absl::InvalidArgumentError(
        "set exactly one of --concurrency (closed loop) and --rate (open "
        "loop)");
  }
  if (options.channels < 0 || options.channels > kMaxChannels) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--channels must be from 0 (one per two hardware threads) to ",
        kMaxChannels));
  }
  if (options.server_pid < 0) {
    return absl::InvalidArgumentError(
        "--server_pid must be a process id, or 0 for none");
  }
  if (options.overload && !open) {
    return absl::InvalidArgumentError(
        "--overload is for open loop (--rate): a closed loop cannot exceed "
        "what the server answers");
  }
  if (closed &&
      (options.concurrency < 1 || options.concurrency > kMaxConcurrency)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency must be from 1 to ", kMaxConcurrency));
  }
  if (open && !(options.rate > 0 && options.rate <= kMaxRate)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--rate must be a number of calls per second above 0, at most ",
        kMaxRate));
  }
  if (options.duration <= absl::ZeroDuration() ||
      options.duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("--duration must be positive");
  }
  if (options.warmup < absl::ZeroDuration() ||
      options.warmup == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("--warmup must be zero or positive");
  }
  if (options.call_timeout <= absl::ZeroDuration() ||
      options.call_timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("--call_timeout must be positive");
  }
  if (options.call != CallKind::kNoop && options.token.empty() &&
      !absl::StartsWith(options.target, "unix:")) {
    return absl::InvalidArgumentError(
        "Evaluate over TCP needs a bearer token: --token or "
        "$PORTCULLIS_TOKEN");
  }
  if (options.call == CallKind::kCycle) {
    if (options.approver_id.empty() || options.approver_key.empty()) {
      return absl::InvalidArgumentError(
          "a cycle needs --approver_id and --approver_key: the approver who "
          "signs each approval");
    }
    // Always a token: the principal that requested an action may not
    // approve it, so the approver cannot be the agent's Unix uid too.
    if (options.approver_token.empty()) {
      return absl::InvalidArgumentError(
          "a cycle needs the approver's bearer token: --approver_token or "
          "$PORTCULLIS_APPROVER_TOKEN");
    }
  }
  return absl::OkStatus();
}

}  // namespace portcullis::bench
