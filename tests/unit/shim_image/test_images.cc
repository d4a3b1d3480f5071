#include "test_images.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace orch::testing {

using nlohmann::json;

namespace {

la_ssize_t append(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void check(archive* a, int r) {
  if (r < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a));
}

}  // namespace

std::string sha256Of(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string makeTar(const std::vector<TarEntry>& entries, bool gzip) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  check(a, archive_write_open(a, &out, nullptr, append, nullptr));
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_mtime(e, 1000000000, 0);
    switch (t.type) {
      case TarEntry::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.content.size()));
        break;
      case TarEntry::kDir:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case TarEntry::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.target.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.target.c_str());
        archive_entry_set_size(e, 0);
        break;
      case TarEntry::kFifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
      case TarEntry::kCharDev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, t.dev_major);
        archive_entry_set_rdevminor(e, t.dev_minor);
        break;
    }
    for (const auto& [k, v] : t.xattrs)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    check(a, archive_write_header(a, e));
    if (t.type == TarEntry::kFile && !t.content.empty()) {
      if (archive_write_data(a, t.content.data(), t.content.size()) < 0) check(a, ARCHIVE_FATAL);
    }
    archive_entry_free(e);
  }
  check(a, archive_write_close(a));
  archive_write_free(a);
  return out;
}

std::string gzipBytes(const std::string& data) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  check(a, archive_write_open(a, &out, nullptr, append, nullptr));
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "data");
  check(a, archive_write_header(a, e));
  if (!data.empty() && archive_write_data(a, data.data(), data.size()) < 0) check(a, ARCHIVE_FATAL);
  archive_entry_free(e);
  check(a, archive_write_close(a));
  archive_write_free(a);
  return out;
}

TestLayer makeLayer(const std::vector<TarEntry>& entries, bool gzip, bool oci) {
  TestLayer l;
  std::string tar = makeTar(entries);
  l.diff_id = sha256Of(tar);
  l.blob = gzip ? gzipBytes(tar) : tar;
  l.digest = sha256Of(l.blob);
  if (oci) {
    l.media_type = gzip ? "application/vnd.oci.image.layer.v1.tar+gzip"
                        : "application/vnd.oci.image.layer.v1.tar";
  } else {
    l.media_type = gzip ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                        : "application/vnd.docker.image.rootfs.diff.tar";
  }
  return l;
}

TestImage makeImage(std::vector<TestLayer> layers, const json& run_config, bool oci,
                    const std::string& arch) {
  TestImage img;
  json diff_ids = json::array();
  for (const auto& l : layers) diff_ids.push_back(l.diff_id);
  json config = {{"architecture", arch},
                 {"os", "linux"},
                 {"config", run_config},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  img.config = config.dump();
  img.config_digest = sha256Of(img.config);
  img.layers = std::move(layers);
  json ls = json::array();
  for (const auto& l : img.layers) {
    ls.push_back({{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.blob.size()}});
  }
  img.manifest_media_type = oci ? "application/vnd.oci.image.manifest.v1+json"
                                : "application/vnd.docker.distribution.manifest.v2+json";
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", img.manifest_media_type},
                   {"config",
                    {{"mediaType", oci ? "application/vnd.oci.image.config.v1+json"
                                       : "application/vnd.docker.container.image.v1+json"},
                     {"digest", img.config_digest},
                     {"size", img.config.size()}}},
                   {"layers", ls}};
  img.manifest = manifest.dump();
  img.manifest_digest = sha256Of(img.manifest);
  return img;
}

std::string makeIndex(const std::vector<IndexEntry>& entries, bool oci) {
  json ms = json::array();
  for (const auto& e : entries) {
    json platform = {{"os", e.os}, {"architecture", e.architecture}};
    if (!e.variant.empty()) platform["variant"] = e.variant;
    ms.push_back({{"mediaType", e.image->manifest_media_type},
                  {"digest", e.image->manifest_digest},
                  {"size", e.image->manifest.size()},
                  {"platform", platform}});
  }
  return json{{"schemaVersion", 2},
              {"mediaType", oci ? "application/vnd.oci.image.index.v1+json"
                                : "application/vnd.docker.distribution.manifest.list.v2+json"},
              {"manifests", ms}}
      .dump();
}

std::string makeDockerArchive(const TestImage& img, const std::vector<std::string>& repo_tags) {
  std::vector<TarEntry> entries;
  std::string config_name = img.config_digest.substr(7) + ".json";
  entries.push_back({.path = config_name, .content = img.config});
  json layers = json::array();
  for (size_t i = 0; i < img.layers.size(); ++i) {
    std::string dir = "layer" + std::to_string(i);
    entries.push_back({.path = dir, .type = TarEntry::kDir, .mode = 0755});
    entries.push_back({.path = dir + "/layer.tar", .content = img.layers[i].blob});
    layers.push_back(dir + "/layer.tar");
  }
  json manifest = json::array();
  manifest.push_back({{"Config", config_name}, {"RepoTags", repo_tags}, {"Layers", layers}});
  entries.push_back({.path = "manifest.json", .content = manifest.dump()});
  return makeTar(entries);
}

std::string makeOciLayout(const std::string& index, const std::vector<std::string>& blobs) {
  std::vector<TarEntry> entries;
  entries.push_back({.path = "oci-layout", .content = R"({"imageLayoutVersion":"1.0.0"})"});
  entries.push_back({.path = "index.json", .content = index});
  entries.push_back({.path = "blobs", .type = TarEntry::kDir, .mode = 0755});
  entries.push_back({.path = "blobs/sha256", .type = TarEntry::kDir, .mode = 0755});
  for (const auto& b : blobs) {
    entries.push_back({.path = "blobs/sha256/" + sha256Of(b).substr(7), .content = b});
  }
  return makeTar(entries);
}

std::vector<std::string> imageBlobs(const TestImage& img) {
  std::vector<std::string> out{img.config, img.manifest};
  for (const auto& l : img.layers) out.push_back(l.blob);
  return out;
}

}  // namespace orch::testing
