#include "bench/workload.h"

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codec/approval_codec.h"
#include "crypto/key_file.h"
#include "gate/approval.h"
#include "portcullis/bench/noop.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"

namespace portcullis::bench {
namespace {

v1::EvaluateRequest AllowedSearch(const std::string& tenant = "desert-books") {
  v1::EvaluateRequest request;
  v1::Action& action = *request.mutable_action();
  action.set_tenant(tenant);
  action.set_agent("loadgen");
  action.set_tool("search_catalog");
  (*action.mutable_arguments())["query"].set_string_value("desert atlas");
  action.mutable_context()->set_request_id("loadgen");
  return request;
}

// Over the 50 SAR cap, so denied at any hour: the business-hours rule and
// the agent's hourly rate limit can only add to the deny.
v1::EvaluateRequest CouponOverTheCap() {
  v1::EvaluateRequest request;
  v1::Action& action = *request.mutable_action();
  action.set_tenant("al-noor");
  action.set_agent("loadgen");
  action.set_tool("create_coupon");
  (*action.mutable_arguments())["customer_id"].set_string_value("c-77");
  v1::Money& value =
      *(*action.mutable_arguments())["value"].mutable_money_value();
  value.set_amount("75.00");
  value.set_currency("SAR");
  action.mutable_context()->set_request_id("loadgen");
  action.mutable_context()->set_confidence(0.95);
  return request;
}

class NoopWorkload final : public Workload {
 public:
  explicit NoopWorkload(std::shared_ptr<grpc::Channel> channel)
      : stub_(Noop::NewStub(std::move(channel))) {
    // The same bytes an Evaluate would carry, so serialization costs match.
    request_.set_payload(AllowedSearch().SerializeAsString());
  }

  void Start(grpc::ClientContext& context, Done done) override {
    auto response = std::make_shared<Ping>();
    stub_->async()->Call(
        &context, &request_, response.get(),
        [response, done = std::move(done)](grpc::Status s) { done(s, true); });
  }

 private:
  std::unique_ptr<Noop::Stub> stub_;
  Ping request_;
};

class EvaluateWorkload final : public Workload {
 public:
  // Sends `requests` round-robin; each answer should be `expected`.
  EvaluateWorkload(std::shared_ptr<grpc::Channel> channel,
                   std::vector<v1::EvaluateRequest> requests,
                   v1::Outcome expected)
      : stub_(v1::Gate::NewStub(std::move(channel))),
        requests_(std::move(requests)),
        expected_(expected) {}

  void Start(grpc::ClientContext& context, Done done) override {
    const v1::EvaluateRequest& request =
        requests_[next_.fetch_add(1, std::memory_order_relaxed) %
                  requests_.size()];
    auto response = std::make_shared<v1::EvaluateResponse>();
    stub_->async()->Evaluate(&context, &request, response.get(),
                             [response, expected = expected_,
                              done = std::move(done)](grpc::Status s) {
                               done(s,
                                    response->decision().outcome() == expected);
                             });
  }

 private:
  std::unique_ptr<v1::Gate::Stub> stub_;
  // Shared read-only by every call in flight.
  const std::vector<v1::EvaluateRequest> requests_;
  const v1::Outcome expected_;
  std::atomic<uint64_t> next_{0};
};

// One cycle: Evaluate an al-noor cancel_order (the owner must approve) ->
// Approve it, signed by the approver -> Execute it, each step checked. Its
// latency spans the three calls. Each cycle has its own agent name (the
// tenant's per-agent limit of 600 calls an hour would deny one agent), order
// id and idempotency key.
class CycleWorkload final : public Workload {
 public:
  CycleWorkload(std::shared_ptr<grpc::Channel> channel,
                const LoadOptions& options, crypto::SigningKey approver_key)
      : stub_(v1::Gate::NewStub(std::move(channel))),
        call_timeout_(options.call_timeout),
        agent_authorization_(options.token.empty()
                                 ? ""
                                 : absl::StrCat("Bearer ", options.token)),
        approver_authorization_(
            absl::StrCat("Bearer ", options.approver_token)),
        approver_id_(options.approver_id),
        approver_key_(std::move(approver_key)) {}

  void Start(grpc::ClientContext& context, Done done) override {
    auto cycle = std::make_shared<Cycle>();
    const uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    v1::Action& action = *cycle->evaluate.mutable_action();
    action.set_tenant("al-noor");
    action.set_agent(absl::StrCat("loadgen-", n));
    action.set_tool("cancel_order");
    (*action.mutable_arguments())["order_id"].set_string_value(
        absl::StrFormat("AN-%06d", n % 1000000));
    action.set_idempotency_key(absl::StrCat("cycle-", n));
    action.mutable_context()->set_confidence(0.95);
    action.mutable_context()->set_request_id(absl::StrCat("cycle-", n));
    stub_->async()->Evaluate(
        &context, &cycle->evaluate, &cycle->evaluated,
        [this, cycle, done = std::move(done)](grpc::Status s) mutable {
          if (!s.ok()) return Finish(cycle, done, s, true);
          if (cycle->evaluated.decision().outcome() !=
              v1::OUTCOME_PENDING_APPROVAL) {
            return Finish(cycle, done, s, false);
          }
          Approve(std::move(cycle), std::move(done));
        });
  }

