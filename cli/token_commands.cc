#include "cli/token_commands.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/config_loader.h"
#include "identity/principal_table.h"
#include "identity/token.h"

namespace portcullis::cli {
namespace {

using config::v1::PrincipalConfig;
using config::v1::PrincipalsFile;

int Usage(CommandIo& io, absl::string_view command, absl::string_view what) {
  return Complain(io, absl::StrCat("tokens ", command), what, kExitUsage);
}

int Failed(CommandIo& io, absl::string_view command, absl::string_view what) {
  return Complain(io, absl::StrCat("tokens ", command), what, kExitFailed);
}

// Reads the file, or an empty one when it does not exist yet.
absl::StatusOr<PrincipalsFile> Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return PrincipalsFile();
  return config::LoadPrincipalsFile(path);
}

// Writes through a temporary file and a rename, so the gate's watcher
// never reads half a file.
absl::Status Save(const std::string& path, const PrincipalsFile& file) {
  // Refuse anything the gate would not load.
  std::vector<PrincipalConfig> list(file.principals().begin(),
                                    file.principals().end());
  if (auto table = identity::PrincipalTable::Create(list); !table.ok()) {
    return table.status();
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  auto printed =
      google::protobuf::util::MessageToJsonString(file, &json, options);
  if (!printed.ok()) return absl::InternalError(std::string(printed.message()));
  std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", temporary, ": ", std::strerror(errno)));
  }
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, json.data(), json.size()) ==
                static_cast<ssize_t>(json.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

template <typename Range>
std::vector<std::string> Sorted(const Range& range) {
  std::vector<std::string> out(range.begin(), range.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int RunTokensCreate(const TokensCreateArgs& args, CommandIo& io) {
  if (args.principal.empty() || args.roles.empty() || args.tenants.empty()) {
    return Usage(io, "create",
                 "--principal, --role and --tenant are required (lists are "
                 "comma-separated; --tenant '*' for every tenant)");
  }
  PrincipalConfig wanted;
  wanted.set_name(args.principal);
  for (const std::string& r : args.roles) wanted.add_roles(r);
  for (const std::string& t : args.tenants) wanted.add_tenants(t);
  for (uint32_t uid : args.unix_uids) wanted.add_unix_uids(uid);
  for (const std::string& a : args.agents) wanted.add_agents(a);
  std::string token = identity::NewToken();
  std::string hash = identity::TokenHash(token);
  wanted.add_token_hashes(hash);
  {
    std::vector<PrincipalConfig> alone = {wanted};
    if (auto table = identity::PrincipalTable::Create(alone); !table.ok()) {
      return Usage(io, "create", table.status().message());
    }
  }

  if (!args.principals_file.empty()) {
    absl::StatusOr<PrincipalsFile> file = Load(args.principals_file);
    if (!file.ok()) return Failed(io, "create", file.status().message());
    PrincipalConfig* existing = nullptr;
    for (PrincipalConfig& p : *file->mutable_principals()) {
      if (p.name() == args.principal) existing = &p;
    }
    if (existing == nullptr) {
      *file->add_principals() = wanted;
    } else {
      // A new token for an existing principal (rotation): its roles and
      // tenants must be as they are, so a token never widens access.
      if (Sorted(existing->roles()) != Sorted(wanted.roles()) ||
          Sorted(existing->tenants()) != Sorted(wanted.tenants()) ||
          (!args.agents.empty() &&
           Sorted(existing->agents()) != Sorted(wanted.agents()))) {
        return Failed(io, "create",
                      absl::StrCat("principal \"", args.principal,
                                   "\" exists with other roles or tenants (or "
                                   "agents); "
                                   "edit the file to change them"));
      }
      existing->add_token_hashes(hash);
      for (uint32_t uid : args.unix_uids) {
        if (std::find(existing->unix_uids().begin(),
                      existing->unix_uids().end(),
                      uid) == existing->unix_uids().end()) {
          existing->add_unix_uids(uid);
        }
      }
    }
    if (absl::Status s = Save(args.principals_file, *file); !s.ok()) {
      return Failed(io, "create", s.message());
    }
  }
  io.out << "token (shown once; keep it secret, e.g. in PORTCULLIS_TOKEN):\n"
         << token << "\n"
         << "hash: " << hash << "\n";
  if (args.principals_file.empty()) {
    io.out << "add to the gate's configuration:\nprincipals:\n  - name: "
           << args.principal << "\n    roles: ["
           << absl::StrJoin(args.roles, ", ") << "]\n    tenants: ["
           << absl::StrJoin(args.tenants, ", ",
                            [](std::string* out, const std::string& t) {
                              absl::StrAppend(out, t == "*" ? "'*'" : t);
                            })
           << "]\n";
    if (!args.agents.empty()) {
      io.out << "    agents: ['" << absl::StrJoin(args.agents, "', '")
             << "']\n";
    }
    io.out << "    tokenHashes: ['" << hash << "']\n";
  } else {
    io.out << "written to " << args.principals_file
           << "; the gate picks it up on its own (or on SIGHUP)\n";
  }
  return kExitOk;
}

int RunTokensRevoke(const TokensRevokeArgs& args, CommandIo& io) {
  if (args.principals_file.empty() || args.principal.empty() ||
      args.token_hash.empty()) {
    return Usage(io, "revoke",
                 "--principals_file, --principal and --token_hash are "
                 "required");
  }
  absl::StatusOr<PrincipalsFile> file = Load(args.principals_file);
  if (!file.ok()) return Failed(io, "revoke", file.status().message());
  bool found = false;
  auto* principals = file->mutable_principals();
  for (int i = 0; i < principals->size(); ++i) {
    PrincipalConfig& p = *principals->Mutable(i);
    if (p.name() != args.principal) continue;
    auto* hashes = p.mutable_token_hashes();
    for (int j = 0; j < hashes->size(); ++j) {
      if (hashes->Get(j) == args.token_hash) {
        hashes->erase(hashes->begin() + j);
        found = true;
        break;
      }
    }
    if (found && p.token_hashes().empty() && p.unix_uids().empty()) {
      principals->erase(principals->begin() + i);
    }
    break;
  }
  if (!found) {
    return Failed(io, "revoke",
                  absl::StrCat("principal \"", args.principal,
                               "\" has no token with that hash"));
  }
  if (absl::Status s = Save(args.principals_file, *file); !s.ok()) {
    return Failed(io, "revoke", s.message());
  }
  io.out << "revoked; the gate stops accepting the token when it reloads "
            "the file\n";
  return kExitOk;
}

int RunTokensList(const std::string& principals_file, CommandIo& io) {
  if (principals_file.empty()) {
    return Usage(io, "list", "--principals_file is required");
  }
  absl::StatusOr<PrincipalsFile> file = Load(principals_file);
  if (!file.ok()) return Failed(io, "list", file.status().message());
  for (const PrincipalConfig& p : file->principals()) {
    io.out << p.name() << "  roles: " << absl::StrJoin(p.roles(), ",")
           << "  tenants: " << absl::StrJoin(p.tenants(), ",");
    if (!p.unix_uids().empty()) {
      io.out << "  uids: " << absl::StrJoin(p.unix_uids(), ",");
    }
    io.out << "\n";
    for (const std::string& hash : p.token_hashes()) {
      io.out << "  token " << hash << "\n";
    }
  }
  return kExitOk;
}

}  // namespace portcullis::cli
