#include "server/approval_relay.h"

#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/thread_name.h"
#include "codec/approval_codec.h"
#include "codec/decision_codec.h"
#include "google/protobuf/util/message_differencer.h"
#include "portcullis/relay/v1/relay.pb.h"

namespace portcullis::server {
namespace {

// How often the waiting thread looks for the answers of relayed calls.
constexpr absl::Duration kAnswerPoll = absl::Milliseconds(20);
// How many answered call ids are remembered.
constexpr size_t kAnsweredIds = 1024;

// Approve at `gate` alone.
absl::StatusOr<v1::ApproveResponse> ApproveHere(
    gate::Gate& gate, const v1::ApproveRequest& request,
    absl::string_view caller) {
  absl::StatusOr<gate::Approval> approval =
      codec::ApprovalFromProto(request.approval());
  if (!approval.ok()) return approval.status();
  absl::StatusOr<gate::ApproveResult> result = gate.Approve(
      *approval, request.signature(), gate::CallContext{std::string(caller)});
  if (!result.ok()) return result.status();
  v1::ApproveResponse response;
  codec::DecisionToProto(result->decision, response.mutable_decision());
  if (result->pending) {
    codec::PendingToProto(*result->pending, response.mutable_pending());
  }
  response.set_proposal_id(result->proposal_id);
  return response;
}

// A relayed call's id: random, so no two replicas' collide.
std::string CallId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

}  // namespace

// Marks its tenant's queue changed; called under the tenant's lock.
class ApprovalRelay::QueueWatch final : public gate::QueueListener {
 public:
  bool OnQueueEvent(const gate::QueueEvent&) override {
    changed_.store(true, std::memory_order_relaxed);
    return true;
  }
  bool TakeChanged() { return changed_.exchange(false); }
  void MarkChanged() { changed_.store(true); }

