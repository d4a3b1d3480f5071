#include "registry_pusher.h"

#include <archive.h>
#include <archive_entry.h>

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "common/client/rest_client.h"
#include "runtime-shim/image/registry_url.h"

namespace orch::testing {

using client::HttpRequest;
using client::HttpResponse;
using nlohmann::json;

RegistryPusher::RegistryPusher(std::string base_url, std::string ca_pem, std::string user,
                               std::string password)
    : base_url_(std::move(base_url)),
      ca_pem_(std::move(ca_pem)),
      user_(std::move(user)),
      password_(std::move(password)) {}

Result<client::HttpClient*> RegistryPusher::clientFor(const std::string& origin) {
  auto& c = clients_[origin];
  if (!c) {
    client::RestConfig cfg;
    cfg.server = origin;
    cfg.caData = ca_pem_;
    ORCH_ASSIGN_OR_RETURN(c, client::HttpClient::create(cfg));
  }
  return c.get();
}

Result<HttpResponse> RegistryPusher::send(const std::string& repo, HttpRequest req,
                                          const std::string& origin_in) {
  const std::string origin = origin_in.empty() ? base_url_ : origin_in;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ORCH_ASSIGN_OR_RETURN(client::HttpClient * c, clientFor(origin));
    HttpRequest r = req;
    if (auto t = tokens_.find(repo); t != tokens_.end()) {
      r.headers.emplace_back("Authorization", t->second);
    }
    ORCH_ASSIGN_OR_RETURN(HttpResponse resp, c->request(r));
    if (resp.status != 401 || attempt > 0) return resp;
    ORCH_ASSIGN_OR_RETURN(auto ch, shim::parseAuthChallenge(resp.header("WWW-Authenticate")));
    const std::string basic = "Basic " + base64Encode(user_ + ":" + password_);
    if (ch.scheme == "basic") {
      tokens_[repo] = basic;
      continue;
    }
    ORCH_ASSIGN_OR_RETURN(auto realm, shim::splitUrl(ch.params["realm"]));
    ORCH_ASSIGN_OR_RETURN(client::HttpClient * tc, clientFor(realm.origin));
    HttpRequest treq;
    treq.target = realm.target + "?service=" + client::urlEncode(ch.params["service"]) +
                  "&scope=" + client::urlEncode("repository:" + repo + ":pull,push");
    if (!user_.empty()) treq.headers.emplace_back("Authorization", basic);
    ORCH_ASSIGN_OR_RETURN(HttpResponse tresp, tc->request(treq));
    if (tresp.status != 200) {
      return Status::error(EACCES,
                           "push token: HTTP " + std::to_string(tresp.status) + " " + tresp.body);
    }
    tokens_[repo] = "Bearer " + json::parse(tresp.body).at("token").get<std::string>();
  }
  return Status::error(EACCES, "push: unauthorized");
}

Status RegistryPusher::pushBlob(const std::string& repo, const std::string& content) {
  const std::string digest = sha256Of(content);
  HttpRequest head{.method = "HEAD", .target = "/v2/" + repo + "/blobs/" + digest};
  ORCH_ASSIGN_OR_RETURN(HttpResponse h, send(repo, head));
  if (h.status == 200) return Status::ok();
  HttpRequest post{.method = "POST", .target = "/v2/" + repo + "/blobs/uploads/"};
  ORCH_ASSIGN_OR_RETURN(HttpResponse p, send(repo, post));
  if (p.status != 202) {
    return Status::error(EIO, "start upload: HTTP " + std::to_string(p.status) + " " + p.body);
  }
  ORCH_ASSIGN_OR_RETURN(auto base, shim::splitUrl(base_url_));
  ORCH_ASSIGN_OR_RETURN(auto loc, shim::resolveLocation(base, p.header("Location")));
  HttpRequest put{.method = "PUT",
                  .target = loc.target + (loc.target.find('?') == std::string::npos ? "?" : "&") +
                            "digest=" + client::urlEncode(digest),
                  .body = content,
                  .contentType = "application/octet-stream"};
  ORCH_ASSIGN_OR_RETURN(HttpResponse done, send(repo, put, loc.origin));
  if (done.status != 201) {
    return Status::error(EIO,
                         "finish upload: HTTP " + std::to_string(done.status) + " " + done.body);
  }
  return Status::ok();
}

Status RegistryPusher::pushManifest(const std::string& repo, const std::string& reference,
                                    const std::string& body, const std::string& media_type) {
  HttpRequest put{.method = "PUT",
                  .target = "/v2/" + repo + "/manifests/" + reference,
                  .body = body,
                  .contentType = media_type};
  ORCH_ASSIGN_OR_RETURN(HttpResponse r, send(repo, put));
  if (r.status != 201) {
    return Status::error(EIO, "put manifest: HTTP " + std::to_string(r.status) + " " + r.body);
  }
  return Status::ok();
}

Status RegistryPusher::pushImage(const std::string& repo, const std::string& tag,
                                 const TestImage& img) {
  ORCH_RETURN_IF_ERROR(pushBlob(repo, img.config));
  for (const auto& l : img.layers) ORCH_RETURN_IF_ERROR(pushBlob(repo, l.blob));
  return pushManifest(repo, tag, img.manifest, img.manifest_media_type);
}

Result<TestImage> imageFromDockerArchive(const std::string& tar_path) {
  std::map<std::string, std::string> members;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, tar_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    archive_read_free(a);
    return Status::error(EIO, "open " + tar_path);
  }
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
      data.append(buf, static_cast<size_t>(n));
    members[archive_entry_pathname(e)] = std::move(data);
  }
  archive_read_free(a);
  json manifest = json::parse(members["manifest.json"], nullptr, false);
  if (manifest.is_discarded()) return Status::invalid(tar_path + ": no manifest.json");
  std::string config = members[manifest[0]["Config"].get<std::string>()];
  std::vector<TestLayer> layers;
  for (const auto& l : manifest[0]["Layers"]) {
    const std::string& tar = members[l.get<std::string>()];
    TestLayer layer{.blob = gzipBytes(tar),
                    .digest = "",
                    .diff_id = sha256Of(tar),
                    .media_type = "application/vnd.docker.image.rootfs.diff.tar.gzip"};
    layer.digest = sha256Of(layer.blob);
    layers.push_back(std::move(layer));
  }
  // The archive's config as it is (its digest is the image id), in a schema 2 manifest.
  TestImage img = makeImage(layers, json::object(), false);
  img.config = config;
  img.config_digest = sha256Of(config);
  json m = json::parse(img.manifest);
  m["config"]["digest"] = img.config_digest;
  m["config"]["size"] = config.size();
  img.manifest = m.dump();
  img.manifest_digest = sha256Of(img.manifest);
  return img;
}

}  // namespace orch::testing
