#pragma once
// Network namespaces: named ones bind-mounted under /run/netns (as iproute2 does, so
// `ip netns` sees them), opened by name or path, and NetNs::run() to execute code
// inside one.
//
// Threads: a NetNs is an fd and may be used from any thread. Switching namespaces only
// ever happens on a fresh thread made by run(); the calling thread's namespace never
// changes. Errors carry errno and what was being done ("create netns foo: EEXIST").

#include <sys/types.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::netlink {

class NetNs {
 public:
  // Where named namespaces live.
  static constexpr const char* kRunDir = "/run/netns";

  // Creates a new namespace named `name` and pins it at /run/netns/<name> (a bind mount
  // of the new namespace's nsfs file; /run/netns is made a shared mount point first, as
  // iproute2 does). EEXIST when the name is taken. The new namespace has only `lo`, down.
  static Result<NetNs> create(const std::string& name);
  // Opens /run/netns/<name>.
  static Result<NetNs> openName(const std::string& name);
  // Opens any nsfs path (/proc/<pid>/ns/net, a bind mount, ...).
  static Result<NetNs> openPath(const std::string& path);
  // The namespace of the calling thread.
  static Result<NetNs> current();
  // Unmounts and unlinks /run/netns/<name>. The namespace itself lives on while
  // anything (an fd, a socket, a process) still refers to it. ENOENT when absent.
  static Status remove(const std::string& name);
  // "/run/netns/<name>"; EINVAL for names that are empty, contain '/' or are "."/"..".
  static Result<std::string> pathFor(const std::string& name);

  NetNs(NetNs&&) noexcept = default;
  NetNs& operator=(NetNs&&) noexcept = default;
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  // The open nsfs fd (owned by this object), e.g. for VethSpec::peer_netns_fd.
  int fd() const { return fd_.get(); }
  // The path it was opened from ("" for current()).
  const std::string& path() const { return path_; }
  // The namespace's inode number: two NetNs are the same namespace iff equal.
  Result<ino_t> inode() const;

  // Runs `fn` on a new thread that first setns()'s into this namespace; waits for it and
  // returns what fn returned. fn must return Status or Result<T>; a failed setns is
  // returned as that type without calling fn. An exception thrown by fn is rethrown here.
  template <class F>
  auto run(F&& fn) const -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    static_assert(std::is_constructible_v<R, Status>, "fn must return Status or Result<T>");
    std::optional<R> out;
    std::exception_ptr error;
    Status st = runOnThread([&] {
      try {
        out.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
    if (!st.isOk()) return R(std::move(st));
    return std::move(*out);
  }

  // The primitive under run(): calls fn on a fresh thread inside the namespace.
  Status runOnThread(const std::function<void()>& fn) const;

 private:
  NetNs(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

}  // namespace orch::netlink
