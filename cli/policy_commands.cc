#include "cli/policy_commands.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/recording_reader.h"
#include "codec/action_codec.h"
#include "crypto/hash.h"
#include "gate/action_digest.h"
#include "gate/action_validation.h"
#include "gate/file_policy_source.h"
#include "gate/policy_loader.h"
#include "gate/replay/replayer.h"
#include "policy/compiler.h"
#include "policy/explain.h"
#include "policy/usage.h"

namespace portcullis::cli {
namespace {

absl::StatusOr<v1::Action> ReadActionJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  v1::Action action;
  auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &action);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a portcullis.v1.Action in JSON: ",
                     std::string(status.message())));
  }
  return action;
}

absl::StatusOr<absl::Time> ParseInstant(const std::string& text,
                                        const Clock& clock) {
  if (text.empty()) return clock.Now();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--at \"", text, "\" is not an RFC 3339 instant (", error,
                     "), e.g. 2026-11-22T08:59:00+03:00"));
  }
  return t;
}

int Report(CommandIo& io, absl::string_view command, const absl::Status& s) {
  io.err << "portcullis " << command << ": " << s.message() << "\n";
  return kExitUsage;
}

}  // namespace

absl::StatusOr<gate::PolicyText> ReadPolicyText(
    const std::vector<std::string>& paths) {
  if (paths.empty()) {
    return absl::InvalidArgumentError("name at least one policy file");
  }
  gate::PolicyText text;
  for (const std::string& path : paths) {
    absl::StatusOr<gate::PolicyText> part = gate::FilePolicySource(path).Read();
    if (!part.ok()) return part.status();
    for (policy::SourceFile& file : part->files) {
      text.files.push_back(std::move(file));
    }
    absl::StrAppend(&text.description, text.description.empty() ? "" : " ",
                    path);
  }
  return text;
}

int RunPolicyCheck(const PolicyCheckArgs& args, CommandIo& io) {
  absl::StatusOr<gate::PolicyText> text = ReadPolicyText(args.paths);
  if (!text.ok()) return Report(io, "policy check", text.status());
  policy::CompileResult result = policy::Compile(text->files);
  if (args.json) {
    google::protobuf::Struct out;
    SetBool(out, "ok", result.errors.empty());
    google::protobuf::ListValue* errors =
        (*out.mutable_fields())["errors"].mutable_list_value();
    for (const policy::Diagnostic& d : result.errors) {
      errors->add_values()->set_string_value(d.ToString());
    }
    if (result.errors.empty()) {
      SetString(out, "version", std::string(result.policy->version()));
      SetNumber(out, "tenants",
                static_cast<double>(result.policy->Tenants().size()));
      SetNumber(out, "rules",
                static_cast<double>(result.policy->Rules().size()));
      SetString(out, "contentHash", gate::PolicyContentHash(*text));
    }
    PrintJson(io, "policy check", out);
    return result.errors.empty() ? kExitOk : kExitFailed;
  }
  if (!result.errors.empty()) {
    for (const policy::Diagnostic& d : result.errors) {
      io.out << d.ToString() << "\n";
    }
    io.out << result.errors.size() << " error"
           << (result.errors.size() == 1 ? "" : "s") << "\n";
    return kExitFailed;
  }
  io.out << "ok: policy version " << result.policy->version() << ", "
         << result.policy->Tenants().size() << " tenants, "
         << result.policy->Rules().size() << " rules, content hash "
         << gate::PolicyContentHash(*text) << "\n";
  return kExitOk;
}

namespace {

// Replays the actions of `tenant` in the recording at `path` decided
// before `at` into `replayer`; returns how many. InvalidArgument names the
// line that cannot be read or replayed.
absl::StatusOr<uint64_t> ReplayHistory(const std::string& path,
                                       const std::string& tenant, absl::Time at,
                                       gate::replay::Replayer& replayer) {
  absl::StatusOr<RecordingFormat> format = RecordingFormatFor(path, "");
  if (!format.ok()) return format.status();
  absl::StatusOr<std::unique_ptr<RecordingReader>> reader =
      RecordingReader::Open(path, *format);
  if (!reader.ok()) return reader.status();
  uint64_t replayed = 0;
  gate::replay::RecordedAction recorded;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(recorded);
    if (!more.ok()) return more.status();
    if (!*more) return replayed;
    if (recorded.action.tenant != tenant || recorded.time >= at) continue;
    absl::StatusOr<gate::replay::ReplayedDecision> decided =
        replayer.Replay(recorded);
    if (!decided.ok()) return (*reader)->AtLine(decided.status());
    ++replayed;
  }
}

}  // namespace

int RunPolicyExplain(const PolicyExplainArgs& args, const Clock& clock,
                     CommandIo& io) {
  constexpr absl::string_view kCommand = "policy explain";
  if (args.policy.empty() || args.action_file.empty()) {
    return Report(io, kCommand,
                  absl::InvalidArgumentError(
                      "--policy FILE and --action ACTION.json are required"));
  }
  absl::StatusOr<absl::Time> at = ParseInstant(args.at, clock);
  if (!at.ok()) return Report(io, kCommand, at.status());
  absl::StatusOr<v1::Action> proto = ReadActionJson(args.action_file);
  if (!proto.ok()) return Report(io, kCommand, proto.status());
  absl::StatusOr<policy::Action> action = codec::ActionFromProto(*proto);
  if (!action.ok()) return Report(io, kCommand, action.status());
  if (absl::Status s = gate::ValidateAction(*action, {}); !s.ok()) {
    return Report(io, kCommand, s);
  }
  absl::StatusOr<gate::PolicyText> text = ReadPolicyText({args.policy});
  if (!text.ok()) return Report(io, kCommand, text.status());

  policy::CompileResult result = policy::Compile(text->files);
  if (!result.errors.empty()) {
    for (const policy::Diagnostic& d : result.errors) {
      io.err << d.ToString() << "\n";
    }
    return kExitFailed;
  }
  // The history's actions of the tenant before `at`, replayed in order.
  gate::replay::Replayer replayer(*result.policy);
  uint64_t replayed = 0;
  if (!args.history.empty()) {
    absl::StatusOr<uint64_t> n =
        ReplayHistory(args.history, action->tenant, *at, replayer);
    if (!n.ok()) return Report(io, kCommand, n.status());
    replayed = *n;
  }
  std::vector<policy::RuleTrace> trace;
  absl::StatusOr<policy::Verdict> verdict = result.policy->Evaluate(
      *action, *at, replayer.CountersAt(action->tenant, *at), &trace);
  if (!verdict.ok()) {
    io.out << "rejected: " << verdict.status().message() << "\n";
    return kExitFailed;
  }
  io.out << "at: "
         << absl::FormatTime(absl::RFC3339_full, *at, absl::UTCTimeZone())
         << "\npolicy: version " << result.policy->version() << "\n";
  if (!args.history.empty()) {
    io.out << "history: " << replayed << " recorded action"
           << (replayed == 1 ? "" : "s") << " of tenant " << action->tenant
           << " before it, from " << args.history << "\n";
  }
  io.out << "action digest: " << crypto::ToHex(gate::ActionDigest(*action))
         << "\n"
         << policy::FormatExplanation(*action, *verdict, trace);
  return kExitOk;
}

}  // namespace portcullis::cli
