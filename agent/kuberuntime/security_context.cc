#include "agent/kuberuntime/security_context.h"

namespace orch::agent {

namespace v1 = runtime::v1;

namespace {

std::string podName(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "(" + pod.metadata.uid + ")";
}

Result<v1::SecurityProfile> fieldProfile(const api::SeccompProfile& p,
                                         const std::string& seccomp_root) {
  v1::SecurityProfile out;
  if (p.type == "RuntimeDefault") {
    out.set_profile_type(v1::SecurityProfile::RuntimeDefault);
  } else if (p.type == "Localhost") {
    if (!p.localhostProfile || p.localhostProfile->empty())
      return Status::invalid("localhostProfile must be set if seccompProfile type is Localhost");
    out.set_profile_type(v1::SecurityProfile::Localhost);
    std::string root = seccomp_root;
    while (!root.empty() && root.back() == '/') root.pop_back();
    out.set_localhost_ref(root + "/" + *p.localhostProfile);
  } else {
    out.set_profile_type(v1::SecurityProfile::Unconfined);
  }
  return out;
}

}  // namespace

v1::NamespaceOption namespaceOptionsForPod(const api::Pod& pod) {
  v1::NamespaceOption ns;
  ns.set_network(pod.spec.hostNetwork ? v1::NODE : v1::POD);
  ns.set_ipc(pod.spec.hostIPC ? v1::NODE : v1::POD);
  if (pod.spec.hostPID)
    ns.set_pid(v1::NODE);
  else if (pod.spec.shareProcessNamespace.value_or(false))
    ns.set_pid(v1::POD);
  else
    ns.set_pid(v1::CONTAINER);
  return ns;
}

ImageUser imageUserOf(const v1::Image* image) {
  if (image) {
    if (image->has_uid()) return {image->uid().value(), ""};
    if (!image->username().empty()) return {std::nullopt, image->username()};
  }
  return {0, ""};
}

EffectiveUser effectiveUser(const api::Pod& pod, const api::Container& container) {
  EffectiveUser out;
  if (const auto& psc = pod.spec.securityContext) {
    out.run_as_user = psc->runAsUser;
    out.run_as_group = psc->runAsGroup;
    out.run_as_non_root = psc->runAsNonRoot.value_or(false);
  }
  if (const auto& sc = container.securityContext) {
    if (sc->runAsUser) out.run_as_user = sc->runAsUser;
    if (sc->runAsGroup) out.run_as_group = sc->runAsGroup;
    if (sc->runAsNonRoot) out.run_as_non_root = *sc->runAsNonRoot;
  }
  return out;
}

Status verifyRunAsNonRoot(const api::Pod& pod, const api::Container& container,
                          const ImageUser& image_user) {
  EffectiveUser eff = effectiveUser(pod, container);
  if (!eff.run_as_non_root) return Status::ok();
  const std::string where = " (pod: \"" + podName(pod) + "\", container: " + container.name + ")";
  if (eff.run_as_user) {
    if (*eff.run_as_user == 0)
      return Status::error(EPERM, "container's runAsUser breaks non-root policy" + where);
    return Status::ok();
  }
  if (image_user.uid && *image_user.uid == 0)
    return Status::error(EPERM, "container has runAsNonRoot and image will run as root" + where);
  if (!image_user.uid && !image_user.username.empty())
    return Status::error(EPERM, "container has runAsNonRoot and image has non-numeric user (" +
                                    image_user.username + "), cannot verify user is non-root" +
                                    where);
  return Status::ok();
}

Result<v1::SecurityProfile> seccompProfile(const api::Pod& pod, const api::Container& container,
                                           const std::string& seccomp_root, bool seccomp_default) {
  if (container.securityContext && container.securityContext->seccompProfile)
    return fieldProfile(*container.securityContext->seccompProfile, seccomp_root);
  if (pod.spec.securityContext && pod.spec.securityContext->seccompProfile)
    return fieldProfile(*pod.spec.securityContext->seccompProfile, seccomp_root);
  v1::SecurityProfile out;
  out.set_profile_type(seccomp_default ? v1::SecurityProfile::RuntimeDefault
                                       : v1::SecurityProfile::Unconfined);
  return out;
}

Result<v1::LinuxContainerSecurityContext> containerSecurityContext(const api::Pod& pod,
                                                                   const api::Container& container,
                                                                   const ImageUser& image_user,
                                                                   const std::string& seccomp_root,
                                                                   bool seccomp_default) {
  v1::LinuxContainerSecurityContext out;
  EffectiveUser eff = effectiveUser(pod, container);
  if (const auto& sc = container.securityContext) {
    if (sc->capabilities) {
      for (const auto& c : sc->capabilities->add)
        out.mutable_capabilities()->add_add_capabilities(c);
      for (const auto& c : sc->capabilities->drop)
        out.mutable_capabilities()->add_drop_capabilities(c);
    }
    out.set_privileged(sc->privileged.value_or(false));
    out.set_readonly_rootfs(sc->readOnlyRootFilesystem.value_or(false));
    if (sc->allowPrivilegeEscalation) out.set_no_new_privs(!*sc->allowPrivilegeEscalation);
  }
  if (eff.run_as_user) {
    out.mutable_run_as_user()->set_value(*eff.run_as_user);
  } else {
    if (image_user.uid) out.mutable_run_as_user()->set_value(*image_user.uid);
    out.set_run_as_username(image_user.username);
  }
  if (eff.run_as_group) out.mutable_run_as_group()->set_value(*eff.run_as_group);

  auto profile = seccompProfile(pod, container, seccomp_root, seccomp_default);
  if (!profile.ok())
    return profile.status().withContext("seccomp profile of container " + container.name);
  *out.mutable_seccomp() = std::move(*profile);

  *out.mutable_namespace_options() = namespaceOptionsForPod(pod);
  if (const auto& psc = pod.spec.securityContext) {
    if (psc->fsGroup) out.add_supplemental_groups(*psc->fsGroup);
    for (int64_t g : psc->supplementalGroups) out.add_supplemental_groups(g);
    if (psc->supplementalGroupsPolicy && *psc->supplementalGroupsPolicy == "Strict")
      out.set_supplemental_groups_policy(v1::Strict);
  }
  return out;
}

bool hasPrivilegedContainer(const api::Pod& pod) {
  auto privileged = [](const api::Container& c) {
    return c.securityContext && c.securityContext->privileged.value_or(false);
  };
  for (const auto& c : pod.spec.containers)
    if (privileged(c)) return true;
  for (const auto& c : pod.spec.initContainers)
    if (privileged(c)) return true;
  return false;
}

}  // namespace orch::agent
