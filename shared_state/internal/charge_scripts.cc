#include "shared_state/internal/charge_scripts.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace portcullis::shared_state::shared_state_internal {
namespace {

// Amounts are kept as five base-10^9 chunks, least significant first: the
// value times 10^18, so chunk 3 holds whole units. Chunks 1 to 4 stay below
// 10^9 and chunk 5 counts the rest, each exact in a double; sums carry
// between chunks, so no amount is ever rounded. Numbers never become text
// with tostring (it rounds to 14 digits): scores and expiries come as text,
// sums are written with string.format.
//
// A sum is {p = positive amounts, n = negative amounts}, both chunks.
constexpr absl::string_view kPrelude = R"lua(
local B = 1000000000
local function zero() return {0, 0, 0, 0, 0} end
local function one() return {0, 0, 1, 0, 0} end
local function copy(a) return {a[1], a[2], a[3], a[4], a[5]} end
local function count(n)
  return {0, 0, n % B, math.floor(n / B) % B, math.floor(n / B / B)}
end
-- "+" or "-" and 36 digits.
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
local function cmp(a, b)
  for j = 5, 1, -1 do
    if a[j] ~= b[j] then if a[j] < b[j] then return -1 else return 1 end end
  end
  return 0
end
-- a - b, for a >= b.
local function sub(a, b)
  local r, borrow = zero(), 0
  for j = 1, 4 do
    local v = a[j] - b[j] - borrow
    if v < 0 then r[j] = v + B; borrow = 1 else r[j] = v; borrow = 0 end
  end
  r[5] = a[5] - b[5] - borrow
  return r
end
-- Unsigned digits, at least 37 of them, and back.
local function digits(v)
  return string.format('%.0f', v[5]) ..
    string.format('%09d%09d%09d%09d', v[4], v[3], v[2], v[1])
end
local function undigits(t)
  local n = #t
  return {tonumber(string.sub(t, n - 8, n)), tonumber(string.sub(t, n - 17, n - 9)),
    tonumber(string.sub(t, n - 26, n - 18)), tonumber(string.sub(t, n - 35, n - 27)),
    tonumber(string.sub(t, 1, n - 36))}
end
-- p - n, signed.
local function text(p, n)
  if cmp(p, n) >= 0 then return digits(sub(p, n)) end
  return '-' .. digits(sub(n, p))
end
-- An event member's amount: one for "r".
local function amount_of(m)
  if string.sub(m, -1) == 'r' then return '+', one() end
  return parse(string.sub(m, -37))
end
-- Adds (dir 1) or takes off (dir -1) a member's amount; false when the sum
-- holds less than what is taken off (it disagrees with the events).
local function take(sum, m, dir)
  local sign, a = amount_of(m)
  local side = 'p'
  if sign == '-' then side = 'n' end
  if dir > 0 then add(sum[side], a); return true end
  if cmp(sum[side], a) < 0 then return false end
  sum[side] = sub(sum[side], a)
  return true
end
local function recount(zkey)
  local sum = {p = zero(), n = zero()}
  for _, m in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do take(sum, m, 1) end
  return sum
end
-- The running sum, and whether it must be written back.
local function load(zkey, skey)
  if redis.call('EXISTS', zkey) == 0 then
    return {p = zero(), n = zero()}, redis.call('EXISTS', skey) == 1
  end
  local kept = redis.call('HMGET', skey, 'p', 'n')
  if kept[1] and kept[2] then
    return {p = undigits(kept[1]), n = undigits(kept[2])}, false
  end
  return recount(zkey), true
end
-- Writes the sum; it expires with its events.
local function store(zkey, skey, sum)
  local ttl = redis.call('PTTL', zkey)
  if ttl == -2 then redis.call('DEL', skey); return end
  redis.call('HSET', skey, 'p', digits(sum.p), 'n', digits(sum.n))
  if ttl > 0 then redis.call('PEXPIRE', skey, ttl) else redis.call('PERSIST', skey) end
end
)lua";

