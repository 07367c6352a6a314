#include "server/unix_listener.h"

#include <fcntl.h>
#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/thread_name.h"

namespace portcullis::server {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::Start(
    const std::string& path, grpc::Server* server) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Unix socket path ", path, " is longer than ",
                     sizeof(address.sun_path) - 1, " bytes"));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " exists and is not a socket; refusing to replace it"));
    }
    ::unlink(path.c_str());  // a stale socket from an earlier run
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("cannot create a socket for", path);
  // Nobody can connect before listen(), so the mode is right before anyone
  // can use the socket (umask is process-wide; it is not touched).
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::chmod(path.c_str(), 0660) != 0 || ::listen(fd, 128) != 0) {
    absl::Status s = Errno("cannot listen on", path);
    ::close(fd);
    return s;
  }
  int stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (stop_fd < 0) {
    ::close(fd);
    return Errno("cannot create an eventfd for", path);
  }
  std::unique_ptr<UnixListener> listener(
      new UnixListener(path, fd, stop_fd, server));
  listener->thread_ = std::thread([l = listener.get()] {
    SetCurrentThreadName("gate-unix");
    l->Run();
  });
  return listener;
}

UnixListener::~UnixListener() {
  Stop();
  ::close(stop_fd_);
  ::close(listen_fd_);
}

void UnixListener::Stop() {
  if (stopped_) return;
  stopped_ = true;
  uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof(one)) != sizeof(one)) {
    // An eventfd write cannot fail below its maximum count.
  }
  if (thread_.joinable()) thread_.join();
  ::unlink(path_.c_str());
}

void UnixListener::Run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd =
        ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) continue;
    ucred credentials{};
    socklen_t length = sizeof(credentials);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
      ::close(fd);  // no identity, no service
      continue;
    }
    {
      // Registered before gRPC sees the connection, so the first call on
      // it already finds its peer.
      absl::MutexLock lock(&mu_);
      peers_[fd] = {credentials.uid, credentials.gid, credentials.pid};
    }
    grpc::AddInsecureChannelFromFd(server_, fd);
  }
}

std::optional<UnixPeer> UnixListener::Lookup(
    absl::string_view grpc_peer) const {
  if (!absl::ConsumePrefix(&grpc_peer, "fd:")) return std::nullopt;
  int fd = -1;
  if (!absl::SimpleAtoi(grpc_peer, &fd)) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(fd);
  if (it == peers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace portcullis::server
