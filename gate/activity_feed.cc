#include "gate/activity_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/thread_name.h"

namespace portcullis::gate {
namespace {

// The ledger's own chain ("_ledger") and any other name that is not a
// tenant id is never streamed.
bool IsTenant(absl::string_view name) { return ValidateTenantId(name).ok(); }

}  // namespace

struct ActivityFeed::Subscriber {
  enum class State { kQueued, kParked, kHeld };

  const ActivitySubscription* handle = nullptr;
  std::string principal;
  ActivityScope scope;
  ActivitySubscription::Deliver deliver;
  // The next sequence to deliver, per tenant; a tenant not listed starts
  // at its first entry.
  absl::flat_hash_map<std::string, uint64_t> cursors;
  State state = State::kQueued;
  size_t held = 0;         // events delivered and not yet released
  bool busy = false;       // the reader is reading for it or delivering
  bool cancelled = false;  // drop once the reader is done with it
  size_t rotation = 0;     // which followed tenant is read first
};

void ActivitySubscription::Next() { feed_.Next(this); }

void ActivitySubscription::Cancel() { feed_.Cancel(this); }

ActivityFeed::ActivityFeed(const RecordCodec& codec,
                           ActivityFeedOptions options)
    : codec_(codec), options_(options) {}

ActivityFeed::~ActivityFeed() { Close(); }

void ActivityFeed::Attach(const ledger::Ledger& ledger) {
  // The heads are read without the feed's lock: OnAdvanced takes it under
  // the ledger's.
  absl::flat_hash_map<std::string, uint64_t> heads;
  for (const std::string& tenant : ledger.Tenants()) {
    if (auto head = ledger.Head(tenant)) heads[tenant] = head->sequence;
  }
  absl::MutexLock lock(&mu_);
  ledger_ = &ledger;
  for (const auto& [tenant, sequence] : heads) {
    uint64_t& known = heads_[tenant];
    known = std::max(known, sequence);
  }
  reader_ = std::thread([this] {
    SetCurrentThreadName("gate-feed");
    Run();
  });
}

absl::StatusOr<std::shared_ptr<ActivitySubscription>> ActivityFeed::Subscribe(
    const std::string& principal, ActivityScope scope,
    ActivitySubscription::Deliver deliver) {
  if (!scope.tenant.empty()) {
    if (absl::Status s = ValidateTenantId(scope.tenant); !s.ok()) return s;
  }
  for (const auto& [tenant, from] : scope.resume) {
    if (absl::Status s = ValidateTenantId(tenant); !s.ok()) return s;
  }
  absl::MutexLock lock(&mu_);
  if (ledger_ == nullptr || closed_) {
    return absl::FailedPreconditionError("the activity feed is not running");
  }
  size_t& held = per_principal_[principal];
  if (held >= options_.max_streams_per_principal) {
    return absl::ResourceExhaustedError(
        absl::StrCat("principal \"", principal, "\" already follows ", held,
                     " activity streams, the most allowed; close one first"));
  }
  ++held;
  std::shared_ptr<ActivitySubscription> handle(new ActivitySubscription(*this));
  auto s = std::make_unique<Subscriber>();
  s->handle = handle.get();
  s->principal = principal;
  s->scope = std::move(scope);
  s->deliver = std::move(deliver);
  // Where each tenant followed now starts: its resume point, the given
  // sequence, or just past its head (a live tail).
  for (const auto& [tenant, head] : heads_) {
    if (!Follows(*s, tenant)) continue;
    uint64_t from =
        s->scope.from_sequence == 0 ? head + 1 : s->scope.from_sequence;
    s->cursors[tenant] = from;
  }
  if (!s->scope.tenant.empty() && !s->cursors.contains(s->scope.tenant)) {
    s->cursors[s->scope.tenant] = std::max<uint64_t>(1, s->scope.from_sequence);
  }
  for (const auto& [tenant, from] : s->scope.resume) {
    if (Follows(*s, tenant)) s->cursors[tenant] = std::max<uint64_t>(1, from);
  }
  Subscriber& ref = *s;
  subscribers_.emplace(handle.get(), std::move(s));
  ++stats_.subscriptions;
  Enqueue(ref);
  return handle;
}

bool ActivityFeed::Follows(const Subscriber& s,
                           absl::string_view tenant) const {
  if (!IsTenant(tenant)) return false;
  if (!s.scope.tenant.empty()) return tenant == s.scope.tenant;
  return !s.scope.permits || s.scope.permits(tenant);
}

uint64_t ActivityFeed::Cursor(const Subscriber& s,
                              absl::string_view tenant) const {
  auto it = s.cursors.find(tenant);
  return it == s.cursors.end() ? 1 : it->second;
}

std::vector<ActivityFeed::Span> ActivityFeed::Behind(
    const Subscriber& s) const {
  std::vector<Span> spans;
  auto add = [&](const std::string& tenant, uint64_t head) {
    uint64_t from = Cursor(s, tenant);
    if (from <= head) spans.push_back({tenant, from, head});
  };
  if (!s.scope.tenant.empty()) {
    auto it = heads_.find(s.scope.tenant);
    if (it != heads_.end()) add(it->first, it->second);
    return spans;
  }
  for (const auto& [tenant, head] : heads_) {
    if (Follows(s, tenant)) add(tenant, head);
  }
  // A stable order, so that the rotation is fair.
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.tenant < b.tenant; });
  return spans;
}

void ActivityFeed::Enqueue(Subscriber& s) {
  s.state = Subscriber::State::kQueued;
  ready_.push_back(&s);
  ready_cv_.Signal();
}

