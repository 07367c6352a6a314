// Resolving the Redis host within the connect timeout. getaddrinfo(3) has
// no timeout of its own: a DNS server that does not answer holds it for
// the resolver's timeout times its attempts (5 s x 2 by default; the 5 s
// stalls of a cluster's DNS are a known failure), and every call queued
// behind that connect would wait as long. So a name is looked up on a
// thread of its own (`gate-resolve`) while the connecting thread waits at
// most until its deadline; a lookup that does not answer in time is left
// to finish by itself. At most kMaxStuckLookups may be outstanding at
// once: beyond that a connect fails at once instead of starting more.
//
// An IP address is not looked up: it is parsed on the calling thread.
#ifndef PORTCULLIS_SHARED_STATE_INTERNAL_HOST_LOOKUP_H_
#define PORTCULLIS_SHARED_STATE_INTERNAL_HOST_LOOKUP_H_

#include <netdb.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared_state/internal/redis_transport.h"

namespace portcullis::shared_state::shared_state_internal {

// getaddrinfo(3)'s signature: the seam for a lookup that hangs.
using HostLookup = int (*)(const char* host, const char* service,
                           const addrinfo* hints, addrinfo** found);

inline constexpr int kMaxStuckLookups = 8;

// The addresses `endpoint.host` names, each as an endpoint whose host is a
// numeric address (same port), in the order the lookup gave them, without
// repeats. Unavailable naming the host when the lookup fails, finds no
// address, does not answer within `timeout`, or kMaxStuckLookups are
// still outstanding.
absl::StatusOr<std::vector<RedisEndpoint>> ResolveWithin(
    const RedisEndpoint& endpoint, absl::Duration timeout,
    HostLookup lookup = &::getaddrinfo);

// Lookups started and not yet answered, over the process (for tests).
int OutstandingLookups();

}  // namespace portcullis::shared_state::shared_state_internal

#endif  // PORTCULLIS_SHARED_STATE_INTERNAL_HOST_LOOKUP_H_
