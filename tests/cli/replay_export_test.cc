#include "cli/replay_export.h"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "absl/strings/str_split.h"
#include "codec/proto_record_codec.h"
#include "codec/replay_codec.h"
#include "crypto/master_key_file.h"
#include "gate/internal/recorder.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/replay/v1/recording.pb.h"
#include "tests/cli/replay_fixture.h"
#include "tests/testing/fake_clock.h"

namespace portcullis::cli {
namespace {

using gate::replay::ReplayOutcome;

policy::Action Coupon() {
  policy::Action a;
  a.tenant = "shop";
  a.agent = "bot";
  a.tool = "create_coupon";
  a.arguments["customer_id"] = policy::Value{std::string("c-1")};
  a.context.request_id = "req-1";
  return a;
}

gate::Decision Decided(char id, policy::Outcome outcome,
                       const std::string& rule, absl::Time at) {
  gate::Decision d;
  d.id = std::string(32, id);
  d.tenant = "shop";
  d.verdict.outcome = outcome;
  d.verdict.decided_by = {{rule, rule + " description"}};
  d.policy_version = "1";
  d.policy_hash = std::string(64, '0');
  d.decided_at = at;
  return d;
}

// A sealed ledger for tenant "shop": an allow, a pending decision granted
// later, a rejection by the policy, a refused request, a deny, and entries
// that are not decisions.
class ExportFixture {
 public:
  // With `standing`, two refunds allowed by a standing approval follow
  // (its grant first), and one citing a standing approval whose grant is
  // not on the chain.
  explicit ExportFixture(bool standing = false) {
    auto store = ledger::RocksDbStore::Open(dir_.Sub("data"), {});
    REQUIRE(store.ok());
    REQUIRE(crypto::CreateMasterKeyFile(dir_.Sub("data/master.key")).ok());
    ledger::LedgerOptions options;
    options.master_keys = std::make_shared<std::vector<crypto::MasterKey>>(
        *crypto::ReadMasterKeyFile(dir_.Sub("data/master.key")));
    auto ledger = ledger::Ledger::Open(*std::move(store), options);
    REQUIRE(ledger.ok());
    gate::Recorder recorder(**ledger, codec_);
    const absl::Time t0 = clock_.Now();
    Record(recorder, gate::kPolicyLoaded, t0,
           gate::PolicyRecord{"1", std::string(64, '0'), "shop.policy", {}});
    Evaluated(recorder, Decided('a', policy::Outcome::kAllow, "coupons", t0));
    gate::Decision pending = Decided('b', policy::Outcome::kPendingApproval,
                                     "refunds", t0 + absl::Minutes(1));
    Evaluated(recorder, pending);
    gate::VerdictRecord verdict;
    verdict.resolution = gate::Resolution::kGranted;
    verdict.decision = pending;
    verdict.decision.verdict.outcome = policy::Outcome::kAllow;
    verdict.approval.tenant = "shop";
    verdict.approval.decision_id = pending.id;
    gate::EntryFields granted = gate::FieldsFor(Coupon(), t0 + absl::Minutes(5),
                                                gate::kApprovalGranted);
    granted.decision_id = pending.id;
    REQUIRE(recorder.Record(granted, verdict).ok());
    Record(
        recorder, gate::kActionRejected, t0 + absl::Minutes(6),
        gate::RejectionRecord{
            Coupon(),
            absl::InvalidArgumentError("argument bogus is not declared"), ""});
    Record(recorder, gate::kActionRejected, t0 + absl::Minutes(7),
           gate::RejectionRecord{Coupon(), absl::UnavailableError("disk"), ""});
    Evaluated(recorder, Decided('c', policy::Outcome::kDeny, "coupon-cap",
                                t0 + absl::Minutes(8)));
    if (!standing) return;
    gate::StandingApproval small;
    small.tenant = "shop";
    small.id = "small";
    small.tool = "create_coupon";
    small.not_before = t0;
    small.not_after = t0 + absl::Hours(24);
    small.max_uses = 3;
    small.approver_id = "alice";
    Record(recorder, gate::kStandingGranted, t0 + absl::Minutes(9),
           gate::StandingGrantRecord{
               small, std::string(64, 's'), {"owner", "support"}, "alice-cli"});
    for (char id : {'d', 'e'}) {
      gate::Decision used = Decided(id, policy::Outcome::kAllow,
                                    "standing:small", t0 + absl::Minutes(10));
      used.verdict.decided_by.push_back({"refunds", "refunds need the owner"});
      Evaluated(recorder, used);
    }
    Evaluated(recorder, Decided('f', policy::Outcome::kAllow, "standing:gone",
                                t0 + absl::Minutes(11)));
  }

