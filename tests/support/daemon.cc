#include "support/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace orch::testing {

using namespace std::chrono_literals;

Result<Daemon> Daemon::start(std::vector<std::string> argv, std::string log_path) {
  ProcessOptions opts{.argv = std::move(argv)};
  UniqueFd log_fd;
  if (!log_path.empty()) {
    log_fd.reset(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log_fd) return Status::fromErrno("open " + log_path);
    opts.stdout_to = log_fd.get();
    opts.stderr_to = log_fd.get();
  }
  ORCH_ASSIGN_OR_RETURN(Process p, Process::spawn(opts));
  return Daemon(std::move(p));
}

Daemon::~Daemon() {
  if (proc_.running()) (void)stop(2s);
}

Result<int> Daemon::stop(std::chrono::milliseconds grace) {
  if (!proc_.running()) return proc_.wait();
  (void)proc_.signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    ORCH_ASSIGN_OR_RETURN(auto st, proc_.tryWait());
    if (st) return *st;
    std::this_thread::sleep_for(10ms);
  }
  (void)proc_.signal(SIGKILL);
  return proc_.wait();
}

Status Daemon::kill() {
  ORCH_RETURN_IF_ERROR(proc_.signal(SIGKILL));
  return proc_.wait().status();
}

Status waitForUnixSocket(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Status::invalid("socket path too long: " + path);
  path.copy(addr.sun_path, path.size());
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return Status::ok();
    }
    std::this_thread::sleep_for(10ms);
  }
  return Status::timeout("wait for unix socket " + path);
}

Status waitForTcpPort(int port, std::chrono::milliseconds timeout, bool v6) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int rc;
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      a.sin6_addr = in6addr_loopback;
      rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc == 0) return Status::ok();
    std::this_thread::sleep_for(10ms);
  }
  return Status::timeout("wait for tcp port " + std::to_string(port));
}

int freeTcpPort() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

}  // namespace orch::testing
