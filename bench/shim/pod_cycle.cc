#include "pod_cycle.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace orch::bench {

namespace v1 = runtime::v1;
using namespace std::chrono_literals;

namespace {

constexpr auto kRpcDeadline = 120s;
constexpr const char* kContainerName = "sleep";

// Runs one RPC with a deadline; the elapsed wall time in ms goes to `ms`.
template <class Call>
Status timed(const std::string& what, double& ms, Call&& call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
  const auto t0 = std::chrono::steady_clock::now();
  grpc::Status st = call(ctx);
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return cri::statusFromGrpc(st, what);
}

}  // namespace

Result<StartedPod> PodCycle::start(int index, PodTimes& t) {
  StartedPod pod{.index = index};
  const std::string name = "bench-" + std::to_string(index);
  const std::string log_dir = node_.logDir() + "/" + label_ + "_" + name;
  // The kubelet makes the pod's and the container's log directories before calling CRI.
  std::error_code ec;
  std::filesystem::create_directories(log_dir + "/" + kContainerName, ec);
  if (ec) return Status::error(ec.value(), "mkdir " + log_dir);

  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_namespace_("default");
  config.mutable_metadata()->set_uid("uid-" + label_ + "-" + std::to_string(index) + "-" +
                                     std::to_string(::getpid()));
  config.set_hostname(name);
  config.set_log_directory(log_dir);
  config.mutable_dns_config()->add_servers("10.96.0.10");
  config.mutable_dns_config()->add_searches("default.svc.cluster.local");
  (*config.mutable_labels())["app"] = "bench";
  config.mutable_linux()->set_cgroup_parent(node_.podCgroupParent(index));

  auto& rt = *client_.runtime;
  {
    v1::RunPodSandboxRequest req;
    *req.mutable_config() = config;
    v1::RunPodSandboxResponse resp;
    ORCH_RETURN_IF_ERROR(timed("RunPodSandbox " + name, t.run, [&](grpc::ClientContext& c) {
      return rt.RunPodSandbox(&c, req, &resp);
    }));
    pod.sandbox_id = resp.pod_sandbox_id();
  }
  auto rollback = [&](Status st) {
    PodTimes ignored;
    (void)stop(pod, ignored);
    return st;
  };
  {
    v1::CreateContainerRequest req;
    req.set_pod_sandbox_id(pod.sandbox_id);
    v1::ContainerConfig& c = *req.mutable_config();
    c.mutable_metadata()->set_name(kContainerName);
    c.mutable_image()->set_image(kBusyboxImage);
    c.add_command("sleep");
    c.add_command("3600");
    c.set_log_path(std::string(kContainerName) + "/0.log");
    *req.mutable_sandbox_config() = config;
    v1::CreateContainerResponse resp;
    Status st = timed("CreateContainer in " + name, t.create,
                      [&](grpc::ClientContext& cx) { return rt.CreateContainer(&cx, req, &resp); });
    if (!st.isOk()) return rollback(st);
    pod.container_id = resp.container_id();
  }
  {
    v1::StartContainerRequest req;
    req.set_container_id(pod.container_id);
    v1::StartContainerResponse resp;
    Status st = timed("StartContainer in " + name, t.start,
                      [&](grpc::ClientContext& c) { return rt.StartContainer(&c, req, &resp); });
    if (!st.isOk()) return rollback(st);
  }
  // Untimed checks that the pod really is up: the process runs and the pod has an address.
  {
    v1::ContainerStatusRequest req;
    req.set_container_id(pod.container_id);
    v1::ContainerStatusResponse resp;
    double ms = 0;
    Status st = timed("ContainerStatus in " + name, ms,
                      [&](grpc::ClientContext& c) { return rt.ContainerStatus(&c, req, &resp); });
    if (!st.isOk()) return rollback(st);
    if (resp.status().state() != v1::CONTAINER_RUNNING) {
      return rollback(Status::error(
          EIO, "container in " + name + " is not running after StartContainer (state " +
                   v1::ContainerState_Name(resp.status().state()) + ", exit " +
                   std::to_string(resp.status().exit_code()) + ")"));
    }
  }
  {
    v1::PodSandboxStatusRequest req;
    req.set_pod_sandbox_id(pod.sandbox_id);
    v1::PodSandboxStatusResponse resp;
    double ms = 0;
    Status st = timed("PodSandboxStatus " + name, ms,
                      [&](grpc::ClientContext& c) { return rt.PodSandboxStatus(&c, req, &resp); });
    if (!st.isOk()) return rollback(st);
    pod.ip = resp.status().network().ip();
    if (pod.ip.empty()) return rollback(Status::error(EIO, "pod " + name + " has no IP"));
  }
  return pod;
}

Status PodCycle::stop(const StartedPod& pod, PodTimes& t) {
  auto& rt = *client_.runtime;
  const std::string name = pod.index >= 0 ? "bench-" + std::to_string(pod.index)
                                          : "sandbox " + pod.sandbox_id.substr(0, 12);
  if (!pod.container_id.empty()) {
    v1::StopContainerRequest req;
    req.set_container_id(pod.container_id);
    req.set_timeout(0);
    v1::StopContainerResponse resp;
    ORCH_RETURN_IF_ERROR(
        timed("StopContainer in " + name, t.stop_container,
              [&](grpc::ClientContext& c) { return rt.StopContainer(&c, req, &resp); }));
    v1::RemoveContainerRequest rreq;
    rreq.set_container_id(pod.container_id);
    v1::RemoveContainerResponse rresp;
    ORCH_RETURN_IF_ERROR(
        timed("RemoveContainer in " + name, t.remove_container,
              [&](grpc::ClientContext& c) { return rt.RemoveContainer(&c, rreq, &rresp); }));
  }
  v1::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(pod.sandbox_id);
  v1::StopPodSandboxResponse resp;
  ORCH_RETURN_IF_ERROR(timed("StopPodSandbox " + name, t.stop_pod, [&](grpc::ClientContext& c) {
    return rt.StopPodSandbox(&c, req, &resp);
  }));
  v1::RemovePodSandboxRequest rreq;
  rreq.set_pod_sandbox_id(pod.sandbox_id);
  v1::RemovePodSandboxResponse rresp;
  return timed("RemovePodSandbox " + name, t.remove_pod,
               [&](grpc::ClientContext& c) { return rt.RemovePodSandbox(&c, rreq, &rresp); });
}

Status PodCycle::removeAll() {
  auto& rt = *client_.runtime;
  v1::ListPodSandboxRequest req;
  v1::ListPodSandboxResponse resp;
  double ms = 0;
  ORCH_RETURN_IF_ERROR(timed("ListPodSandbox", ms, [&](grpc::ClientContext& c) {
    return rt.ListPodSandbox(&c, req, &resp);
  }));
  Status first;
  for (const auto& sb : resp.items()) {
    StartedPod pod{.index = -1, .sandbox_id = sb.id()};
    PodTimes ignored;
    // StopPodSandbox stops the pod's containers; RemovePodSandbox removes them.
    Status st = stop(pod, ignored);
    if (!st.isOk() && first.isOk()) first = st;
  }
  return first;
}

}  // namespace orch::bench
