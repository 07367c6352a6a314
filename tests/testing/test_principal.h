// Credentials for tests that are not about authorization: one principal
// with every role for every tenant, speaking as any agent, reached with a
// bearer token.
#ifndef PORTCULLIS_TESTS_TESTING_TEST_PRINCIPAL_H_
#define PORTCULLIS_TESTS_TESTING_TEST_PRINCIPAL_H_

#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <vector>

#include "identity/principal_table.h"
#include "identity/token.h"
#include "portcullis/config/v1/config.pb.h"

namespace portcullis::testing {

struct TestPrincipal {
  TestPrincipal() = default;
  explicit TestPrincipal(std::string n) : name(std::move(n)) {}

  std::string name = "tester";
  std::string token = identity::NewToken();

  config::v1::PrincipalConfig Config() const {
    config::v1::PrincipalConfig p;
    p.set_name(name);
    for (const char* role : {"agent", "approver", "operator", "auditor"}) {
      p.add_roles(role);
    }
    p.add_tenants("*");
    p.add_agents("*");
    p.add_token_hashes(identity::TokenHash(token));
    return p;
  }

  // The principal as an item of a YAML "principals:" list.
  std::string YamlItem() const {
    return "  - name: " + name +
           "\n    roles: [agent, approver, operator, auditor]\n"
           "    tenants: ['*']\n    agents: ['*']\n    tokenHashes: ['" +
           identity::TokenHash(token) + "']\n";
  }

  // The principal as a YAML configuration block ("principals:" included).
  std::string Yaml() const { return "principals:\n" + YamlItem(); }

  std::shared_ptr<const identity::PrincipalTable> Table() const {
    std::vector<config::v1::PrincipalConfig> list = {Config()};
    return *identity::PrincipalTable::Create(list);
  }

  // A client context carrying the token.
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }
  void Authorize(grpc::ClientContext& context) const {
    context.AddMetadata("authorization", "Bearer " + token);
  }
};

// A principal with the given roles and tenants, for tests about
// authorization: `roles` and `tenants` are YAML flow-list items ("agent,
// approver"; "'*'"), `agents` the agent ids it speaks as ("" for none).
struct TestCaller {
  std::string name;
  std::string roles;
  std::string tenants;
  std::string agents = "bot";
  std::string token = identity::NewToken();

  // The principal as an item of a YAML "principals:" list.
  std::string Yaml() const {
    std::string yaml = "  - name: " + name + "\n    roles: [" + roles +
                       "]\n    tenants: [" + tenants +
                       "]\n    tokenHashes: ['" + identity::TokenHash(token) +
                       "']\n";
    if (!agents.empty()) yaml += "    agents: [" + agents + "]\n";
    return yaml;
  }

  // A client context carrying the token.
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_TEST_PRINCIPAL_H_
