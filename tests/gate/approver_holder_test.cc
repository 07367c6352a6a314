// The approvers in force can be replaced while calls hold the old ones.
#include <catch2/catch.hpp>

#include "gate/approvers.h"

namespace portcullis::gate {
namespace {

ApproverRegistry Only(const std::string& id) {
  auto registry = ApproverRegistry::Create(
      {{id, crypto::SigningKey::Generate().verifying_key(), {"owner"}, {"*"}}});
  REQUIRE(registry.ok());
  return *std::move(registry);
}

TEST_CASE("a replaced registry is in force for later calls only",
          "[approvers]") {
  ApproverHolder holder(Only("alice"));
  std::shared_ptr<const ApproverRegistry> in_flight = holder.Current();
  holder.Replace(Only("bob"));
  // A call that took the registry before the reload keeps it whole.
  CHECK(in_flight->Find("alice") != nullptr);
  CHECK(in_flight->Find("bob") == nullptr);
  CHECK(holder.Current()->Find("alice") == nullptr);
  CHECK(holder.Current()->Find("bob") != nullptr);
  holder.Replace(ApproverRegistry());
  CHECK(holder.Current()->size() == 0);
}

}  // namespace
}  // namespace portcullis::gate
