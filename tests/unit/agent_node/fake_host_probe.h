#pragma once
// A HostProbe whose answers the test sets (thread-safe: the agent's loops read it while the
// test changes it).

#include <mutex>
#include <string>
#include <vector>

#include "agent/node/host_probe.h"

namespace orch::agent::testing {

class FakeHostProbe final : public HostProbe {
 public:
  FakeHostProbe() {
    mem_ = {8LL << 30, 6LL << 30};
    fs_ = {100LL << 30, 60LL << 30, 1000000, 900000};
    pids_ = {300, 4194304};
    ids_ = {"machine-1", "uuid-1", "boot-1", "6.18.0-test", "Debian GNU/Linux 12 (bookworm)"};
    addrs_ = {"10.0.0.5", "fd00::5"};
  }

  void setCpus(int64_t n) {
    with([&] { cpus_ = n; });
  }
  void setMemory(MemoryStats m) {
    with([&] { mem_ = m; });
  }
  void setFs(FsStats f) {
    with([&] { fs_ = f; });
  }
  void setPids(PidStats p) {
    with([&] { pids_ = p; });
  }
  void setIds(SystemIds i) {
    with([&] { ids_ = i; });
  }
  void setDefaultRouteAddresses(std::vector<std::string> a) {
    with([&] { addrs_ = a; });
  }
  void setFail(bool f) {
    with([&] { fail_ = f; });
  }
  std::string lastFsPath() const {
    std::lock_guard l(mu_);
    return last_fs_path_;
  }

  Result<int64_t> onlineCpus() override { return get(cpus_); }
  Result<MemoryStats> memory() override { return get(mem_); }
  Result<FsStats> filesystem(const std::string& path) override {
    {
      std::lock_guard l(mu_);
      last_fs_path_ = path;
    }
    return get(fs_);
  }
  Result<PidStats> pids() override { return get(pids_); }
  Result<SystemIds> systemIds() override { return get(ids_); }
  Result<std::vector<std::string>> defaultRouteAddresses() override { return get(addrs_); }
  Result<std::string> hostname() override { return std::string("fake-host"); }

 private:
  template <class F>
  void with(F f) {
    std::lock_guard l(mu_);
    f();
  }
  template <class T>
  Result<T> get(const T& v) {
    std::lock_guard l(mu_);
    if (fail_) return Status::error(EIO, "fake probe failure");
    return v;
  }

  mutable std::mutex mu_;
  int64_t cpus_ = 4;
  MemoryStats mem_;
  FsStats fs_;
  PidStats pids_;
  SystemIds ids_;
  std::vector<std::string> addrs_;
  bool fail_ = false;
  std::string last_fs_path_;
};

}  // namespace orch::agent::testing