  std::vector<std::string> Export(LedgerExportArgs args, int expect,
                                  std::string* err = nullptr) {
    if (args.data_dir.empty()) args.data_dir = dir_.Sub("data");
    args.format = "replay";
    Captured c;
    CHECK(RunReplayExport(args, c.io) == expect);
    if (err != nullptr) *err = c.err.str();
    return absl::StrSplit(c.out.str(), '\n', absl::SkipEmpty());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  codec::ProtoRecordCodec codec_;

 private:
  void Record(gate::Recorder& recorder, const char* kind, absl::Time at,
              const gate::Record& record) {
    REQUIRE(recorder.Record(gate::FieldsFor(Coupon(), at, kind), record).ok());
  }
  void Evaluated(gate::Recorder& recorder, const gate::Decision& d) {
    gate::EntryFields f =
        gate::FieldsFor(Coupon(), d.decided_at, gate::kActionEvaluated);
    f.decision_id = d.id;
    REQUIRE(recorder.Record(f, gate::EvaluationRecord{Coupon(), d, ""}).ok());
  }
};

gate::replay::RecordedAction Parse(const std::string& line) {
  codec::ProtoJson json;
  auto parsed = codec::ParseRecordingLine(json, line);
  INFO(line);
  REQUIRE(parsed.ok());
  return *parsed;
}

TEST_CASE("export --format replay writes one line per decision",
          "[cli][replay-export]") {
  ExportFixture f;
  std::string err;
  std::vector<std::string> lines = f.Export({"", "shop"}, kExitOk, &err);
  CHECK(err == "exported 4 recorded actions of tenant shop (entries 1..7)\n");
  REQUIRE(lines.size() == 4);
  const absl::Time t0 = f.clock_.Now();

  gate::replay::RecordedAction allowed = Parse(lines[0]);
  CHECK(allowed.time == t0);
  CHECK(allowed.action.tool == "create_coupon");
  CHECK(allowed.action.context.request_id == "req-1");
  CHECK(allowed.decision.outcome == ReplayOutcome::kAllow);
  CHECK(allowed.decision.decided_by == std::vector<std::string>{"coupons"});
  CHECK(allowed.decision.policy_version == "1");
  CHECK(allowed.decision_id == std::string(32, 'a'));
  CHECK(allowed.ledger_sequence == 2);

  gate::replay::RecordedAction pending = Parse(lines[1]);
  CHECK(pending.decision.outcome == ReplayOutcome::kPendingApproval);
  CHECK(pending.approval_granted_at == t0 + absl::Minutes(5));

  gate::replay::RecordedAction rejected = Parse(lines[2]);
  CHECK(rejected.decision.outcome == ReplayOutcome::kRejected);
  CHECK(rejected.decision.error == "argument bogus is not declared");
  CHECK(rejected.time == t0 + absl::Minutes(6));

  CHECK(Parse(lines[3]).decision.decided_by ==
        std::vector<std::string>{"coupon-cap"});
  // The same ledger exports the same bytes.
  CHECK(f.Export({"", "shop"}, kExitOk) == lines);
}

TEST_CASE("an ALLOW by a standing approval is exported with its grant",
          "[cli][replay-export][standing]") {
  ExportFixture f(/*standing=*/true);
  std::vector<std::string> lines = f.Export({"", "shop"}, kExitOk);
  REQUIRE(lines.size() == 7);
  for (int i : {4, 5}) {
    gate::replay::RecordedAction used = Parse(lines[i]);
    REQUIRE(used.standing.has_value());
    CHECK(used.standing->id == "small");
    CHECK(used.standing->approver_id == "alice");
    CHECK(used.standing->approver_roles ==
          std::vector<std::string>{"owner", "support"});
  }
  CHECK(lines[4].find(R"("standing":{"id":"small","approverId":"alice")") !=
        std::string::npos);
  // A grant not on the chain (pruned): the line says nothing of it.
  CHECK_FALSE(Parse(lines[6]).standing.has_value());
  CHECK_FALSE(Parse(lines[0]).standing.has_value());
}

TEST_CASE("a walk remembers the latest grant of a standing approval id",
          "[cli][replay-export][standing]") {
  codec::ProtoRecordCodec codec;
  auto entry = [&](const char* kind, const std::string& approver,
                   std::vector<std::string> roles) {
    gate::StandingApproval s;
    s.tenant = "shop";
    s.id = "small";
    s.approver_id = approver;
    ledger::Entry e;
    e.tenant = "shop";
    e.kind = kind;
    e.payload = codec.Encode(gate::StandingGrantRecord{
        s, std::string(64, 's'), std::move(roles), "cli"});
    return e;
  };
  StandingGrants grants;
  RememberGrant(codec, entry(gate::kStandingGranted, "alice", {"owner"}),
                grants);
  // The id used again once the first window ended: its uses are the
  // second grant's.
  RememberGrant(codec, entry(gate::kStandingGranted, "bob", {"support"}),
                grants);
  // Not a grant: passed over.
  RememberGrant(codec, entry(gate::kActionEvaluated, "carol", {}), grants);
  REQUIRE(grants.size() == 1);
  CHECK(grants.at("small").approver_id == "bob");
  CHECK(grants.at("small").approver_roles ==
        std::vector<std::string>{"support"});
}

TEST_CASE("a recording line names a standing approval only for an ALLOW by it",
          "[cli][replay-export][standing]") {
  ExportFixture f(/*standing=*/true);
  std::string line = f.Export({"", "shop"}, kExitOk)[4];
  codec::ProtoJson json;
  CHECK(codec::ParseRecordingLine(json, line).ok());
  std::string other = line;
  other.replace(other.find("standing:small"), 14, "standing:large");
  CHECK(
      absl::IsInvalidArgument(codec::ParseRecordingLine(json, other).status()));
  std::string denied = line;
  denied.replace(denied.find("OUTCOME_ALLOW"), 13, "OUTCOME_DENY");
  CHECK(absl::IsInvalidArgument(
      codec::ParseRecordingLine(json, denied).status()));
}

TEST_CASE("export --format replay-binpb writes the same actions in binary",
          "[cli][replay-export]") {
  ExportFixture f;
  std::vector<std::string> lines = f.Export({"", "shop"}, kExitOk);
  LedgerExportArgs args{f.dir_.Sub("data"), "shop"};
  args.format = "replay-binpb";
  Captured c;
  REQUIRE(RunReplayExport(args, c.io) == kExitOk);
  CHECK(c.err.str() ==
        "exported 4 recorded actions of tenant shop (entries 1..7)\n");

  std::istringstream bytes(c.out.str());
  google::protobuf::io::IstreamInputStream stream(&bytes);
  codec::ProtoJson json;
  std::vector<std::string> decoded;
  for (;;) {
    replay::v1::RecordedAction proto;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(
            &proto, &stream, &clean_eof)) {
      CHECK(clean_eof);
      break;
    }
    auto recorded = codec::RecordedActionFromProto(proto);
    REQUIRE(recorded.ok());
    decoded.push_back(codec::RecordingLine(json, *recorded));
  }
  CHECK(decoded == lines);
}

TEST_CASE("export --format replay takes a range of sequences",
          "[cli][replay-export]") {
  ExportFixture f;
  std::vector<std::string> lines = f.Export({"", "shop", 3, 5}, kExitOk);
  REQUIRE(lines.size() == 2);
  CHECK(Parse(lines[0]).decision_id == std::string(32, 'b'));
  CHECK(Parse(lines[1]).decision.outcome == ReplayOutcome::kRejected);
}

TEST_CASE("export --format replay reports what it cannot do",
          "[cli][replay-export]") {
  ExportFixture f;
  std::string err;
  f.Export({"", "../x"}, kExitUsage, &err);
  CHECK(err.find("--tenant") != std::string::npos);
  f.Export({"", "nobody"}, kExitFailed, &err);
  CHECK(err.find("tenant nobody has no entries") != std::string::npos);
  f.Export({"", "shop", 5, 2}, kExitUsage, &err);
  f.Export({f.dir_.Sub("absent")}, kExitUsage);
  LedgerExportArgs bad_key{"", "shop"};
  bad_key.master_key = f.dir_.Sub("absent.key");
  f.Export(bad_key, kExitUsage);

  // Without the master key the sealed payloads cannot be read.
  std::filesystem::rename(f.dir_.Sub("data/master.key"),
                          f.dir_.Sub("moved.key"));
  f.Export({"", "shop"}, kExitUsage, &err);
  CHECK(err.find("--master_key") != std::string::npos);
  LedgerExportArgs with_key{"", "shop"};
  with_key.master_key = f.dir_.Sub("moved.key");
  CHECK(f.Export(with_key, kExitOk).size() == 4);
}

TEST_CASE("export --format replay fails on a decision that does not decode",
          "[cli][replay-export]") {
  ExportFixture f;
  {
    auto store = ledger::RocksDbStore::Open(f.dir_.Sub("data"), {});
    REQUIRE(store.ok());
    ledger::LedgerOptions options;
    options.master_keys = std::make_shared<std::vector<crypto::MasterKey>>(
        *crypto::ReadMasterKeyFile(f.dir_.Sub("data/master.key")));
    auto ledger = ledger::Ledger::Open(*std::move(store), options);
    REQUIRE(ledger.ok());
    ledger::EntryDraft garbage;
    garbage.tenant = "shop";
    garbage.kind = gate::kActionEvaluated;
    garbage.time = f.clock_.Now() + absl::Hours(1);
    garbage.payload = "\xff\xff not a record";
    REQUIRE((*ledger)->Append({garbage}).ok());
  }
  std::string err;
  f.Export({"", "shop"}, kExitFailed, &err);
  CHECK(err.find("entry 8 does not decode") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
