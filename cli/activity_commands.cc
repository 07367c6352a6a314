#include "cli/activity_commands.h"

#include <chrono>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/activity_format.h"
#include "cli/gate_client.h"
#include "cli/syslog_sender.h"
#include "codec/proto_json.h"

namespace portcullis::cli {
namespace {

constexpr char kCommand[] = "activity tail";

// Writes one event where the command sends them.
class EventSink {
 public:
  EventSink(const ActivityTailArgs& args, CommandIo& io,
            std::unique_ptr<SyslogTcpSender> sender)
      : syslog_(args.format == "syslog"),
        io_(io),
        sender_(std::move(sender)),
        origin_(LocalSyslogOrigin()) {}

  absl::Status Write(const v1::ActivityEvent& event) {
    std::string line;
    if (syslog_) {
      line = SyslogMessage(event, origin_);
    } else {
      absl::StatusOr<std::string> json = json_.Print(event);
      if (!json.ok()) return json.status();
      line = *std::move(json);
    }
    if (sender_ != nullptr) return sender_->Send(line);
    io_.out << line << "\n" << std::flush;
    return absl::OkStatus();
  }

 private:
  const bool syslog_;
  CommandIo& io_;
  std::unique_ptr<SyslogTcpSender> sender_;
  const SyslogOrigin origin_;
  codec::ProtoJson json_;
};

// Where to pick up again: "--tenant a --from 42", or each tenant's next
// sequence when the stream followed several.
std::string ResumeHint(const std::string& tenant,
                       const std::map<std::string, uint64_t>& next) {
  if (next.empty()) return "";
  if (!tenant.empty()) {
    return absl::StrCat("; resume with --tenant ", tenant, " --from ",
                        next.at(tenant));
  }
  return absl::StrCat("; each tenant's next sequence: ",
                      absl::StrJoin(next, ", ", absl::PairFormatter("=")));
}

}  // namespace

int RunActivityTail(const ActivityTailArgs& given, CommandIo& io) {
  ActivityTailArgs args = given;
  if (!args.syslog_address.empty() && args.format.empty()) {
    args.format = "syslog";
  }
  if (args.format.empty()) args.format = "json";
  if (args.format != "json" && args.format != "syslog") {
    return Complain(io, kCommand,
                    absl::StrCat("unknown --format \"", args.format,
                                 "\"; use json or syslog"),
                    kExitUsage);
  }
  if (!args.syslog_address.empty() && args.format != "syslog") {
    return Complain(io, kCommand,
                    "--syslog_address sends syslog messages; drop --format "
                    "json",
                    kExitUsage);
  }
  std::unique_ptr<SyslogTcpSender> sender;
  if (!args.syslog_address.empty()) {
    auto connected = SyslogTcpSender::Connect(args.syslog_address);
    if (!connected.ok()) {
      return Complain(io, kCommand, connected.status().message(),
                      absl::IsInvalidArgument(connected.status())
                          ? kExitUsage
                          : kExitFailed);
    }
    sender = *std::move(connected);
  }
  EventSink sink(args, io, std::move(sender));

  GateClient client(args.gate.empty() ? kDefaultGateAddress : args.gate,
                    args.token);
  v1::TailActivityRequest request;
  request.set_tenant(args.tenant);
  request.set_from_sequence(args.from);
  std::unique_ptr<grpc::ClientContext> context = client.Context();
  // A tail follows the gate for as long as it runs.
  context->set_deadline(std::chrono::system_clock::time_point::max());
  auto stream = client.admin().TailActivity(context.get(), request);

  std::map<std::string, uint64_t> next;
  uint64_t written = 0;
  absl::Status writing;
  v1::ActivityEvent event;
  while ((args.limit == 0 || written < args.limit) && stream->Read(&event)) {
    writing = sink.Write(event);
    if (!writing.ok()) break;
    next[event.tenant()] = event.sequence() + 1;
    ++written;
  }
  bool stopped = !writing.ok() || (args.limit != 0 && written >= args.limit);
  if (stopped) context->TryCancel();
  grpc::Status finished = stream->Finish();
  if (!writing.ok()) {
    return Complain(
        io, kCommand,
        absl::StrCat(writing.message(), ResumeHint(args.tenant, next)),
        kExitFailed);
  }
  if (stopped) return kExitOk;
  absl::Status s = client.Check(finished);
  if (s.ok()) s = absl::UnavailableError("the gate ended the stream");
  return GateRefused(
      io, kCommand,
      absl::Status(s.code(),
                   absl::StrCat(s.message(), ResumeHint(args.tenant, next))));
}

}  // namespace portcullis::cli
