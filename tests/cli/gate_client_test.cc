// Which gate the CLI calls when --gate is not given.
#include "cli/gate_client.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

// Binds a Unix socket at `path`, as a running gate does; closed on scope
// exit (the socket file stays, as after a crash).
class BoundSocket {
 public:
  explicit BoundSocket(const std::string& path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(address.sun_path));
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)) == 0);
  }
  ~BoundSocket() { ::close(fd_); }

 private:
  int fd_;
};

TEST_CASE(
    "the --gate flag defaults to the data directory's socket when it exists",
    "[cli][gate]") {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  REQUIRE(::mkdir(data.c_str(), 0700) == 0);
  CHECK(GateAddress("", data) == kDefaultGateAddress);

  // A plain file of that name is not a gate.
  std::ofstream(data + "/portcullis.sock") << "not a socket";
  CHECK(GateAddress("", data) == kDefaultGateAddress);
  REQUIRE(::unlink((data + "/portcullis.sock").c_str()) == 0);

  BoundSocket socket(data + "/portcullis.sock");
  CHECK(GateAddress("", data) == "unix:" + data + "/portcullis.sock");
  // An explicit --gate always wins.
  CHECK(GateAddress("127.0.0.1:9", data) == "127.0.0.1:9");
}

TEST_CASE("without --data the socket is looked for in ./data", "[cli][gate]") {
  testing::TempDir dir;
  char previous[4096];
  REQUIRE(::getcwd(previous, sizeof(previous)) != nullptr);
  REQUIRE(::chdir(dir.path().c_str()) == 0);
  REQUIRE(::mkdir("data", 0700) == 0);
  std::string without = GateAddress("", "");
  {
    BoundSocket socket("data/portcullis.sock");
    CHECK(GateAddress("", "") == "unix:./data/portcullis.sock");
  }
  REQUIRE(::chdir(previous) == 0);
  CHECK(without == kDefaultGateAddress);
}

}  // namespace
}  // namespace portcullis::cli
