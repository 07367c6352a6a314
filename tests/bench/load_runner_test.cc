#include "bench/load_runner.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <memory>

#include "absl/synchronization/notification.h"
#include "bench/workload.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::bench {
namespace {

// Passes calls to `inner`, but holds each completion's callback open after
// `done` has returned until `release` is notified: the moment between a
// call being counted out and gRPC destroying the callback, made to last.
class LingeringWorkload final : public Workload {
 public:
  LingeringWorkload(Workload& inner,
                    std::shared_ptr<absl::Notification> release)
      : inner_(inner), release_(std::move(release)) {}

  void Start(grpc::ClientContext& context, Done done) override {
    inner_.Start(context, [release = release_, done](const grpc::Status& s,
                                                     bool expected) {
      done(s, expected);
      release->WaitForNotification();
    });
  }

 private:
  Workload& inner_;
  // Shared with the callbacks, which may still be returning from their
  // wait when the test ends.
  const std::shared_ptr<absl::Notification> release_;
};

TEST_CASE(
    "when a run returns no call of it still holds the channel, so the "
    "caller drops its last reference",
    "[load_runner]") {
  testing::TempDir dir;
  // Nothing listens there: the one call fails fast, which is enough for
  // its context to have taken a reference to the channel.
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      "unix:" + dir.Sub("nobody.sock"), grpc::InsecureChannelCredentials());
  std::unique_ptr<Workload> noop = NewWorkload(CallKind::kNoop, 0, channel);
  const long before = channel.use_count();
  auto release = std::make_shared<absl::Notification>();
  LingeringWorkload workload(*noop, release);

  LoadOptions options;
  options.call_name = "noop";
  options.rate = 1;  // one call, at the start
  options.duration = absl::Milliseconds(1);
  options.warmup = absl::ZeroDuration();
  options.call_timeout = absl::Seconds(5);
  LoadRunner runner(workload, options);
  LoadReport report = runner.Run();
  const long after = channel.use_count();
  release->Notify();

  CHECK(report.errors() == 1);  // UNAVAILABLE: nobody listens
  CHECK(after == before);
}

}  // namespace
}  // namespace portcullis::bench
