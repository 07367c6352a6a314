#include "shared_state/internal/tls_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

using Deadline = std::chrono::steady_clock::time_point;

Deadline After(absl::Duration d) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
}

// The reason of the most recent OpenSSL error of this thread ("certificate
// verify failed"), and clears them all. Reasons name no key material.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown TLS error";
}

// Waits until `fd` is ready for `events` or `deadline` passes
// (Unavailable "timed out").
absl::Status Await(int fd, short events, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::UnavailableError("timed out");
    pollfd wanted{fd, events, 0};
    const int ready = ::poll(&wanted, 1, static_cast<int>(left.count()));
    // Ready, or an error or hang-up that the next call will report.
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("poll: ", std::strerror(errno)));
    }
  }
}

// Connects the non-blocking `fd` to `address` within `deadline`: "" when
// connected, otherwise why not.
std::string ConnectWithin(int fd, const addrinfo& address, Deadline deadline) {
  if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return "";
  if (errno != EINPROGRESS) return std::strerror(errno);
  if (absl::Status ready = Await(fd, POLLOUT, deadline); !ready.ok()) {
    return std::string(ready.message());
  }
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    error = errno;
  }
  return error == 0 ? "" : std::strerror(error);
}

// Opens a non-blocking TCP connection to `endpoint` within `deadline`.
// RedisConnection passes a numeric address (host_lookup.h looks names up
// within the connect timeout), so getaddrinfo here only parses it.
absl::StatusOr<int> ConnectSocket(const RedisEndpoint& endpoint,
                                  Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = absl::StrCat(endpoint.port);
  std::string why;
  if (int e =
          ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
      e != 0) {
    why = ::gai_strerror(e);
  }
  int connected = -1;
  for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    why = fd < 0 ? std::strerror(errno) : ConnectWithin(fd, *a, deadline);
    if (fd >= 0 && why.empty()) {
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
      connected = fd;
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  if (found != nullptr) ::freeaddrinfo(found);
  if (connected < 0) {
    return absl::UnavailableError(absl::StrCat("redis: cannot connect to ",
                                               endpoint.host, ":",
                                               endpoint.port, " (", why, ")"));
  }
  return connected;
}

// One TLS session carrying RESP.
class TlsTransport final : public RedisTransport {
 public:
  TlsTransport(int fd, SSL* ssl, absl::Duration command_timeout)
      : fd_(fd),
        ssl_(ssl),
        reader_(redisReaderCreate()),
        command_timeout_(command_timeout) {}
  ~TlsTransport() override {
    // No close_notify: nothing is written while closing, so closing never
    // blocks nor raises SIGPIPE; Redis needs none.
    SSL_set_quiet_shutdown(ssl_, 1);
    SSL_free(ssl_);
    ::close(fd_);
    if (reader_ != nullptr) redisReaderFree(reader_);
  }
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // Runs the TLS handshake (SSL_connect) until `deadline`.
  absl::Status Handshake(Deadline deadline) {
    return Drive(deadline, [this] { return SSL_connect(ssl_); }).status();
  }

  absl::StatusOr<RedisReply> RoundTrip(
      const std::vector<std::string>& args) override {
    closed_by_server_ = false;
    if (reader_ == nullptr) {
      return absl::UnavailableError("redis: cannot allocate a reader");
    }
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    char* command = nullptr;
    const int size = redisFormatCommandArgv(
        &command, static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (size < 0) return absl::UnavailableError("redis: cannot encode");
    const Deadline deadline = After(command_timeout_);
    absl::Status sent = Send(command, size, deadline);
    redisFreeCommand(command);
    absl::StatusOr<RedisReply> reply =
        sent.ok() ? Receive(deadline) : absl::StatusOr<RedisReply>(sent);
    if (reply.ok()) return reply;
    return absl::UnavailableError(
        absl::StrCat("redis: ", reply.status().message()));
  }

  bool closed_by_server() const override { return closed_by_server_; }

 private:
  absl::Status Send(const char* data, int size, Deadline deadline) {
    for (int done = 0; done < size;) {
      PORTCULLIS_ASSIGN_OR_RETURN(int n, Drive(deadline, [&] {
                                    return SSL_write(ssl_, data + done,
                                                     size - done);
                                  }));
      done += n;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RedisReply> Receive(Deadline deadline) {
    char buffer[16 * 1024];
    for (;;) {
      void* parsed = nullptr;
      if (redisReaderGetReply(reader_, &parsed) != REDIS_OK) {
        return absl::UnavailableError(reader_->errstr);
      }
      if (parsed != nullptr) {
        RedisReply reply = CopyReply(*static_cast<redisReply*>(parsed));
        freeReplyObject(parsed);
        return reply;
      }
      PORTCULLIS_ASSIGN_OR_RETURN(
          int n, Drive(deadline,
                       [&] { return SSL_read(ssl_, buffer, sizeof(buffer)); }));
      if (redisReaderFeed(reader_, buffer, static_cast<size_t>(n)) !=
          REDIS_OK) {
        return absl::UnavailableError(reader_->errstr);
      }
    }
  }

  // Calls `step` (SSL_connect, SSL_read or SSL_write on this session) until
  // it succeeds, waiting for the socket whenever OpenSSL asks, until
  // `deadline`. Returns what `step` returned, or Unavailable saying why.
  template <typename Step>
  absl::StatusOr<int> Drive(Deadline deadline, Step step) {
    for (;;) {
      ERR_clear_error();
      errno = 0;
      const int n = step();
      if (n > 0) return n;
      const int error = errno;
      switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_WANT_READ:
          PORTCULLIS_RETURN_IF_ERROR(Await(fd_, POLLIN, deadline));
          continue;
        case SSL_ERROR_WANT_WRITE:
          PORTCULLIS_RETURN_IF_ERROR(Await(fd_, POLLOUT, deadline));
          continue;
        case SSL_ERROR_ZERO_RETURN:
          closed_by_server_ = true;
          return absl::UnavailableError("the server closed the connection");
        case SSL_ERROR_SYSCALL:
          ERR_clear_error();
          closed_by_server_ =
              error == 0 || error == ECONNRESET || error == EPIPE;
          return absl::UnavailableError(error == 0
                                            ? "the server closed the connection"
                                            : std::strerror(error));
        default:
          return Refused();
      }
    }
  }

  // A failed TLS call: the server's certificate refused, an alert from the
  // server (e.g. it wanted a client certificate), or the connection closed
  // without a TLS goodbye.
  absl::Status Refused() {
    const unsigned long code = ERR_peek_last_error();
    if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
        ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      ERR_clear_error();
      closed_by_server_ = true;
      return absl::UnavailableError("the server closed the connection");
    }
    std::string why = TakeOpenSslError();
    const long verified = SSL_get_verify_result(ssl_);
    if (verified != X509_V_OK) {
      return absl::UnavailableError(
          absl::StrCat("the server's certificate was refused (",
                       X509_verify_cert_error_string(verified), ")"));
    }
    return absl::UnavailableError(absl::StrCat("TLS: ", why));
  }

  const int fd_;
  SSL* const ssl_;
  redisReader* const reader_;
  const absl::Duration command_timeout_;
  bool closed_by_server_ = false;
};

bool IsIpAddress(const std::string& name) {
  in6_addr address;
  return ::inet_pton(AF_INET, name.c_str(), &address) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), &address) == 1;
}

