#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace portcullis {

void SetCurrentThreadName(absl::string_view name) {
  // 16 bytes with the terminating NUL; pthread_setname_np refuses longer.
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::string CurrentThreadName() {
  char name[16] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return "";
  return name;
}

}  // namespace portcullis
