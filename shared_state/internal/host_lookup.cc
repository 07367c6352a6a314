#include "shared_state/internal/host_lookup.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/thread_name.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

// Lookups started and not yet answered, over the process.
std::atomic<int> outstanding_lookups{0};

// What a lookup found: numeric hosts, in order, without repeats; or its
// error (getaddrinfo's code).
struct Found {
  int error = 0;
  std::vector<std::string> hosts;
};

Found Lookup(HostLookup lookup, const std::string& host,
             const std::string& port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | flags;
  addrinfo* list = nullptr;
  Found found;
  found.error = lookup(host.c_str(), port.c_str(), &hints, &list);
  for (const addrinfo* a = list; found.error == 0 && a != nullptr;
       a = a->ai_next) {
    const void* address = nullptr;
    if (a->ai_family == AF_INET) {
      address = &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr;
    } else if (a->ai_family == AF_INET6) {
      address = &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr;
    }
    char numeric[INET6_ADDRSTRLEN] = {};
    if (address == nullptr || ::inet_ntop(a->ai_family, address, numeric,
                                          sizeof numeric) == nullptr) {
      continue;
    }
    if (std::find(found.hosts.begin(), found.hosts.end(), numeric) ==
        found.hosts.end()) {
      found.hosts.emplace_back(numeric);
    }
  }
  if (list != nullptr) ::freeaddrinfo(list);
  return found;
}

absl::StatusOr<std::vector<RedisEndpoint>> Endpoints(const Found& found,
                                                     const RedisEndpoint& of) {
  if (found.error != 0 || found.hosts.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "redis: cannot resolve ", of.host, " (",
        found.error != 0 ? ::gai_strerror(found.error) : "no address", ")"));
  }
  std::vector<RedisEndpoint> out;
  for (const std::string& host : found.hosts) out.push_back({host, of.port});
  return out;
}

// A lookup on its own thread, shared by it and the caller waiting for it.
struct Pending {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  Found found ABSL_GUARDED_BY(mu);
};

}  // namespace

absl::StatusOr<std::vector<RedisEndpoint>> ResolveWithin(
    const RedisEndpoint& endpoint, absl::Duration timeout, HostLookup lookup) {
  const std::string port = absl::StrCat(endpoint.port);
  // An address needs no lookup, and never waits.
  Found numeric = Lookup(&::getaddrinfo, endpoint.host, port, AI_NUMERICHOST);
  if (numeric.error == 0) return Endpoints(numeric, endpoint);

  if (outstanding_lookups.fetch_add(1) >= kMaxStuckLookups) {
    outstanding_lookups.fetch_sub(1);
    return absl::UnavailableError(
        absl::StrCat("redis: cannot resolve ", endpoint.host, " (",
                     kMaxStuckLookups, " lookups still unanswered)"));
  }
  auto pending = std::make_shared<Pending>();
  std::thread([pending, lookup, host = endpoint.host, port] {
    SetCurrentThreadName("gate-resolve");
    Found found = Lookup(lookup, host, port, 0);
    outstanding_lookups.fetch_sub(1);
    absl::MutexLock lock(&pending->mu);
    pending->found = std::move(found);
    pending->done = true;
  }).detach();

  absl::MutexLock lock(&pending->mu);
  if (!pending->mu.AwaitWithTimeout(absl::Condition(&pending->done), timeout)) {
    return absl::UnavailableError(
        absl::StrCat("redis: cannot resolve ", endpoint.host,
                     " (no answer within the connect timeout)"));
  }
  return Endpoints(pending->found, endpoint);
}

int OutstandingLookups() { return outstanding_lookups.load(); }

}  // namespace portcullis::shared_state::shared_state_internal
