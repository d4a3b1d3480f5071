#pragma once
// A private containerd 1.6 (+ runc) for tests and benchmarks: its config.toml with root,
// state and sockets under one directory, the CRI plugin on a given CNI conf dir and plugin
// dir, cgroupfs (no systemd), and the locally imported pause image as sandbox image.

#include <string>

namespace orch::testing {

struct ContainerdLayout {
  std::string dir;           // root/, state/, containerd.sock, runc/ go here
  std::string cni_conf_dir;  // the CRI plugin's CNI config
  std::string cni_bin_dir;   // our CNI plugins (or the reference ones)
  std::string runc;          // the runc binary (findRunc())
  std::string sandbox_image = "registry.k8s.io/pause:3.9";  // packaging/images/pause.tar
};

// The config.toml text for `layout` (pure).
std::string containerdConfigToml(const ContainerdLayout& layout);
// The containerd socket of `layout`: <dir>/containerd.sock.
std::string containerdSocket(const ContainerdLayout& layout);
// runc from the usual places, else "runc" (found on PATH).
std::string findRunc();

// containerd 1.6 puts its shims' sockets under this fixed directory whatever its state dir.
inline constexpr const char* kContainerdRunDir = "/run/containerd";

}  // namespace orch::testing
