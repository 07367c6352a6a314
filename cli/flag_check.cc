#include "cli/flag_check.h"

#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace portcullis::cli {

absl::Status CheckFlags(int argc, char** argv, ScannedArgs* scanned) {
  ScannedArgs ignored;
  ScannedArgs& seen = scanned != nullptr ? *scanned : ignored;
  absl::Status first;
  auto fail = [&](absl::Status s) {
    if (first.ok()) first = std::move(s);
  };
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) seen.words.emplace_back(argv[i]);
      break;
    }
    if (!absl::StartsWith(arg, "-") || arg == "-") {
      seen.words.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    size_t eq = arg.find('=');
    absl::string_view name = arg.substr(0, eq);
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      const absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        seen.flags.emplace_back(name.substr(2));
        continue;
      }
    }
    seen.flags.emplace_back(name);
    if (flag == nullptr) {
      fail(absl::InvalidArgumentError(absl::StrCat("unknown flag --", name)));
      continue;
    }
    if (eq == absl::string_view::npos) {
      // "--flag value", except for booleans, which stand alone.
      if (flag->IsOfType<bool>()) continue;
      if (i + 1 >= argc) {
        fail(absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value")));
        continue;
      }
      ++i;
      continue;
    }
    // Dry-run the value through the flag's own parser; ParseCommandLine sets
    // it again afterwards.
    std::string error;
    absl::CommandLineFlag* mutable_flag = absl::FindCommandLineFlag(name);
    std::string saved = mutable_flag->CurrentValue();
    if (!mutable_flag->ParseFrom(arg.substr(eq + 1), &error)) {
      fail(absl::InvalidArgumentError(
          absl::StrCat("flag --", name, ": ", error)));
      continue;
    }
    mutable_flag->ParseFrom(saved, &error);
  }
  return first;
}

}  // namespace portcullis::cli
