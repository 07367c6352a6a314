// ThreadSanitizer shim for Debian's Abseil, linked only into the test
// binaries of the tsan tree (tests/sanitizers/run.sh tsan).
//
// Debian's libabsl_synchronization.so is built without -fsanitize=thread, so
// absl::Mutex's out-of-line members carry none of Abseil's own
// __tsan_mutex_* annotations and ThreadSanitizer sees no lock, no unlock and
// so no happens-before edge: every correctly locked access would be reported
// as a race. This file defines those exported members in the executable,
// which interposes them (the executable comes first in the dynamic linker's
// search order, and the library's own internal calls, e.g. Notification's
// Lock and Unlock, go through its PLT). Each definition calls the library's
// real member, found with dlsym(RTLD_NEXT, <mangled name>), inside the same
// annotations Abseil's mutex.cc makes when it is built with TSan:
//
//   Lock, LockWhen, LockWhenWithDeadline      exclusive lock
//   ReaderLock, ReaderLockWhen[WithDeadline]  shared lock
//   TryLock, ReaderTryLock                    try lock, failed or not
//   Unlock, ReaderUnlock                      unlock
//   Await, AwaitWithDeadline, CondVar::Wait,  unlock, then lock again, in the
//   CondVar::WaitWithDeadline                 mode the mutex is held in
//   ~Mutex                                    destroy (the real one ignored)
//
// The *WithTimeout members are not interposed: the library turns each into
// its *WithDeadline sibling through the PLT, which lands here (annotating
// both would lock twice). Between a pre- and a post- annotation TSan ignores
// memory accesses, as in Abseil: a Condition evaluated inside the library
// (by the waiter, or by an unlocking thread) is not checked.
//
// absl::Notification and absl::BlockingCounter publish through an atomic the
// library writes uninstrumented (Notify's flag, the counter's fetch_sub), so
// they get an explicit release/acquire pair on that atomic's address.
// CondVar::Signal/SignalAll need nothing: the edge is the mutex, as in Abseil's
// own TSan build.
//
// The mangled names are spelled out with the inline namespace of the
// installed Abseil (ABSL_OPTION_INLINE_NAMESPACE_NAME, "debian3" on
// Debian 12); a name dlsym cannot find aborts at the first call rather than
// run unannotated.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/base/options.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if !defined(__has_feature) || !__has_feature(thread_sanitizer)
#error "absl_tsan_shim.cc is only for -fsanitize=thread builds"
#endif
#if !ABSL_OPTION_USE_INLINE_NAMESPACE
#error "absl_tsan_shim.cc expects Abseil's inline namespace"
#endif

#define PORTCULLIS_STR2(x) #x
#define PORTCULLIS_STR(x) PORTCULLIS_STR2(x)
#define PORTCULLIS_NS PORTCULLIS_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME)
static_assert(sizeof(PORTCULLIS_NS) - 1 == 7,
              "the mangled names below spell a 7-letter inline namespace");
// "_ZN4absl7debian35Mutex" and friends.
#define PORTCULLIS_ABSL "_ZN4absl7" PORTCULLIS_NS
#define PORTCULLIS_ABSL_K "_ZNK4absl7" PORTCULLIS_NS

// ThreadSanitizer's dynamic annotations (its runtime defines them).
extern "C" {
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
}

namespace {

// The library's own definition of `name`, looked up once.
void* Real(std::atomic<void*>& slot, const char* name) {
  void* fn = slot.load(std::memory_order_acquire);
  if (fn == nullptr) {
    fn = dlsym(RTLD_NEXT, name);
    if (fn == nullptr) {
      std::fprintf(stderr, "absl_tsan_shim: %s not found: %s\n", name,
                   dlerror());
      std::abort();
    }
    slot.store(fn, std::memory_order_release);
  }
  return fn;
}

// REAL(Type, "mangled") yields the real function, called with `this` first.
#define REAL(type, name)                             \
  ([]() {                                            \
    static std::atomic<void*> slot{nullptr};         \
    return reinterpret_cast<type>(Real(slot, name)); \
  }())

using MutexFn = void (*)(absl::Mutex*);
using MutexTryFn = bool (*)(absl::Mutex*);
using MutexCondFn = void (*)(absl::Mutex*, const absl::Condition&);
using MutexCondDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                     absl::Time);
using CondVarWaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using CondVarDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);

// The flags of a mutex the caller holds: shared unless the writer bit
// (Abseil's kMuWriter, 0x8 in the mutex word) is set; Abseil's AwaitCommon
// and CondVar::WaitCommon decide the same way.
unsigned HeldFlags(const absl::Mutex* mu) {
  static_assert(sizeof(absl::Mutex) == sizeof(std::atomic<intptr_t>));
  const auto* word = reinterpret_cast<const std::atomic<intptr_t>*>(mu);
  return (word->load(std::memory_order_relaxed) & 0x8) != 0
             ? 0
             : __tsan_mutex_read_lock;
}

// Brackets a wait that releases `mu` and takes it again (Await, CondVar).
template <typename F>
auto ReleaseAndRelock(absl::Mutex* mu, F wait) {
  const unsigned flags = HeldFlags(mu);
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  auto result = wait();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// The atomic that absl::Notification (notified_yet_) and
// absl::BlockingCounter (count_) declare right after their Mutex: the
// address their release/acquire pair is attached to. For a Notification it
// is also the address of the acquire load that the inline HasBeenNotified()
// makes in our own, instrumented code, so that load synchronizes with the
// release in Notify() below.
void* FlagAfterMutex(const void* object) {
  return const_cast<char*>(static_cast<const char*>(object)) +
         sizeof(absl::Mutex);
}

}  // namespace