// A private key's passphrase is never asked for: a prompt on the terminal
// would stop the daemon. An encrypted key fails to load instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::Status Unusable(absl::string_view what, const std::string& path,
                      absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("tls: ", what, " ", path, ": ", why));
}

// Loads the client certificate and key for mutual TLS into `context`.
absl::Status LoadClientCertificate(SSL_CTX* context,
                                   const RedisTlsOptions& options) {
  struct stat st;
  if (::stat(options.key_file.c_str(), &st) != 0) {
    return Unusable("cannot read the key file", options.key_file,
                    std::strerror(errno));
  }
  if ((st.st_mode & 0077) != 0) {
    return Unusable(
        "the key file", options.key_file,
        absl::StrCat("is readable by others (mode ",
                     absl::Hex(st.st_mode & 0777), "); chmod 600 it"));
  }
  if (SSL_CTX_use_certificate_chain_file(context, options.cert_file.c_str()) !=
      1) {
    return Unusable("cannot use the certificate file", options.cert_file,
                    TakeOpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(context, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(context) != 1) {
    const unsigned long code = ERR_peek_last_error();
    const bool mismatch = ERR_GET_LIB(code) == ERR_LIB_X509 &&
                          ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH;
    const std::string why = TakeOpenSslError();
    return Unusable("cannot use the key file", options.key_file,
                    mismatch
                        ? absl::StrCat("it does not match the certificate ",
                                       options.cert_file)
                        : absl::StrCat(why,
                                       " (an unencrypted PEM key "
                                       "is needed)"));
  }
  return absl::OkStatus();
}

// An SSL_CTX that trusts only `options.ca_file`, verifies the server, and
// presents the client certificate when one is given.
absl::StatusOr<SSL_CTX*> NewContext(const RedisTlsOptions& options) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) {
    return absl::InternalError(
        absl::StrCat("tls: cannot create a context: ", TakeOpenSslError()));
  }
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_default_passwd_cb(context, NoPassphrase);
  absl::Status loaded;
  if (SSL_CTX_load_verify_locations(context, options.ca_file.c_str(),
                                    nullptr) != 1) {
    loaded =
        Unusable("cannot use the CA file", options.ca_file, TakeOpenSslError());
  } else if (!options.cert_file.empty()) {
    loaded = LoadClientCertificate(context, options);
  }
  if (!loaded.ok()) {
    SSL_CTX_free(context);
    return loaded;
  }
  return context;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisTlsClient>> RedisTlsClient::Create(
    const RedisTlsOptions& options, absl::string_view default_server_name) {
  if (options.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "tls: a CA file is required: the server's certificate is always "
        "verified");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls: a client certificate file and its key file go together");
  }
  std::string name = options.server_name.empty()
                         ? std::string(default_server_name)
                         : options.server_name;
  if (name.empty()) {
    return absl::InvalidArgumentError("tls: the server name is empty");
  }
  PORTCULLIS_ASSIGN_OR_RETURN(SSL_CTX * context, NewContext(options));
  const bool is_ip = IsIpAddress(name);
  return std::unique_ptr<RedisTlsClient>(
      new RedisTlsClient(options, context, std::move(name), is_ip));
}

