#include <catch2/catch.hpp>

#include "identity/access.h"
#include "identity/principal_table.h"
#include "identity/token.h"

namespace portcullis::identity {
namespace {

config::v1::PrincipalConfig Config(const std::string& name,
                                   std::vector<std::string> roles,
                                   std::vector<std::string> tenants) {
  config::v1::PrincipalConfig p;
  p.set_name(name);
  for (const auto& r : roles) p.add_roles(r);
  for (const auto& t : tenants) p.add_tenants(t);
  return p;
}

TEST_CASE("tokens are random, and only their hash identifies them",
          "[identity]") {
  std::string a = NewToken(), b = NewToken();
  CHECK(a != b);
  CHECK(a.rfind("pcl_", 0) == 0);
  CHECK(a.size() == 4 + 43);
  CHECK(TokenHash(a) != TokenHash(b));
  CHECK(TokenHash(a) == TokenHash(a));
  CHECK(ValidateTokenHash(TokenHash(a)).ok());
  CHECK(TokenHash(a).find(a) == std::string::npos);
  for (const char* bad :
       {"", "blake2b:", "sha256:00", "blake2b:XYZ",
        "BLAKE2B:"
        "0000000000000000000000000000000000000000000000000000000000000000"}) {
    CHECK_FALSE(ValidateTokenHash(bad).ok());
  }
}

TEST_CASE("the principal table maps tokens and uids to principals",
          "[identity]") {
  std::string token = NewToken();
  auto agent = Config("support-agent", {"agent"}, {"al-noor"});
  agent.add_token_hashes(TokenHash(token));
  agent.add_unix_uids(1001);
  auto ops = Config("ops", {"operator", "auditor"}, {"*"});
  ops.add_unix_uids(0);
  std::vector<config::v1::PrincipalConfig> list = {agent, ops};
  auto table = PrincipalTable::Create(list);
  REQUIRE(table.ok());
  const Principal* by_token = (*table)->ByToken(token);
  REQUIRE(by_token != nullptr);
  CHECK(by_token->name == "support-agent");
  CHECK((*table)->ByToken(NewToken()) == nullptr);
  CHECK((*table)->ByUid(1001)->name == "support-agent");
  CHECK((*table)->ByUid(0)->name == "ops");
  CHECK((*table)->ByUid(4242) == nullptr);
}

TEST_CASE("malformed principals are configuration errors", "[identity]") {
  auto duplicate_hash = Config("a", {"agent"}, {"t"});
  auto b = Config("b", {"agent"}, {"t"});
  std::string hash = TokenHash(NewToken());
  duplicate_hash.add_token_hashes(hash);
  b.add_token_hashes(hash);
  auto shared_uid_a = Config("a", {"agent"}, {"t"});
  auto shared_uid_b = Config("b", {"agent"}, {"t"});
  shared_uid_a.add_unix_uids(7);
  shared_uid_b.add_unix_uids(7);
  auto bad_hash = Config("a", {"agent"}, {"t"});
  bad_hash.add_token_hashes("plain-token");
  struct Case {
    const char* name;
    std::vector<config::v1::PrincipalConfig> list;
    const char* words;
  };
  std::vector<Case> cases = {
      {"unknown role", {Config("a", {"admin"}, {"t"})}, "unknown role"},
      {"no roles", {Config("a", {}, {"t"})}, "no roles"},
      {"no tenants", {Config("a", {"agent"}, {})}, "no tenants"},
      {"bad tenant", {Config("a", {"agent"}, {"../x"})}, "not a tenant id"},
      {"bad name", {Config("a b", {"agent"}, {"t"})}, "principal \"a b\""},
      {"duplicate name",
       {Config("a", {"agent"}, {"t"}), Config("a", {"agent"}, {"t"})},
       "listed twice"},
      {"shared token hash", {duplicate_hash, b}, "token hash"},
      {"shared uid", {shared_uid_a, shared_uid_b}, "uid 7"},
      {"token instead of hash", {bad_hash}, "blake2b:"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto table = PrincipalTable::Create(c.list);
    REQUIRE_FALSE(table.ok());
    CHECK(table.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(table.status().message().find(c.words) != std::string::npos);
  }
}

TEST_CASE("each method needs its role and the tenant", "[identity]") {
  Principal agent{"bot", {Role::kAgent}, {"a"}};
  Principal approver{"alice", {Role::kApprover}, {"a"}};
  Principal ops{"ops", {Role::kOperator}, {"*"}};
  Principal tenant_ops{"shop-ops", {Role::kOperator}, {"a"}};
  Principal auditor{"audit", {Role::kAuditor}, {"a"}};

  CHECK(Authorize(agent, Method::kEvaluate, "a").ok());
  CHECK(Authorize(agent, Method::kExecute, "a").ok());
  CHECK(Authorize(agent, Method::kEvaluate, "b").code() ==
        absl::StatusCode::kPermissionDenied);
  for (Method m :
       {Method::kApprove, Method::kListPending, Method::kWatchPending,
        Method::kHalt, Method::kExportLedger}) {
    absl::Status s = Authorize(agent, m, "a");
    CHECK(s.code() == absl::StatusCode::kPermissionDenied);
    CHECK(s.message().find("needs the") != std::string::npos);
  }
  CHECK(Authorize(approver, Method::kApprove, "a").ok());
  CHECK_FALSE(Authorize(approver, Method::kEvaluate, "a").ok());
  CHECK(Authorize(ops, Method::kHalt, "").ok());
  CHECK(Authorize(tenant_ops, Method::kHalt, "a").ok());
  CHECK(Authorize(tenant_ops, Method::kHalt, "").message().find("whole gate") !=
        std::string::npos);
  CHECK(Authorize(auditor, Method::kExportLedger, "a").ok());
  CHECK_FALSE(Authorize(auditor, Method::kExportLedger, "b").ok());
}

TEST_CASE("standing approvals take the approver role of the tenant",
          "[identity]") {
  Principal agent{"bot", {Role::kAgent}, {"a"}};
  Principal approver{"alice", {Role::kApprover}, {"a"}};
  for (Method m : {Method::kGrantStanding, Method::kRevokeStanding,
                   Method::kListStanding}) {
    CHECK(Authorize(approver, m, "a").ok());
    CHECK(Authorize(approver, m, "b").code() ==
          absl::StatusCode::kPermissionDenied);
    CHECK(Authorize(agent, m, "a").code() ==
          absl::StatusCode::kPermissionDenied);
  }
  CHECK(std::string(MethodName(Method::kGrantStanding)) == "GrantStanding");
}

TEST_CASE("the activity stream takes an operator or an auditor of the tenant",
          "[identity]") {
  Principal agent{"bot", {Role::kAgent}, {"a"}};
  Principal approver{"alice", {Role::kApprover}, {"a"}};
  Principal tenant_ops{"shop-ops", {Role::kOperator}, {"a"}};
  Principal auditor{"audit", {Role::kAuditor}, {"a"}};

  CHECK(Authorize(tenant_ops, Method::kTailActivity, "a").ok());
  CHECK(Authorize(auditor, Method::kTailActivity, "a").ok());
  // Every tenant it may act for (the stream filters them).
  CHECK(Authorize(auditor, Method::kTailActivity, "").ok());
  CHECK(Authorize(auditor, Method::kTailActivity, "b").code() ==
        absl::StatusCode::kPermissionDenied);
  for (const Principal* p : {&agent, &approver}) {
    absl::Status s = Authorize(*p, Method::kTailActivity, "a");
    CHECK(s.code() == absl::StatusCode::kPermissionDenied);
    CHECK(s.message().find("operator or auditor") != std::string::npos);
  }
  CHECK(std::string(MethodName(Method::kTailActivity)) == "TailActivity");
}

}  // namespace
}  // namespace portcullis::identity
