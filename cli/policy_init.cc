#include "cli/policy_init.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "cli/text_file.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace portcullis::cli {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// A description shown as a comment: one line, control characters as
// spaces, at most 200 bytes (cut on a UTF-8 character boundary).
std::string CommentText(absl::string_view text) {
  std::string out;
  for (char c : text) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  if (collapsed.size() > 200) {
    size_t cut = 200;
    while (cut > 0 &&
           (static_cast<unsigned char>(collapsed[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    collapsed = collapsed.substr(0, cut) + "...";
  }
  return collapsed;
}

// A policy string literal, or nothing when the text cannot be one (a line
// break or control character, or longer than a policy string may be).
std::optional<std::string> Quoted(absl::string_view text) {
  if (text.size() > 4096) return std::nullopt;
  std::string out = "\"";
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const Value* Field(const Struct& s, absl::string_view name) {
  auto it = s.fields().find(std::string(name));
  return it == s.fields().end() ? nullptr : &it->second;
}

std::optional<std::string> StringField(const Struct& s,
                                       absl::string_view name) {
  const Value* v = Field(s, name);
  if (v == nullptr || v->kind_case() != Value::kStringValue) {
    return std::nullopt;
  }
  return v->string_value();
}

std::optional<bool> BoolField(const Struct& s, absl::string_view name) {
  const Value* v = Field(s, name);
  if (v == nullptr || v->kind_case() != Value::kBoolValue) return std::nullopt;
  return v->bool_value();
}

// The JSON Schema type of a property: "string", "integer", ... A union
// with "null" counts as its other member; anything else is empty.
std::string SchemaType(const Struct& schema) {
  const Value* type = Field(schema, "type");
  if (type == nullptr) return "";
  if (type->kind_case() == Value::kStringValue) return type->string_value();
  if (type->kind_case() != Value::kListValue) return "";
  std::vector<std::string> types;
  for (const Value& t : type->list_value().values()) {
    if (t.kind_case() == Value::kStringValue && t.string_value() != "null") {
      types.push_back(t.string_value());
    }
  }
  return types.size() == 1 ? types[0] : "";
}

// One `arg` line, or why it cannot be written.
struct ArgLine {
  std::string type;           // the policy type; empty when not declarable
  std::string default_value;  // for optional arguments
  std::string note;           // a comment after the line, or the reason
};

// The policy type of a scalar schema, or empty with `note` saying why. An
// enum's members, quoted, go to `members_out`.
std::string ScalarType(const Struct& schema, std::string& note,
                       std::vector<std::string>& members_out) {
  if (const Value* members = Field(schema, "enum"); members != nullptr) {
    if (members->kind_case() != Value::kListValue ||
        members->list_value().values().empty()) {
      note = "its enum lists nothing";
      return "";
    }
    std::vector<std::string>& quoted = members_out;
    for (const Value& m : members->list_value().values()) {
      std::optional<std::string> q;
      if (m.kind_case() == Value::kStringValue) q = Quoted(m.string_value());
      if (!q.has_value()) {
        note = "its enum has a member that is not a one-line string";
        return "";
      }
      quoted.push_back(*q);
    }
    return absl::StrCat("enum(", absl::StrJoin(quoted, ", "), ")");
  }
  const std::string type = SchemaType(schema);
  if (type == "string") return "string";
  if (type == "integer") return "int";
  if (type == "boolean") return "bool";
  if (type == "number") {
    note =
        "a number: if it is an amount of money, declare it as money(CUR) with "
        "its currency (the policy language has no floating point)";
  } else if (type == "object") {
    note =
        "an object: the policy language declares strings, ints, bools, "
        "money, enums and lists";
  } else {
    note = absl::StrCat("its schema type (", type.empty() ? "none" : type,
                        ") has no policy type");
  }
  return "";
}

// The default of an optional argument: the schema's own when the policy
// can write it, else the type's empty value (an enum's first member,
// written out so the author sees what is assumed).
std::string DefaultFor(const std::string& type,
                       const std::vector<std::string>& members,
                       const Struct& schema) {
  const Value* given = Field(schema, "default");
  if (type == "string" || !members.empty()) {
    if (given != nullptr && given->kind_case() == Value::kStringValue) {
      if (auto q = Quoted(given->string_value())) {
        if (members.empty() ||
            std::find(members.begin(), members.end(), *q) != members.end()) {
          return *q;
        }
      }
    }
    return members.empty() ? "\"\"" : members.front();
  }
  if (type == "int") {
    if (given != nullptr && given->kind_case() == Value::kNumberValue &&
        given->number_value() ==
            static_cast<double>(static_cast<int64_t>(given->number_value()))) {
      return absl::StrCat(static_cast<int64_t>(given->number_value()));
    }
    return "0";
  }
  if (type == "bool") {
    if (given != nullptr && given->kind_case() == Value::kBoolValue) {
      return given->bool_value() ? "true" : "false";
    }
    return "false";
  }
  return "[]";  // a list
}

ArgLine ArgFor(const Struct& schema, bool required) {
  ArgLine line;
  std::vector<std::string> members;
  if (SchemaType(schema) == "array") {
    const Value* items = Field(schema, "items");
    std::string inner;
    std::vector<std::string> item_members;
    if (items != nullptr && items->kind_case() == Value::kStructValue) {
      inner = ScalarType(items->struct_value(), line.note, item_members);
    } else {
      line.note = "a list without an item schema";
    }
    if (inner.empty()) {
      line.note = absl::StrCat("a list whose items are ", line.note);
      return line;
    }
    line.type = absl::StrCat("list(of ", inner, ")");
  } else {
    line.type = ScalarType(schema, line.note, members);
    if (line.type.empty()) return line;
  }
  if (!required) {
    line.default_value = DefaultFor(line.type, members, schema);
    line.note = "optional in the tool's schema";
  }
  return line;
}

void WriteTool(const Struct& tool, std::string& out) {
  std::optional<std::string> name = StringField(tool, "name");
  if (!name.has_value()) {
    absl::StrAppend(&out, "  # A tool without a name was left out.\n\n");
    return;
  }
  const std::string shown = CommentText(*name);
  if (absl::Status valid = ValidateToolName(*name); !valid.ok()) {
    absl::StrAppend(&out, "  # Tool \"", shown,
                    "\" was left out: a policy tool name is 1 to 128 "
                    "characters of A-Z a-z 0-9 _ . -, starting with a "
                    "letter. Agents cannot call it through the gate.\n\n");
    return;
  }
  if (auto description = StringField(tool, "description")) {
    absl::StrAppend(&out, "  # ", *name, ": ", CommentText(*description), "\n");
  }
  const Struct* annotations = nullptr;
  if (const Value* a = Field(tool, "annotations");
      a != nullptr && a->kind_case() == Value::kStructValue) {
    annotations = &a->struct_value();
  }
  const bool read_only =
      annotations != nullptr &&
      BoolField(*annotations, "readOnlyHint").value_or(false);
  const bool destructive =
      annotations != nullptr &&
      BoolField(*annotations, "destructiveHint").value_or(false);
  absl::StrAppend(&out, "  tool ", *name, " {\n");
  if (read_only) {
    absl::StrAppend(&out, "    class read  # the server marks it read-only\n");
  } else {
    absl::StrAppend(&out,
                    "    class write  # or draft, if it only prepares "
                    "something a person sends\n");
  }
  if (destructive && !read_only) {
    absl::StrAppend(&out,
                    "    irreversible  # the server marks it destructive: "
                    "never allowed without approval\n");
  } else if (!read_only) {
    absl::StrAppend(&out,
                    "    # irreversible  # if its effect cannot be undone "
                    "(a payment, a deletion)\n");
  }

  const Struct* schema = nullptr;
  if (const Value* s = Field(tool, "inputSchema");
      s != nullptr && s->kind_case() == Value::kStructValue) {
    schema = &s->struct_value();
  }
  std::vector<std::string> required;
  if (schema != nullptr) {
    if (const Value* r = Field(*schema, "required");
        r != nullptr && r->kind_case() == Value::kListValue) {
      for (const Value& v : r->list_value().values()) {
        if (v.kind_case() == Value::kStringValue) {
          required.push_back(v.string_value());
        }
      }
    }
  }
  const Value* properties =
      schema != nullptr ? Field(*schema, "properties") : nullptr;
  if (properties != nullptr && properties->kind_case() == Value::kStructValue) {
    // Struct fields are a map: sorted by name, so the output is stable.
    std::vector<std::string> names;
    for (const auto& [arg, unused] : properties->struct_value().fields()) {
      names.push_back(arg);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& arg : names) {
      const Value& property = properties->struct_value().fields().at(arg);
      const std::string shown_arg = CommentText(arg);
      if (!ValidateArgumentName(arg).ok()) {
        absl::StrAppend(
            &out, "    # argument \"", shown_arg,
            "\" left out: a policy argument name is 1 to 64 characters of "
            "a-z 0-9 _, starting with a-z or _; a call that sends it is "
            "refused\n");
        continue;
      }
      if (property.kind_case() != Value::kStructValue) {
        absl::StrAppend(&out, "    # argument ", arg,
                        " left out: its schema is not an object\n");
        continue;
      }
      const bool is_required =
          std::find(required.begin(), required.end(), arg) != required.end();
      ArgLine line = ArgFor(property.struct_value(), is_required);
      if (line.type.empty()) {
        absl::StrAppend(&out, "    # arg ", arg, ": ?  # TODO: ", line.note,
                        ". Until it is declared, a call that sends it is "
                        "refused.\n");
        continue;
      }
      absl::StrAppend(&out, "    arg ", arg, ": ", line.type);
      if (!line.default_value.empty()) {
        absl::StrAppend(&out, " = ", line.default_value);
      }
      if (!line.note.empty()) absl::StrAppend(&out, "  # ", line.note);
      absl::StrAppend(&out, "\n");
    }
  }
  std::string rule = *name;
  for (char& c : rule) {
    if (c == '.') c = '-';
  }
  rule = rule.substr(0, 56);
  absl::StrAppend(
      &out, "\n",
      "    # TODO: decide. Without a rule that allows it or asks for "
      "approval,\n",
      "    # every call is denied. For example:\n", "    # rule ", rule,
      "-ok \"agents may use ", rule, "\" allow\n", "    # rule ", rule,
      "-asks \"", rule, " needs the owner\" approve by owner expires 24h\n",
      "  }\n\n");
}

}  // namespace

absl::StatusOr<std::string> PolicySkeletonFromMcp(
    absl::string_view tools_json, const PolicySkeletonOptions& options) {
  if (absl::Status s = ValidateTenantId(options.tenant); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--tenant: ", s.message()));
  }
  if (options.name.empty() || options.name.size() > 64 ||
      !Quoted(options.name).has_value()) {
    return absl::InvalidArgumentError("--name: 1 to 64 characters on one line");
  }
  Struct document;
  google::protobuf::util::JsonParseOptions parse;
  if (auto s = google::protobuf::util::JsonStringToMessage(
          std::string(tools_json), &document, parse);
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not the JSON of an MCP tools/list: ", s.message().as_string()));
  }
  const Struct* listing = &document;
  if (const Value* result = Field(document, "result");
      result != nullptr && result->kind_case() == Value::kStructValue) {
    listing = &result->struct_value();
  }
  const Value* tools = Field(*listing, "tools");
  if (tools == nullptr || tools->kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError(
        "not the JSON of an MCP tools/list: it has no \"tools\" list");
  }
  if (tools->list_value().values().empty()) {
    return absl::InvalidArgumentError("the tools/list lists no tools");
  }

  std::string out = absl::StrCat(
      "# A policy skeleton written by `portcullis policy init --from_mcp`.\n",
      "# Every tool the MCP server lists is declared, and every one is "
      "denied:\n",
      "# a declared tool is denied until a rule allows it or asks a person.\n",
      "# Decide, tool by tool, what an agent may do alone, what needs a\n",
      "# person's approval, and the limits that always hold; mark amounts of\n",
      "# money as money(CUR); then check it with `portcullis policy check`.\n",
      "# The language: docs/policy-language.md.\n", "policy ",
      *Quoted(options.name), " version \"",
      absl::FormatTime("%Y-%m-%d", options.now, absl::UTCTimeZone()),
      ".1\"\n\n", "tenant \"", options.tenant, "\" {\n",
      "  # TODO: the time zone of hours() and days() in this tenant's rules.\n",
      "  # timezone \"Asia/Riyadh\"\n\n");
  for (const Value& tool : tools->list_value().values()) {
    if (tool.kind_case() != Value::kStructValue) {
      absl::StrAppend(&out,
                      "  # An entry of the list that is not a tool "
                      "object was left out.\n\n");
      continue;
    }
    WriteTool(tool.struct_value(), out);
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

int RunPolicyInit(const PolicyInitArgs& args, const Clock& clock,
                  CommandIo& io) {
  constexpr absl::string_view kCommand = "policy init";
  if (args.from_mcp.empty()) {
    return Complain(io, kCommand,
                    "--from_mcp FILE is required (the JSON of an MCP "
                    "tools/list)",
                    kExitUsage);
  }
  absl::StatusOr<std::string> json = ReadTextFile(args.from_mcp);
  if (!json.ok()) {
    return Complain(io, kCommand, json.status().message(), kExitUsage);
  }
  PolicySkeletonOptions options;
  if (!args.tenant.empty()) options.tenant = args.tenant;
  if (!args.name.empty()) options.name = args.name;
  options.now = clock.Now();
  absl::StatusOr<std::string> skeleton = PolicySkeletonFromMcp(*json, options);
  if (!skeleton.ok()) {
    return Complain(
        io, kCommand,
        absl::StrCat(args.from_mcp, ": ", skeleton.status().message()),
        kExitUsage);
  }
  if (args.out.empty()) {
    io.out << *skeleton;
    return kExitOk;
  }
  if (std::ifstream(args.out).good()) {
    return Complain(io, kCommand,
                    absl::StrCat(args.out,
                                 " exists; policy init never "
                                 "overwrites a policy"),
                    kExitUsage);
  }
  if (absl::Status s = WriteTextFile(args.out, *skeleton); !s.ok()) {
    return Complain(io, kCommand, s.message(), kExitUsage);
  }
  io.err << "wrote " << args.out
         << ": every tool is declared and denied; decide what each may do, "
            "then `portcullis policy check "
         << args.out << "`\n";
  return kExitOk;
}

}  // namespace portcullis::cli
