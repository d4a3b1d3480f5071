#include "runtime-shim/image/local_image_store.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <set>

#include "runtime-shim/image/archive_import.h"
#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/image_pull.h"
#include "runtime-shim/image/reference.h"
#include "runtime-shim/image/store_fs.h"

namespace orch::shim {

using nlohmann::json;

Result<std::unique_ptr<ImageStore>> ImageStore::open(const std::string& root) {
  return open(root, ImageStoreOptions{.privileged = ::geteuid() == 0});
}

Result<std::unique_ptr<ImageStore>> ImageStore::open(const std::string& root,
                                                     const ImageStoreOptions& opts) {
  if (root.empty()) return Status::invalid("image store: empty root path");
  ORCH_RETURN_IF_ERROR(makeDirs(root, 0711));
  // A resolved root: libarchive refuses to extract through any symlink on the path.
  char real[PATH_MAX];
  if (::realpath(root.c_str(), real) == nullptr) return Status::fromErrno("resolve " + root);
  std::string r = real;
  for (const char* sub : {"/blobs/sha256", "/layers", "/images", "/tmp"}) {
    ORCH_RETURN_IF_ERROR(makeDirs(r + sub, 0700));
  }
  ::chmod((r + "/blobs").c_str(), 0700);
  // Layers are looked up through overlay mounts only; 0711 lets those resolve paths.
  ::chmod((r + "/layers").c_str(), 0711);
  return std::unique_ptr<ImageStore>(new LocalImageStore(r, opts));
}

LocalImageStore::LocalImageStore(std::string root, const ImageStoreOptions& opts)
    : root_(std::move(root)),
      blobs_(root_),
      layers_(root_, UnpackOptions{.privileged = opts.privileged}),
      records_(root_) {}

ImageRecord LocalImageStore::toRecord(const StoredImage& img, const RefIndex& refs) const {
  ImageRecord r;
  r.id = img.id;
  for (const auto& [ref, id] : refs) {
    if (id != img.id) continue;
    (ref.find('@') == std::string::npos ? r.repo_tags : r.repo_digests).push_back(ref);
  }
  for (const auto& l : img.layers) {
    r.size += l.size;
    r.layer_dirs.push_back(layers_.dir(l.chain_id));
  }
  r.config = img.config;
  return r;
}

Result<std::vector<ImageRecord>> LocalImageStore::list() {
  ORCH_ASSIGN_OR_RETURN(RefIndex refs, records_.loadRefs());
  ORCH_ASSIGN_OR_RETURN(auto all, records_.loadAll());
  std::vector<ImageRecord> out;
  for (const auto& img : all) out.push_back(toRecord(img, refs));
  return out;
}

Result<std::optional<std::string>> LocalImageStore::resolveId(const std::string& s,
                                                              const RefIndex& refs) const {
  using Id = std::optional<std::string>;
  auto exists = [&](const std::string& id) -> Result<Id> {
    ORCH_ASSIGN_OR_RETURN(auto img, records_.load(id));
    return img ? Id(id) : Id();
  };
  if (isSha256Digest(s)) return exists(s);
  if (isSha256Hex(s)) return exists("sha256:" + s);
  if (auto norm = normalizeReference(s); norm.ok()) {
    if (auto it = refs.find(*norm); it != refs.end()) return exists(it->second);
  }
  // A unique prefix of an id, with or without "sha256:".
  std::string prefix = s.rfind("sha256:", 0) == 0 ? s.substr(7) : s;
  if (prefix.empty() || prefix.size() >= 64 ||
      prefix.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Id();
  }
  ORCH_ASSIGN_OR_RETURN(auto all, records_.loadAll());
  Id found;
  for (const auto& img : all) {
    if (digestHex(img.id).rfind(prefix, 0) != 0) continue;
    if (found) return Status::invalid("image id prefix \"" + s + "\" is ambiguous");
    found = img.id;
  }
  return found;
}

Result<std::optional<ImageRecord>> LocalImageStore::find(const std::string& ref_or_id) {
  ORCH_ASSIGN_OR_RETURN(RefIndex refs, records_.loadRefs());
  ORCH_ASSIGN_OR_RETURN(auto id, resolveId(ref_or_id, refs));
  if (!id) return std::optional<ImageRecord>();
  ORCH_ASSIGN_OR_RETURN(auto img, records_.load(*id));
  if (!img) return std::optional<ImageRecord>();  // removed meanwhile
  return std::optional<ImageRecord>(toRecord(*img, refs));
}

Result<std::vector<ImageRecord>> LocalImageStore::importArchive(const std::string& tar_path) {
  return importImageArchive(*this, tar_path);
}

Result<ImageRecord> LocalImageStore::pull(const std::string& ref, const PullOptions& opts) {
  return pullImage(*this, ref, opts);
}

Result<ImageRecord> LocalImageStore::commit(const StagedImage& img) {
  ORCH_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::acquire(root_));
  auto r = commitLocked(img);
  if (!r.ok()) (void)collectGarbage();  // drops the layers and blobs added so far
  return r;
}

