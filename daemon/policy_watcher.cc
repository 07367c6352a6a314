#include "daemon/policy_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/thread_name.h"

namespace portcullis::daemon {
namespace {

namespace fs = std::filesystem;

// Everything that can change what a path resolves to or contains.
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                             IN_CREATE | IN_DELETE | IN_ATTRIB;

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(
    const std::string& policy_path, std::function<void()> on_change) {
  std::error_code ec;
  const bool directory = fs::is_directory(policy_path, ec);
  fs::path watched =
      directory ? fs::path(policy_path) : fs::path(policy_path).parent_path();
  std::string file_name =
      directory ? "" : fs::path(policy_path).filename().string();
  if (watched.empty()) watched = ".";
  int inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("inotify unavailable: ", std::strerror(errno)));
  }
  if (::inotify_add_watch(inotify_fd, watched.c_str(), kEvents) < 0) {
    int error = errno;
    ::close(inotify_fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot watch ", watched.string(), ": ", std::strerror(error)));
  }
  int stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (stop_fd < 0) {
    ::close(inotify_fd);
    return absl::UnavailableError("eventfd unavailable");
  }
  std::unique_ptr<PolicyWatcher> watcher(new PolicyWatcher(
      inotify_fd, stop_fd, std::move(file_name), std::move(on_change)));
  watcher->thread_ = std::thread([w = watcher.get()] {
    SetCurrentThreadName("gate-reload");
    w->Run();
  });
  return watcher;
}

bool WatchConcerns(absl::string_view watched_file, absl::string_view entry) {
  if (watched_file.empty()) return true;
  return entry == watched_file || absl::StartsWith(entry, "..");
}

PolicyWatcher::PolicyWatcher(int inotify_fd, int stop_fd, std::string file_name,
                             std::function<void()> on_change)
    : inotify_fd_(inotify_fd),
      stop_fd_(stop_fd),
      file_name_(std::move(file_name)),
      on_change_(std::move(on_change)) {}

PolicyWatcher::~PolicyWatcher() {
  uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof(one)) < 0) {
    // Cannot happen for an eventfd below its maximum; the join below would
    // then wait for the next inotify event.
  }
  if (thread_.joinable()) thread_.join();
  ::close(stop_fd_);
  ::close(inotify_fd_);
}

void PolicyWatcher::Run() {
  alignas(struct inotify_event) char buffer[4096];
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    // Drain every queued event, then call back once for the burst if any
    // concerns the watched file.
    bool changed = false;
    ssize_t n;
    while ((n = ::read(inotify_fd_, buffer, sizeof(buffer))) > 0) {
      for (ssize_t at = 0; at < n;) {
        const auto* event =
            reinterpret_cast<const struct inotify_event*>(buffer + at);
        // `name` is NUL-padded to `len` bytes.
        absl::string_view name(event->name, ::strnlen(event->name, event->len));
        changed |= event->len == 0 || WatchConcerns(file_name_, name);
        at += sizeof(struct inotify_event) + event->len;
      }
    }
    if (changed) on_change_();
  }
}

}  // namespace portcullis::daemon
