#pragma once
// Building tars, layers, images and image archives in memory for the image store's tests
// (with libarchive, as a real producer would).

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace orch::testing {

struct TarEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kFifo, kCharDev };
  std::string path;
  Type type = kFile;
  std::string content;  // files
  std::string target;   // symlink target, hardlink target path
  mode_t mode = 0644;
  unsigned dev_major = 0, dev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// A tar (pax) of the entries in order; gzip-compressed when asked.
std::string makeTar(const std::vector<TarEntry>& entries, bool gzip = false);
// gzip of arbitrary bytes (libarchive's raw format).
std::string gzipBytes(const std::string& data);
std::string sha256Of(const std::string& data);  // "sha256:<hex>"

struct TestLayer {
  std::string blob;     // as distributed
  std::string digest;   // of blob
  std::string diff_id;  // of the uncompressed tar
  std::string media_type;
};
TestLayer makeLayer(const std::vector<TarEntry>& entries, bool gzip, bool oci = true);

struct TestImage {
  std::string config;
  std::string config_digest;
  std::vector<TestLayer> layers;
  std::string manifest;
  std::string manifest_digest;
  std::string manifest_media_type;
};
// An image of `layers` with the given config "config" object; an OCI manifest or a Docker
// schema 2 one.
TestImage makeImage(std::vector<TestLayer> layers, const nlohmann::json& run_config,
                    bool oci = true, const std::string& arch = "amd64");

struct IndexEntry {
  const TestImage* image;
  std::string os, architecture, variant;
};
// An OCI index (or Docker manifest list) over the images' manifests.
std::string makeIndex(const std::vector<IndexEntry>& entries, bool oci = true);

// A docker-archive with one image (layers written as <n>/layer.tar).
std::string makeDockerArchive(const TestImage& img, const std::vector<std::string>& repo_tags);
// An OCI image layout tarball: index.json holds `index` (a JSON text), blobs are every
// given content (named by their digests).
std::string makeOciLayout(const std::string& index, const std::vector<std::string>& blobs);

// A flat list of every blob of an image (config, layers, manifest).
std::vector<std::string> imageBlobs(const TestImage& img);

}  // namespace orch::testing
