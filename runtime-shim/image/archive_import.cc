#include "runtime-shim/image/archive_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <memory>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"
#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/layer_unpack.h"
#include "runtime-shim/image/manifest.h"
#include "runtime-shim/image/reference.h"
#include "runtime-shim/image/store_fs.h"

namespace orch::shim {

using nlohmann::json;

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct Member {
  std::string file;  // staged copy
  std::string digest;
  uint64_t size = 0;
};

// The archive's regular files, staged one by one, plus its links (resolved on lookup).
class ArchiveFiles {
 public:
  Status extract(const std::string& tar_path, const std::string& dir) {
    std::unique_ptr<archive, ReadFree> a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), tar_path.c_str(), 1 << 16) != ARCHIVE_OK) {
      return Status::error(EBADMSG, "open " + tar_path + ": " + err(a.get()));
    }
    for (int n = 0;; ++n) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Status::error(EBADMSG, "read " + tar_path + ": " + err(a.get()));
      ORCH_ASSIGN_OR_RETURN(std::string path, cleanLayerPath(archive_entry_pathname(e)));
      if (const char* hl = archive_entry_hardlink(e); hl != nullptr) {
        ORCH_ASSIGN_OR_RETURN(links_[path], cleanLayerPath(hl));
        continue;
      }
      if (archive_entry_filetype(e) == AE_IFLNK) {
        // Relative to the link's directory (docker save links duplicate layer tars).
        std::string target = archive_entry_symlink(e);
        size_t slash = path.rfind('/');
        std::string base = slash == std::string::npos ? "" : path.substr(0, slash + 1);
        ORCH_ASSIGN_OR_RETURN(links_[path], cleanLayerPath(base + target));
        continue;
      }
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      std::string file = dir + "/" + std::to_string(n);
      ORCH_ASSIGN_OR_RETURN(Member m, copyOut(a.get(), file, path));
      // A file named after its digest must hold that content.
      if (std::string hex = digestNamed(path); !hex.empty() && "sha256:" + hex != m.digest) {
        return Status::error(EBADMSG, "archive member " + path + ": content has digest " +
                                          m.digest + ", not sha256:" + hex);
      }
      files_[path] = std::move(m);
    }
    return Status::ok();
  }

  // The member at `path` (following links), or ENOENT naming it.
  Result<Member> get(const std::string& raw) const {
    ORCH_ASSIGN_OR_RETURN(std::string path, cleanLayerPath(raw));
    for (int hops = 0; hops < 8; ++hops) {
      if (auto it = files_.find(path); it != files_.end()) return it->second;
      auto l = links_.find(path);
      if (l == links_.end()) break;
      path = l->second;
    }
    return Status::notFound("archive has no file \"" + raw + "\"");
  }
  bool has(const std::string& path) const { return get(path).ok(); }
  Result<json> readJson(const std::string& path) const {
    ORCH_ASSIGN_OR_RETURN(Member m, get(path));
    ORCH_ASSIGN_OR_RETURN(std::string text, readFile(m.file));
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return Status::invalid("archive member " + path + ": not JSON");
    return j;
  }

 private:
  static std::string err(archive* a) {
    const char* e = archive_error_string(a);
    return e != nullptr ? e : "unknown libarchive error";
  }
  // "blobs/sha256/<hex>" or "<hex>.json" → hex; else "".
  static std::string digestNamed(const std::string& path) {
    if (path.rfind("blobs/sha256/", 0) == 0 && isSha256Hex(path.substr(13))) return path.substr(13);
    if (path.size() == 69 && path.substr(64) == ".json" && isSha256Hex(path.substr(0, 64))) {
      return path.substr(0, 64);
    }
    return "";
  }
  static Result<Member> copyOut(archive* a, const std::string& file, const std::string& name) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return Status::fromErrno("create " + file);
    Sha256 h;
    char buf[65536];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
      if (n < 0) return Status::error(EBADMSG, "read archive member " + name + ": " + err(a));
      if (n == 0) break;
      std::string_view chunk(buf, static_cast<size_t>(n));
      h.update(chunk);
      ORCH_RETURN_IF_ERROR(writeAll(fd.get(), chunk, file));
    }
    Member m{.file = file, .digest = "", .size = h.bytes()};
    m.digest = h.digest();
    return m;
  }

  std::map<std::string, Member> files_;
  std::map<std::string, std::string> links_;
};