 private:
  std::atomic<bool> changed_{true};
};

void ApproveAnywhereAsync(gate::Gate& gate, ApprovalRelay* relay,
                          const v1::ApproveRequest& request,
                          absl::string_view caller, absl::Duration patience,
                          ApprovalRelay::Answered done) {
  absl::StatusOr<v1::ApproveResponse> here = ApproveHere(gate, request, caller);
  if (relay == nullptr || here.status().code() != absl::StatusCode::kNotFound) {
    std::move(done)(std::move(here));
    return;
  }
  relay->RelayAsync(
      request, caller, patience,
      [here = std::move(here), done = std::move(done)](
          absl::StatusOr<v1::ApproveResponse> relayed) mutable {
        // Listed nowhere else either: this replica's answer stands.
        if (relayed.status().code() == absl::StatusCode::kNotFound) {
          std::move(done)(std::move(here));
        } else {
          std::move(done)(std::move(relayed));
        }
      });
}

absl::StatusOr<v1::ApproveResponse> ApproveAnywhere(
    gate::Gate& gate, ApprovalRelay* relay, const v1::ApproveRequest& request,
    absl::string_view caller, absl::Duration patience) {
  absl::Notification answered;
  absl::StatusOr<v1::ApproveResponse> answer;
  ApproveAnywhereAsync(gate, relay, request, caller, patience,
                       [&](absl::StatusOr<v1::ApproveResponse> a) {
                         answer = std::move(a);
                         answered.Notify();
                       });
  answered.WaitForNotification();
  return answer;
}

ApprovalRelay::ApprovalRelay(gate::Gate& gate, gate::ApprovalExchange& exchange,
                             ApprovalRelayOptions options)
    : gate_(gate), exchange_(exchange), options_(std::move(options)) {}

ApprovalRelay::~ApprovalRelay() {
  {
    absl::MutexLock lock(&waiting_mu_);
    stopping_ = true;
  }
  if (waiter_.joinable()) waiter_.join();
  for (auto& [tenant, watch] : watches_) {
    gate_.UnsubscribePending(tenant, watch.get());
  }
}

absl::StatusOr<ApprovalRelay::Listings> ApprovalRelay::ReadOthers(
    absl::string_view tenant) {
  absl::StatusOr<std::vector<gate::SharedPending>> others =
      exchange_.ListOthers(tenant);
  if (!others.ok()) return others.status();
  Listings listings;
  for (const gate::SharedPending& shared : *others) {
    v1::PendingApproval listing;
    // What does not parse, or claims another tenant, is left out.
    if (!listing.ParseFromString(shared.listing) ||
        listing.decision().tenant() != tenant ||
        listing.decision().decision_id() != shared.decision_id) {
      continue;
    }
    listing.set_replica(shared.replica);
    listings.emplace(shared.decision_id, std::move(listing));
  }
  return listings;
}

absl::Status ApprovalRelay::AddOthersPending(
    absl::string_view tenant,
    google::protobuf::RepeatedPtrField<v1::PendingApproval>* out) {
  absl::StatusOr<Listings> others = ReadOthers(tenant);
  if (!others.ok()) return others.status();
  for (auto& [id, listing] : *others) *out->Add() = std::move(listing);
  return absl::OkStatus();
}

std::vector<v1::PendingApproval> ApprovalRelay::SubscribeOthers(
    absl::string_view tenant, OthersListener* listener) {
  absl::MutexLock lock(&others_mu_);
  auto it = others_.find(tenant);
  if (it == others_.end()) {
    others_.emplace(std::string(tenant), Watched{{listener}, {}});
    return {};
  }
  it->second.listeners.push_back(listener);
  std::vector<v1::PendingApproval> seen;
  seen.reserve(it->second.seen.size());
  for (const auto& [id, listing] : it->second.seen) seen.push_back(listing);
  return seen;
}

void ApprovalRelay::UnsubscribeOthers(absl::string_view tenant,
                                      OthersListener* listener) {
  absl::MutexLock lock(&others_mu_);
  auto it = others_.find(tenant);
  if (it == others_.end()) return;
  std::erase(it->second.listeners, listener);
  // Nobody looks: what was seen grows stale, and is read afresh for the
  // next listener.
  if (it->second.listeners.empty()) others_.erase(it);
}

size_t ApprovalRelay::OthersListeners(absl::string_view tenant) {
  absl::MutexLock lock(&others_mu_);
  auto it = others_.find(tenant);
  return it == others_.end() ? 0 : it->second.listeners.size();
}

absl::Status ApprovalRelay::PumpOthers() {
  std::vector<std::string> tenants;
  {
    absl::MutexLock lock(&others_mu_);
    for (const auto& [tenant, watched] : others_) tenants.push_back(tenant);
  }
  absl::Status first;
  for (const std::string& tenant : tenants) {
    // Read without the lock: no lock is held across I/O.
    absl::StatusOr<Listings> now = ReadOthers(tenant);
    if (!now.ok()) {
      // Unreachable is not "removed": what was seen stands until the
      // listings can be read again.
      first.Update(now.status());
      continue;
    }
    absl::MutexLock lock(&others_mu_);
    auto it = others_.find(tenant);
    if (it == others_.end()) continue;  // its last listener left meanwhile
    Watched& watched = it->second;
    std::vector<v1::PendingEvent> events;
    for (const auto& [id, listing] : *now) {
      auto was = watched.seen.find(id);
      // Compared as messages: the bytes of the same listing differ from
      // one publication to the next (the order of a map's entries).
      if (was != watched.seen.end() &&
          google::protobuf::util::MessageDifferencer::Equals(was->second,
                                                             listing)) {
        continue;
      }
      v1::PendingEvent& event = events.emplace_back();
      event.set_kind(was == watched.seen.end()
                         ? v1::PendingEvent::KIND_ADDED
                         : v1::PendingEvent::KIND_UPDATED);
      *event.mutable_pending() = listing;
    }
    for (const auto& [id, listing] : watched.seen) {
      if (now->contains(id)) continue;
      v1::PendingEvent& event = events.emplace_back();
      event.set_kind(v1::PendingEvent::KIND_REMOVED);
      *event.mutable_pending() = listing;
    }
    watched.seen = *std::move(now);
    for (const v1::PendingEvent& event : events) {
      std::erase_if(watched.listeners, [&](OthersListener* listener) {
        return !listener->OnOthersEvent(event);
      });
    }
    if (watched.listeners.empty()) others_.erase(it);
  }
  return first;
}

absl::StatusOr<std::pair<std::string, std::string>> ApprovalRelay::SendCall(
    const v1::ApproveRequest& request, absl::string_view caller) {
  const std::string& tenant = request.approval().tenant();
  const std::string& decision_id = request.approval().decision_id();
  absl::StatusOr<std::vector<gate::SharedPending>> others =
      exchange_.ListOthers(tenant);
  if (!others.ok()) {
    return absl::UnavailableError(
        "this replica does not hold the request, and the replicas that "
        "share approvals cannot be asked now");
  }
  std::string holder;
  for (const gate::SharedPending& shared : *others) {
    if (shared.decision_id == decision_id) holder = shared.replica;
  }
  if (holder.empty()) {
    return absl::NotFoundError("no replica holds the request");
  }
  relay::v1::RelayedApprove call;
  *call.mutable_request() = request;
  call.set_caller(std::string(caller));
  call.set_from_replica(options_.replica);
  const gate::RelayedCall sent{CallId(), call.SerializeAsString()};
  if (absl::Status s = exchange_.Send(holder, sent, options_.call_ttl);
      !s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the request is held by replica ", holder,
                     ", which cannot be reached now through the shared store"));
  }
  return std::make_pair(sent.id, std::move(holder));
}