constexpr absl::string_view kChargeBody = R"lua(
-- A batch given up on (refunded without an answer to its charge) is never
-- charged afterwards: a charge that arrives late is dropped.
if redis.call('EXISTS', KEYS[#KEYS]) == 1 then return {2} end
local at = ARGV[1]
local state, order, todo = {}, {}, {}
local function flush()
  for _, st in ipairs(order) do
    if st.dirty then store(st.zkey, st.skey, st.sum) end
  end
end
-- Drops the events at or before `start`, and their amounts from the sum.
local function prune(st, start)
  local gone = redis.call('ZRANGEBYSCORE', st.zkey, '-inf', start)
  if #gone == 0 then return end
  local agrees = true
  for _, m in ipairs(gone) do agrees = take(st.sum, m, -1) and agrees end
  redis.call('ZREMRANGEBYSCORE', st.zkey, '-inf', start)
  if not agrees then st.sum = recount(st.zkey) end
  st.dirty = true
end
for i = 1, (#KEYS - 1) / 2 do
  local zkey, skey = KEYS[2 * i - 1], KEYS[2 * i]
  local b = 1 + (i - 1) * 5
  local member, start, ceiling = ARGV[b + 1], ARGV[b + 2], ARGV[b + 5]
  local rate = ARGV[b + 4] == 'r'
  local st = state[zkey]
  if not st then
    st = {zkey = zkey, skey = skey, added = {p = zero(), n = zero()},
          events = 0}
    -- A rate limit only counts its events (ZCARD): it keeps no running
    -- sum, unless one is kept already (the counter also takes amounts).
    if rate and redis.call('EXISTS', skey) == 0 then
      st.light = true
    else
      st.sum, st.dirty = load(zkey, skey)
    end
    state[zkey] = st
    order[#order + 1] = st
  end
  if st.light then
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', start)
    if not rate then
      -- An amount on a counter counted so far: sum its events from now on.
      st.light = false
      st.sum, st.dirty = recount(zkey), true
    end
  else
    prune(st, start)
  end
  -- An event this batch charged already counts once: charging a batch
  -- again changes nothing.
  if not redis.call('ZSCORE', zkey, member) then
    if ceiling ~= '' then
      local pos, neg
      if ARGV[b + 4] == 'r' then
        pos, neg = count(redis.call('ZCARD', zkey) + st.events), zero()
      else
        pos, neg = copy(st.sum.p), copy(st.sum.n)
        add(pos, st.added.p)
        add(neg, st.added.n)
      end
      local sign, amount = amount_of(member)
      local _, most = parse(ceiling)
      local lhs = copy(pos)
      add(most, neg)
      if sign == '-' then add(most, amount) else add(lhs, amount) end
      if cmp(lhs, most) > 0 then
        flush()
        return {0, i - 1, text(pos, neg)}
      end
    end
    take(st.added, member, 1)
    st.events = st.events + 1
    todo[#todo + 1] = i
  end
end
for _, i in ipairs(todo) do
  local zkey = KEYS[2 * i - 1]
  local b = 1 + (i - 1) * 5
  redis.call('ZADD', zkey, at, ARGV[b + 1])
  local expiry = ARGV[b + 3]
  if redis.call('PTTL', zkey) < tonumber(expiry) then
    redis.call('PEXPIRE', zkey, expiry)
  end
end
for _, st in ipairs(order) do
  if st.events > 0 and not st.light then
    add(st.sum.p, st.added.p)
    add(st.sum.n, st.added.n)
    st.dirty = true
  end
end
flush()
return {1}
)lua";

constexpr absl::string_view kRefundBody = R"lua(
local removed = 0
for i = 1, (#KEYS - 1) / 2 do
  local zkey, skey, m = KEYS[2 * i - 1], KEYS[2 * i], ARGV[i]
  if redis.call('ZSCORE', zkey, m) then
    if string.sub(m, -1) == 'r' and redis.call('EXISTS', skey) == 0 then
      -- A rate limit's event, on a counter that keeps no running sum.
      redis.call('ZREM', zkey, m)
    else
      local sum = load(zkey, skey)
      redis.call('ZREM', zkey, m)
      if not take(sum, m, -1) then sum = recount(zkey) end
      store(zkey, skey, sum)
    end
    removed = removed + 1
  end
end
-- Whatever happens to its charge from now on, the batch is given up.
redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[#ARGV])
return removed
)lua";

}  // namespace

const std::string& ChargeScript() {
  static const std::string* const script =
      new std::string(absl::StrCat(kPrelude, kChargeBody));
  return *script;
}

const std::string& RefundScript() {
  static const std::string* const script =
      new std::string(absl::StrCat(kPrelude, kRefundBody));
  return *script;
}

}  // namespace portcullis::shared_state::shared_state_internal