// Checks that the layer's uncompressed content is the config's diff ID.
Status checkDiffId(const Member& layer, const std::string& diff_id, const std::string& name) {
  std::string got = layer.digest;
  if (got != diff_id) {  // compressed, or wrong
    ORCH_ASSIGN_OR_RETURN(got, uncompressedDigest(layer.file));
  }
  if (got != diff_id) {
    return Status::error(EBADMSG, "layer " + name + ": uncompressed digest " + got +
                                      " does not match diff ID " + diff_id);
  }
  return Status::ok();
}

// Builds a staged image from a config member and its layer members, verifying diff IDs.
Result<StagedImage> stage(const ArchiveFiles& files, const std::string& config_path,
                          const std::vector<std::pair<std::string, Descriptor>>& layers) {
  StagedImage img;
  ORCH_ASSIGN_OR_RETURN(Member cfg, files.get(config_path));
  ORCH_ASSIGN_OR_RETURN(img.config_json, readFile(cfg.file));
  json config = json::parse(img.config_json, nullptr, false);
  std::vector<std::string> diff_ids;
  try {
    diff_ids = config.at("rootfs").at("diff_ids").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    return Status::invalid("image config " + config_path + ": " + e.what());
  }
  if (diff_ids.size() != layers.size()) {
    return Status::invalid("image config " + config_path + ": " + std::to_string(diff_ids.size()) +
                           " diff IDs for " + std::to_string(layers.size()) + " layers");
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& [path, desc] = layers[i];
    ORCH_ASSIGN_OR_RETURN(Member m, files.get(path));
    if (!desc.digest.empty() && desc.size != m.size) {
      return Status::error(EBADMSG, "layer " + path + ": " + std::to_string(m.size) +
                                        " bytes, the manifest says " + std::to_string(desc.size));
    }
    ORCH_RETURN_IF_ERROR(checkDiffId(m, diff_ids[i], path));
    img.layers.push_back(StagedLayer{
        .digest = m.digest, .media_type = desc.media_type, .size = m.size, .path = m.file});
  }
  return img;
}

Result<std::vector<StagedImage>> stageDocker(const ArchiveFiles& files) {
  ORCH_ASSIGN_OR_RETURN(json manifest, files.readJson("manifest.json"));
  if (!manifest.is_array()) return Status::invalid("manifest.json: not an array");
  json repositories = json::object();
  if (files.has("repositories")) {
    auto r = files.readJson("repositories");
    if (r.ok() && r->is_object()) repositories = *r;
  }
  std::vector<StagedImage> out;
  for (const auto& entry : manifest) {
    std::string config_path;
    std::vector<std::pair<std::string, Descriptor>> layers;
    std::vector<std::string> tags;
    try {
      config_path = entry.at("Config").get<std::string>();
      for (const auto& l : entry.at("Layers"))
        layers.emplace_back(l.get<std::string>(), Descriptor{});
      if (auto t = entry.find("RepoTags"); t != entry.end() && t->is_array()) {
        tags = t->get<std::vector<std::string>>();
      }
    } catch (const json::exception& e) {
      return Status::invalid(std::string("manifest.json: ") + e.what());
    }
    if (tags.empty() && manifest.size() == 1) {
      for (const auto& [repo, byTag] : repositories.items()) {
        if (!byTag.is_object()) continue;
        for (const auto& [tag, unused] : byTag.items()) tags.push_back(repo + ":" + tag);
      }
    }
    ORCH_ASSIGN_OR_RETURN(StagedImage img, stage(files, config_path, layers));
    for (const auto& t : tags) {
      auto norm = normalizeReference(t);
      if (!norm.ok()) return norm.status().withContext("manifest.json RepoTags");
      img.refs.push_back(*norm);
    }
    out.push_back(std::move(img));
  }
  return out;
}

std::string blobPath(const std::string& digest) {
  return "blobs/sha256/" + digestHex(digest);
}

