#include "controlplane/apiserver/pki_init.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "common/base/base64.h"
#include "common/base/unique_fd.h"
#include "common/pki/x509.h"

namespace orch::apiserver {

namespace fs = std::filesystem;

std::string renderKubeconfig(const std::string& cluster, const std::string& server_url,
                             const std::string& ca_pem, const std::string& user,
                             const std::string& cert_pem, const std::string& key_pem) {
  const std::string context = user + "@" + cluster;
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << cluster;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << server_url;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << base64Encode(ca_pem);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << user;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value << base64Encode(cert_pem);
  out << YAML::Key << "client-key-data" << YAML::Value << base64Encode(key_pem);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << context;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << cluster;
  out << YAML::Key << "user" << YAML::Value << user;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << context;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

namespace {
bool isIpLiteral(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}
}  // namespace

Status initPki(const PkiInitOptions& opts) {
  if (opts.dir.empty()) return Status::invalid("--pki-dir: must not be empty");
  const fs::path dir(opts.dir);
  auto path = [&](const char* name) { return (dir / name).string(); };
  if (!opts.force) {
    for (const char* name : {kCaCert, kCaKey}) {
      if (::access(path(name).c_str(), F_OK) == 0) {
        return Status::exists(path(name) + " already exists (use --force to replace the CA)");
      }
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::error(ec.value(), "create directory " + opts.dir);

  ORCH_ASSIGN_OR_RETURN(pki::KeyPair ca, pki::createCa("orch-ca"));
  pki::CertRequest serving{.common_name = "orch-apiserver",
                           .organizations = {},
                           .dns_names = {"localhost"},
                           .ip_addresses = {"127.0.0.1", "::1"},
                           .server = true,
                           .client = false};
  for (const std::string& host : opts.hosts) {
    if (host.empty()) return Status::invalid("--host: must not be empty");
    auto& list = isIpLiteral(host) ? serving.ip_addresses : serving.dns_names;
    if (std::find(list.begin(), list.end(), host) == list.end()) list.push_back(host);
  }
  auto apiserver = pki::issue(ca, serving);
  if (!apiserver.ok()) return apiserver.status().withContext("issue the serving certificate");
  auto admin = pki::issue(ca, pki::CertRequest{.common_name = "admin",
                                               .organizations = {"system:masters"},
                                               .dns_names = {},
                                               .ip_addresses = {},
                                               .server = false,
                                               .client = true});
  if (!admin.ok()) return admin.status().withContext("issue the admin certificate");

  ORCH_RETURN_IF_ERROR(writeFile(path(kCaKey), ca.key_pem, 0600));
  ORCH_RETURN_IF_ERROR(writeFile(path(kCaCert), ca.cert_pem, 0644));
  ORCH_RETURN_IF_ERROR(writeFile(path(kServingKey), apiserver->key_pem, 0600));
  ORCH_RETURN_IF_ERROR(writeFile(path(kServingCert), apiserver->cert_pem, 0644));
  ORCH_RETURN_IF_ERROR(writeFile(path(kAdminKey), admin->key_pem, 0600));
  ORCH_RETURN_IF_ERROR(writeFile(path(kAdminCert), admin->cert_pem, 0644));
  ORCH_RETURN_IF_ERROR(writeFile(path(kAdminKubeconfig),
                                 renderKubeconfig("orch", opts.server_url, ca.cert_pem, "admin",
                                                  admin->cert_pem, admin->key_pem),
                                 0600));
  return Status::ok();
}

}  // namespace orch::apiserver