 private:
  // Everything one cycle's calls refer to, alive until its last callback.
  struct Cycle {
    v1::EvaluateRequest evaluate;
    v1::EvaluateResponse evaluated;
    grpc::ClientContext approve_context;
    v1::ApproveRequest approve;
    v1::ApproveResponse approved;
    grpc::ClientContext execute_context;
    v1::ExecuteRequest execute;
    v1::ExecuteResponse executed;
  };

  // Ends a cycle: its contexts (which hold the channel) are released
  // before `done` reports it, as Workload::Start promises.
  static void Finish(std::shared_ptr<Cycle>& cycle, Done& done,
                     const grpc::Status& s, bool expected) {
    cycle.reset();
    done(s, expected);
  }

  void Prepare(grpc::ClientContext& context,
               const std::string& authorization) const {
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(call_timeout_));
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
  }

  void Approve(std::shared_ptr<Cycle> cycle, Done done) {
    const v1::Decision& decision = cycle->evaluated.decision();
    gate::Approval approval;
    approval.tenant = "al-noor";
    approval.decision_id = decision.decision_id();
    approval.action_digest = decision.action_digest();
    approval.expires_at = absl::Now() + absl::Hours(1);
    approval.approver_id = approver_id_;
    codec::ApprovalToProto(approval, cycle->approve.mutable_approval());
    cycle->approve.set_signature(gate::SignApproval(approval, approver_key_));
    Prepare(cycle->approve_context, approver_authorization_);
    Cycle& c = *cycle;
    stub_->async()->Approve(
        &c.approve_context, &c.approve, &c.approved,
        [this, cycle = std::move(cycle),
         done = std::move(done)](grpc::Status s) mutable {
          if (!s.ok()) return Finish(cycle, done, s, true);
          if (cycle->approved.decision().outcome() != v1::OUTCOME_ALLOW) {
            return Finish(cycle, done, s, false);
          }
          Execute(std::move(cycle), std::move(done));
        });
  }

  void Execute(std::shared_ptr<Cycle> cycle, Done done) {
    cycle->execute.set_decision_id(cycle->evaluated.decision().decision_id());
    *cycle->execute.mutable_action() = cycle->evaluate.action();
    Prepare(cycle->execute_context, agent_authorization_);
    Cycle& c = *cycle;
    stub_->async()->Execute(&c.execute_context, &c.execute, &c.executed,
                            [cycle = std::move(cycle),
                             done = std::move(done)](grpc::Status s) mutable {
                              const bool receipt =
                                  cycle->executed.has_receipt();
                              Finish(cycle, done, s, receipt);
                            });
  }

  std::unique_ptr<v1::Gate::Stub> stub_;
  const absl::Duration call_timeout_;
  const std::string agent_authorization_;
  const std::string approver_authorization_;
  const std::string approver_id_;
  const crypto::SigningKey approver_key_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> NewCycleWorkload(
    std::shared_ptr<grpc::Channel> channel, const LoadOptions& options) {
  absl::StatusOr<crypto::SigningKey> key =
      crypto::ReadSigningKeyFile(options.approver_key);
  if (!key.ok()) {
    return absl::Status(
        key.status().code(),
        absl::StrCat("--approver_key: ", key.status().message()));
  }
  return std::make_unique<CycleWorkload>(std::move(channel), options,
                                         *std::move(key));
}

std::unique_ptr<Workload> NewWorkload(CallKind kind, int tenants,
                                      std::shared_ptr<grpc::Channel> channel) {
  switch (kind) {
    case CallKind::kNoop:
      return std::make_unique<NoopWorkload>(std::move(channel));
    case CallKind::kEvaluateAllow: {
      std::vector<v1::EvaluateRequest> requests;
      if (tenants == 0) requests.push_back(AllowedSearch());
      for (int i = 0; i < tenants; ++i) {
        requests.push_back(AllowedSearch(BenchTenant(i)));
      }
      return std::make_unique<EvaluateWorkload>(
          std::move(channel), std::move(requests), v1::OUTCOME_ALLOW);
    }
    case CallKind::kEvaluateDeny:
      return std::make_unique<EvaluateWorkload>(std::move(channel),
                                                std::vector{CouponOverTheCap()},
                                                v1::OUTCOME_DENY);
    case CallKind::kCycle:
      break;  // NewCycleWorkload: it reads a key file.
  }
  return nullptr;
}

namespace {

class RoundRobin final : public Workload {
 public:
  explicit RoundRobin(std::vector<std::unique_ptr<Workload>> workloads)
      : workloads_(std::move(workloads)) {}

  void Start(grpc::ClientContext& context, Done done) override {
    const size_t i =
        next_.fetch_add(1, std::memory_order_relaxed) % workloads_.size();
    workloads_[i]->Start(context, std::move(done));
  }

 private:
  const std::vector<std::unique_ptr<Workload>> workloads_;
  std::atomic<size_t> next_{0};
};

}  // namespace

std::unique_ptr<Workload> NewRoundRobin(
    std::vector<std::unique_ptr<Workload>> workloads) {
  if (workloads.size() == 1) return std::move(workloads.front());
  return std::make_unique<RoundRobin>(std::move(workloads));
}

}  // namespace portcullis::bench
