// A real redis-server for a test: started on a loopback port picked for
// it, with no persistence and its working directory in a fresh temporary
// directory, killed when the RedisServer goes out of scope. The test can
// kill it, start it again on the same port, freeze it (SIGSTOP) and send
// it commands through hiredis (Command: one fresh connection per command).
// With RedisTlsFiles it also listens for TLS on a second picked port
// (tls_address()); Command still uses the plain one. Not thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_
#define PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::testing {

// A copy of a hiredis reply that outlives its connection. type is
// hiredis's REDIS_REPLY_* (REDIS_REPLY_INTEGER, REDIS_REPLY_STRING, ...), or
// 0 when there was no reply; text holds a string, status or error.
struct RedisReply {
  int type = 0;
  std::string text;
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  static RedisReply Copy(const redisReply& in) {
    RedisReply out;
    out.type = in.type;
    out.integer = in.integer;
    if (in.str != nullptr) out.text.assign(in.str, in.len);
    for (size_t i = 0; i < in.elements; ++i) {
      out.elements.push_back(Copy(*in.element[i]));
    }
    return out;
  }
};

// The server's side of TLS (test_certificates.h makes them).
struct RedisTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;        // what client certificates must be signed by
  bool auth_clients = false;  // require a client certificate
};

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  // Picks a free loopback port (two with `tls`) and starts the server;
  // check ready(). With a `password`, the server requires it (requirepass)
  // and Command sends it first.
  explicit RedisServer(std::string password = "",
                       std::optional<RedisTlsFiles> tls = std::nullopt)
      : port_(PickPort()),
        tls_port_(tls.has_value() ? PickPort() : 0),
        password_(std::move(password)),
        tls_(std::move(tls)) {
    Start();
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The TLS port's address; only with RedisTlsFiles.
  std::string tls_address() const {
    return "127.0.0.1:" + std::to_string(tls_port_);
  }
  // What the server logged so far (for a failed test's message).
  std::string log() const { return process_ ? process_->log() : ""; }

  // Starts the server on its port and waits until it accepts connections
  // (it says so in its log). Returns ready().
  bool Start() {
    std::vector<std::string> argv = {kBinary,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_.path().string(),
                                     "--logfile",
                                     "/dev/stderr"};
    if (!password_.empty()) {
      argv.insert(argv.end(), {"--requirepass", password_});
    }
    if (tls_.has_value()) {
      argv.insert(argv.end(),
                  {"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                   tls_->cert_file, "--tls-key-file", tls_->key_file,
                   "--tls-ca-cert-file", tls_->ca_file, "--tls-auth-clients",
                   tls_->auth_clients ? "yes" : "no"});
    }
    process_ = std::make_unique<ChildProcess>(std::move(argv));
    ready_ = process_->started() &&
             !process_->AwaitLine("Ready to accept connections").empty() &&
             Command({"PING"}).text == "PONG";
    return ready_;
  }

  // SIGKILL: the server and everything it held are gone.
  void Kill() {
    if (!process_) return;
    process_->Signal(SIGKILL);
    process_->Wait();
    process_.reset();
    ready_ = false;
  }

  // Stops and resumes the server without closing its connections.
  void Freeze() { process_->Signal(SIGSTOP); }
  void Thaw() { process_->Signal(SIGCONT); }

  // Sends one command on a fresh connection and returns the reply; a reply
  // of type 0 when the server cannot be reached or answers in no 10 s.
  RedisReply Command(const std::vector<std::string>& args) const {
    const timeval timeout{10, 0};
    Context context(redisConnectWithTimeout("127.0.0.1", port_, timeout));
    if (context == nullptr || context->err != 0 ||
        redisSetTimeout(context.get(), timeout) != REDIS_OK) {
      return {};
    }
    if (!password_.empty()) {
      RedisReply auth = Send(context.get(), {"AUTH", password_});
      if (auth.type != REDIS_REPLY_STATUS) return auth;
    }
    return Send(context.get(), args);
  }

  // An integer field of INFO ("total_commands_processed"); -1 if absent.
  int64_t InfoField(const std::string& field) const {
    std::string info = Command({"INFO", "all"}).text;
    size_t at = info.find("\r\n" + field + ":");
    if (at == std::string::npos) return -1;
    return std::strtoll(info.c_str() + at + field.size() + 3, nullptr, 10);
  }

 private:
  struct ContextFree {
    void operator()(redisContext* context) const { redisFree(context); }
  };
  struct ReplyFree {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
  };
  using Context = std::unique_ptr<redisContext, ContextFree>;
  using Reply = std::unique_ptr<redisReply, ReplyFree>;

  static RedisReply Send(redisContext* context,
                         const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    Reply reply(static_cast<redisReply*>(redisCommandArgv(
        context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    return reply == nullptr ? RedisReply{} : RedisReply::Copy(*reply);
  }

  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return addr;
  }

  // Binds port 0 on loopback, reads the port the kernel chose, closes it.
  static int PickPort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(0);
    socklen_t length = sizeof(addr);
    if (fd < 0 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      std::abort();
    }
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  TempDir dir_;
  const int port_;
  const int tls_port_;
  const std::string password_;
  const std::optional<RedisTlsFiles> tls_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_
