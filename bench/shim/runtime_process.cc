#include "runtime_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"
#include "common/cri/cri_client.h"
#include "tests/support/containerd_config.h"

namespace orch::bench {

namespace fs = std::filesystem;
namespace v1 = runtime::v1;
using namespace std::chrono_literals;

namespace {

constexpr auto kReadyTimeout = 60s;

// Runs a helper command (import, version) to completion; an error unless it exits 0.
Result<RunResult> runChecked(const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout = 180s) {
  ORCH_ASSIGN_OR_RETURN(
      RunResult r,
      runProcess({.argv = argv, .pipe_stdout = true, .pipe_stderr = true}, "", timeout));
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Status::error(ECHILD, cmd + ": exit " + std::to_string(r.exit_code) +
                                     (r.timed_out ? " (timed out)" : "") + ": " +
                                     r.err.substr(0, 800));
  }
  return r;
}

}  // namespace

std::string containerdConfig(const BenchNode& node, const RuntimePaths& paths,
                             const std::string& runc_path) {
  return testing::containerdConfigToml({.dir = node.dir() + "/containerd",
                                        .cni_conf_dir = node.confDir(),
                                        .cni_bin_dir = paths.cni_bin_dir,
                                        .runc = runc_path});
}

Result<std::unique_ptr<RuntimeProcess>> RuntimeProcess::start(RuntimeKind kind,
                                                              const BenchNode& node,
                                                              const RuntimePaths& paths) {
  std::unique_ptr<RuntimeProcess> rt(new RuntimeProcess());
  rt->kind_ = kind;
  if (kind == RuntimeKind::kOrchShim) {
    const std::string state = node.dir() + "/orch-shim";
    const std::string sock = node.dir() + "/orch-shim.sock";
    rt->endpoint_ = "unix://" + sock;
    rt->log_path_ = node.dir() + "/orch-shim.log";
    ORCH_RETURN_IF_ERROR(
        runChecked({paths.shim_bin, "--state-dir", state, "import", paths.busybox_tar}).status());
    ORCH_RETURN_IF_ERROR(rt->spawn(
        node, {paths.shim_bin, "--listen", rt->endpoint_, "--state-dir", state, "--cni-conf-dir",
               node.confDir(), "--cni-bin-dir", paths.cni_bin_dir, "--cni-cache-dir",
               node.dir() + "/cni-cache", "--cgroup-parent", node.cgroupBase()}));
    ORCH_RETURN_IF_ERROR(rt->waitReady());
    return rt;
  }

  const std::string d = node.dir() + "/containerd";
  const std::string sock = d + "/containerd.sock";
  rt->endpoint_ = "unix://" + sock;
  rt->log_path_ = node.dir() + "/containerd.log";
  const std::string runc = testing::findRunc();
  std::error_code ec;
  // containerd 1.6 puts its shims' sockets under /run/containerd/s whatever its state dir.
  rt->made_run_dir_ = !fs::exists(testing::kContainerdRunDir, ec);
  fs::create_directories(d, ec);
  if (ec) return Status::error(ec.value(), "mkdir " + d);
  ORCH_RETURN_IF_ERROR(writeFile(d + "/config.toml", containerdConfig(node, paths, runc)));
  ORCH_RETURN_IF_ERROR(rt->spawn(node, {"containerd", "--config", d + "/config.toml"}));
  ORCH_RETURN_IF_ERROR(rt->waitReady());
  for (const std::string& tar : {paths.pause_tar, paths.busybox_tar}) {
    Status st =
        runChecked({"ctr", "--address", sock, "-n", "k8s.io", "images", "import", tar}).status();
    if (!st.isOk()) return st.withContext("import into containerd");
  }
  auto runc_version = runChecked({runc, "--version"});
  if (runc_version.ok()) {
    std::string first = runc_version->out.substr(0, runc_version->out.find('\n'));
    rt->version_ += " + " + first;  // "runc version 1.1.5+ds1"
  }
  return rt;
}

