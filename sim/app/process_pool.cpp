#include "sim/app/process_pool.h"
#include "sim/base/wall_clock.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace dtsim {
namespace {


struct Child {
  std::size_t index = 0;
  pid_t pid = -1;
  int fd = -1;  // read end of the pipe the child writes its result to
  std::string text;
  WallClock::time_point start;
  bool timed_out = false;
};

void write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child_main(const ChildTask& task, std::size_t index, int fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed parent takes its running children with it
  if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
  std::string text;
  try {
    text = task(index);
  } catch (const std::exception& e) {
    text = nlohmann::json{{"error", e.what()}}.dump();
  } catch (...) {
    text = nlohmann::json{{"error", "the task threw an exception that is not a std::exception"}}.dump();
  }
  write_all(fd, text);
  ::close(fd);
  ::_exit(0);  // skip atexit handlers and static destructors of the parent's state
}

// Forks the child for task `index`; returns "" or the system call that failed.
std::string start_child(const ChildTask& task, std::size_t index, pid_t parent, std::vector<Child>& running) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe failed: ") + std::strerror(errno);
  // Buffered output would otherwise be written twice if the child flushes it.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return std::string("fork failed: ") + std::strerror(error);
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(task, index, fds[1], parent);
  }
  ::close(fds[1]);
  Child child;
  child.index = index;
  child.pid = pid;
  child.fd = fds[0];
  child.start = WallClock::now();
  running.push_back(std::move(child));
  return "";
}

// Reaps an ended child and reads its outcome from the exit status and the text it wrote.
ChildOutcome collect(Child& child, double timeout_s) {
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(child.fd);
  ChildOutcome o;
  o.index = child.index;
  o.wall_s = seconds_since(child.start);
  o.timed_out = child.timed_out;
  if (child.timed_out) {
    char text[64];
    std::snprintf(text, sizeof text, "timed out after %g s", timeout_s);
    o.failure = text;
  } else if (WIFSIGNALED(status)) {
    o.failure = "child killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  } else if (child.text.empty()) {
    o.failure = "child produced no result (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
  } else {
    try {
      o.result = nlohmann::json::parse(child.text);
    } catch (const nlohmann::json::exception& e) {
      o.failure = std::string("child result is not JSON: ") + e.what();
    }
  }
  return o;
}

// One wait of at most 250 ms: reads what children wrote, kills those past the timeout, collects those
// whose pipe closed. Returns "" or the failed system call; `keep_going` turns false when on_done says so.
std::string poll_children(std::vector<Child>& running, const ProcessPoolOptions& options, const ChildDone& on_done,
                          bool& keep_going) {
  std::vector<pollfd> pfds;
  for (const Child& c : running) pfds.push_back({c.fd, POLLIN, 0});
  const int ready = ::poll(pfds.data(), pfds.size(), 250);
  std::string problem;
  if (ready < 0 && errno != EINTR) problem = std::string("poll failed: ") + std::strerror(errno);
  for (std::size_t i = running.size(); i-- > 0;) {
    Child& c = running[i];
    bool ended = false;
    if (ready > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buffer[65536];
      const ssize_t n = ::read(c.fd, buffer, sizeof buffer);
      if (n > 0) c.text.append(buffer, static_cast<std::size_t>(n));
      else if (!(n < 0 && errno == EINTR)) ended = true;
    }
    if (!ended && options.timeout_s > 0 && !c.timed_out && seconds_since(c.start) > options.timeout_s) {
      c.timed_out = true;
      ::kill(c.pid, SIGKILL);
    }
    if (!ended) continue;
    if (!on_done(collect(c, options.timeout_s), running.size() - 1)) keep_going = false;
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return problem;
}

}  // namespace

std::string run_in_children(std::size_t count, const ChildTask& task, const ChildDone& on_done,
                            const ProcessPoolOptions& options) {
  const std::size_t jobs = static_cast<std::size_t>(std::max(1, options.jobs));
  const pid_t parent = ::getpid();
  std::vector<Child> running;
  std::size_t next = 0;
  std::string fatal;
  bool keep_going = true;
  while ((next < count && fatal.empty() && keep_going) || !running.empty()) {
    while (fatal.empty() && keep_going && running.size() < jobs && next < count)
      fatal = start_child(task, next++, parent, running);
    if (running.empty()) break;
    std::string problem = poll_children(running, options, on_done, keep_going);
    if (fatal.empty()) fatal = std::move(problem);
    if (options.on_tick) options.on_tick(running.size());
  }
  return fatal;
}

std::vector<ChildOutcome> run_all_in_children(std::size_t count, const ChildTask& task,
                                              const ProcessPoolOptions& options) {
  std::vector<ChildOutcome> outcomes(count);
  std::vector<bool> collected(count, false);
  const std::string fatal = run_in_children(
      count, task,
      [&](ChildOutcome&& o, std::size_t) {
        collected[o.index] = true;
        outcomes[o.index] = std::move(o);
        return true;
      },
      options);
  for (std::size_t i = 0; i < count; ++i)
    if (!collected[i]) {
      outcomes[i].index = i;
      outcomes[i].failure = fatal.empty() ? "not started" : fatal;
    }
  return outcomes;
}

}  // namespace dtsim