void ApprovalRelay::RelayAsync(const v1::ApproveRequest& request,
                               absl::string_view caller,
                               absl::Duration patience, Answered done) {
  absl::Status admitted;
  {
    absl::MutexLock lock(&waiting_mu_);
    if (stopping_) {
      admitted = absl::UnavailableError("the gate is stopping");
    } else if (waiting_.size() + sending_ >= options_.max_waiting_calls) {
      admitted = absl::ResourceExhaustedError(absl::StrCat(
          "this replica already waits for ", options_.max_waiting_calls,
          " relayed approvals; nothing was sent: retry shortly"));
    } else {
      ++sending_;  // a place among max_waiting_calls, kept while it is sent
    }
  }
  if (!admitted.ok()) {
    std::move(done)(admitted);
    return;
  }
  const absl::Time deadline = absl::Now() + patience;
  absl::StatusOr<std::pair<std::string, std::string>> sent =
      SendCall(request, caller);
  {
    absl::MutexLock lock(&waiting_mu_);
    --sending_;
    if (sent.ok() && !stopping_) {
      if (!waiter_.joinable()) {
        waiter_ = std::thread([this] {
          SetCurrentThreadName("gate-relay-wait");
          AwaitAnswers();
        });
      }
      waiting_.emplace(
          std::move(sent->first),
          Waiting{std::move(sent->second), deadline, std::move(done)});
      return;
    }
  }
  std::move(done)(sent.ok() ? absl::UnavailableError(
                                  "the gate is stopping; the relayed approval "
                                  "was sent, and may still be recorded "
                                  "(AwaitDecision tells)")
                            : sent.status());
}

absl::StatusOr<v1::ApproveResponse> ApprovalRelay::Relay(
    const v1::ApproveRequest& request, absl::string_view caller,
    absl::Duration patience) {
  absl::Notification answered;
  absl::StatusOr<v1::ApproveResponse> answer;
  RelayAsync(request, caller, patience,
             [&](absl::StatusOr<v1::ApproveResponse> a) {
               answer = std::move(a);
               answered.Notify();
             });
  answered.WaitForNotification();
  return answer;
}

size_t ApprovalRelay::waiting_calls() {
  absl::MutexLock lock(&waiting_mu_);
  return waiting_.size();
}

void ApprovalRelay::AwaitAnswers() {
  // An answer to hand over, outside the lock.
  struct Ending {
    Answered done;
    absl::StatusOr<v1::ApproveResponse> answer;
  };
  auto has_work = [this] {
    waiting_mu_.AssertHeld();
    return stopping_ || !waiting_.empty();
  };
  absl::MutexLock lock(&waiting_mu_);
  for (;;) {
    waiting_mu_.Await(absl::Condition(&has_work));
    std::vector<Ending> ending;
    if (stopping_) {
      for (auto& [id, waiting] : waiting_) {
        ending.push_back(
            {std::move(waiting.done),
             absl::UnavailableError(absl::StrCat(
                 "the gate is stopping before replica ", waiting.holder,
                 " answered the relayed approval; it may still "
                 "record it (AwaitDecision tells)"))});
      }
      waiting_.clear();
      waiting_mu_.Unlock();
      for (Ending& e : ending) std::move(e.done)(std::move(e.answer));
      waiting_mu_.Lock();
      return;
    }
    std::vector<std::pair<std::string, std::string>> calls;  // id, holder
    for (const auto& [id, waiting] : waiting_) {
      calls.emplace_back(id, waiting.holder);
    }
    waiting_mu_.Unlock();
    // Round trips to the exchange, with no lock held.
    std::vector<std::pair<std::string, absl::StatusOr<v1::ApproveResponse>>>
        answered;
    for (const auto& [id, holder] : calls) {
      absl::StatusOr<std::optional<std::string>> answer =
          exchange_.TakeAnswer(id);
      if (!answer.ok() || !answer->has_value()) continue;  // not yet
      relay::v1::RelayedAnswer relayed;
      if (!relayed.ParseFromString(**answer)) {
        answered.emplace_back(
            id, absl::UnavailableError(absl::StrCat(
                    "replica ", holder, " answered with what does not parse")));
      } else if (relayed.code() != 0) {
        answered.emplace_back(
            id, absl::Status(static_cast<absl::StatusCode>(relayed.code()),
                             relayed.message()));
      } else {
        answered.emplace_back(id, std::move(*relayed.mutable_response()));
      }
    }
    waiting_mu_.Lock();
    for (auto& [id, answer] : answered) {
      auto it = waiting_.find(id);
      if (it == waiting_.end()) continue;
      ending.push_back({std::move(it->second.done), std::move(answer)});
      waiting_.erase(it);
    }
    const absl::Time now = absl::Now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (now < it->second.deadline) {
        ++it;
        continue;
      }
      ending.push_back(
          {std::move(it->second.done),
           absl::DeadlineExceededError(absl::StrCat(
               "relayed to replica ", it->second.holder,
               ", which holds the request; it did not answer in time and may "
               "still record the verdict (AwaitDecision tells)"))});
      it = waiting_.erase(it);
    }
    waiting_mu_.Unlock();
    for (Ending& e : ending) std::move(e.done)(std::move(e.answer));
    ending.clear();
    waiting_mu_.Lock();
    waiting_mu_.AwaitWithTimeout(absl::Condition(&stopping_), kAnswerPoll);
  }
}

