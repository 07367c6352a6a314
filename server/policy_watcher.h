// PolicyWatcher calls back when the policy on disk may have changed, so the
// gate reloads without a SIGHUP. It watches the directory that holds the
// policy (the policy path itself when that is a directory) with inotify,
// which also catches the atomic "..data" symlink swap of a Kubernetes
// ConfigMap mount. Callbacks run on the watcher's own thread, one at a
// time; the callback decides whether anything really changed.
//
// Thread-safe; the destructor stops the thread.
#ifndef PORTCULLIS_SERVER_POLICY_WATCHER_H_
#define PORTCULLIS_SERVER_POLICY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace portcullis::server {

class PolicyWatcher {
 public:
  // Starts watching for `policy_path`. Returns Unavailable when inotify is
  // not available or the directory cannot be watched.
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(
      const std::string& policy_path, std::function<void()> on_change);

  ~PolicyWatcher();
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

 private:
  PolicyWatcher(int inotify_fd, int stop_fd, std::function<void()> on_change);
  void Run();

  const int inotify_fd_;
  const int stop_fd_;  // an eventfd; written once to stop Run
  const std::function<void()> on_change_;
  std::thread thread_;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_POLICY_WATCHER_H_
