#include "gate/action_digest.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "codec/action_codec.h"

namespace portcullis::gate {
namespace {

using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

// The vectors in docs/action-digest-vectors.json were produced by the
// independent Python reference (examples/python/action_digest.py); the C++
// implementation must agree byte for byte.
TEST_CASE("the action digest matches the published test vectors",
          "[action_digest]") {
  std::ifstream in(PORTCULLIS_SOURCE_DIR "/docs/action-digest-vectors.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct doc;
  REQUIRE(JsonStringToMessage(text.str(), &doc).ok());
  const auto& vectors = doc.fields().at("vectors").list_value().values();
  REQUIRE(vectors.size() >= 4);
  for (const auto& vector : vectors) {
    const auto& fields = vector.struct_value().fields();
    INFO(fields.at("name").string_value());
    std::string action_json;
    REQUIRE(MessageToJsonString(fields.at("action"), &action_json).ok());
    v1::Action proto;
    REQUIRE(JsonStringToMessage(action_json, &proto).ok());
    auto action = codec::ActionFromProto(proto);
    REQUIRE(action.ok());
    CHECK(absl::BytesToHexString(CanonicalActionEncoding(*action)) ==
          fields.at("canonical_encoding_hex").string_value());
    CHECK(crypto::ToHex(ActionDigest(*action)) ==
          fields.at("digest_hex").string_value());
  }
}

policy::Action Coupon() {
  policy::Action a;
  a.tenant = "al-noor";
  a.agent = "support-bot";
  a.tool = "create_coupon";
  a.arguments["value"] =
      policy::Value{policy::Money{*policy::Decimal::Parse("50.00"), "SAR"}};
  a.idempotency_key = "coupon-7";
  return a;
}

TEST_CASE("the digest changes with everything the action does",
          "[action_digest]") {
  const crypto::Digest base = ActionDigest(Coupon());
  auto differs = [&](auto mutate) {
    policy::Action a = Coupon();
    mutate(a);
    return ActionDigest(a) != base;
  };
  CHECK(differs([](policy::Action& a) { a.tenant = "al-noor2"; }));
  CHECK(differs([](policy::Action& a) { a.agent = "other-bot"; }));
  CHECK(differs([](policy::Action& a) { a.tool = "create_coupons"; }));
  CHECK(differs([](policy::Action& a) { a.idempotency_key = "coupon-8"; }));
  CHECK(differs([](policy::Action& a) {
    a.arguments["value"] =
        policy::Value{policy::Money{*policy::Decimal::Parse("50.01"), "SAR"}};
  }));
  CHECK(differs([](policy::Action& a) {
    a.arguments["value"] =
        policy::Value{policy::Money{*policy::Decimal::Parse("50"), "USD"}};
  }));
  CHECK(differs([](policy::Action& a) {
    a.arguments["value"] = policy::Value{std::string("50.00 SAR")};
  }));
  CHECK(differs(
      [](policy::Action& a) { a.arguments["extra"] = policy::Value{false}; }));
}

TEST_CASE("the digest ignores the context", "[action_digest]") {
  policy::Action a = Coupon();
  a.context.confidence = 0.2;
  a.context.run_mode = policy::RunMode::kUnattended;
  a.context.request_id = "r";
  a.context.correlation_id = "c";
  a.context.session_id = "s";
  CHECK(ActionDigest(a) == ActionDigest(Coupon()));
}

TEST_CASE("field boundaries cannot be shifted to forge a digest",
          "[action_digest]") {
  policy::Action a = Coupon();
  policy::Action b = Coupon();
  a.agent = "bot";
  a.tool = "xrefund";
  b.agent = "botx";
  b.tool = "refund";
  CHECK(ActionDigest(a) != ActionDigest(b));
}

}  // namespace
}  // namespace portcullis::gate
