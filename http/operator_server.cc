#include "http/operator_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <exception>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/thread_name.h"
#include "http/console_assets.h"
#include "http/internal/rotating_certificate.h"

namespace portcullis::http {
namespace {

// Scrapes and probes are rare and small: two threads answer them, and a
// client gets this long to send its request.
constexpr size_t kThreads = 2;
constexpr size_t kConsoleThreads = 6;
constexpr time_t kReadTimeoutSeconds = 5;
constexpr time_t kWriteTimeoutSeconds = 5;

absl::Status CheckOptions(const OperatorServerOptions& options) {
  bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError(
        "observability.tls needs both certFile and keyFile");
  }
  if (!options.loopback && !tls) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve metrics and health on non-loopback address ",
        options.host,
        " without TLS; configure observability.tls or bind "
        "127.0.0.1 or ::1"));
  }
  return absl::OkStatus();
}

// Plain HTTP without a certificate; HTTPS serving `certificate`'s current
// pair otherwise, TLS 1.2 or later.
std::unique_ptr<httplib::Server> MakeServer(
    http_internal::RotatingCertificate* certificate) {
  if (certificate == nullptr) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>([certificate](SSL_CTX& ctx) {
    SSL_CTX_set_options(
        &ctx,
        SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) return false;
    certificate->ServeOn(ctx);
    return true;
  });
}

// Sent with everything the console and its API answer: no framing, no
// sniffing, no referrer, and the page may load only its own files.
void SetConsoleHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 OperatorServer::kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

void ServeAsset(std::string_view name, httplib::Response& res) {
  SetConsoleHeaders(res);
  const ConsoleAsset* asset = FindConsoleAsset(name);
  if (asset == nullptr) {
    res.status = 404;
    res.set_content("not found\n", "text/plain");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(asset->bytes.data(), asset->bytes.size(),
                  std::string(asset->content_type).c_str());
}

void RouteConsole(httplib::Server& server) {
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    ServeAsset("index.html", res);
  });
  server.Get(R"(/console/([A-Za-z0-9._-]+))",
             [](const httplib::Request& req, httplib::Response& res) {
               ServeAsset(req.matches[1].str(), res);
             });
}

void RouteApi(httplib::Server& server,
              std::function<ApiResponse(const ApiRequest&)> api) {
  auto handle = [api](const httplib::Request& req, httplib::Response& res) {
    ApiRequest request;
    request.method = req.method;
    request.path = req.matches[1].str();
    if (req.has_header("Authorization")) {
      request.authorization = req.get_header_value("Authorization");
    }
    request.body = req.body;
    ApiResponse answer = api(request);
    SetConsoleHeaders(res);
    res.set_header("Cache-Control", "no-store");
    if (answer.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.status = answer.status;
    if (answer.stream) {
      res.set_chunked_content_provider(
          "text/event-stream",
          [stream = std::move(answer.stream)](size_t, httplib::DataSink& sink) {
            stream([&sink](std::string_view data) {
              return sink.is_writable() && sink.write(data.data(), data.size());
            });
            sink.done();
            return true;
          });
      return;
    }
    res.set_content(answer.body, "application/json");
  };
  server.Get(R"(/api/v1(/.*))", handle);
  server.Post(R"(/api/v1(/.*))", handle);
}

void Route(httplib::Server& server, const OperatorHandlers& handlers) {
  if (handlers.console) RouteConsole(server);
  if (handlers.api) RouteApi(server, handlers.api);
  if (handlers.metrics) {
    server.Get("/metrics", [metrics = handlers.metrics,
                            access = handlers.metrics_access](
                               const httplib::Request& req,
                               httplib::Response& res) {
      if (access) {
        std::optional<std::string> authorization;
        if (req.has_header("Authorization")) {
          authorization = req.get_header_value("Authorization");
        }
        int status = access(authorization);
        if (status != 200) {
          if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
          res.status = status;
          res.set_content(status == 401 ? "unauthenticated\n" : "forbidden\n",
                          "text/plain");
          return;
        }
      }
      res.set_content(metrics(), OperatorServer::kMetricsContentType);
    });
  }
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("SERVING\n", "text/plain");
  });
  if (handlers.ready) {
    server.Get("/readyz", [ready = handlers.ready](const httplib::Request&,
                                                   httplib::Response& res) {
      bool serving = ready();
      res.status = serving ? 200 : 503;
      res.set_content(serving ? "SERVING\n" : "NOT_SERVING\n", "text/plain");
    });
  }
  // A handler that throws (out of memory) answers 500 instead of ending
  // the process; nothing about the failure is sent.
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain");
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<OperatorServer>> OperatorServer::Start(
    const OperatorServerOptions& options, OperatorHandlers handlers) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  std::unique_ptr<OperatorServer> self(new OperatorServer());
  self->handlers_ = std::move(handlers);
  if (!options.tls_cert_file.empty()) {
    static const RealClock kSystemClock;
    auto certificate = http_internal::RotatingCertificate::Load(
        options.tls_cert_file, options.tls_key_file,
        {.reload_every = options.tls_reload_every,
         .clock = options.clock != nullptr ? options.clock : &kSystemClock,
         .on_reload_failed = options.on_tls_reload_failed});
    if (!certificate.ok()) return certificate.status();
    self->certificate_ = *std::move(certificate);
  }
  self->server_ = MakeServer(self->certificate_.get());
  httplib::Server& server = *self->server_;
  if (!server.is_valid()) {
    return absl::InternalError("observability.tls: cannot set up TLS");
  }
  // The console's people and their pages' polls need a few more threads
  // than scrapes do.
  size_t threads = self->handlers_.api ? kConsoleThreads : kThreads;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server.set_payload_max_length(self->handlers_.api ? kMaxApiBodyBytes
                                                    : kMaxBodyBytes);
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_write_timeout(kWriteTimeoutSeconds, 0);
  // The library's default also sets SO_REUSEPORT, which would let a second
  // process bind the same port and take half the scrapes: address reuse
  // only (a restart need not wait for TIME_WAIT).
  server.set_socket_options([](socket_t sock) {
    int on = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  });
  Route(server, self->handlers_);

  int port = options.port;
  bool bound = port == 0 ? (port = server.bind_to_any_port(options.host)) > 0
                         : server.bind_to_port(options.host, port);
  if (!bound) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for operators (observability.httpAddress) on ",
        options.host, ":", options.port,
        ": address in use, not permitted or not local"));
  }
  self->port_ = port;
  OperatorServer* raw = self.get();
  {
    absl::MutexLock lock(&self->stop_mu_);
    self->listener_ = std::thread([raw] {
      SetCurrentThreadName("gate-http");
      raw->server_->listen_after_bind();
      raw->listening_ended_.Notify();
    });
  }
  return self;
}

OperatorServer::~OperatorServer() { Stop(); }

void OperatorServer::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (!listener_.joinable()) return;
  // httplib's stop() does nothing until the listening loop has started, so
  // ask again until it has ended.
  do {
    server_->stop();
  } while (
      !listening_ended_.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  listener_.join();
}

}  // namespace portcullis::http
