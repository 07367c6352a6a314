// Status propagation helpers. Abseil 20220623 ships no RETURN_IF_ERROR or
// ASSIGN_OR_RETURN, so Portcullis defines its own here, once.
#ifndef PORTCULLIS_BASE_STATUS_MACROS_H_
#define PORTCULLIS_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define PORTCULLIS_RETURN_IF_ERROR(expr)                  \
  do {                                                    \
    if (::absl::Status _status = (expr); !_status.ok()) { \
      return _status;                                     \
    }                                                     \
  } while (0)

#define PORTCULLIS_STATUS_CONCAT_INNER_(a, b) a##b
#define PORTCULLIS_STATUS_CONCAT_(a, b) PORTCULLIS_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration: PORTCULLIS_ASSIGN_OR_RETURN(auto x, MakeX());
#define PORTCULLIS_ASSIGN_OR_RETURN(lhs, rexpr) \
  PORTCULLIS_ASSIGN_OR_RETURN_IMPL_(            \
      PORTCULLIS_STATUS_CONCAT_(_statusor_, __LINE__), lhs, rexpr)

#define PORTCULLIS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                      \
  if (!statusor.ok()) {                                         \
    return std::move(statusor).status();                        \
  }                                                             \
  lhs = *std::move(statusor)

#endif  // PORTCULLIS_BASE_STATUS_MACROS_H_
