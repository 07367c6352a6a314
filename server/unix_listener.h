// UnixListener serves gRPC on a Unix socket and learns who each peer is:
// it accepts connections itself, reads the peer's credentials
// (SO_PEERCRED: uid, gid, pid) and hands the connection to the gRPC server,
// which then names it "fd:<n>" as its peer. Peers() answers which uid is
// behind such a peer. The socket is created with mode 0660.
//
// Thread-safe. Stop() (or the destructor) ends the accept thread.
#ifndef PORTCULLIS_SERVER_UNIX_LISTENER_H_
#define PORTCULLIS_SERVER_UNIX_LISTENER_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace portcullis::server {

// The credentials of a Unix socket peer.
struct UnixPeer {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

class UnixListener {
 public:
  // Binds `path` (replacing a stale socket there, never another kind of
  // file) with mode 0660 and starts accepting for `server`, which must be
  // started and outlive the listener. Unavailable when it cannot bind.
  static absl::StatusOr<std::unique_ptr<UnixListener>> Start(
      const std::string& path, grpc::Server* server);

  ~UnixListener();

  // Stops accepting and removes the socket file. Idempotent.
  void Stop();

  // The peer behind a gRPC peer string ("fd:<n>"), or nullopt for any
  // other transport.
  std::optional<UnixPeer> Lookup(absl::string_view grpc_peer) const;

  const std::string& path() const { return path_; }

 private:
  UnixListener(std::string path, int listen_fd, int stop_fd,
               grpc::Server* server)
      : path_(std::move(path)),
        listen_fd_(listen_fd),
        stop_fd_(stop_fd),
        server_(server) {}
  void Run();

  const std::string path_;
  const int listen_fd_;
  const int stop_fd_;
  grpc::Server* const server_;
  std::thread thread_;
  bool stopped_ = false;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, UnixPeer> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_UNIX_LISTENER_H_