void ActivityFeed::OnAdvanced(absl::string_view tenant, uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(tenant);
  if (it == heads_.end()) it = heads_.emplace(std::string(tenant), 0).first;
  it->second = std::max(it->second, sequence);
  // A parked subscriber may still be busy: its Next can come back while
  // the reader is inside its delivery. It is queued all the same (the one
  // reader serves it once that delivery returns), or this advance would be
  // lost until the next.
  for (auto& [handle, s] : subscribers_) {
    if (s->state == Subscriber::State::kParked && !s->cancelled &&
        Follows(*s, tenant) && Cursor(*s, tenant) <= sequence) {
      Enqueue(*s);
    }
  }
}

void ActivityFeed::Next(const ActivitySubscription* handle) {
  absl::MutexLock lock(&mu_);
  auto it = subscribers_.find(handle);
  if (it == subscribers_.end()) return;
  Subscriber& s = *it->second;
  if (s.state != Subscriber::State::kHeld || s.cancelled) return;
  stats_.buffered_events -= s.held;
  s.held = 0;
  if (Behind(s).empty()) {
    s.state = Subscriber::State::kParked;
  } else {
    Enqueue(s);
  }
}

void ActivityFeed::Cancel(const ActivitySubscription* handle) {
  absl::MutexLock lock(&mu_);
  auto it = subscribers_.find(handle);
  if (it == subscribers_.end()) return;
  Subscriber& s = *it->second;
  s.cancelled = true;
  if (!s.busy) {
    Drop(s);
    return;
  }
  // The reader drops it once done; it is the reader itself when Cancel is
  // called from inside a delivery.
  if (std::this_thread::get_id() == reader_.get_id()) return;
  while (subscribers_.contains(handle)) delivered_cv_.Wait(&mu_);
}

void ActivityFeed::Drop(Subscriber& s) {
  ready_.erase(std::remove(ready_.begin(), ready_.end(), &s), ready_.end());
  stats_.buffered_events -= s.held;
  --stats_.subscriptions;
  if (--per_principal_[s.principal] == 0) per_principal_.erase(s.principal);
  subscribers_.erase(s.handle);  // destroys s
  delivered_cv_.SignalAll();
}

void ActivityFeed::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    ready_cv_.Signal();
  }
  if (reader_.joinable() && std::this_thread::get_id() != reader_.get_id()) {
    reader_.join();
  }
}

ActivityFeedStats ActivityFeed::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void ActivityFeed::Run() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    while (!closed_ && ready_.empty()) ready_cv_.Wait(&mu_);
    if (closed_) break;
    Subscriber* s = ready_.front();
    ready_.pop_front();
    Serve(*s);
  }
  // Closing: every subscriber hears why its stream ends.
  while (!subscribers_.empty()) {
    Subscriber& s = *subscribers_.begin()->second;
    s.busy = true;
    mu_.Unlock();
    if (!s.cancelled) {
      s.deliver(absl::UnavailableError("the gate is shutting down"));
    }
    mu_.Lock();
    Drop(s);
  }
}

void ActivityFeed::Serve(Subscriber& s) {
  mu_.AssertHeld();
  std::vector<Span> spans = Behind(s);
  if (spans.empty()) {
    s.state = Subscriber::State::kParked;
    return;
  }
  std::rotate(spans.begin(), spans.begin() + (s.rotation++ % spans.size()),
              spans.end());
  s.busy = true;
  mu_.Unlock();
  absl::StatusOr<Page> page = ReadPage(spans);
  mu_.Lock();
  ++stats_.pages_read;
  if (s.cancelled) {
    Drop(s);
    return;
  }
  if (!page.ok()) {  // an error ends the subscription
    s.cancelled = true;
    mu_.Unlock();
    s.deliver(page.status());
    mu_.Lock();
    Drop(s);
    return;
  }
  for (auto& [tenant, from] : page->next) s.cursors[tenant] = from;
  if (page->events.empty()) {
    s.busy = false;
    if (Behind(s).empty()) {
      s.state = Subscriber::State::kParked;
    } else {
      Enqueue(s);
    }
    return;
  }
  s.state = Subscriber::State::kHeld;
  s.held = page->events.size();
  stats_.buffered_events += s.held;
  stats_.max_buffered_per_subscriber =
      std::max(stats_.max_buffered_per_subscriber, s.held);
  mu_.Unlock();
  s.deliver(std::move(page->events));
  mu_.Lock();
  s.busy = false;
  if (s.cancelled) Drop(s);
}

absl::StatusOr<ActivityFeed::Page> ActivityFeed::ReadPage(
    const std::vector<Span>& spans) const {
  Page page;
  for (const Span& span : spans) {
    if (page.events.size() >= options_.page_size) break;
    bool full = false;
    uint64_t after = span.from;
    absl::Status read =
        ledger_->Read(span.tenant, span.from, /*reverse=*/false,
                      [&](const ledger::Entry& entry) {
                        if (entry.sequence > span.through) return false;
                        page.events.push_back(ActivityEventFrom(entry, codec_));
                        after = entry.sequence + 1;
                        full = page.events.size() >= options_.page_size;
                        return !full;
                      });
    if (!read.ok()) return read;
    // Read through the head (or through what is left of the chain, should
    // a deletion have removed it): the cursor moves past it.
    page.next.emplace_back(span.tenant, full ? after : span.through + 1);
  }
  return page;
}

}  // namespace portcullis::gate
