// A one-line progress counter on a terminal ("verifying: 120000 entries"),
// redrawn in place at most every `every` steps and cleared when done. Does
// nothing when the stream is not a terminal. Not thread-safe.
#ifndef PORTCULLIS_CLI_PROGRESS_H_
#define PORTCULLIS_CLI_PROGRESS_H_

#include <cstdint>
#include <ostream>
#include <string>

namespace portcullis::cli {

class Progress {
 public:
  Progress(std::ostream& out, bool enabled, std::string label,
           uint64_t every = 4096)
      : out_(out), enabled_(enabled), label_(std::move(label)), every_(every) {}
  ~Progress() { Done(); }

  void Update(uint64_t done) {
    if (!enabled_ || done - last_ < every_) return;
    last_ = done;
    out_ << "\r" << label_ << ": " << done << " entries" << std::flush;
    drawn_ = true;
  }

  void Done() {
    if (drawn_) out_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream& out_;
  bool enabled_;
  std::string label_;
  uint64_t every_;
  uint64_t last_ = 0;
  bool drawn_ = false;
};

}  // namespace portcullis::cli

#endif  // PORTCULLIS_CLI_PROGRESS_H_
