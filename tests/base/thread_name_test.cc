#include "base/thread_name.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>

namespace portcullis {
namespace {

TEST_CASE("a thread's name is set, and cut to the kernel's 15 bytes",
          "[thread_name]") {
  std::string short_name, long_name;
  std::thread t([&] {
    SetCurrentThreadName("gate-read");
    short_name = CurrentThreadName();
    SetCurrentThreadName("portcullis-snapshot-writer");
    long_name = CurrentThreadName();
  });
  t.join();
  CHECK(short_name == "gate-read");
  CHECK(long_name == "portcullis-snap");
}

}  // namespace
}  // namespace portcullis
