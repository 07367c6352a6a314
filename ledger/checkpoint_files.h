// CheckpointFiles keeps each tenant's latest signed checkpoint outside the
// ledger's database: one small file per chain, `<dir>/<tenant>.checkpoint`,
// holding the signed note (checkpoint.h), replaced atomically (a temporary
// file, fsync, rename, fsync of the directory). A database that lost
// entries — a damaged write-ahead log salvaged, an old backup restored — is
// then found behind its last checkpoint at open and by `ledger verify`,
// even when the checkpoints inside the database went with the entries.
//
// Thread-safe: each call works on its own files; the Ledger writes a
// tenant's file only from its leading writer, one group at a time.
#ifndef PORTCULLIS_LEDGER_CHECKPOINT_FILES_H_
#define PORTCULLIS_LEDGER_CHECKPOINT_FILES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace portcullis::ledger {

// Where the gate keeps them: `<data_dir>/checkpoints`, beside the database.
std::string KeptCheckpointsDir(absl::string_view data_dir);

class CheckpointFiles {
 public:
  // Files live in `dir`, created (mode 0700) by the first Write.
  explicit CheckpointFiles(std::string dir) : dir_(std::move(dir)) {}

  // Replaces `chain`'s file with `note`. InvalidArgument for a chain name
  // that is not a tenant id (or the ledger's own chain); Unavailable when
  // the file cannot be written, and then the previous file is intact.
  absl::Status Write(absl::string_view chain, absl::string_view note) const;

  // Removes `chain`'s file (when its chain is deleted). Unavailable when
  // it exists and cannot be removed.
  absl::Status Remove(absl::string_view chain) const;

  // Every kept note, by chain name; empty when the directory does not
  // exist. Files that are not `<chain>.checkpoint` are ignored. Unavailable
  // when the directory or a file cannot be read.
  absl::StatusOr<std::map<std::string, std::string>> ReadAll() const;

  // Where `chain`'s note is kept, for messages.
  std::string PathOf(absl::string_view chain) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace portcullis::ledger

#endif  // PORTCULLIS_LEDGER_CHECKPOINT_FILES_H_
