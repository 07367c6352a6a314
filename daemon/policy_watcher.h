// PolicyWatcher calls back when the policy on disk may have changed, so the
// gate reloads without a SIGHUP. It watches the directory that holds the
// policy (the policy path itself when that is a directory) with inotify,
// which also catches the atomic "..data" symlink swap of a Kubernetes
// ConfigMap mount. When the path is a file, only events about that file
// name and about ConfigMap's own "..*" entries count: a file that shares
// its directory with busy neighbours (the principals file beside RocksDB
// in the data directory) is not re-read for their writes. Callbacks run on
// the watcher's own thread, one at a time; the callback decides whether
// anything really changed.
//
// Thread-safe; the destructor stops the thread.
#ifndef PORTCULLIS_DAEMON_POLICY_WATCHER_H_
#define PORTCULLIS_DAEMON_POLICY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::daemon {

// Whether an inotify event about directory entry `entry` concerns a watch
// of the file named `watched_file` in that directory (empty: the whole
// directory is watched, so every entry does): the file itself, or a
// Kubernetes ConfigMap's "..data" swap behind it.
bool WatchConcerns(absl::string_view watched_file, absl::string_view entry);

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
  PolicyWatcher(int inotify_fd, int stop_fd, std::string file_name,
                std::function<void()> on_change);
  void Run();

  const int inotify_fd_;
  const int stop_fd_;  // an eventfd; written once to stop Run
  // The watched file's name; empty when a whole directory is watched.
  const std::string file_name_;
  const std::function<void()> on_change_;
  std::thread thread_;
};

}  // namespace portcullis::daemon

#endif  // PORTCULLIS_DAEMON_POLICY_WATCHER_H_
