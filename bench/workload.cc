#include "bench/workload.h"

#include <atomic>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace

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
  }
  return nullptr;  // Unreachable: every kind is handled above.
}

}  // namespace portcullis::bench