Result<ImageRecord> LocalImageStore::commitLocked(const StagedImage& staged) {
  StoredImage img;
  img.id = sha256Digest(staged.config_json);
  json config = json::parse(staged.config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return Status::invalid("image config " + img.id + ": not a JSON object");
  }
  std::vector<std::string> diff_ids;
  try {
    const json& rootfs = config.at("rootfs");
    if (rootfs.value("type", "") != "layers") {
      return Status::invalid("image config " + img.id + ": rootfs.type is not \"layers\"");
    }
    diff_ids = rootfs.at("diff_ids").get<std::vector<std::string>>();
    if (auto it = config.find("config"); it != config.end() && it->is_object()) {
      img.config = *it;
    } else {
      img.config = json::object();
    }
  } catch (const json::exception& e) {
    return Status::invalid("image config " + img.id + ": " + e.what());
  }
  if (diff_ids.size() != staged.layers.size()) {
    return Status::invalid("image config " + img.id + ": " + std::to_string(diff_ids.size()) +
                           " diff IDs for " + std::to_string(staged.layers.size()) + " layers");
  }
  for (const auto& d : diff_ids) ORCH_RETURN_IF_ERROR(checkDigest(d, "image config diff ID"));
  const std::vector<std::string> chains = chainIds(diff_ids);

  for (size_t i = 0; i < staged.layers.size(); ++i) {
    const StagedLayer& l = staged.layers[i];
    ORCH_RETURN_IF_ERROR(checkDigest(l.digest, "layer"));
    // The store's copy when there is one (an earlier image of the same archive may have
    // moved the staged file in already).
    std::string src = blobs_.has(l.digest) ? blobs_.path(l.digest) : l.path;
    if (src.empty() && !layers_.has(chains[i])) {
      return Status::error(EAGAIN, "layer blob " + l.digest + " vanished from the store");
    }
    if (!src.empty()) ORCH_RETURN_IF_ERROR(layers_.ensure(chains[i], diff_ids[i], src));
    img.layers.push_back(StoredLayer{.digest = l.digest,
                                     .diff_id = diff_ids[i],
                                     .chain_id = chains[i],
                                     .media_type = l.media_type,
                                     .size = l.size});
  }
  // Blobs move in only once every layer unpacked.
  ORCH_RETURN_IF_ERROR(blobs_.put(img.id, staged.config_json));
  for (const auto& l : staged.layers) {
    if (!l.path.empty() && !blobs_.has(l.digest)) {
      ORCH_RETURN_IF_ERROR(blobs_.adopt(l.digest, l.path));
    }
  }
  for (const auto& m : staged.manifests) {
    if (!blobs_.has(m.digest)) ORCH_RETURN_IF_ERROR(blobs_.adopt(m.digest, m.path));
    img.manifest_digests.push_back(m.digest);
  }
  // An image committed again (re-pull, re-import) keeps the manifests it had.
  ORCH_ASSIGN_OR_RETURN(auto old, records_.load(img.id));
  if (old) {
    for (const auto& d : old->manifest_digests) {
      bool known = false;
      for (const auto& m : img.manifest_digests) known = known || m == d;
      if (!known && blobs_.has(d)) img.manifest_digests.push_back(d);
    }
  }
  ORCH_RETURN_IF_ERROR(records_.save(img));
  ORCH_ASSIGN_OR_RETURN(RefIndex refs, records_.loadRefs());
  for (const auto& ref : staged.refs) refs[ref] = img.id;
  ORCH_RETURN_IF_ERROR(records_.saveRefs(refs));
  return toRecord(img, refs);
}

Status LocalImageStore::remove(const std::string& ref_or_id) {
  ORCH_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::acquire(root_));
  ORCH_ASSIGN_OR_RETURN(RefIndex refs, records_.loadRefs());
  ORCH_ASSIGN_OR_RETURN(auto id, resolveId(ref_or_id, refs));
  if (!id) return Status::ok();
  // Names go first: a crash in between leaves an unnamed image, never a name without one.
  for (auto it = refs.begin(); it != refs.end();) {
    it = it->second == *id ? refs.erase(it) : std::next(it);
  }
  ORCH_RETURN_IF_ERROR(records_.saveRefs(refs));
  ORCH_RETURN_IF_ERROR(records_.erase(*id));
  return collectGarbage();
}

Status LocalImageStore::collectGarbage() {
  ORCH_ASSIGN_OR_RETURN(auto all, records_.loadAll());
  std::set<std::string> blobs, chains, ids;
  for (const auto& img : all) {
    ids.insert(img.id);
    blobs.insert(img.id);
    for (const auto& m : img.manifest_digests) blobs.insert(m);
    for (const auto& l : img.layers) {
      blobs.insert(l.digest);
      chains.insert(l.chain_id);
    }
  }
  Status first;
  auto note = [&](Status st) {
    if (first.isOk() && !st.isOk()) first = std::move(st);
  };
  ORCH_ASSIGN_OR_RETURN(auto present_blobs, blobs_.list());
  for (const auto& d : present_blobs) {
    if (!blobs.count(d)) note(blobs_.remove(d));
  }
  ORCH_ASSIGN_OR_RETURN(auto present_layers, layers_.list());
  for (const auto& c : present_layers) {
    if (!chains.count(c)) note(layers_.remove(c));
  }
  // Names of images that are gone (a crash between the two writes of remove()).
  ORCH_ASSIGN_OR_RETURN(RefIndex refs, records_.loadRefs());
  bool stale = false;
  for (auto it = refs.begin(); it != refs.end();) {
    bool gone = !ids.count(it->second);
    stale = stale || gone;
    it = gone ? refs.erase(it) : std::next(it);
  }
  if (stale) note(records_.saveRefs(refs));
  // Temp files and dirs of processes that died mid-import or mid-pull.
  if (DIR* d = ::opendir(tmpDir().c_str())) {
    std::vector<std::string> dead;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      pid_t owner = tempOwner(name);
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) dead.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : dead) note(removeTree(tmpDir() + "/" + name));
  }
  return first;
}

Result<FsUsage> LocalImageStore::usage() {
  ORCH_ASSIGN_OR_RETURN(TreeUsage u, treeUsage(root_));
  return FsUsage{.mountpoint = root_, .used_bytes = u.bytes, .inodes_used = u.inodes};
}

}  // namespace orch::shim
