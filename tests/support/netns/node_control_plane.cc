#include "tests/support/netns/node_control_plane.h"

#include "common/base/file_util.h"

namespace orch::testing {

Result<Daemon> startInNetns(const TestNetns& ns, std::vector<std::string> argv,
                            const std::string& log_path) {
  argv.insert(argv.begin(), {"nsenter", "--net=/run/netns/" + ns.name()});
  return Daemon::start(std::move(argv), log_path);
}

NodeControlPlane::NodeControlPlane(const TestNetns& node, std::string apiserver_bin,
                                   std::string dir)
    : node_(node), apiserver_bin_(std::move(apiserver_bin)), dir_(std::move(dir)) {}

Status NodeControlPlane::start() {
  ORCH_ASSIGN_OR_RETURN(RunResult init,
                        runCommand({apiserver_bin_, "init", "--pki-dir", dir_ + "/pki"}));
  if (init.exit_code != 0) {
    return Status::error(
        EIO, "orch-apiserver init: exit " + std::to_string(init.exit_code) + ": " + init.err);
  }
  ORCH_ASSIGN_OR_RETURN(Daemon d,
                        startInNetns(node_,
                                     {apiserver_bin_, "--pki-dir", dir_ + "/pki", "--bind-address",
                                      "127.0.0.1", "--data-dir", dir_ + "/data"},
                                     logPath()));
  server_ = std::move(d);
  Status up = node_.run([] { return waitForTcpPort(6443, std::chrono::seconds(20)); });
  if (!up.isOk())
    return Status::error(up.code(), "orch-apiserver in " + node_.name() + ": " + up.message());
  return Status::ok();
}

void NodeControlPlane::stop() {
  if (server_) (void)server_->stop();
  server_.reset();
}

Result<RunResult> NodeControlPlane::kubectl(std::vector<std::string> args) const {
  args.insert(args.begin(), {"nsenter", "--net=/run/netns/" + node_.name(), "kubectl",
                             "--kubeconfig", kubeconfig()});
  return runCommand(args);
}

Status NodeControlPlane::apply(const std::string& manifest) {
  std::string path = dir_ + "/manifest-" + std::to_string(++manifests_) + ".yaml";
  ORCH_RETURN_IF_ERROR(writeFile(path, manifest));
  ORCH_ASSIGN_OR_RETURN(RunResult r, kubectl({"apply", "-f", path}));
  if (r.exit_code != 0) {
    return Status::error(
        EIO, "kubectl apply -f " + path + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
  }
  return Status::ok();
}

}  // namespace orch::testing
