#include "connectors/http_connector.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/identifiers.h"
#include "config/listen_address.h"
#include "connectors/request_template.h"
#include "connectors/secret_scrub.h"

namespace portcullis::connectors {
namespace {

// Stands in for a secret while placeholders are rendered; arguments cannot
// contain it (control characters are refused in headers).
constexpr char kSentinel = '\x01';

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() + n > HttpConnector::kMaxResponseBytes) return 0;  // abort
  body->append(data, n);
  return n;
}

bool IsLoopbackHost(absl::string_view host_port) {
  std::string host(host_port);
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  auto parsed = config::ParseListenAddress(absl::StrCat(
      host.find(':') != std::string::npos ? "[" + host + "]" : host, ":0"));
  return parsed.ok() && parsed->loopback;
}

absl::Status CheckSpec(const HttpConnectorSpec& spec) {
  static const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), spec.method) ==
      std::end(kMethods)) {
    return absl::InvalidArgumentError(
        absl::StrCat("method \"", spec.method,
                     "\" is not one of GET, POST, PUT, PATCH, DELETE"));
  }
  if (spec.tenant != "*" && !ValidateTenantId(spec.tenant).ok()) {
    return absl::InvalidArgumentError("tenant: a tenant id, or \"*\"");
  }
  if (absl::Status s = ValidateToolName(spec.tool); !s.ok()) return s;
  if (spec.timeout <= absl::ZeroDuration() ||
      spec.timeout > absl::Seconds(120)) {
    return absl::InvalidArgumentError("timeout: between 1ms and 120s");
  }
  for (const auto& [name, value] : spec.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return absl::ascii_isalnum(c) || c == '-';
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat("header name \"", name, "\" is not a token"));
    }
    if (value.find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("header ", name, " holds a line break"));
    }
    if (absl::Status s = CheckPlaceholders(value); !s.ok()) return s;
    auto refs = FindSecretReferences(value);
    if (!refs.ok()) return refs.status();
    for (const SecretReference& ref : *refs) {
      bool own = ref.tenant == "{{tenant}}" || ref.tenant == spec.tenant;
      if (!own) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header ", name, " refers to a secret of tenant ", ref.tenant,
            "; a connector may use its own tenant's secrets only (or "
            "vault://{{tenant}}/NAME)"));
      }
      if (absl::Status s = secrets::ValidateSecretName(ref.name); !s.ok()) {
        return s;
      }
    }
  }
  if (absl::Status s = CheckPlaceholders(spec.body); !s.ok()) return s;
  if (absl::StrContains(spec.body, "vault://") ||
      absl::StrContains(spec.url, "vault://")) {
    return absl::InvalidArgumentError(
        "secrets may be referred to in headers only");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpConnector>> HttpConnector::Create(
    HttpConnectorSpec spec, const std::vector<std::string>& allowed_hosts,
    const secrets::SecretStore& secrets) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector for tool ", spec.tool, " of ", spec.tenant, ": ", why));
  };
  if (absl::Status s = CheckSpec(spec); !s.ok()) return invalid(s.message());
  size_t scheme_end = spec.url.find("://");
  if (scheme_end == std::string::npos) return invalid("url has no scheme");
  std::string scheme = spec.url.substr(0, scheme_end);
  size_t path = spec.url.find('/', scheme_end + 3);
  std::string host = spec.url.substr(
      scheme_end + 3,
      path == std::string::npos ? std::string::npos : path - scheme_end - 3);
  if (host.empty() || host.find_first_of("{}@") != std::string::npos) {
    return invalid("url's host must be fixed (no placeholders, no userinfo)");
  }
  if (scheme != "https" && !(scheme == "http" && IsLoopbackHost(host))) {
    return invalid("url must be https (http only for loopback hosts)");
  }
  if (std::find(allowed_hosts.begin(), allowed_hosts.end(), host) ==
      allowed_hosts.end()) {
    return invalid(absl::StrCat("host ", host,
                                " is not in connectorHosts, the allowlist"));
  }
  if (absl::Status s = CheckPlaceholders(spec.url); !s.ok()) {
    return invalid(s.message());
  }
  std::string origin = absl::StrCat(scheme, "://", host);
  return std::unique_ptr<HttpConnector>(
      new HttpConnector(std::move(spec), std::move(origin), secrets));
}

absl::StatusOr<gate::ToolResult> HttpConnector::Call(
    const policy::Action& action) const {
  // The URL: the fixed origin and the rendered path.
  absl::StatusOr<std::string> path =
      Render(absl::string_view(spec_.url).substr(origin_.size()), action,
             Escaping::kPercent);
  if (!path.ok()) return path.status();
  absl::StatusOr<std::string> body =
      Render(spec_.body, action, Escaping::kJson);
  if (!body.ok()) return body.status();

  // Headers: secrets first (as sentinels), then placeholders, then the
  // secret values — so no argument can ever name a secret.
  std::vector<crypto::SecureBytes> secret_values;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [name, value_template] : spec_.headers) {
    std::string value = value_template;
    auto refs = FindSecretReferences(value_template);
    if (!refs.ok()) return refs.status();
    for (const SecretReference& ref : *refs) {
      absl::StatusOr<crypto::SecureBytes> secret =
          secrets_.Resolve(action.tenant, ref.name);
      if (!secret.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the connector's secret ", ref.name, " of ", action.tenant,
            " is not available: ", secret.status().message()));
      }
      absl::StrReplaceAll({{absl::StrCat("vault://", ref.tenant, "/", ref.name),
                            std::string(1, kSentinel)}},
                          &value);
      secret_values.push_back(*std::move(secret));
    }
    absl::StatusOr<std::string> rendered =
        Render(value, action, Escaping::kVerbatim);
    if (!rendered.ok()) return rendered.status();
    std::string line = absl::StrCat(name, ": ");
    size_t next_secret = secret_values.size() - refs->size();
    for (char c : *rendered) {
      if (c == kSentinel) {
        const crypto::SecureBytes& secret = secret_values[next_secret++];
        line.append(reinterpret_cast<const char*>(secret.data()),
                    secret.size());
      } else {
        line.push_back(c);
      }
    }
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
    std::fill(line.begin(), line.end(), '\0');
  }

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError("libcurl failed to start");
  std::string url = origin_ + *path;
  std::string response;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, spec_.method.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(spec_.timeout)));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!spec_.body.empty() || spec_.method != "GET") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat("the tool did not answer within ",
                     absl::FormatDuration(spec_.timeout)));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("the tool could not be called: ",
                                               curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300 && status < 400) {
    return absl::FailedPreconditionError(
        "the tool answered with a redirect, which connectors never follow");
  }
  char* content_type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type);
  gate::ToolResult result;
  result.http_status = static_cast<int>(status);
  if (spec_.withhold_response) {
    result.withheld = true;
    return result;
  }
  result.content_type =
      ScrubSecrets(content_type == nullptr ? "" : content_type, secret_values);
  result.body = ScrubSecrets(std::move(response), secret_values);
  return result;
}

}  // namespace portcullis::connectors
