// A child process for crash_consistency_test: opens the real Ledger on a
// real RocksDB (synced writes, signed checkpoints, sealed payloads) and
// appends from several threads until it is killed, printing
// "ack <tenant> <sequence> <hash>" on stderr after each append returns —
// the acknowledgement a gate would give its caller.
//
//   crash_writer DATA_DIR
//
// Prints "ready" once open, "refused <reason>" (exit 3) when the ledger
// refuses a tenant, and exits 2 when it cannot open.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "crypto/ed25519.h"
#include "crypto/master_key_file.h"
#include "ledger/ledger.h"
#include "ledger/rocksdb_store.h"

namespace {

using namespace portcullis;

// Time moves forward by a microsecond per reading: deterministic, no wall
// clock.
class SteppingClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    now_ += absl::Microseconds(1);
    return now_;
  }

 private:
  mutable absl::Mutex mu_;
  mutable absl::Time now_ = absl::FromUnixSeconds(1767528000);
};

absl::Mutex out_mu;

void Say(const std::string& line) {
  absl::MutexLock lock(&out_mu);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto store = ledger::RocksDbStore::Open(argv[1], {});
  if (!store.ok()) {
    Say("cannot open: " + std::string(store.status().message()));
    return 2;
  }
  crypto::SigningKey key =
      *crypto::SigningKey::FromSeed(std::string(32, '\x05'));
  SteppingClock clock;
  auto masters = std::make_shared<std::vector<crypto::MasterKey>>();
  auto master = crypto::SecureBytes::CopyOf(std::string(32, 'k'));
  std::string id = crypto::MasterKeyId(master);
  masters->push_back({id, std::move(master)});
  ledger::LedgerOptions options;
  options.checkpoints.key = &key;
  options.checkpoints.every_entries = 7;
  options.clock = &clock;
  options.master_keys = masters;
  auto ledger = ledger::Ledger::Open(std::move(*store), options);
  if (!ledger.ok()) {
    Say("cannot open: " + std::string(ledger.status().message()));
    return 2;
  }
  for (const ledger::TenantRefusal& r : (*ledger)->Refusals()) {
    Say("refused " + r.reason);
    return 3;
  }
  Say("ready");
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::vector<ledger::EntryDraft> drafts;
        for (int k = 0; k <= (i + t) % 2; ++k) {
          ledger::EntryDraft d;
          d.tenant = "t" + std::to_string((t + k) % 3);
          d.time = clock.Now();
          d.kind = "action.evaluated";
          d.payload = "writer " + std::to_string(t) + " entry " +
                      std::to_string(i) + std::string(64, 'x');
          drafts.push_back(std::move(d));
        }
        auto appended = (*ledger)->Append(drafts);
        if (!appended.ok()) {
          Say("append failed: " + std::string(appended.status().message()));
          continue;
        }
        if (t == 0 && i % 5 == 0)
          (*ledger)->SignCheckpoints(false).IgnoreError();
        for (size_t k = 0; k < drafts.size(); ++k) {
          Say("ack " + drafts[k].tenant + " " +
              std::to_string((*appended)[k].sequence) + " " +
              crypto::ToHex((*appended)[k].hash));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return 0;
}
