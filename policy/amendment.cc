#include "policy/amendment.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "policy/internal/ast.h"
#include "policy/internal/diagnostics.h"
#include "policy/internal/parser.h"
#include "policy/internal/quote.h"

namespace portcullis::policy {
namespace {

using policy_internal::DiagnosticSink;
using policy_internal::FileAst;
using policy_internal::Parser;
using policy_internal::Position;
using policy_internal::RuleDecl;

AmendResult Fail(std::vector<Diagnostic> errors) {
  AmendResult result;
  result.errors = std::move(errors);
  return result;
}

AmendResult Fail(std::string message) {
  return Fail({Diagnostic{"", 0, 0, std::move(message)}});
}

// The byte offset of `pos` in `text` (1-based line and column).
size_t OffsetOf(absl::string_view text, Position pos) {
  size_t offset = 0;
  for (int line = 1; line < pos.line; ++line) {
    size_t end = text.find('\n', offset);
    if (end == absl::string_view::npos) return text.size();
    offset = end + 1;
  }
  return std::min(text.size(), offset + pos.column - 1);
}

// Where the rule's text went, to point errors back into it.
struct Placement {
  int first_line = 0;             // in the amended file
  std::vector<int> column_shift;  // per rule line: added - removed bytes
};

}  // namespace

AmendResult AmendPolicy(absl::Span<const SourceFile> sources,
                        const RuleProposal& proposal) {
  // The proposal alone: exactly one rule, without a citation of its own.
  const SourceFile lone[] = {{kProposalPath, proposal.rule}};
  RuleDecl decl;
  {
    DiagnosticSink sink(lone);
    Parser parser(proposal.rule, 0, &sink);
    bool parsed = parser.ParseLoneRule(&decl);
    if (parsed && decl.proposal.has_value()) {
      sink.Error(decl.proposal->pos,
                 "leave out 'from proposal': the amendment adds the "
                 "proposal's own id");
    }
    if (sink.has_errors()) return Fail(sink.Take());
  }

  // The tool block it goes into.
  std::optional<size_t> file;
  Position close;
  bool tenant_found = false;
  {
    DiagnosticSink sink(sources);
    for (size_t i = 0; i < sources.size(); ++i) {
      Parser parser(sources[i].content, static_cast<int>(i), &sink);
      FileAst ast = parser.Parse();
      if (sink.has_errors()) return Fail(sink.Take());
      for (const policy_internal::TenantDecl& tenant : ast.tenants) {
        if (tenant.id.text != proposal.tenant) continue;
        tenant_found = true;
        for (const policy_internal::ToolDecl& tool : tenant.tools) {
          if (tool.name.text == proposal.tool) {
            file = i;
            close = tool.close;
          }
        }
      }
    }
  }
  if (!tenant_found) {
    return Fail(
        absl::StrCat("tenant \"", proposal.tenant, "\" is not in the policy"));
  }
  if (!file.has_value()) {
    return Fail(absl::StrCat("tenant \"", proposal.tenant,
                             "\" declares no tool \"", proposal.tool,
                             "\": a proposal adds a rule to a declared tool"));
  }

  // Insert it before the tool's '}', one level deeper than the brace.
  const std::string& text = sources[*file].content;
  const size_t brace = OffsetOf(text, close);
  size_t line_start =
      brace == 0 ? std::string::npos : text.rfind('\n', brace - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  absl::string_view before_brace(text.data() + line_start, brace - line_start);
  const bool brace_alone =
      absl::StripLeadingAsciiWhitespace(before_brace).empty();
  std::string indent = brace_alone ? std::string(before_brace) : "";
  indent += "  ";

  Placement placement;
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(proposal.rule, '\n')) {
    absl::string_view stripped = absl::StripTrailingAsciiWhitespace(line);
    const size_t lead =
        stripped.size() - absl::StripLeadingAsciiWhitespace(stripped).size();
    std::string prefix = lines.empty() ? indent : indent + "  ";
    placement.column_shift.push_back(static_cast<int>(prefix.size()) -
                                     static_cast<int>(lead));
    lines.push_back(absl::StrCat(prefix, stripped.substr(lead)));
  }
  while (lines.size() > 1 && absl::StripAsciiWhitespace(lines.back()).empty()) {
    lines.pop_back();
    placement.column_shift.pop_back();
  }
  lines.push_back(absl::StrCat(indent, "  from proposal ",
                               policy_internal::Quote(proposal.proposal_id)));
  std::string block = absl::StrJoin(lines, "\n");

  std::string amended;
  if (brace_alone) {
    amended = absl::StrCat(text.substr(0, line_start), block, "\n",
                           text.substr(line_start));
    placement.first_line = close.line;
  } else {
    amended = absl::StrCat(text.substr(0, brace), "\n", block, "\n",
                           text.substr(brace));
    placement.first_line = close.line + 1;
  }

  AmendResult result;
  result.files.assign(sources.begin(), sources.end());
  result.files[*file].content = std::move(amended);
  result.amended_file = *file;
  result.rule_id = decl.id.text;
  CompileResult compiled = Compile(result.files);
  if (!compiled.errors.empty()) {
    const int rule_lines = static_cast<int>(placement.column_shift.size());
    for (Diagnostic& d : compiled.errors) {
      const int k = d.line - placement.first_line;
      if (d.path == sources[*file].path && k >= 0 && k < rule_lines) {
        d.path = kProposalPath;
        d.line = k + 1;
        d.column = std::max(1, d.column - placement.column_shift[k]);
      }
    }
    return Fail(std::move(compiled.errors));
  }
  result.policy = std::move(compiled.policy);
  return result;
}

}  // namespace portcullis::policy
