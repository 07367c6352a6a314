// A place in the policy sources: which file, and the 1-based line and byte
// column. Every diagnostic and every rule carries one. Plain value.
#ifndef PORTCULLIS_POLICY_INTERNAL_POSITION_H_
#define PORTCULLIS_POLICY_INTERNAL_POSITION_H_

#include <compare>

namespace portcullis::policy::policy_internal {

struct Position {
  int file = 0;  // index into the sources given to Compile()
  int line = 1;
  int column = 1;

  friend auto operator<=>(const Position&, const Position&) = default;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_POSITION_H_