// Definitions of Abseil's declared, out-of-line members: they carry the
// exported names the library's callers bind to. -Wthread-safety would ask
// each to acquire or release in the analysis' terms; the real call does.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wthread-safety-analysis"

namespace absl {
ABSL_NAMESPACE_BEGIN

// The real destructor takes the mutex out of Abseil's deadlock graph, which
// the library guards with its own uninstrumented SpinLock: its accesses are
// ignored, as the lock and unlock paths' are between their annotations.
Mutex::~Mutex() {
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  REAL(MutexFn, PORTCULLIS_ABSL "5MutexD2Ev")(this);
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  __tsan_mutex_destroy(this, __tsan_mutex_not_static);
}

void Mutex::Lock() {
  __tsan_mutex_pre_lock(this, 0);
  REAL(MutexFn, PORTCULLIS_ABSL "5Mutex4LockEv")(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLock() {
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  REAL(MutexFn, PORTCULLIS_ABSL "5Mutex10ReaderLockEv")(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::TryLock() {
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked =
      REAL(MutexTryFn, PORTCULLIS_ABSL "5Mutex7TryLockEv")(this);
  __tsan_mutex_post_lock(
      this, __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed),
      0);
  return locked;
}

bool Mutex::ReaderTryLock() {
  const unsigned flags = __tsan_mutex_read_lock | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  const bool locked =
      REAL(MutexTryFn, PORTCULLIS_ABSL "5Mutex13ReaderTryLockEv")(this);
  __tsan_mutex_post_lock(
      this, flags | (locked ? 0 : __tsan_mutex_try_lock_failed), 0);
  return locked;
}

void Mutex::Unlock() {
  __tsan_mutex_pre_unlock(this, 0);
  REAL(MutexFn, PORTCULLIS_ABSL "5Mutex6UnlockEv")(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  REAL(MutexFn, PORTCULLIS_ABSL "5Mutex12ReaderUnlockEv")(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

void Mutex::LockWhen(const Condition& cond) {
  __tsan_mutex_pre_lock(this, 0);
  REAL(MutexCondFn, PORTCULLIS_ABSL "5Mutex8LockWhenERKNS0_9ConditionE")
  (this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  REAL(MutexCondFn, PORTCULLIS_ABSL "5Mutex14ReaderLockWhenERKNS0_9ConditionE")
  (this, cond);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  __tsan_mutex_pre_lock(this, 0);
  const bool met = REAL(MutexCondDeadlineFn, PORTCULLIS_ABSL
                        "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_"
                        "4TimeE")(this, cond, deadline);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  const bool met =
      REAL(MutexCondDeadlineFn, PORTCULLIS_ABSL
           "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_"
           "4TimeE")(this, cond, deadline);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
  return met;
}

void Mutex::Await(const Condition& cond) {
  ReleaseAndRelock(this, [&] {
    REAL(MutexCondFn, PORTCULLIS_ABSL "5Mutex5AwaitERKNS0_9ConditionE")
    (this, cond);
    return true;
  });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  return ReleaseAndRelock(this, [&] {
    return REAL(MutexCondDeadlineFn, PORTCULLIS_ABSL
                "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE")(
        this, cond, deadline);
  });
}

void CondVar::Wait(Mutex* mu) {
  ReleaseAndRelock(mu, [&] {
    REAL(CondVarWaitFn, PORTCULLIS_ABSL "7CondVar4WaitEPNS0_5MutexE")(this, mu);
    return true;
  });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  return ReleaseAndRelock(mu, [&] {
    return REAL(CondVarDeadlineFn, PORTCULLIS_ABSL
                "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE")(this, mu,
                                                                     deadline);
  });
}

void Notification::Notify() {
  __tsan_release(FlagAfterMutex(this));
  REAL(void (*)(Notification*), PORTCULLIS_ABSL "12Notification6NotifyEv")
  (this);
}

void Notification::WaitForNotification() const {
  REAL(void (*)(const Notification*),
       PORTCULLIS_ABSL_K "12Notification19WaitForNotificationEv")
  (this);
  __tsan_acquire(FlagAfterMutex(this));
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  const bool notified =
      REAL(bool (*)(const Notification*, Time), PORTCULLIS_ABSL_K
           "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE")(
          this, deadline);
  if (notified) __tsan_acquire(FlagAfterMutex(this));
  return notified;
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  const bool notified =
      REAL(bool (*)(const Notification*, Duration), PORTCULLIS_ABSL_K
           "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE")(
          this, timeout);
  if (notified) __tsan_acquire(FlagAfterMutex(this));
  return notified;
}

bool BlockingCounter::DecrementCount() {
  __tsan_release(FlagAfterMutex(this));
  const bool last = REAL(bool (*)(BlockingCounter*), PORTCULLIS_ABSL
                         "15BlockingCounter14DecrementCountEv")(this);
  if (last) __tsan_acquire(FlagAfterMutex(this));
  return last;
}

void BlockingCounter::Wait() {
  REAL(void (*)(BlockingCounter*), PORTCULLIS_ABSL "15BlockingCounter4WaitEv")
  (this);
  __tsan_acquire(FlagAfterMutex(this));
}

ABSL_NAMESPACE_END
}  // namespace absl

#pragma clang diagnostic pop
