// A bare-bones HTTP/1.1 client over a loopback TCP socket for tests: it
// sends exactly the bytes it is given, so a test can send what no HTTP
// library would (oversized or malformed requests), and reads the answer
// until the server closes the connection.
#ifndef PORTCULLIS_TESTS_HTTP_RAW_HTTP_H_
#define PORTCULLIS_TESTS_HTTP_RAW_HTTP_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace portcullis::testing {

struct RawResponse {
  int status = 0;    // 0: no status line (connection refused or closed)
  std::string text;  // everything read: status line, headers, body
};

inline RawResponse SendRaw(int port, const std::string& request) {
  RawResponse response;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return response;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return response;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close early
    sent += static_cast<size_t>(n);
  }
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK"
  if (response.text.size() >= 12 && response.text.compare(0, 5, "HTTP/") == 0) {
    if (!absl::SimpleAtoi(response.text.substr(9, 3), &response.status)) {
      response.status = 0;
    }
  }
  return response;
}

inline RawResponse Get(int port, const std::string& path) {
  return SendRaw(port, absl::StrCat("GET ", path,
                                    " HTTP/1.1\r\nHost: localhost\r\n"
                                    "Connection: close\r\n\r\n"));
}

// What a TLS client that trusts `ca` (openssl s_client, verifying the
// chain) reads from GET `path` on 127.0.0.1:`port`; empty when the
// handshake fails.
inline std::string HttpsGet(int port, const std::string& ca,
                            const std::string& path) {
  std::string command = absl::StrCat(
      "printf 'GET ", path,
      " HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' | "
      "openssl s_client -quiet -verify_return_error -connect 127.0.0.1:",
      port, " -CAfile '", ca, "' 2>/dev/null");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.append(buffer, n);
  }
  ::pclose(pipe);
  return out;
}

// The body: what follows the blank line.
inline std::string BodyOf(const RawResponse& r) {
  size_t end = r.text.find("\r\n\r\n");
  return end == std::string::npos ? "" : r.text.substr(end + 4);
}

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_HTTP_RAW_HTTP_H_
