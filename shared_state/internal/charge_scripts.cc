#include "shared_state/internal/charge_scripts.h"

namespace portcullis::shared_state::shared_state_internal {

// Amounts are kept as five base-10^9 chunks, least significant first: the
// value times 10^18, so chunk 3 holds whole units. Every chunk stays below
// 10^9 (the fifth counts overflow), exact in a double; sums carry between
// chunks, so no amount is ever rounded. Numbers never become text in Lua
// (tostring rounds to 14 digits): scores and expiries come as text.
const absl::string_view kChargeScript = R"lua(
local B = 1000000000
local function zero() return {0, 0, 0, 0, 0} end
local function one() return {0, 0, 1, 0, 0} end
local function parse(s)
  return string.sub(s, 1, 1), {tonumber(string.sub(s, 29, 37)),
    tonumber(string.sub(s, 20, 28)), tonumber(string.sub(s, 11, 19)),
    tonumber(string.sub(s, 2, 10)), 0}
end
local function add(a, b)
  local carry = 0
  for j = 1, 4 do
    local v = a[j] + b[j] + carry
    if v >= B then a[j] = v - B; carry = 1 else a[j] = v; carry = 0 end
  end
  a[5] = a[5] + b[5] + carry
end
local function copy(a) return {a[1], a[2], a[3], a[4], a[5]} end
local function cmp(a, b)
  for j = 5, 1, -1 do
    if a[j] ~= b[j] then if a[j] < b[j] then return -1 else return 1 end end
  end
  return 0
end
local function sub(a, b)
  local r, borrow = zero(), 0
  for j = 1, 4 do
    local v = a[j] - b[j] - borrow
    if v < 0 then r[j] = v + B; borrow = 1 else r[j] = v; borrow = 0 end
  end
  r[5] = a[5] - b[5] - borrow
  return r
end
local function text(pos, neg)
  local sign, v = '', nil
  if cmp(pos, neg) >= 0 then v = sub(pos, neg) else v = sub(neg, pos); sign = '-' end
  return sign .. string.format('%.0f', v[5]) ..
    string.format('%09d%09d%09d%09d', v[4], v[3], v[2], v[1])
end
-- The sum of the events in the window: positive and negative amounts
-- apart. A rate counter's events count one each, as ZCOUNT says.
local function usage(key, start, rate)
  local pos, neg = zero(), zero()
  if rate then
    local n = redis.call('ZCOUNT', key, '(' .. start, '+inf')
    pos[3] = n % B
    pos[4] = math.floor(n / B) % B
    pos[5] = math.floor(n / B / B)
    return pos, neg
  end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. start, '+inf')) do
    if string.sub(m, -1) == 'r' then add(pos, one())
    else
      local sign, amount = parse(string.sub(m, -37))
      if sign == '-' then add(neg, amount) else add(pos, amount) end
    end
  end
  return pos, neg
end

local at = ARGV[1]
local pending = {}
local todo = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local b = 1 + (i - 1) * 5
  local member, start, kind, ceiling = ARGV[b + 1], ARGV[b + 2], ARGV[b + 4], ARGV[b + 5]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', start)
  -- An event already charged by this batch counts once: charging a batch
  -- again changes nothing.
  if not redis.call('ZSCORE', key, member) then
    local sign, amount
    if kind == 'r' then sign, amount = '+', one() else sign, amount = parse(kind) end
    local mine = pending[key]
    if not mine then mine = {zero(), zero()}; pending[key] = mine end
    if ceiling ~= '' then
      local pos, neg = usage(key, start, kind == 'r')
      add(pos, mine[1]); add(neg, mine[2])
      local _, most = parse(ceiling)
      local lhs = copy(pos)
      add(most, neg)
      if sign == '-' then add(most, amount) else add(lhs, amount) end
      if cmp(lhs, most) > 0 then return {0, i - 1, text(pos, neg)} end
    end
    if sign == '-' then add(mine[2], amount) else add(mine[1], amount) end
    todo[#todo + 1] = i
  end
end
for _, i in ipairs(todo) do
  local key = KEYS[i]
  local b = 1 + (i - 1) * 5
  redis.call('ZADD', key, at, ARGV[b + 1])
  local expiry = ARGV[b + 3]
  if redis.call('PTTL', key) < tonumber(expiry) then
    redis.call('PEXPIRE', key, expiry)
  end
end
return {1}
)lua";

const absl::string_view kRefundScript = R"lua(
local removed = 0
for i = 1, #KEYS do removed = removed + redis.call('ZREM', KEYS[i], ARGV[i]) end
return removed
)lua";

}  // namespace portcullis::shared_state::shared_state_internal
