// The action digest: BLAKE2b-256 over a canonical, domain-separated
// encoding of what an action does — tenant, agent, tool, arguments and
// idempotency key (not its context). Approvals and executions are bound to
// it, so it must be identical in every language: the encoding is specified
// byte by byte, with test vectors, in docs/action-digest.md.
// Pure functions; thread-safe.
#ifndef PORTCULLIS_GATE_ACTION_DIGEST_H_
#define PORTCULLIS_GATE_ACTION_DIGEST_H_

#include <string>

#include "base/canonical_encoding.h"
#include "crypto/hash.h"
#include "policy/action.h"

namespace portcullis::gate {

// The bytes that are hashed, domain tag included.
std::string CanonicalActionEncoding(const policy::Action& action);

// Appends one argument value as the action encoding writes it (a type
// byte, then the value): standing approvals sign their constraint values
// the same way.
void EncodeArgumentValue(const policy::Value& value, CanonicalWriter& w);

// BLAKE2b-256 of CanonicalActionEncoding(action).
crypto::Digest ActionDigest(const policy::Action& action);

}  // namespace portcullis::gate

#endif  // PORTCULLIS_GATE_ACTION_DIGEST_H_
