#include "cli/ledger_merge.h"

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "absl/strings/str_split.h"
#include "cli/ledger_export.h"
#include "cli/ledger_verify_export.h"
#include "crypto/key_file.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"
#include "portcullis/ledger/v1/export.pb.h"
#include "tests/cli/captured.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

namespace v1 = ::portcullis::ledger::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767528000);

// Replicas' ledgers under one directory, each exported to <name>.jsonl.
struct Replicas {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::map<std::string, crypto::SigningKey> keys;

  // Writes a ledger for replica `name` ("" for a gate that names none)
  // into <dir>/<data>, signed by key `key`, with entries of `tenant` at
  // the given seconds after kStart, and exports it to <data>.jsonl.
  std::string Ledger(const std::string& data, const std::string& name,
                     const std::vector<int>& seconds,
                     const std::string& key = "k0",
                     const std::string& tenant = "shop") {
    if (keys.find(key) == keys.end()) {
      keys.emplace(key, crypto::SigningKey::Generate());
      REQUIRE(crypto::WriteVerifyingKeyFile(dir.Sub(key + ".pub"),
                                            keys.at(key).verifying_key())
                  .ok());
    }
    {
      auto store = ledger::RocksDbStore::Open(dir.Sub(data), {});
      REQUIRE(store.ok());
      ledger::LedgerOptions options;
      options.checkpoints.key = &keys.at(key);
      options.clock = &clock;
      options.replica = name;
      auto opened = ledger::Ledger::Open(std::move(*store), options);
      REQUIRE(opened.ok());
      for (int s : seconds) {
        ledger::EntryDraft d;
        d.tenant = tenant;
        d.time = kStart + absl::Seconds(s);
        d.kind = "action.evaluated";
        d.payload = name + "@" + std::to_string(s);
        REQUIRE((*opened)->Append({d}).ok());
      }
      REQUIRE((*opened)->SignCheckpoints(true).ok());
    }
    Captured c;
    LedgerExportArgs args;
    args.data_dir = dir.Sub(data);
    args.tenant = tenant;
    REQUIRE(RunLedgerExport(args, c.io) == kExitOk);
    std::string file = dir.Sub(data + ".jsonl");
    std::ofstream(file) << c.out.str();
    return file;
  }

  int Merge(const std::vector<std::string>& files, const std::string& keys,
            std::string& out, std::string& err) {
    Captured c;
    int code = RunLedgerMerge({files, keys}, c.io);
    out = c.out.str();
    err = c.err.str();
    return code;
  }
};

std::vector<v1::MergedLine> Parse(const std::string& text) {
  std::vector<v1::MergedLine> lines;
  for (absl::string_view l : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    v1::MergedLine line;
    REQUIRE(google::protobuf::util::JsonStringToMessage(std::string(l), &line)
                .ok());
    lines.push_back(line);
  }
  return lines;
}

std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string Read(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("replicas' exports merge in time order, then replica and sequence",
          "[merge][replica]") {
  Replicas r;
  std::string a = r.Ledger("a", "agent-0", {10, 30, 30});
  std::string b = r.Ledger("b", "agent-1", {20, 30, 5});
  std::string out, err;
  REQUIRE(r.Merge({b, a}, r.dir.Sub("k0.pub"), out, err) == kExitOk);
  std::vector<v1::MergedLine> lines = Parse(out);
  REQUIRE(lines.size() == 7);
  REQUIRE(lines[0].has_header());
  const v1::MergeHeader& header = lines[0].header();
  CHECK(header.format() == "portcullis/ledger-merge/v1");
  REQUIRE(header.exports_size() == 2);
  CHECK(header.exports(0).file() == b);
  CHECK(header.exports(0).replicas(0) == "agent-1");
  CHECK(header.exports(1).tenant() == "shop");
  CHECK(header.exports(1).checkpoint_size() == 3);

  using Row = std::tuple<int, std::string, uint64_t, uint32_t>;
  std::vector<Row> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const v1::MergedEntry& e = lines[i].entry();
    CHECK(e.replica() == e.entry().replica());
    CHECK(e.sequence() == e.entry().sequence());
    CHECK(e.tenant() == "shop");
    rows.emplace_back(static_cast<int>(absl::ToUnixSeconds(absl::FromUnixNanos(
                                           e.entry().time_unix_nanos())) -
                                       absl::ToUnixSeconds(kStart)),
                      e.replica(), e.sequence(), e.export_index());
  }
  // Entry 3 of agent-1 was recorded at 5 s: time orders the stream, not
  // sequence; at 30 s, agent-0's two entries come before agent-1's.
  const std::vector<Row> expected = {
      {5, "agent-1", 3, 0},  {10, "agent-0", 1, 1}, {20, "agent-1", 1, 0},
      {30, "agent-0", 2, 1}, {30, "agent-0", 3, 1}, {30, "agent-1", 2, 0}};
  CHECK(rows == expected);
  CHECK(lines[1].entry().time() == "2026-01-04T12:00:05Z");
  // Defaults are written too: the first export's index is there.
  CHECK(out.find("\"exportIndex\":0") != std::string::npos);
}

TEST_CASE("a replica's export verifies and names its replica",
          "[merge][replica]") {
  Replicas r;
  std::string a = r.Ledger("a", "agent-0", {1, 2});
  std::string text = Read(a);
  CHECK(text.find("\"replica\":\"agent-0\"") != std::string::npos);
  CHECK(text.find("replica agent-0\\n") != std::string::npos);  // the note
  Captured c;
  CHECK(RunLedgerVerifyExport({a, r.dir.Sub("k0.pub")}, c.io) == kExitOk);
  std::ofstream(r.dir.Sub("renamed.jsonl"))
      << Replace(text, "\"replica\":\"agent-0\"", "\"replica\":\"agent-9\"");
  Captured renamed;
  CHECK(RunLedgerVerifyExport({r.dir.Sub("renamed.jsonl"), r.dir.Sub("k0.pub")},
                              renamed.io) == kExitFailed);
  CHECK(renamed.out.str().find("line 3 (sequence 1): the entry's hash does not "
                               "match its contents") != std::string::npos);
}

