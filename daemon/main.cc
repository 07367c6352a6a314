// portcullisd: the Portcullis gate daemon.
//
//   portcullisd --config examples/gate.yaml [--data_dir DIR] [--listen ADDR]
//               [--replica NAME]
//
// SIGHUP reloads the policy, the principals and the approvers; SIGTERM and
// SIGINT drain calls in flight and exit cleanly.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/identifiers.h"
#include "config/config_loader.h"
#include "crypto/sodium.h"
#include "daemon/daemon.h"
#include "daemon/logger.h"

ABSL_FLAG(std::string, config, "",
          "Configuration file (.yaml, .yml or .json). Required.");
ABSL_FLAG(std::string, data_dir, "",
          "Ledger directory; overrides the file's dataDir.");
ABSL_FLAG(std::string, listen, "",
          "TCP address host:port; overrides the file's listen.tcpAddress.");
ABSL_FLAG(std::string, unix_socket, "",
          "Unix socket path; overrides the file's listen.unixSocket.");
ABSL_FLAG(std::string, replica, "",
          "This gate's name among the agent's replicas, written into every "
          "ledger entry; overrides the file's replica (e.g. "
          "--replica=$(POD_NAME) from the downward API).");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "How long calls in flight may take to finish on SIGTERM.");

namespace portcullis::daemon {
namespace {

absl::StatusOr<config::v1::GateConfig> LoadConfig() {
  std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "--config is required, e.g. --config examples/gate.yaml");
  }
  absl::StatusOr<config::v1::GateConfig> config = config::LoadConfigFile(path);
  if (!config.ok()) return config;
  if (std::string dir = absl::GetFlag(FLAGS_data_dir); !dir.empty()) {
    config->set_data_dir(dir);
  }
  if (std::string listen = absl::GetFlag(FLAGS_listen); !listen.empty()) {
    config->mutable_listen()->set_tcp_address(listen);
  }
  if (std::string replica = absl::GetFlag(FLAGS_replica); !replica.empty()) {
    if (absl::Status s = ValidateReplicaName(replica); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--replica: ", s.message()));
    }
    config->set_replica(replica);
  }
  if (std::string socket = absl::GetFlag(FLAGS_unix_socket); !socket.empty()) {
    config->mutable_listen()->set_unix_socket(socket);
  }
  auto* listen = config->mutable_listen();
  if (listen->unix_socket().empty() && !listen->disable_unix_socket()) {
    listen->set_unix_socket(config->data_dir() + "/portcullis.sock");
  }
  return config;
}

// Waits for signals on this thread (they are blocked everywhere else):
// SIGHUP reloads, SIGTERM and SIGINT return.
int ServeUntilSignalled(Daemon& daemon, Logger& log, const sigset_t& signals) {
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      log.Info("SIGHUP: reloading the policy, principals and approvers");
      daemon.Reload().IgnoreError();  // Logged by Reload; the old one stays.
      continue;
    }
    log.Info(absl::StrCat(signal == SIGTERM ? "SIGTERM" : "SIGINT",
                          ": draining calls in flight and stopping"));
    daemon.Stop(absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
    return 0;
  }
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "the Portcullis policy gate daemon.\n"
      "  portcullisd --config examples/gate.yaml [--data_dir DIR]");
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves Mutex's deadlock
  // detector on: every lock would update one global graph under one global
  // lock. The tests keep it; the daemon does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the signals we handle before any thread starts, so that every
  // thread inherits the mask and only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // libcurl's global state, before any thread exists (connectors).
  curl_global_init(CURL_GLOBAL_DEFAULT);
  RealClock clock;
  Logger log(clock, std::cerr);
  if (absl::Status s = crypto::Initialize(); !s.ok()) {
    log.Error(std::string(s.message()));
    return 1;
  }
  absl::StatusOr<config::v1::GateConfig> config = LoadConfig();
  if (!config.ok()) {
    log.Error(std::string(config.status().message()));
    return 2;
  }
  absl::StatusOr<LogFormat> format = ParseLogFormat(config->log().format());
  if (!format.ok()) {
    log.Error(std::string(format.status().message()));
    return 2;
  }
  log.SetFormat(*format);
  absl::StatusOr<std::unique_ptr<Daemon>> daemon =
      Daemon::Start(*config, clock, log, absl::GetFlag(FLAGS_config));
  if (!daemon.ok()) {
    log.Error(absl::StrCat("cannot start: ", daemon.status().message()));
    return 1;
  }
  int code = ServeUntilSignalled(**daemon, log, signals);
  if (absl::Status closed = (*daemon)->Close(); !closed.ok()) {
    log.Error(
        absl::StrCat("stopped without final checkpoints: ", closed.message()));
    code = 1;
  }
  daemon->reset();  // Closes the ledger cleanly.
  if (code == 0) log.Info("stopped");
  return code;
}

}  // namespace
}  // namespace portcullis::daemon

int main(int argc, char** argv) { return portcullis::daemon::Main(argc, argv); }
