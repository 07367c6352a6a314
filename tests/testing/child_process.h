// Runs a program as a child process with its stderr on a pipe, so a test
// can wait for a log line (a blocking read, no sleeps), signal the child
// and collect its exit status. Not thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_CHILD_PROCESS_H_
#define PORTCULLIS_TESTS_TESTING_CHILD_PROCESS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace portcullis::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`. Check started() before using it.
  explicit ChildProcess(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> args;
      for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    stderr_ = ::fdopen(fds[0], "r");
  }

  ~ChildProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stderr_ != nullptr) ::fclose(stderr_);
  }

  bool started() const { return pid_ > 0 && stderr_ != nullptr; }

  // Reads stderr until a line contains `needle`; returns that line, or ""
  // when the child closed stderr (exited) first. Everything read is kept
  // in log().
  std::string AwaitLine(const std::string& needle) {
    char buffer[4096];
    while (::fgets(buffer, sizeof(buffer), stderr_) != nullptr) {
      log_ += buffer;
      std::string line(buffer);
      if (line.find(needle) != std::string::npos) return line;
    }
    return "";
  }

  void Signal(int signal) { ::kill(pid_, signal); }

  // Waits for the child; returns its exit code, or 128+signal if killed.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    // Collect the rest of its output.
    char buffer[4096];
    while (::fgets(buffer, sizeof(buffer), stderr_) != nullptr) log_ += buffer;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  FILE* stderr_ = nullptr;
  bool reaped_ = false;
  std::string log_;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_CHILD_PROCESS_H_
