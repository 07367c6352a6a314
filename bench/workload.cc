#include "bench/workload.h"

#include <utility>

#include "portcullis/bench/noop.grpc.pb.h"
#include "portcullis/v1/gate.grpc.pb.h"

namespace portcullis::bench {
namespace {

v1::EvaluateRequest AllowedSearch() {
  v1::EvaluateRequest request;
  v1::Action& action = *request.mutable_action();
  action.set_tenant("desert-books");
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
  EvaluateWorkload(std::shared_ptr<grpc::Channel> channel,
                   v1::EvaluateRequest request, v1::Outcome expected)
      : stub_(v1::Gate::NewStub(std::move(channel))),
        request_(std::move(request)),
        expected_(expected) {}

  void Start(grpc::ClientContext& context, Done done) override {
    auto response = std::make_shared<v1::EvaluateResponse>();
    stub_->async()->Evaluate(&context, &request_, response.get(),
                             [response, expected = expected_,
                              done = std::move(done)](grpc::Status s) {
                               done(s,
                                    response->decision().outcome() == expected);
                             });
  }

 private:
  std::unique_ptr<v1::Gate::Stub> stub_;
  // Shared read-only by every call in flight.
  const v1::EvaluateRequest request_;
  const v1::Outcome expected_;
};

}  // namespace

std::unique_ptr<Workload> NewWorkload(CallKind kind,
                                      std::shared_ptr<grpc::Channel> channel) {
  switch (kind) {
    case CallKind::kNoop:
      return std::make_unique<NoopWorkload>(std::move(channel));
    case CallKind::kEvaluateAllow:
      return std::make_unique<EvaluateWorkload>(
          std::move(channel), AllowedSearch(), v1::OUTCOME_ALLOW);
    case CallKind::kEvaluateDeny:
      return std::make_unique<EvaluateWorkload>(
          std::move(channel), CouponOverTheCap(), v1::OUTCOME_DENY);
  }
  return nullptr;  // Unreachable: every kind is handled above.
}

}  // namespace portcullis::bench
