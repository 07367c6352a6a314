// The CLI conventions, for every subcommand in the CLI's own table: --help
// prints its usage and exits 0; a flag it does not take is an error (exit
// 2) naming the command, with its usage on stderr. Runs the real binary.
#include "cli/command_table.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/temp_dir.h"

namespace portcullis::cli {
namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `portcullis ARGS` (words, no shell metacharacters).
Run Portcullis(const testing::TempDir& dir, const std::string& args) {
  const std::string command =
      absl::StrCat(PORTCULLIS_BINARY_DIR, "/cli/portcullis ", args, " >",
                   dir.Sub("out"), " 2>", dir.Sub("err"), " </dev/null");
  int status = std::system(command.c_str());
  Run run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(dir.Sub("out"));
  run.err = Slurp(dir.Sub("err"));
  return run;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("every subcommand answers --help with its own usage",
          "[cli][conventions]") {
  testing::TempDir dir;
  REQUIRE(Commands().size() > 20);
  for (const CommandSpec& command : Commands()) {
    INFO(command.name);
    Run run = Portcullis(dir, absl::StrCat(command.name, " --help"));
    CHECK(run.code == 0);
    CHECK(Contains(run.out,
                   absl::StrCat("usage: portcullis ", command.name, " ")));
    CHECK(run.err.empty());
    // -h works too, and --help wins over missing or bad flags.
    CHECK(Portcullis(dir, absl::StrCat(command.name, " -h --no_such_flag"))
              .code == 0);
  }
  Run all = Portcullis(dir, "--help");
  CHECK(all.code == 0);
  for (const CommandSpec& command : Commands()) {
    CHECK(Contains(all.out, absl::StrCat("portcullis ", command.name, " ")));
  }
  Run group = Portcullis(dir, "ledger --help");
  CHECK(group.code == 0);
  CHECK(Contains(group.out, "portcullis ledger prune"));
  CHECK(!Contains(group.out, "portcullis tokens"));
}

TEST_CASE("a flag a subcommand does not take is an error naming it",
          "[cli][conventions]") {
  testing::TempDir dir;
  for (const CommandSpec& command : Commands()) {
    INFO(command.name);
    Run unknown =
        Portcullis(dir, absl::StrCat(command.name, " --no_such_flag"));
    CHECK(unknown.code == 2);
    CHECK(Contains(unknown.err, absl::StrCat("portcullis ", command.name,
                                             ": unknown flag --no_such_flag")));
    CHECK(Contains(unknown.err,
                   absl::StrCat("usage: portcullis ", command.name, " ")));
    CHECK(unknown.out.empty());
    // A flag that exists, but for other commands.
    const std::vector<std::string>& flags = command.flags;
    std::string other;
    for (const char* candidate : {"principals_file", "receipt", "junit"}) {
      if (std::find(flags.begin(), flags.end(), candidate) == flags.end()) {
        other = candidate;
        break;
      }
    }
    REQUIRE(!other.empty());
    Run foreign =
        Portcullis(dir, absl::StrCat(command.name, " --", other, " x"));
    CHECK(foreign.code == 2);
    CHECK(Contains(foreign.err,
                   absl::StrCat("portcullis ", command.name, ": --", other,
                                " is not a flag of \"", command.name, "\"")));
  }
}

TEST_CASE("the command table finds the longest command the words name",
          "[cli][conventions]") {
  CHECK(FindCommand({"ledger", "verify"})->name == "ledger verify");
  CHECK(FindCommand({"ledger", "verify-export", "f"})->name ==
        "ledger verify-export");
  CHECK(FindCommand({"approve", "id-1"})->name == "approve");
  CHECK(FindCommand({"reload", "extra"}) == nullptr);
  CHECK(FindCommand({"ledger"}) == nullptr);
  CHECK(FindCommand({}) == nullptr);
}

TEST_CASE("policy check --json prints one parseable object",
          "[cli][conventions][json]") {
  testing::TempDir dir;
  Run ok = Portcullis(dir, absl::StrCat("policy check ", PORTCULLIS_SOURCE_DIR,
                                        "/examples/ --json"));
  REQUIRE(ok.code == 0);
  google::protobuf::Struct parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(ok.out, &parsed).ok());
  CHECK(parsed.fields().at("ok").bool_value());
  CHECK(parsed.fields().at("rules").number_value() > 0);
  std::ofstream(dir.Sub("broken.policy")) << "policy \"x\" version\n";
  Run broken = Portcullis(
      dir, absl::StrCat("policy check ", dir.Sub("broken.policy"), " --json"));
  CHECK(broken.code == 1);
  google::protobuf::Struct failed;
  REQUIRE(
      google::protobuf::util::JsonStringToMessage(broken.out, &failed).ok());
  CHECK(!failed.fields().at("ok").bool_value());
  CHECK(failed.fields().at("errors").list_value().values_size() > 0);
}

}  // namespace
}  // namespace portcullis::cli
