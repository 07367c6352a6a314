// The console event stream's inbox (server/queue_inbox.h): events from both
// sources wait in order up to the backlog, and one more ends the stream
// rather than leave a gap the console cannot see.
#include "server/queue_inbox.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>

namespace portcullis::server {
namespace {

gate::QueueEvent Local(const std::string& requested_by) {
  gate::QueueEvent event;
  event.kind = gate::QueueEvent::Kind::kAdded;
  event.state.requested_by = requested_by;
  return event;
}

v1::PendingEvent Other(const std::string& replica) {
  v1::PendingEvent event;
  event.set_kind(v1::PendingEvent::KIND_REMOVED);
  event.mutable_pending()->set_replica(replica);
  return event;
}

TEST_CASE("an inbox hands over both replicas' events in the order they came",
          "[console]") {
  QueueInbox inbox(4);
  CHECK(inbox.OnQueueEvent(Local("agent-a")));
  CHECK(inbox.OnOthersEvent(Other("replica-b")));
  CHECK(inbox.OnQueueEvent(Local("agent-c")));
  auto items = inbox.Take(absl::ZeroDuration());
  REQUIRE(items.has_value());
  REQUIRE(items->size() == 3);
  CHECK(std::get<gate::QueueEvent>((*items)[0]).state.requested_by ==
        "agent-a");
  CHECK(std::get<v1::PendingEvent>((*items)[1]).pending().replica() ==
        "replica-b");
  CHECK(std::get<gate::QueueEvent>((*items)[2]).state.requested_by ==
        "agent-c");
  // Taken: the next take waits, then finds nothing.
  items = inbox.Take(absl::Milliseconds(1));
  REQUIRE(items.has_value());
  CHECK(items->empty());
}

TEST_CASE(
    "an inbox that holds its backlog refuses the next event and ends "
    "the stream",
    "[console]") {
  QueueInbox inbox(3);
  for (int i = 0; i < 3; ++i) CHECK(inbox.OnQueueEvent(Local("agent")));
  // One more from either source: refused (the listener is unsubscribed)...
  CHECK_FALSE(inbox.OnOthersEvent(Other("replica-b")));
  CHECK_FALSE(inbox.OnQueueEvent(Local("agent")));
  // ...and the stream is told it fell behind, not handed a partial queue.
  CHECK_FALSE(inbox.Take(absl::ZeroDuration()).has_value());
  CHECK_FALSE(inbox.Take(absl::ZeroDuration()).has_value());
}

TEST_CASE("an inbox taken from in time never overflows", "[console]") {
  QueueInbox inbox(2);
  for (int round = 0; round < 10; ++round) {
    CHECK(inbox.OnQueueEvent(Local("agent")));
    CHECK(inbox.OnOthersEvent(Other("replica-b")));
    auto items = inbox.Take(absl::ZeroDuration());
    REQUIRE(items.has_value());
    CHECK(items->size() == 2);
  }
}

TEST_CASE("the console's inbox holds 256 events by default", "[console]") {
  QueueInbox inbox;
  for (size_t i = 0; i < QueueInbox::kDefaultBacklog; ++i) {
    REQUIRE(inbox.OnQueueEvent(Local("agent")));
  }
  CHECK_FALSE(inbox.OnQueueEvent(Local("agent")));
  CHECK(QueueInbox::kDefaultBacklog == 256);
}

TEST_CASE("a take waiting for events wakes when one arrives", "[console]") {
  QueueInbox inbox(4);
  std::thread publisher([&] { inbox.OnOthersEvent(Other("replica-b")); });
  // Long enough never to end by the timeout on a loaded machine; ends at
  // the event.
  auto items = inbox.Take(absl::Seconds(60));
  publisher.join();
  REQUIRE(items.has_value());
  // The publisher may not have run before the wait began: then the take
  // returned at its event; either way it is the one event.
  CHECK(items->size() == 1);
}

}  // namespace
}  // namespace portcullis::server