void ApprovalRelay::WatchTenants() {
  std::shared_ptr<const gate::PolicySnapshot> policy = gate_.policy();
  if (policy == nullptr) return;
  for (const std::string& tenant : policy->program->Tenants()) {
    if (watches_.contains(tenant)) continue;
    auto watch = std::make_unique<QueueWatch>();
    if (!gate_.SubscribePending(tenant, watch.get()).ok()) continue;
    watches_.emplace(tenant, std::move(watch));
  }
}

absl::Status ApprovalRelay::Publish(absl::string_view tenant) {
  absl::StatusOr<std::vector<gate::DecisionState>> pending =
      gate_.ListPending(tenant);
  if (!pending.ok()) return pending.status();
  std::map<std::string, std::string> listings;
  for (const gate::DecisionState& state : *pending) {
    v1::PendingApproval listing;
    codec::PendingToProto(state, &listing);
    listing.set_replica(options_.replica);
    listings.emplace(state.current.id, listing.SerializeAsString());
  }
  return exchange_.Publish(tenant, listings, options_.listing_ttl);
}

absl::Status ApprovalRelay::Pump() {
  WatchTenants();
  const absl::Time now = absl::Now();
  const bool all = now - last_full_publish_ >= options_.republish_every;
  absl::Status first;
  for (auto& [tenant, watch] : watches_) {
    if (!watch->TakeChanged() && !all) continue;
    if (absl::Status s = Publish(tenant); !s.ok()) {
      watch->MarkChanged();
      first.Update(s);
    }
  }
  if (all && first.ok()) last_full_publish_ = now;
  first.Update(PumpOthers());
  first.Update(AnswerCalls());
  pumps_.fetch_add(1);
  return first;
}

absl::Status ApprovalRelay::AnswerCalls() {
  absl::StatusOr<std::vector<gate::RelayedCall>> calls =
      exchange_.Receive(options_.max_calls_per_pump);
  if (!calls.ok()) return calls.status();
  absl::Status first;
  for (const gate::RelayedCall& call : *calls) {
    if (!answered_ids_.insert(call.id).second) continue;  // relayed twice
    answered_.push_back(call.id);
    if (answered_.size() > kAnsweredIds) {
      answered_ids_.erase(answered_.front());
      answered_.pop_front();
    }
    first.Update(
        exchange_.Answer({call.id, AnswerOne(call.bytes)}, options_.call_ttl));
  }
  return first;
}

std::string ApprovalRelay::AnswerOne(const std::string& bytes) {
  relay::v1::RelayedApprove call;
  relay::v1::RelayedAnswer answer;
  if (!call.ParseFromString(bytes) || !call.request().has_approval()) {
    answer.set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
    answer.set_message("the relayed call does not parse");
    return answer.SerializeAsString();
  }
  // Here alone: a relayed call is never relayed again.
  absl::StatusOr<v1::ApproveResponse> response =
      ApproveHere(gate_, call.request(), call.caller());
  if (!response.ok()) {
    answer.set_code(static_cast<int>(response.status().code()));
    answer.set_message(std::string(response.status().message()));
  } else {
    *answer.mutable_response() = *std::move(response);
  }
  return answer.SerializeAsString();
}

}  // namespace portcullis::server