// The image name an OCI index entry carries, "" when none.
Result<std::string> ociName(const Descriptor& d) {
  auto it = d.annotations.find("io.containerd.image.name");
  std::string name;
  if (it != d.annotations.end()) {
    name = it->second;
  } else if (auto r = d.annotations.find("org.opencontainers.image.ref.name");
             r != d.annotations.end() && r->second.find_first_of("/:@.") != std::string::npos) {
    name = r->second;
  }
  if (name.empty()) return name;
  auto norm = normalizeReference(name);
  if (!norm.ok()) return norm.status().withContext("index.json annotation");
  return *norm;
}

Result<std::vector<StagedImage>> stageOci(const ArchiveFiles& files) {
  ORCH_ASSIGN_OR_RETURN(json layout, files.readJson("oci-layout"));
  if (!layout.is_object() || !layout.contains("imageLayoutVersion")) {
    return Status::invalid("oci-layout: no imageLayoutVersion");
  }
  ORCH_ASSIGN_OR_RETURN(json index, files.readJson("index.json"));
  ORCH_ASSIGN_OR_RETURN(auto entries, parseIndex(index));
  std::vector<StagedImage> out;
  for (const auto& top : entries) {
    ORCH_ASSIGN_OR_RETURN(std::string name, ociName(top));
    Descriptor desc = top;
    std::vector<StagedBlob> manifests;
    std::optional<Manifest> manifest;
    for (int depth = 0; depth < 4 && !manifest; ++depth) {
      ORCH_ASSIGN_OR_RETURN(Member m, files.get(blobPath(desc.digest)));
      if (m.size != desc.size) {
        return Status::error(EBADMSG, "blob " + desc.digest + ": " + std::to_string(m.size) +
                                          " bytes, its descriptor says " +
                                          std::to_string(desc.size));
      }
      manifests.push_back(StagedBlob{.digest = desc.digest, .path = m.file});
      ORCH_ASSIGN_OR_RETURN(json doc, files.readJson(blobPath(desc.digest)));
      ORCH_ASSIGN_OR_RETURN(ManifestKind kind, classifyManifest(desc.media_type, doc));
      if (kind == ManifestKind::kIndex) {
        ORCH_ASSIGN_OR_RETURN(auto sub, parseIndex(doc));
        ORCH_ASSIGN_OR_RETURN(desc, selectPlatform(sub, hostPlatform()));
      } else {
        ORCH_ASSIGN_OR_RETURN(Manifest parsed, parseManifest(doc));
        manifest = std::move(parsed);
      }
    }
    if (!manifest) return Status::invalid("index.json: indexes nested too deeply");
    std::vector<std::pair<std::string, Descriptor>> layers;
    for (const auto& l : manifest->layers) layers.emplace_back(blobPath(l.digest), l);
    ORCH_ASSIGN_OR_RETURN(StagedImage img, stage(files, blobPath(manifest->config.digest), layers));
    img.manifests = std::move(manifests);
    if (!name.empty()) {
      ORCH_ASSIGN_OR_RETURN(Reference ref, parseReference(name));
      img.refs.push_back(name);
      img.refs.push_back(ref.withDigest(top.digest));
    }
    out.push_back(std::move(img));
  }
  return out;
}

}  // namespace

Result<std::vector<ImageRecord>> importImageArchive(LocalImageStore& store,
                                                    const std::string& tar_path) {
  auto fail = [&](const Status& st) { return st.withContext("import " + tar_path); };
  struct stat st;
  if (::stat(tar_path.c_str(), &st) != 0) return fail(Status::fromErrno("stat"));
  if (!S_ISREG(st.st_mode)) return fail(Status::invalid("not a regular file"));
  auto staging = TempTree::create(store.tmpDir(), "import");
  if (!staging.ok()) return fail(staging.status());
  ArchiveFiles files;
  if (Status st = files.extract(tar_path, staging->path()); !st.isOk()) return fail(st);
  Result<std::vector<StagedImage>> staged = Status::invalid(
      "neither a docker-archive (manifest.json) nor an OCI image layout (index.json)");
  if (files.has("manifest.json")) {
    staged = stageDocker(files);
  } else if (files.has("index.json")) {
    staged = stageOci(files);
  }
  if (!staged.ok()) return fail(staged.status());
  std::vector<ImageRecord> out;
  for (const auto& img : *staged) {
    auto rec = store.commit(img);
    if (!rec.ok()) return fail(rec.status());
    out.push_back(std::move(rec).value());
  }
  return out;
}

}  // namespace orch::shim
