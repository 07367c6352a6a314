#include "policy/verdict.h"

namespace portcullis::policy {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAllow:
      return "ALLOW";
    case Outcome::kDeny:
      return "DENY";
    case Outcome::kPendingApproval:
      return "PENDING_APPROVAL";
  }
  return "DENY";
}

}  // namespace portcullis::policy
