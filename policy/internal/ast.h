// The syntax tree of a policy file as the parser builds it: what was
// written, with positions, before any name is resolved or type checked.
// ProgramBuilder turns it into a Program. Plain values; thread-compatible.
#ifndef PORTCULLIS_POLICY_INTERNAL_AST_H_
#define PORTCULLIS_POLICY_INTERNAL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "policy/decimal.h"
#include "policy/internal/position.h"

namespace portcullis::policy::policy_internal {

// A name or string as written, where it was written.
struct Name {
  std::string text;
  Position pos;
};

// A constant: "text", 20, 0.8, 50.00 SAR, true.
struct Literal {
  enum class Kind { kString, kInteger, kDecimal, kMoney, kBool };
  Kind kind = Kind::kString;
  Position pos;
  std::string text;  // kString: the decoded text
  int64_t integer = 0;
  Decimal amount;        // kDecimal and kMoney
  std::string currency;  // kMoney
  bool boolean = false;  // kBool
  // As in the source (with quotes for strings): for messages, and to map
  // an RE2 error inside a pattern back to a column.
  std::string written;
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class TextOp { kStartsWith, kEndsWith, kContains, kMatches };

// A condition or one of its operands. Which fields are meaningful depends on
// `kind`.
struct Expr {
  enum class Kind {
    kOr,       // operands: two or more
    kAnd,      // operands: two or more
    kNot,      // operands: one
    kCompare,  // operands: two; `compare`
    kIn,       // operands: one; `list`; `negated` for "not in"
    kText,     // operands: two; `text_op`
    kRef,      // `path`: args.value, context.confidence, tool.class
    kLiteral,  // `literal`
    kLength,   // len(operand)
    kHours,    // hours(09:00-18:00 [, "zone"])
    kDays,     // days(sun..thu [, "zone"])
    // count(tool NAME, WINDOW, session): `session_tool`, `window`, `scope`
    kSessionCount,
    // sum(args.NAME, WINDOW, session): operands: one kRef; `window`, `scope`
    kSessionSum,
  };
  Kind kind = Kind::kLiteral;
  Position pos;
  std::vector<std::unique_ptr<Expr>> operands;
  CompareOp compare = CompareOp::kEq;
  TextOp text_op = TextOp::kStartsWith;
  bool negated = false;
  std::vector<Name> path;
  Literal literal;
  std::vector<Literal> list;
  // kHours: minutes since midnight, [start, end); end may be 24:00.
  int start_minute = 0;
  int end_minute = 0;
  // kDays: bit d set for weekday d, Sunday = 0.
  uint8_t day_mask = 0;
  std::optional<Name> zone;
  // kSessionCount, kSessionSum
  Name session_tool;
  absl::Duration window;
  Position window_pos;
  Name scope;  // "session"
};

// `after tool NAME [within DURATION]`: the rule applies only once the
// session has an earlier counted action of the tool.
struct AfterDecl {
  Position pos;
  Name tool;
  std::optional<absl::Duration> within;
  Position within_pos;
};

struct TypeExpr {
  enum class Kind { kString, kInteger, kBool, kMoney, kEnum, kList };
  Kind kind = Kind::kString;
  Position pos;
  std::string currency;                // kMoney
  std::optional<int64_t> minor_units;  // kMoney: money(SAR, 2)
  Position currency_pos;
  std::vector<Name> members;          // kEnum
  std::unique_ptr<TypeExpr> element;  // kList
};

struct ArgDecl {
  Name name;
  TypeExpr type;
  std::optional<Literal> default_value;
  // Set when the default is a list: `= []` or `= ["a"]`.
  std::optional<std::vector<Literal>> default_list;
};

// What a limit counts per window: every applicable action (a rate limit) or
// the sum of a money argument (a spend limit).
struct LimitSpec {
  bool spend = false;
  int64_t max_count = 0;     // rate
  Literal cap;               // spend: a money literal
  std::vector<Name> amount;  // spend: args.NAME
  absl::Duration window;
  Position window_pos;
};

// What a limit's counter is kept per: agent, tool, session or an argument.
struct ScopeDecl {
  std::vector<Name> path;  // ["agent"] or ["args", "customer"]
};

enum class Effect { kAllow, kDeny, kApprove, kLimit };

struct RuleDecl {
  Name id;
  Name description;
  Effect effect = Effect::kAllow;
  Position effect_pos;
  std::unique_ptr<Expr> condition;
  bool unless = false;  // `unless COND`: the rule applies when COND is false
  std::string condition_text;  // as written, for explanations
  std::optional<AfterDecl> after;
  std::optional<Name> reason;
  // approve
  std::vector<Name> roles;  // empty with `by anyone`
  bool any_role = false;
  std::optional<int64_t> quorum;
  Position quorum_pos;
  std::optional<absl::Duration> expires;
  Position expires_pos;
  std::optional<absl::Duration> escalate_after;
  Position escalate_pos;
  std::vector<Name> escalate_roles;
  // limit
  LimitSpec limit;
  std::vector<ScopeDecl> scopes;
  // `from proposal "ID"`: the approval amendment the rule came from.
  std::optional<Name> proposal;
};

struct ToolDecl {
  Name name;
  Position pos;
  std::optional<Name> authority;  // class read | draft | write
  std::optional<Position> irreversible;
  std::vector<ArgDecl> args;
  std::vector<RuleDecl> rules;
  Position close;  // the '}' that ends the block
};

struct TenantDecl {
  Name id;
  Position pos;
  std::optional<Name> zone;
  // `max_sessions N` and `max_session_events N`, with where they were given.
  std::optional<int64_t> max_sessions;
  Position max_sessions_pos;
  std::optional<int64_t> max_session_events;
  Position max_session_events_pos;
  std::vector<ToolDecl> tools;
  std::vector<RuleDecl> rules;  // tenant-wide
};

struct HeaderDecl {
  Position pos;
  Name name;
  Name version;
};

struct FileAst {
  std::optional<HeaderDecl> header;
  std::vector<TenantDecl> tenants;
};

}  // namespace portcullis::policy::policy_internal

#endif  // PORTCULLIS_POLICY_INTERNAL_AST_H_