RuntimeProcess::~RuntimeProcess() {
  (void)stop();
  if (made_run_dir_) {
    // Only empty directories go: a socket of a shim still shutting down keeps them a moment.
    const std::string sockets = std::string(testing::kContainerdRunDir) + "/s";
    for (int i = 0; i < 30 && ::rmdir(sockets.c_str()) != 0 && errno == ENOTEMPTY; ++i) {
      std::this_thread::sleep_for(100ms);
    }
    ::rmdir(testing::kContainerdRunDir);
  }
}

std::string RuntimeProcess::helperComm() const {
  return kind_ == RuntimeKind::kOrchShim ? "orch-monitor" : "containerd-shim";
}

std::string RuntimeProcess::logTail(size_t bytes) const {
  std::string log = readFile(log_path_).valueOr("");
  return log.size() > bytes ? log.substr(log.size() - bytes) : log;
}

Status RuntimeProcess::spawn(const BenchNode& node, std::vector<std::string> argv) {
  UniqueFd log(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log) return Status::fromErrno("open " + log_path_);
  // The shell puts itself into the tracking cgroup, then becomes the daemon (same pid), so
  // every process the daemon forks starts there too. Its own session keeps a terminal's ^C
  // for the benchmark, which then cleans up through CRI.
  std::vector<std::string> full = {"/bin/sh",
                                   "-c",
                                   "echo $$ > \"$1\" && shift && exec \"$@\"",
                                   "orch-bench-runtime",
                                   node.trackingProcsFile(),
                                   "nsenter",
                                   "--net=" + node.netnsPath()};
  full.insert(full.end(), argv.begin(), argv.end());
  ORCH_ASSIGN_OR_RETURN(
      Process p,
      Process::spawn(
          {.argv = full, .new_session = true, .stdout_to = log.get(), .stderr_to = log.get()}));
  proc_.emplace(std::move(p));
  return Status::ok();
}

Status RuntimeProcess::waitReady() {
  ORCH_ASSIGN_OR_RETURN(cri::CriClient client, cri::connectCri(endpoint_));
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    ORCH_ASSIGN_OR_RETURN(auto exited, proc_->tryWait());
    if (exited) {
      return Status::error(ECHILD, "runtime exited during start (wait status " +
                                       std::to_string(*exited) + "); log:\n" + logTail());
    }
    grpc::ClientContext vctx;
    vctx.set_deadline(std::chrono::system_clock::now() + 2s);
    v1::VersionRequest vreq;
    v1::VersionResponse vresp;
    grpc::Status st = client.runtime->Version(&vctx, vreq, &vresp);
    if (st.ok()) {
      version_ = vresp.runtime_name() + " " + vresp.runtime_version();
      grpc::ClientContext sctx;
      sctx.set_deadline(std::chrono::system_clock::now() + 2s);
      v1::StatusRequest sreq;
      v1::StatusResponse sresp;
      st = client.runtime->Status(&sctx, sreq, &sresp);
      if (st.ok()) {
        int ready = 0;
        last.clear();
        for (const auto& c : sresp.status().conditions()) {
          if ((c.type() == "RuntimeReady" || c.type() == "NetworkReady") && c.status()) ++ready;
          if (!c.status()) last += c.type() + " false: " + c.reason() + " " + c.message() + "; ";
        }
        if (ready == 2) return Status::ok();
      }
    }
    if (!st.ok()) last = st.error_message();
    std::this_thread::sleep_for(100ms);
  }
  return Status::timeout("runtime not ready after 60 s (" + last + "); log:\n" + logTail());
}

Status RuntimeProcess::stop(std::chrono::milliseconds grace) {
  if (!proc_ || !proc_->running()) return Status::ok();
  (void)proc_->signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    ORCH_ASSIGN_OR_RETURN(auto st, proc_->tryWait());
    if (st) return Status::ok();
    std::this_thread::sleep_for(10ms);
  }
  (void)proc_->signal(SIGKILL);
  return proc_->wait().status();
}

}  // namespace orch::bench
