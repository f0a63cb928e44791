#include "sim/app/child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace dtsim {

nlohmann::json run_in_child_process(const std::function<nlohmann::json()>& task) {
  int fds[2];
  if (::pipe(fds) != 0) return {{"error", std::string("pipe failed: ") + std::strerror(errno)}};
  const pid_t pid = ::fork();
  if (pid < 0) return {{"error", std::string("fork failed: ") + std::strerror(errno)}};
  if (pid == 0) {
    ::close(fds[0]);
    std::string text;
    try {
      text = task().dump();
    } catch (const std::exception& e) {
      text = nlohmann::json{{"error", e.what()}}.dump();
    }
    for (size_t done = 0; done < text.size();) {
      ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
    ::_exit(0);  // skip atexit handlers and static destructors of the parent's state
  }
  ::close(fds[1]);
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return {{"error", "child killed by signal " + std::to_string(WTERMSIG(status))}};
  if (text.empty()) return {{"error", "child produced no result"}};
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return {{"error", std::string("child result is not JSON: ") + e.what()}};
  }
}

}  // namespace dtsim
