// A real redis-server for a test: started on a loopback port picked for
// it, with no persistence and its working directory in a fresh temporary
// directory, killed when the RedisServer goes out of scope. The test can
// kill it, start it again on the same port, freeze it (SIGSTOP) and send
// it commands over a plain socket (Command: a small RESP client, so tests
// need no Redis library). Not thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_
#define PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_

#include <arpa/inet.h>
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

// A RESP reply: type is '+', '-', ':', '$' (text; nil when `nil`) or '*'.
struct RespReply {
  char type = 0;
  bool nil = false;
  std::string text;
  int64_t integer = 0;
  std::vector<RespReply> elements;
};

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  // Picks a free loopback port and starts the server; check ready().
  RedisServer() : port_(PickPort()) { Start(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // What the server logged so far (for a failed test's message).
  std::string log() const { return process_ ? process_->log() : ""; }

  // Starts the server on its port and waits until it accepts connections
  // (it says so in its log). Returns ready().
  bool Start() {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        kBinary, "--port", std::to_string(port_), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir_.path().string(),
        "--logfile", "/dev/stderr"});
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
  RespReply Command(const std::vector<std::string>& args) const {
    int fd = Connect();
    if (fd < 0) return {};
    std::string request = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string& a : args) {
      request += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    }
    RespReply reply;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      Reader reader{fd, {}};
      reply = reader.Read().value_or(RespReply{});
    }
    ::close(fd);
    return reply;
  }

  // An integer field of INFO ("total_commands_processed"); -1 if absent.
  int64_t InfoField(const std::string& field) const {
    std::string info = Command({"INFO", "all"}).text;
    size_t at = info.find("\r\n" + field + ":");
    if (at == std::string::npos) return -1;
    return std::strtoll(info.c_str() + at + field.size() + 3, nullptr, 10);
  }

 private:
  struct Reader {
    int fd;
    std::string buffer;

    bool Fill() {
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    std::optional<std::string> Line() {
      size_t end;
      while ((end = buffer.find("\r\n")) == std::string::npos) {
        if (!Fill()) return std::nullopt;
      }
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return line;
    }
    std::optional<RespReply> Read() {
      std::optional<std::string> line = Line();
      if (!line || line->empty()) return std::nullopt;
      RespReply reply;
      reply.type = (*line)[0];
      std::string rest = line->substr(1);
      switch (reply.type) {
        case '+':
        case '-':
          reply.text = rest;
          return reply;
        case ':':
          reply.integer = std::strtoll(rest.c_str(), nullptr, 10);
          return reply;
        case '$': {
          long n = std::strtol(rest.c_str(), nullptr, 10);
          if (n < 0) {
            reply.nil = true;
            return reply;
          }
          while (buffer.size() < static_cast<size_t>(n) + 2) {
            if (!Fill()) return std::nullopt;
          }
          reply.text = buffer.substr(0, static_cast<size_t>(n));
          buffer.erase(0, static_cast<size_t>(n) + 2);
          return reply;
        }
        case '*': {
          long n = std::strtol(rest.c_str(), nullptr, 10);
          for (long i = 0; i < n; ++i) {
            std::optional<RespReply> element = Read();
            if (!element) return std::nullopt;
            reply.elements.push_back(std::move(*element));
          }
          return reply;
        }
      }
      return std::nullopt;
    }
  };

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

  int Connect() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr = Loopback(port_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  TempDir dir_;
  const int port_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_REDIS_SERVER_H_
