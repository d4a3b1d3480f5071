#include "runtime-shim/server/pod_files.h"

#include "common/base/file_util.h"

namespace orch::shim {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

// The host's file, or `fallback` when it cannot be read.
std::string hostFileOr(const std::string& path, const std::string& fallback) {
  auto text = readFile(path);
  return text.ok() ? *text : fallback;
}

}  // namespace

std::string resolvConfText(const DnsSettings& dns) {
  std::string out;
  if (!dns.searches.empty()) out += "search " + joined(dns.searches) + "\n";
  for (const auto& server : dns.servers) out += "nameserver " + server + "\n";
  if (!dns.options.empty()) out += "options " + joined(dns.options) + "\n";
  return out;
}

std::string defaultHostsText() {
  return "127.0.0.1\tlocalhost\n"
         "::1\tlocalhost ip6-localhost ip6-loopback\n"
         "fe00::0\tip6-localnet\n"
         "fe00::0\tip6-mcastprefix\n"
         "fe00::1\tip6-allnodes\n"
         "fe00::2\tip6-allrouters\n";
}

Status writePodFiles(const std::string& dir, const DnsSettings& dns, const std::string& hostname,
                     bool host_network) {
  std::string resolv = dns.empty() ? hostFileOr("/etc/resolv.conf", "") : resolvConfText(dns);
  ORCH_RETURN_IF_ERROR(writeFileAtomic(dir + "/resolv.conf", resolv, 0644));
  ORCH_RETURN_IF_ERROR(writeFileAtomic(dir + "/hostname", hostname + "\n", 0644));
  std::string hosts =
      host_network ? hostFileOr("/etc/hosts", defaultHostsText()) : defaultHostsText();
  return writeFileAtomic(dir + "/hosts", hosts, 0644);
}

}  // namespace orch::shim
