#include "tests/support/containerd_config.h"

#include <unistd.h>

namespace orch::testing {

namespace {

std::string tomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string containerdSocket(const ContainerdLayout& layout) {
  return layout.dir + "/containerd.sock";
}

std::string findRunc() {
  for (const char* p : {"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "runc";
}

std::string containerdConfigToml(const ContainerdLayout& layout) {
  const std::string& d = layout.dir;
  const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
  std::string t;
  t += "# A private containerd for one test or benchmark run.\n";
  t += "version = 2\n";
  t += "root = " + tomlString(d + "/root") + "\n";
  t += "state = " + tomlString(d + "/state") + "\n";
  t += "oom_score = 0\n";
  // Snapshotters and plugins a run does not use (overlayfs stays: the CRI plugin's). The
  // v1 runtime stays too: in 1.6 the tasks service, and so the CRI plugin, needs it loaded.
  t += "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", "
       "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
       "\"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.native\", "
       "\"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]\n\n";
  t += "[grpc]\n  address = " + tomlString(containerdSocket(layout)) + "\n";
  t += "[ttrpc]\n  address = " + tomlString(d + "/containerd.sock.ttrpc") + "\n";
  t += "[debug]\n  address = \"\"\n";
  t += "[metrics]\n  address = \"\"\n\n";
  t += "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = " + tomlString(d + "/opt") + "\n";
  t += cri + "]\n";
  t += "  sandbox_image = " + tomlString(layout.sandbox_image) + "\n";
  // Root here lacks CAP_SYS_RESOURCE: never ask runc for a score below containerd's own.
  t += "  restrict_oom_score_adj = true\n";
  t += "  disable_tcp_service = true\n";
  t += "  stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n";
  t += cri + ".cni]\n";
  t += "  bin_dir = " + tomlString(layout.cni_bin_dir) + "\n";
  t += "  conf_dir = " + tomlString(layout.cni_conf_dir) + "\n";
  t += "  max_conf_num = 1\n";
  t += cri + ".containerd]\n";
  t += "  snapshotter = \"overlayfs\"\n  default_runtime_name = \"runc\"\n";
  t += cri + ".containerd.runtimes.runc]\n";
  t += "  runtime_type = \"io.containerd.runc.v2\"\n";
  t += cri + ".containerd.runtimes.runc.options]\n";
  t += "  BinaryName = " + tomlString(layout.runc) + "\n";
  t += "  Root = " + tomlString(d + "/runc") + "\n";  // runc's state, not /run/containerd/runc
  t += "  SystemdCgroup = false\n";
  return t;
}

}  // namespace orch::testing