TEST_CASE("a merge refuses an export that does not verify, naming it",
          "[merge][replica]") {
  Replicas r;
  std::string a = r.Ledger("a", "agent-0", {10, 30});
  std::string b = r.Ledger("b", "agent-1", {20});
  std::string tampered = r.dir.Sub("tampered.jsonl");
  std::string out, err;
  SECTION("an entry given to another replica") {
    std::ofstream(tampered) << Replace(Read(b), "\"replica\":\"agent-1\"",
                                       "\"replica\":\"agent-0\"");
    CHECK(r.Merge({a, tampered}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find(tampered + " does not verify: line 3 (sequence 1): the "
                              "entry's hash does not match") !=
          std::string::npos);
  }
  SECTION("an entry removed") {
    std::string text = Read(a);
    text.erase(text.rfind("{\"entry\""));
    std::ofstream(tampered) << text;
    CHECK(r.Merge({tampered, b}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find(tampered + " does not verify: the export ends at entry 1") !=
          std::string::npos);
  }
  SECTION("an export signed by a key not given") {
    std::string c = r.Ledger("c", "agent-2", {5}, "k1");
    CHECK(r.Merge({a, c}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find(c + " does not verify") != std::string::npos);
    CHECK(err.find("not signed by the gate's key") != std::string::npos);
    // With both keys, both verify.
    CHECK(r.Merge({a, c}, r.dir.Sub("k0.pub") + "," + r.dir.Sub("k1.pub"), out,
                  err) == kExitOk);
    CHECK(Parse(out).size() == 4);
    return;
  }
  CHECK(out.empty());
  CHECK(err.find("nothing merged") != std::string::npos);
}

TEST_CASE("a merge refuses two exports of one replica and tenant",
          "[merge][replica]") {
  Replicas r;
  std::string out, err;
  SECTION("the same export twice") {
    std::string a = r.Ledger("a", "agent-0", {10});
    CHECK(r.Merge({a, a}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find(a + " and " + a +
                   " both hold entries of tenant shop by replica agent-0") !=
          std::string::npos);
  }
  SECTION("two ledgers that call themselves the same") {
    std::string a = r.Ledger("a", "agent-0", {10});
    std::string b = r.Ledger("b", "agent-0", {20});
    CHECK(r.Merge({a, b}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find("both hold entries of tenant shop by replica agent-0") !=
          std::string::npos);
  }
  SECTION("one unnamed ledger's export twice") {
    std::string a = r.Ledger("a", "", {10, 20});
    CHECK(r.Merge({a, a}, r.dir.Sub("k0.pub"), out, err) == kExitFailed);
    CHECK(err.find(a + " and " + a +
                   " hold the same entry of tenant shop (sequence 1)") !=
          std::string::npos);
  }
  CHECK(out.empty());
}

TEST_CASE("two ledgers that name no replica merge, told apart by export",
          "[merge][replica]") {
  Replicas r;
  std::string a = r.Ledger("a", "", {10, 30});
  std::string b = r.Ledger("b", "", {20});
  std::string out, err;
  REQUIRE(r.Merge({a, b}, r.dir.Sub("k0.pub"), out, err) == kExitOk);
  std::vector<v1::MergedLine> lines = Parse(out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].entry().export_index() == 0);
  CHECK(lines[2].entry().export_index() == 1);
  CHECK(lines[2].entry().sequence() == 1);
  CHECK(lines[3].entry().sequence() == 2);
  CHECK(lines[0].header().exports(1).replicas(0).empty());
}

TEST_CASE("a merge takes one replica's tenants and one unnamed ledger",
          "[merge][replica]") {
  Replicas r;
  std::string shop = r.Ledger("a", "agent-0", {10}, "k0", "shop");
  std::string other = r.Ledger("b", "agent-0", {5}, "k0", "other");
  std::string old = r.Ledger("c", "", {7});
  std::string out, err;
  REQUIRE(r.Merge({shop, other, old}, r.dir.Sub("k0.pub"), out, err) ==
          kExitOk);
  std::vector<v1::MergedLine> lines = Parse(out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].entry().tenant() == "other");
  CHECK(lines[2].entry().replica().empty());
  CHECK(out.find("{\"entry\":{\"replica\":\"\",") != std::string::npos);
  CHECK(lines[2].entry().entry().version() == 2);
  CHECK(lines[3].entry().replica() == "agent-0");
}

TEST_CASE("merge reports usage errors", "[merge]") {
  Replicas r;
  std::string out, err;
  CHECK(r.Merge({}, "k.pub", out, err) == kExitUsage);
  CHECK(r.Merge({r.dir.Sub("none.jsonl")}, "", out, err) == kExitUsage);
  std::string a = r.Ledger("a", "agent-0", {1});
  CHECK(r.Merge({a}, r.dir.Sub("missing.pub"), out, err) == kExitUsage);
  CHECK(r.Merge({r.dir.Sub("none.jsonl")}, r.dir.Sub("k0.pub"), out, err) ==
        kExitUsage);
  CHECK(err.find("cannot read") != std::string::npos);
}

}  // namespace
}  // namespace portcullis::cli
