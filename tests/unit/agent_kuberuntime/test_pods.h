#pragma once
// Pods and containers for the kuberuntime tests.

#include <string>

#include "common/api/pod.h"
#include "common/api/quantity.h"

namespace orch::agent::testing {

inline api::Container container(const std::string& name, const std::string& image = "busybox") {
  api::Container c;
  c.name = name;
  c.image = image;
  c.terminationMessagePath = "/dev/termination-log";
  c.terminationMessagePolicy = "File";
  c.imagePullPolicy = "IfNotPresent";
  return c;
}

inline api::Container sidecar(const std::string& name) {
  api::Container c = container(name);
  c.restartPolicy = "Always";
  return c;
}

inline void resources(api::Container& c, const std::string& cpu_req, const std::string& mem_req,
                      const std::string& cpu_lim = "", const std::string& mem_lim = "") {
  if (!cpu_req.empty()) c.resources.requests["cpu"] = api::Quantity::mustParse(cpu_req);
  if (!mem_req.empty()) c.resources.requests["memory"] = api::Quantity::mustParse(mem_req);
  if (!cpu_lim.empty()) c.resources.limits["cpu"] = api::Quantity::mustParse(cpu_lim);
  if (!mem_lim.empty()) c.resources.limits["memory"] = api::Quantity::mustParse(mem_lim);
}

inline api::Pod pod(const std::string& name = "web", const std::string& ns = "default",
                    const std::string& uid = "uid-1") {
  api::Pod p;
  p.metadata.name = name;
  p.metadata.namespace_ = ns;
  p.metadata.uid = uid;
  p.spec.restartPolicy = "Always";
  p.spec.dnsPolicy = "ClusterFirst";
  p.spec.terminationGracePeriodSeconds = 30;
  p.spec.containers.push_back(container("app"));
  return p;
}

}  // namespace orch::agent::testing
