#include "connectors/http_connector.h"

#include <catch2/catch.hpp>

#include "connectors/request_template.h"
#include "crypto/master_key_file.h"
#include "ledger/rocksdb_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::connectors {
namespace {

std::shared_ptr<const std::vector<crypto::MasterKey>> NewMasterKeys(
    const testing::TempDir& dir) {
  REQUIRE(crypto::CreateMasterKeyFile(dir.Sub("master.key")).ok());
  auto keys = crypto::ReadMasterKeyFile(dir.Sub("master.key"));
  REQUIRE(keys.ok());
  return std::make_shared<std::vector<crypto::MasterKey>>(*std::move(keys));
}

struct Secrets {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::unique_ptr<ledger::RocksDbStore> store =
      *ledger::RocksDbStore::Open(dir.Sub("secrets"), {});
  std::shared_ptr<const std::vector<crypto::MasterKey>> keys =
      NewMasterKeys(dir);
  secrets::SecretStore store_of_secrets{*store, keys, clock};
};

HttpConnectorSpec Spec(const std::string& url) {
  HttpConnectorSpec spec;
  spec.tenant = "shop";
  spec.tool = "refund_order";
  spec.url = url;
  return spec;
}

absl::Status Create(HttpConnectorSpec spec, Secrets& s,
                    std::vector<std::string> hosts = {"api.example.com",
                                                      "127.0.0.1:8080"}) {
  return HttpConnector::Create(std::move(spec), hosts, s.store_of_secrets)
      .status();
}

TEST_CASE("a connector's host, scheme and method are fixed and checked",
          "[http_connector]") {
  Secrets s;
  CHECK(Create(Spec("https://api.example.com/refunds/{{args.id}}"), s).ok());
  CHECK(Create(Spec("http://127.0.0.1:8080/x"), s).ok());
  struct Case {
    HttpConnectorSpec spec;
    const char* words;
  };
  HttpConnectorSpec bad_method = Spec("https://api.example.com/x");
  bad_method.method = "TRACE";
  HttpConnectorSpec other_tenant = Spec("https://api.example.com/x");
  other_tenant.headers = {{"Authorization", "Bearer vault://other/key"}};
  HttpConnectorSpec secret_in_body = Spec("https://api.example.com/x");
  secret_in_body.body = "{\"k\": \"vault://shop/key\"}";
  HttpConnectorSpec bad_header = Spec("https://api.example.com/x");
  bad_header.headers = {{"X Bad", "v"}};
  HttpConnectorSpec long_timeout = Spec("https://api.example.com/x");
  long_timeout.timeout = absl::Minutes(5);
  std::vector<Case> cases = {
      {Spec("https://evil.example/x"), "not in connectorHosts"},
      {Spec("http://api.example.com/x"), "must be https"},
      {Spec("https://{{args.host}}/x"), "must be fixed"},
      {Spec("https://user@api.example.com/x"), "must be fixed"},
      {Spec("api.example.com/x"), "no scheme"},
      {Spec("https://api.example.com/{{args.Bad}}"), "unknown placeholder"},
      {bad_method, "TRACE"},
      {other_tenant, "tenant other"},
      {secret_in_body, "headers only"},
      {bad_header, "not a token"},
      {long_timeout, "timeout"},
  };
  for (const Case& c : cases) {
    INFO(c.words);
    absl::Status status = Create(c.spec, s);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(status.message().find(c.words) != std::string::npos);
  }
}

policy::Action With(const std::string& name, policy::Value value) {
  policy::Action a;
  a.tenant = "shop";
  a.arguments[name] = std::move(value);
  return a;
}

TEST_CASE("placeholders are escaped for where they stand", "[http_connector]") {
  policy::Action path = With("id", policy::Value{std::string("../a b?c")});
  CHECK(*Render("/orders/{{args.id}}", path, Escaping::kPercent) ==
        "/orders/..%2Fa%20b%3Fc");
  policy::Action quote =
      With("note", policy::Value{std::string("he said \"hi\"}")});
  CHECK(*Render("{\"note\": {{ args.note }}}", quote, Escaping::kJson) ==
        "{\"note\": \"he said \\\"hi\\\"}\"}");
  policy::Action money = With(
      "amount",
      policy::Value{policy::Money{*policy::Decimal::Parse("12.50"), "SAR"}});
  CHECK(*Render("{{args.amount}}", money, Escaping::kJson) ==
        "{\"amount\":\"12.5\",\"currency\":\"SAR\"}");
  CHECK(*Render("{{args.amount}}", money, Escaping::kVerbatim) == "12.5");
  CHECK(*Render("x-{{tenant}}", money, Escaping::kVerbatim) == "x-shop");
}

TEST_CASE("arguments that cannot stand in a request are refused",
          "[http_connector]") {
  policy::Action injected =
      With("note", policy::Value{std::string("a\r\nX-Evil: 1")});
  auto header = Render("{{args.note}}", injected, Escaping::kVerbatim);
  CHECK(header.status().code() == absl::StatusCode::kFailedPrecondition);
  policy::Action list =
      With("tags", policy::Value{policy::Value::List{policy::Value{true}}});
  CHECK(Render("/{{args.tags}}", list, Escaping::kPercent).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(Render("/{{args.missing}}", list, Escaping::kPercent).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(Render("/{{args.x", list, Escaping::kPercent).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portcullis::connectors
