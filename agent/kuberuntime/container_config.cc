#include "agent/kuberuntime/container_config.h"

#include "agent/kuberuntime/labels.h"
#include "agent/kuberuntime/linux_resources.h"

namespace orch::agent {

namespace v1 = runtime::v1;

std::string containerLogPath(const std::string& container_name, int32_t restart_count) {
  return container_name + "/" + std::to_string(restart_count) + ".log";
}

Result<v1::ContainerConfig> makeContainerConfig(const api::Pod& pod,
                                                const api::Container& container,
                                                const ContainerConfigInputs& inputs,
                                                const ContainerConfigOptions& options) {
  const std::string what = "container " + container.name + " of pod " + pod.metadata.namespace_ +
                           "/" + pod.metadata.name;
  Status non_root = verifyRunAsNonRoot(pod, container, inputs.image_user);
  if (!non_root.isOk()) return non_root;

  v1::ContainerConfig c;
  c.mutable_metadata()->set_name(container.name);
  c.mutable_metadata()->set_attempt(static_cast<uint32_t>(inputs.restart_count));
  c.mutable_image()->set_image(inputs.image_ref.empty() ? container.image : inputs.image_ref);
  c.mutable_image()->set_user_specified_image(container.image);
  for (const auto& s : container.command) c.add_command(inputs.expand ? inputs.expand(s) : s);
  for (const auto& s : container.args) c.add_args(inputs.expand ? inputs.expand(s) : s);
  c.set_working_dir(container.workingDir);
  for (const auto& [name, value] : inputs.env) {
    auto* kv = c.add_envs();
    kv->set_key(name);
    kv->set_value(value);
  }
  for (const auto& m : inputs.mounts) {
    auto* mount = c.add_mounts();
    mount->set_container_path(m.container_path);
    mount->set_host_path(m.host_path);
    mount->set_readonly(m.readonly);
    mount->set_propagation(m.propagation);
    mount->set_recursive_read_only(m.recursive_read_only);
  }
  if (!inputs.termination_log_host_path.empty() && !container.terminationMessagePath.empty()) {
    auto* mount = c.add_mounts();
    mount->set_container_path(container.terminationMessagePath);
    mount->set_host_path(inputs.termination_log_host_path);
  }
  for (const auto& [k, v] : containerLabels(pod, container)) (*c.mutable_labels())[k] = v;
  for (const auto& [k, v] : containerAnnotations(pod, container, inputs.restart_count))
    (*c.mutable_annotations())[k] = v;
  c.set_log_path(containerLogPath(container.name, inputs.restart_count));
  c.set_stdin(container.stdin);
  c.set_stdin_once(container.stdinOnce);
  c.set_tty(container.tty);

  auto* lc = c.mutable_linux();
  *lc->mutable_resources() =
      containerLinuxResources(pod, container, options.memory_capacity_bytes, options.cfs_quota);
  auto sc = containerSecurityContext(pod, container, inputs.image_user, options.seccomp_root,
                                     options.seccomp_default);
  if (!sc.ok()) return sc.status().withContext(what);
  *lc->mutable_security_context() = std::move(*sc);
  return c;
}

}  // namespace orch::agent