RedisTlsClient::RedisTlsClient(const RedisTlsOptions& options,
                               ssl_ctx_st* context, std::string server_name,
                               bool server_name_is_ip)
    : options_(options),
      server_name_(std::move(server_name)),
      server_name_is_ip_(server_name_is_ip),
      context_(context) {}

RedisTlsClient::~RedisTlsClient() {
  absl::MutexLock lock(&mu_);
  SSL_CTX_free(context_);
}

ssl_ctx_st* RedisTlsClient::Context(absl::Status& problem) const {
  absl::StatusOr<SSL_CTX*> fresh = NewContext(options_);
  absl::MutexLock lock(&mu_);
  if (fresh.ok()) {
    // Connections made with the old one keep their own references to it.
    SSL_CTX_free(context_);
    context_ = *fresh;
  } else {
    problem = fresh.status();
  }
  SSL_CTX_up_ref(context_);
  return context_;
}

absl::StatusOr<std::unique_ptr<RedisTransport>> RedisTlsClient::Connect(
    const RedisEndpoint& endpoint, absl::Duration connect_timeout,
    absl::Duration command_timeout) const {
  const Deadline deadline = After(connect_timeout);
  absl::Status reread;
  SSL_CTX* context = Context(reread);
  // Why the files were not read again, after why the connection failed.
  auto failure = [&reread](std::string message) {
    if (!reread.ok()) {
      absl::StrAppend(&message,
                      " (the TLS files in use were kept: ", reread.message(),
                      ")");
    }
    return absl::UnavailableError(message);
  };
  absl::StatusOr<int> fd = ConnectSocket(endpoint, deadline);
  if (!fd.ok()) {
    SSL_CTX_free(context);
    return failure(std::string(fd.status().message()));
  }
  SSL* ssl = SSL_new(context);
  SSL_CTX_free(context);  // the connection holds its own reference
  if (ssl == nullptr) {
    ::close(*fd);
    return failure(absl::StrCat("redis: TLS: ", TakeOpenSslError()));
  }
  // The transport owns both from here.
  auto transport = std::make_unique<TlsTransport>(*fd, ssl, command_timeout);
  bool named = SSL_set_fd(ssl, *fd) == 1;
  if (server_name_is_ip_) {
    named = named && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
                                                   server_name_.c_str()) == 1;
  } else {
    named = named && SSL_set_tlsext_host_name(ssl, server_name_.c_str()) == 1 &&
            SSL_set1_host(ssl, server_name_.c_str()) == 1;
  }
  if (!named) return failure(absl::StrCat("redis: TLS: ", TakeOpenSslError()));
  if (absl::Status shaken = transport->Handshake(deadline); !shaken.ok()) {
    return failure(absl::StrCat("redis: TLS handshake with ", endpoint.host,
                                ":", endpoint.port,
                                " failed: ", shaken.message()));
  }
  // SSL_VERIFY_PEER already failed the handshake on any error; this holds
  // even if that were ever changed.
  if (SSL_get0_peer_certificate(ssl) == nullptr ||
      SSL_get_verify_result(ssl) != X509_V_OK) {
    return absl::UnavailableError(
        absl::StrCat("redis: TLS: ", endpoint.host, ":", endpoint.port,
                     " presented no verified certificate"));
  }
  return transport;
}

}  // namespace portcullis::shared_state::shared_state_internal
