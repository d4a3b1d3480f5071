#include "runtime-shim/image/layer_store.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>

#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/store_fs.h"

namespace orch::shim {

LayerStore::LayerStore(std::string root, UnpackOptions opts)
    : root_(std::move(root)), dir_(root_ + "/layers"), opts_(opts) {}

std::string LayerStore::dir(const std::string& chain_id) const {
  return dir_ + "/" + digestHex(chain_id);
}

bool LayerStore::has(const std::string& chain_id) const {
  if (!isSha256Digest(chain_id)) return false;
  struct stat st;
  return ::stat(dir(chain_id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status LayerStore::ensure(const std::string& chain_id, const std::string& diff_id,
                          const std::string& blob_path) {
  ORCH_RETURN_IF_ERROR(checkDigest(chain_id, "layer chain ID"));
  if (has(chain_id)) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(TempTree tmp, TempTree::create(root_ + "/tmp", "layer"));
  // The layer's root directory is what overlayfs shows as "/" for this layer alone.
  if (::chmod(tmp.path().c_str(), 0755) != 0) return Status::fromErrno("chmod " + tmp.path());
  auto report = unpackLayer(blob_path, tmp.path(), diff_id, opts_);
  if (!report.ok()) return report.status().withContext("unpack layer " + diff_id);
  if (::rename(tmp.path().c_str(), dir(chain_id).c_str()) != 0) {
    return Status::fromErrno("move layer " + diff_id + " into " + dir(chain_id));
  }
  tmp.release();
  return Status::ok();
}

Status LayerStore::remove(const std::string& chain_id) {
  ORCH_RETURN_IF_ERROR(checkDigest(chain_id, "layer chain ID"));
  // Renamed away first so that a half-removed layer is never visible under its name.
  ORCH_ASSIGN_OR_RETURN(TempTree tmp, TempTree::create(root_ + "/tmp", "gc"));
  std::string victim = tmp.path() + "/layer";
  if (::rename(dir(chain_id).c_str(), victim.c_str()) != 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::fromErrno("remove layer " + chain_id);
  }
  return removeTree(tmp.path());
}

Result<std::vector<std::string>> LayerStore::list() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Status::fromErrno("open " + dir_);
  while (dirent* e = ::readdir(d)) {
    if (isSha256Hex(e->d_name)) out.push_back(std::string("sha256:") + e->d_name);
  }
  ::closedir(d);
  return out;
}

}  // namespace orch::shim
