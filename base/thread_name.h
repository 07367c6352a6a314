// Names the calling thread, so that `top -H`, `ps -L` and gdb show which
// part of the gate is busy ("gate-commit", "gate-verify", ...).
// A thread started from another inherits its name until it sets its own;
// every thread Portcullis starts sets one first thing.
#ifndef PORTCULLIS_BASE_THREAD_NAME_H_
#define PORTCULLIS_BASE_THREAD_NAME_H_

#include <string>

#include "absl/strings/string_view.h"

namespace portcullis {

// Linux keeps at most 15 bytes of a name: longer ones are cut.
void SetCurrentThreadName(absl::string_view name);

// The calling thread's name, as the kernel holds it.
std::string CurrentThreadName();

}  // namespace portcullis

#endif  // PORTCULLIS_BASE_THREAD_NAME_H_
